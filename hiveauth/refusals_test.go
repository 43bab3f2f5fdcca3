package hiveauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/hiveauth"
	"localsigner/internal/daemon"
	"localsigner/internal/hasrelay"
	"localsigner/internal/testkit"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/keys"
)

// goDapp is a HiveAuth dapp written in Go from the protocol documents, for
// the cases the wrapper cannot make: other accounts, other keys, raw
// requests.
type goDapp struct {
	t       *testing.T
	conn    *websocket.Conn
	account string
	key     string
	relay   string
}

func newGoDapp(t *testing.T, relay, account, key string) *goDapp {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(relay, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &goDapp{t: t, conn: c, account: account, key: key, relay: relay}
}

// send makes a request (data encrypted under key) and returns its uuid
// from the relay's *_wait answer.
func (d *goDapp) send(cmd string, data any, key string) string {
	d.t.Helper()
	b, _ := json.Marshal(data)
	enc, err := hiveauth.Encrypt(b, key)
	if err != nil {
		d.t.Fatal(err)
	}
	raw, _ := json.Marshal(enc)
	if err := d.conn.WriteJSON(hiveauth.Message{Cmd: cmd, Account: d.account, Data: raw}); err != nil {
		d.t.Fatal(err)
	}
	want := strings.Replace(cmd, "_req", "_wait", 1)
	for {
		m := d.read()
		if m.Cmd == want {
			return m.UUID
		}
	}
}

func (d *goDapp) read() hiveauth.Message {
	d.t.Helper()
	_ = d.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var m hiveauth.Message
	if err := d.conn.ReadJSON(&m); err != nil {
		d.t.Fatalf("read from the relay: %v", err)
	}
	return m
}

// answer reads until the answer to uuid; an answer to any other request
// fails the test (each test has one request outstanding, or one that must
// never be answered).
func (d *goDapp) answer(uuid string) hiveauth.Message {
	d.t.Helper()
	for {
		m := d.read()
		switch {
		case strings.HasSuffix(m.Cmd, "_wait") || m.Cmd == hiveauth.CmdConnected:
		case m.UUID == uuid:
			return m
		default:
			d.t.Fatalf("an answer to another request: %+v", m)
		}
	}
}

func (d *goDapp) link(uuid string) string {
	b, _ := json.Marshal(hiveauth.AuthLink{Account: d.account, UUID: uuid, Key: d.key, Host: d.relay})
	return "has://auth_req/" + base64.StdEncoding.EncodeToString(b)
}

// signIn runs a sign-in the test approves for the dapp's account.
func (d *goDapp) signIn(k *testkit.Kit) {
	d.t.Helper()
	uuid := d.send(hiveauth.CmdAuthReq, hiveauth.AuthReqData{App: hiveauth.AppInfo{Name: "Go dapp"}}, d.key)
	done := make(chan error, 1)
	go func() { _, err := k.Admin.OpenHiveAuth(d.link(uuid)); done <- err }()
	p := k.WaitApproval(approval.KindAuthorize)
	if err := k.Admin.Approve(p.ID, nil, "", false); err != nil {
		d.t.Fatal(err)
	}
	if m := d.answer(uuid); m.Cmd != hiveauth.CmdAuthAck {
		d.t.Fatalf("sign-in answered %+v", m)
	}
	if err := <-done; err != nil {
		d.t.Fatal(err)
	}
}

func (d *goDapp) errorText(m hiveauth.Message) string {
	b, err := hiveauth.Decrypt(m.Error, d.key)
	if err != nil {
		return "(undecryptable: " + m.Error + ")"
	}
	return string(b)
}

// TestHiveAuthRefusals: what a link, a relay or a dapp cannot make the
// PKSA do. A link naming another relay, or an account without keys, is
// refused before anything connects. A sign-in moved to another account is
// refused. A request under a key no session holds gets no answer and
// signs nothing; a posting request for active operations, and any request
// of a session the user ended in Localsigner, get sign_err.
func TestHiveAuthRefusals(t *testing.T) {
	k, relay, url := startPKSA(t)
	d := newGoDapp(t, url, "alice", "b7c1d2e3-0000-4000-8000-000000000001")

	other := &goDapp{account: "alice", key: d.key, relay: "wss://relay.example.com"}
	if _, err := k.Admin.OpenHiveAuth(other.link("6d6c1c3e-0b0e-4a47-9e2c-51a1f5b3e2a0")); err == nil ||
		!strings.Contains(err.Error(), "Localsigner is set to 127.0.0.1") {
		t.Fatalf("a link to another relay: %v", err)
	}
	carol := &goDapp{account: "carol", key: d.key, relay: url}
	if _, err := k.Admin.OpenHiveAuth(carol.link("6d6c1c3e-0b0e-4a47-9e2c-51a1f5b3e2a0")); err == nil ||
		!strings.Contains(err.Error(), "holds no keys of that account") {
		t.Fatalf("a link for an account without keys: %v", err)
	}

	// The user picks another account than the one the dapp signs in.
	uuid := d.send(hiveauth.CmdAuthReq, hiveauth.AuthReqData{App: hiveauth.AppInfo{Name: "Go dapp"}}, d.key)
	go k.Admin.OpenHiveAuth(d.link(uuid)) //nolint:errcheck // the answer is read from the relay
	p := k.WaitApproval(approval.KindAuthorize)
	if err := k.Admin.Approve(p.ID, nil, "bob", false); err != nil {
		t.Fatal(err)
	}
	if m := d.answer(uuid); m.Cmd != hiveauth.CmdAuthErr || !strings.Contains(m.Error, "cannot be moved to another account") {
		t.Fatalf("a sign-in moved to @bob: %+v", m)
	}

	d.signIn(k)
	before := relay.Forwarded(hiveauth.CmdSignReq)
	follow := json.RawMessage(`[["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"follow","json":"[\"follow\",{\"follower\":\"alice\",\"following\":\"bob\",\"what\":[\"blog\"]}]"}]]`)
	stranger := d.send(hiveauth.CmdSignReq, hiveauth.SignReqData{KeyType: "posting", Ops: follow, Broadcast: true, Nonce: time.Now().UnixMilli()},
		"a key no session holds")
	transfer := json.RawMessage(`[["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":""}]]`)
	u := d.send(hiveauth.CmdSignReq, hiveauth.SignReqData{KeyType: "posting", Ops: transfer, Broadcast: true, Nonce: time.Now().UnixMilli()}, d.key)
	m := d.answer(u)
	if m.Cmd != hiveauth.CmdSignErr || !strings.Contains(d.errorText(m), "need the active key") {
		t.Fatalf("posting key for a transfer: %+v %s", m, d.errorText(m))
	}
	if relay.Forwarded(hiveauth.CmdSignReq) < before+2 {
		t.Fatal("the relay did not forward the requests")
	}

	// The user ends the session in Localsigner: the dapp is told.
	grants, err := k.Admin.Grants()
	if err != nil {
		t.Fatal(err)
	}
	var revoked bool
	for _, g := range grants {
		if strings.HasPrefix(g.ClientID, "hiveauth-") {
			if _, err := k.Admin.Revoke(g.ClientID); err != nil {
				t.Fatal(err)
			}
			revoked = true
		}
	}
	if !revoked {
		t.Fatalf("no HiveAuth grant listed: %+v", grants)
	}
	u = d.send(hiveauth.CmdSignReq, hiveauth.SignReqData{KeyType: "posting", Ops: follow, Broadcast: true, Nonce: time.Now().UnixMilli() + 1}, d.key)
	if m := d.answer(u); m.Cmd != hiveauth.CmdSignErr || !strings.Contains(d.errorText(m), "ended in Localsigner") {
		t.Fatalf("a request of a revoked session: %+v %s", m, d.errorText(m))
	}

	// Nothing was signed for any of them: the request under a stranger's
	// key got no answer (answer fails on one) and no transaction is in the
	// audit log.
	if stranger == "" {
		t.Fatal("no uuid")
	}
	events, err := k.Admin.Log(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Type == authz.EventBroadcast && e.Outcome == "broadcast" {
			t.Fatalf("something was broadcast: %+v", e)
		}
	}
}

// TestHiveAuthSessionSurvivesRestart: a signed-in dapp's session (its key,
// its grant and its last nonce) is kept, encrypted, across a restart of
// Localsigner; a request the dapp sent before the restart cannot be
// replayed after it; the file holds no session key in the clear.
func TestHiveAuthSessionSurvivesRestart(t *testing.T) {
	// Each Localsigner runs its own devnet of the same genesis, and the
	// new one registers while it starts: the relay reads the account's
	// keys from the genesis, not from either's node.
	g, err := devnet.DefaultGenesis(chain.Hive, "STM", devnet.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	relay, url := hasrelay.Start(t, hasrelay.Config{AccountKeys: func(_ context.Context, name string) ([]keys.PublicKey, error) {
		for _, a := range g.Accounts {
			if a.Name != name {
				continue
			}
			var out []keys.PublicKey
			for _, s := range []string{a.Keys.Owner, a.Keys.Active, a.Keys.Posting, a.Keys.Memo} {
				if p, err := keys.ParsePublicKey(s, "STM"); err == nil {
					out = append(out, p)
				}
			}
			return out, nil
		}
		return nil, nil
	}})
	var k *testkit.Kit
	on := func(o *daemon.Options) { o.HiveAuth = daemon.HiveAuthOptions{Enabled: true, Relay: url} }
	k = testkit.Start(t, testkit.Options{Daemon: on})
	first := k
	registered := func(want bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); relay.Registered("alice") != want; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the relay never saw alice's PKSA registered: %v", want)
			}
		}
	}
	d := newGoDapp(t, url, "alice", "c0ffee00-0000-4000-8000-000000000002")
	d.signIn(k)
	follow := json.RawMessage(`[["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"follow","json":"[\"follow\",{\"follower\":\"alice\",\"following\":\"bob\",\"what\":[\"blog\"]}]"}]]`)
	nonce := time.Now().UnixMilli()
	if m := d.answer(d.send(hiveauth.CmdSignReq, hiveauth.SignReqData{KeyType: "posting", Ops: follow, Broadcast: true, Nonce: nonce}, d.key)); m.Cmd != hiveauth.CmdSignAck {
		t.Fatalf("before the restart: %+v %s", m, d.errorText(m))
	}
	raw, err := os.ReadFile(filepath.Join(k.Dir, daemon.SessionsFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), d.key) || strings.Contains(string(raw), "alice") {
		t.Fatal("the sessions file holds the session in the clear")
	}

	first.Stop()
	first.DB.Close()
	// A request sent while no PKSA is registered waits at the relay; the
	// test sends once the new one has registered, as a dapp would see it.
	registered(false)
	k = testkit.Start(t, testkit.Options{Vault: first.Vault, Dir: first.Dir, Daemon: on})
	registered(true)
	if m := d.answer(d.send(hiveauth.CmdSignReq, hiveauth.SignReqData{KeyType: "posting", Ops: follow, Broadcast: true, Nonce: nonce}, d.key)); m.Cmd != hiveauth.CmdSignErr ||
		!strings.Contains(d.errorText(m), "nonce") {
		t.Fatalf("a replay after the restart: %+v %s", m, d.errorText(m))
	}
	m := d.answer(d.send(hiveauth.CmdSignReq, hiveauth.SignReqData{KeyType: "posting", Ops: follow, Broadcast: true, Nonce: nonce + 1}, d.key))
	var id string
	if m.Cmd != hiveauth.CmdSignAck || json.Unmarshal(m.Data, &id) != nil || len(k.Devnet.Net.TransactionBlocks(id)) != 1 {
		t.Fatalf("after the restart: %+v %s", m, d.errorText(m))
	}
}
