package hasrelay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/gorilla/websocket"

	"localsigner/hiveauth"
	"localsigner/signer/keys"
)

// readWait bounds every read: a message the relay should send arrives on
// loopback in far less.
const readWait = 5 * time.Second

// world is the accounts the tests' relays know, and a key of nobody's.
type world struct {
	alice, bob, stranger *secp256k1.PrivateKey
	keys                 map[string][]keys.PublicKey
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{alice: genKey(t), bob: genKey(t), stranger: genKey(t)}
	w.keys = map[string][]keys.PublicKey{
		"alice": {publicKey(genKey(t)), publicKey(w.alice)},
		"bob":   {publicKey(w.bob)},
	}
	return w
}

func (w *world) accountKeys(_ context.Context, account string) ([]keys.PublicKey, error) {
	ks, ok := w.keys[account]
	if !ok {
		return nil, errors.New("no such account")
	}
	return ks, nil
}

func genKey(t *testing.T) *secp256k1.PrivateKey {
	t.Helper()
	k, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// clock is a Config.Now that tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// client is one websocket to the relay, APP or PKSA.
type client struct {
	t  *testing.T
	ws *websocket.Conn
}

// dial connects and checks the relay's greeting.
func dial(t *testing.T, url string, timeout int) *client {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = ws.Close() })
	c := &client{t: t, ws: ws}
	m := c.expect(hiveauth.CmdConnected)
	if m.Timeout != timeout || m.Protocol != hiveauth.Protocol {
		t.Fatalf("connected: timeout %d protocol %v, want %d and %d", m.Timeout, m.Protocol, timeout, hiveauth.Protocol)
	}
	return c
}

func (c *client) send(v any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *client) sendRaw(typ int, b []byte) {
	c.t.Helper()
	if err := c.ws.WriteMessage(typ, b); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// read returns the next message, parsed and as its raw fields.
func (c *client) read() (hiveauth.Message, map[string]json.RawMessage) {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(readWait))
	_, b, err := c.ws.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m hiveauth.Message
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("read %s: %v", b, err)
	}
	if err := json.Unmarshal(b, &fields); err != nil {
		c.t.Fatalf("read %s: %v", b, err)
	}
	return m, fields
}

// expect reads the next message and checks its command.
func (c *client) expect(cmd string) hiveauth.Message {
	c.t.Helper()
	m, _ := c.read()
	if m.Cmd != cmd {
		c.t.Fatalf("got %+v, want %s", m, cmd)
	}
	return m
}

// expectError reads an error message containing want.
func (c *client) expectError(want string) hiveauth.Message {
	c.t.Helper()
	m := c.expect(hiveauth.CmdError)
	if !strings.Contains(m.Error, want) {
		c.t.Fatalf("error %q, want it to say %q", m.Error, want)
	}
	return m
}

// expectClosed reads until the relay's close shows.
func (c *client) expectClosed() {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(readWait))
	for {
		if _, _, err := c.ws.ReadMessage(); err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				c.t.Fatalf("connection still open: %v", err)
			}
			return
		}
	}
}

func regPok(t *testing.T, priv *secp256k1.PrivateKey, relay keys.PublicKey, at time.Time) string {
	t.Helper()
	pok, err := ProofOfKey(priv, relay, strconv.FormatInt(at.UnixMilli(), 10))
	if err != nil {
		t.Fatal(err)
	}
	return pok
}

func pokOf(t *testing.T, priv *secp256k1.PrivateKey, relay keys.PublicKey, text string) string {
	t.Helper()
	pok, err := ProofOfKey(priv, relay, text)
	if err != nil {
		t.Fatal(err)
	}
	return pok
}

func registerReq(accounts ...hiveauth.Registration) hiveauth.Message {
	return hiveauth.Message{Cmd: hiveauth.CmdRegisterReq, App: "hasrelay test", Accounts: accounts}
}

// register registers alice on a new PKSA connection.
func register(t *testing.T, url string, w *world, r *Relay, at time.Time, timeout int) *client {
	t.Helper()
	p := dial(t, url, timeout)
	p.send(registerReq(hiveauth.Registration{Name: "alice", Pok: regPok(t, w.alice, r.PublicKey(), at)}))
	if m := p.expect(hiveauth.CmdRegisterAck); m.Account != "alice" {
		t.Fatalf("register_ack for %q", m.Account)
	}
	return p
}

func str(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func TestRegister(t *testing.T) {
	w := newWorld(t)
	r, url := Start(t, Config{AccountKeys: w.accountKeys})
	pub := r.PublicKey()
	now := time.Now()

	p := dial(t, url, 60)
	p.send(hiveauth.Message{Cmd: hiveauth.CmdKeyReq})
	ack := p.expect(hiveauth.CmdKeyAck)
	if k, err := keys.ParsePublicKey(ack.Key, "STM"); err != nil || k != pub {
		t.Fatalf("key_ack %q (%v), want %s", ack.Key, err, pub.Format("STM"))
	}

	for _, tc := range []struct {
		name string
		regs []hiveauth.Registration
		want string
	}{
		{"wrong key", []hiveauth.Registration{{Name: "bob", Pok: regPok(t, w.stranger, pub, now)}}, "pok wrong key"},
		{"other account's key", []hiveauth.Registration{{Name: "bob", Pok: regPok(t, w.alice, pub, now)}}, "pok wrong key"},
		{"unknown account", []hiveauth.Registration{{Name: "carol", Pok: regPok(t, w.stranger, pub, now)}}, "unknown account"},
		{"garbage", []hiveauth.Registration{{Name: "bob", Pok: "#3xyz"}}, "pok unreadable"},
		{"not a memo", []hiveauth.Registration{{Name: "bob", Pok: "hello"}}, "pok unreadable"},
		{"to another key", []hiveauth.Registration{{Name: "bob", Pok: regPok(t, w.bob, publicKey(w.stranger), now)}}, "pok unreadable"},
		{"not a time", []hiveauth.Registration{{Name: "bob", Pok: pokOf(t, w.bob, pub, "yesterday")}}, "pok unreadable"},
		{"old", []hiveauth.Registration{{Name: "bob", Pok: regPok(t, w.bob, pub, now.Add(-time.Minute))}}, "pok stale"},
		{"one bad of two", []hiveauth.Registration{
			{Name: "bob", Pok: regPok(t, w.bob, pub, now)},
			{Name: "carol", Pok: regPok(t, w.stranger, pub, now)},
		}, `"carol": unknown account`},
	} {
		p.send(registerReq(tc.regs...))
		if m := p.expectError(tc.want); m.Account != tc.regs[len(tc.regs)-1].Name {
			t.Errorf("%s: error names account %q", tc.name, m.Account)
		}
		if r.Registered("bob") {
			t.Fatalf("%s: bob registered", tc.name)
		}
	}
	p.send(registerReq())
	p.expectError("no accounts")

	p.send(registerReq(hiveauth.Registration{Name: "alice", Pok: regPok(t, w.alice, pub, time.Now())},
		hiveauth.Registration{Name: "bob", Pok: regPok(t, w.bob, pub, time.Now())}))
	for _, want := range []string{"alice", "bob"} {
		if m := p.expect(hiveauth.CmdRegisterAck); m.Account != want {
			t.Fatalf("register_ack for %q, want %q", m.Account, want)
		}
	}
	if !r.Registered("alice") || !r.Registered("bob") || r.Registered("carol") {
		t.Fatal("alice and bob should be registered, and only they")
	}

	// A PKSA that goes away is unregistered.
	_ = p.ws.Close()
	waitFor(t, "alice unregistered", func() bool { return !r.Registered("alice") })
}

func TestRegisterStaleClock(t *testing.T) {
	w := newWorld(t)
	r, url := Start(t, Config{
		AccountKeys: w.accountKeys,
		Now:         func() time.Time { return time.Now().Add(20 * time.Second) },
	})
	p := dial(t, url, 60)
	p.send(registerReq(hiveauth.Registration{Name: "alice", Pok: regPok(t, w.alice, r.PublicKey(), time.Now())}))
	p.expectError("pok stale")
	if r.Registered("alice") {
		t.Fatal("alice registered with a stale pok")
	}
}

func TestRequestsAndAnswers(t *testing.T) {
	w := newWorld(t)
	clk := newClock()
	r, url := Start(t, Config{AccountKeys: w.accountKeys, Now: clk.Now})
	pub := r.PublicKey()

	// An auth_req before any PKSA is queued.
	app := dial(t, url, 60)
	app.send(hiveauth.Message{Cmd: hiveauth.CmdAuthReq, Account: "alice", Data: str("payload-1")})
	wait := app.expect(hiveauth.CmdAuthWait)
	if wait.UUID == "" || wait.Account != "alice" || wait.Expire != clk.Now().Add(DefaultTimeout).UnixMilli() {
		t.Fatalf("auth_wait %+v", wait)
	}
	id := wait.UUID
	if n := r.Forwarded(hiveauth.CmdAuthReq); n != 0 {
		t.Fatalf("forwarded %d auth_req with no PKSA", n)
	}

	pksa := register(t, url, w, r, clk.Now(), 60)
	req, fields := pksa.read()
	if req.Cmd != hiveauth.CmdAuthReq || req.UUID != id || req.Account != "alice" || req.Expire != wait.Expire ||
		string(req.Data) != `"payload-1"` || len(fields) != 5 {
		t.Fatalf("delivered %+v", fields)
	}
	if n := r.Forwarded(hiveauth.CmdAuthReq); n != 1 {
		t.Fatalf("forwarded %d auth_req, want 1", n)
	}

	// Refused answers, none of which reaches the APP.
	for _, tc := range []struct {
		name string
		m    hiveauth.Message
		want string
	}{
		{"stranger's pok", hiveauth.Message{Cmd: hiveauth.CmdAuthAck, UUID: id, Data: str("forged"), Pok: pokOf(t, w.stranger, pub, id)}, "pok wrong key"},
		{"bob's pok", hiveauth.Message{Cmd: hiveauth.CmdAuthAck, UUID: id, Data: str("forged"), Pok: pokOf(t, w.bob, pub, id)}, "pok wrong key"},
		{"pok of another text", hiveauth.Message{Cmd: hiveauth.CmdAuthAck, UUID: id, Data: str("forged"), Pok: pokOf(t, w.alice, pub, "other")}, "pok wrong text"},
		{"no pok", hiveauth.Message{Cmd: hiveauth.CmdAuthAck, UUID: id, Data: str("forged")}, "pok unreadable"},
		{"unknown uuid", hiveauth.Message{Cmd: hiveauth.CmdAuthAck, UUID: "nope", Pok: pokOf(t, w.alice, pub, "nope")}, "unknown or expired"},
		{"wrong kind", hiveauth.Message{Cmd: hiveauth.CmdSignAck, UUID: id, Pok: pokOf(t, w.alice, pub, id)}, "auth_req"},
	} {
		pksa.send(tc.m)
		if m := pksa.expectError(tc.want); m.UUID != tc.m.UUID {
			t.Errorf("%s: error for uuid %q", tc.name, m.UUID)
		}
	}

	pksa.send(hiveauth.Message{Cmd: hiveauth.CmdAuthAck, UUID: id, Data: str("answer-1"), Pok: pokOf(t, w.alice, pub, id)})
	// The first thing the APP gets after auth_wait: nothing refused came through.
	ans, fields := app.read()
	if ans.Cmd != hiveauth.CmdAuthAck || ans.UUID != id || string(ans.Data) != `"answer-1"` {
		t.Fatalf("APP got %+v", fields)
	}
	if _, ok := fields["pok"]; ok || len(fields) != 3 {
		t.Fatalf("forwarded answer has fields %v, want cmd, uuid and data", fields)
	}

	pksa.send(hiveauth.Message{Cmd: hiveauth.CmdAuthNack, UUID: id, Pok: pokOf(t, w.alice, pub, id)})
	pksa.expectError("already answered")
	// The APP's next message is the attach_ack, so the second answer was
	// not forwarded; then the first is replayed.
	app.send(hiveauth.Message{Cmd: hiveauth.CmdAttachReq, UUID: id})
	if m := app.expect(hiveauth.CmdAttachAck); m.UUID != id {
		t.Fatalf("attach_ack for %q", m.UUID)
	}
	if m := app.expect(hiveauth.CmdAuthAck); string(m.Data) != `"answer-1"` || m.Pok != "" {
		t.Fatalf("replayed %+v", m)
	}

	// With the PKSA registered, requests go straight to it.
	app.send(hiveauth.Message{Cmd: hiveauth.CmdSignReq, Account: "alice", Data: str("ops")})
	sw, fields := app.read()
	if sw.Cmd != hiveauth.CmdSignWait || sw.UUID == "" || sw.Expire == 0 || len(fields) != 3 {
		t.Fatalf("sign_wait %v", fields)
	}
	if m := pksa.expect(hiveauth.CmdSignReq); m.UUID != sw.UUID || string(m.Data) != `"ops"` {
		t.Fatalf("delivered %+v", m)
	}
	signed := `{"id":"0123abcd","trx":{"ref_block_num":1,"operations":[["vote",{"weight":10000}]]}}`
	pksa.sendRaw(websocket.TextMessage, []byte(`{"cmd":"sign_ack","uuid":"`+sw.UUID+`","broadcast":false,"data":`+signed+
		`,"pok":"`+pokOf(t, w.alice, pub, sw.UUID)+`"}`))
	ans, fields = app.read()
	var compact bytes.Buffer
	_ = json.Compact(&compact, []byte(signed))
	if ans.Cmd != hiveauth.CmdSignAck || string(ans.Data) != compact.String() || ans.Broadcast == nil || *ans.Broadcast || fields["pok"] != nil {
		t.Fatalf("sign_ack %v", fields)
	}

	app.send(hiveauth.Message{Cmd: hiveauth.CmdChallengeReq, Account: "alice", Data: str("challenge")})
	cw := app.expect(hiveauth.CmdChallengeWait)
	pksa.expect(hiveauth.CmdChallengeReq)
	pksa.send(hiveauth.Message{Cmd: hiveauth.CmdChallengeErr, UUID: cw.UUID, Error: "encrypted-error", Pok: pokOf(t, w.alice, pub, cw.UUID)})
	if m := app.expect(hiveauth.CmdChallengeErr); m.UUID != cw.UUID || m.Error != "encrypted-error" {
		t.Fatalf("challenge_err %+v", m)
	}
	if a, s, c := r.Forwarded(hiveauth.CmdAuthReq), r.Forwarded(hiveauth.CmdSignReq), r.Forwarded(hiveauth.CmdChallengeReq); a != 1 || s != 1 || c != 1 {
		t.Fatalf("forwarded %d auth, %d sign, %d challenge; want 1 each", a, s, c)
	}

	// Invalid messages.
	app.sendRaw(websocket.TextMessage, []byte("not json"))
	app.expectError("invalid message")
	app.sendRaw(websocket.BinaryMessage, []byte(`{"cmd":"key_req"}`))
	app.expectError("JSON text")
	app.send(map[string]string{"cmd": "bogus"})
	app.expectError("unknown command")
	app.send(map[string]string{"account": "alice"})
	app.expectError("no cmd")
	app.send(hiveauth.Message{Cmd: hiveauth.CmdSignReq, Data: str("ops")})
	app.expectError("no account")
	app.send(hiveauth.Message{Cmd: hiveauth.CmdAuthReq, Account: "alice", Data: json.RawMessage(`{"a":1}`)})
	app.expectError("data")
}

func TestAttachAfterDrop(t *testing.T) {
	w := newWorld(t)
	clk := newClock()
	r, url := Start(t, Config{AccountKeys: w.accountKeys, Now: clk.Now, Timeout: 30 * time.Second})
	pub := r.PublicKey()

	pksa := register(t, url, w, r, clk.Now(), 30)
	app := dial(t, url, 30)
	app.send(hiveauth.Message{Cmd: hiveauth.CmdSignReq, Account: "alice", Data: str("ops")})
	id := app.expect(hiveauth.CmdSignWait).UUID
	pksa.expect(hiveauth.CmdSignReq)

	r.DropConnections()
	app.expectClosed()
	pksa.expectClosed()

	// The APP comes back before the answer.
	app = dial(t, url, 30)
	app.send(hiveauth.Message{Cmd: hiveauth.CmdAttachReq, UUID: "0b7a3c1e-0000-4000-8000-000000000000"})
	app.expect(hiveauth.CmdAttachNack)
	app.send(hiveauth.Message{Cmd: hiveauth.CmdAttachReq})
	app.expect(hiveauth.CmdAttachNack)
	app.send(hiveauth.Message{Cmd: hiveauth.CmdAttachReq, UUID: id})
	if m := app.expect(hiveauth.CmdAttachAck); m.UUID != id {
		t.Fatalf("attach_ack for %q", m.UUID)
	}

	// The PKSA comes back and is given the unanswered request again.
	pksa = register(t, url, w, r, clk.Now(), 30)
	if m := pksa.expect(hiveauth.CmdSignReq); m.UUID != id {
		t.Fatalf("re-delivered %q", m.UUID)
	}
	if n := r.Forwarded(hiveauth.CmdSignReq); n != 2 {
		t.Fatalf("forwarded %d sign_req, want 2", n)
	}
	pksa.send(hiveauth.Message{Cmd: hiveauth.CmdSignAck, UUID: id, Data: str("txid"), Pok: pokOf(t, w.alice, pub, id)})
	if m := app.expect(hiveauth.CmdSignAck); m.UUID != id || string(m.Data) != `"txid"` || m.Pok != "" {
		t.Fatalf("sign_ack %+v", m)
	}

	// Another drop after the answer: attaching replays it.
	r.DropConnections()
	app.expectClosed()
	pksa.expectClosed()
	app = dial(t, url, 30)
	app.send(hiveauth.Message{Cmd: hiveauth.CmdAttachReq, UUID: id})
	app.expect(hiveauth.CmdAttachAck)
	if m := app.expect(hiveauth.CmdSignAck); m.UUID != id || string(m.Data) != `"txid"` || m.Pok != "" {
		t.Fatalf("replayed %+v", m)
	}

	// An answered request is not re-delivered to a PKSA that registers.
	pksa = register(t, url, w, r, clk.Now(), 30)
	pksa.send(hiveauth.Message{Cmd: hiveauth.CmdKeyReq})
	pksa.expect(hiveauth.CmdKeyAck)

	// Expiry: an APP request no PKSA took is not delivered, and nothing
	// attaches to or answers an expired request.
	app.send(hiveauth.Message{Cmd: hiveauth.CmdAuthReq, Account: "bob", Data: str("late")})
	late := app.expect(hiveauth.CmdAuthWait).UUID
	clk.advance(31 * time.Second)
	app.send(hiveauth.Message{Cmd: hiveauth.CmdAttachReq, UUID: id})
	app.expect(hiveauth.CmdAttachNack)
	pksa.send(hiveauth.Message{Cmd: hiveauth.CmdSignAck, UUID: id, Pok: pokOf(t, w.alice, pub, id)})
	pksa.expectError("unknown or expired")
	pksa.send(registerReq(hiveauth.Registration{Name: "bob", Pok: regPok(t, w.bob, pub, clk.Now())}))
	pksa.expect(hiveauth.CmdRegisterAck)
	pksa.send(hiveauth.Message{Cmd: hiveauth.CmdKeyReq})
	pksa.expect(hiveauth.CmdKeyAck) // not the expired auth_req
	if n := r.Forwarded(hiveauth.CmdAuthReq); n != 0 {
		t.Fatalf("forwarded %d expired auth_req %s", n, late)
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New without AccountKeys")
	}
	if _, err := New(Config{AccountKeys: newWorld(t).accountKeys, Timeout: -time.Second}); err == nil {
		t.Error("New with a negative timeout")
	}
	// A sub-second timeout still announces a positive one.
	_, url := Start(t, Config{AccountKeys: newWorld(t).accountKeys, Timeout: 300 * time.Millisecond})
	dial(t, url, 1)
}

func TestUUID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := newUUID()
		if len(id) != 36 || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) || seen[id] {
			t.Fatalf("uuid %q", id)
		}
		seen[id] = true
	}
}

// waitFor polls cond until it holds, for what the relay does after a
// client has gone and so cannot be read from a socket.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(readWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
