// Package hasrelay is a minimal HAS relay written for the tests from the
// protocol documents at docs.hiveauth.com; not a production relay.
//
// A HiveAuth relay (a "HAS server") is the websocket server between a dapp
// (the APP, e.g. npm hive-auth-wrapper) and the key-holding wallet (the
// PKSA). The public relay cannot be reached from tests, so tests start this
// one on loopback (Start) and point both sides at it.
//
// It does what the protocol documents and the reference PKSA
// (hiveauth/hive-auth-pksa) rely on: it greets every connection with
// "connected", hands out its public key (key_req), registers a PKSA's
// accounts after checking a proof of key for each (register_req), gives
// every APP request (auth_req, sign_req, challenge_req) a uuid and an
// expiry and forwards it to the PKSAs registered for its account (queuing it
// until one registers), checks the proof of key on every PKSA answer and
// forwards the first valid one to the APP without it, and lets an APP that
// reconnected take its request back (attach_req), replaying the answer if it
// already came. It keeps everything in memory and knows nothing of the
// encrypted payloads, which it forwards verbatim.
//
// A proof of key ("pok") is a Hive encrypted memo from one of the account's
// keys to the relay's key: over the current Unix time in milliseconds on
// register_req, over the request's uuid on an answer.
package hasrelay

import (
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/gorilla/websocket"

	"localsigner/hiveauth"
	"localsigner/signer/keys"
	"localsigner/signer/memo"
)

// DefaultTimeout is the request lifetime when Config.Timeout is zero, the
// public relay's.
const DefaultTimeout = 60 * time.Second

const (
	// keyPrefix is the prefix of the relay key in key_ack: the protocol
	// writes keys in Hive's format whatever chain the accounts are on.
	keyPrefix = "STM"
	// pokMaxSkew is how far the time in a register_req proof of key may be
	// from the relay's clock, so that an old proof cannot be replayed.
	pokMaxSkew = 10 * time.Second
	// readLimit bounds one websocket message; requests of 100 operations
	// are far below it.
	readLimit = 1 << 20
	// writeTimeout bounds one write, so a peer that stops reading cannot
	// hold a connection's writer forever.
	writeTimeout = 5 * time.Second
	// sendQueue is how many messages may wait for one connection's writer;
	// a peer that falls that far behind is disconnected.
	sendQueue = 256
	// lookupTimeout bounds one Config.AccountKeys call.
	lookupTimeout = 10 * time.Second
)

// Config is what a test chooses about the relay.
type Config struct {
	// AccountKeys returns the public keys of an account, which a proof of
	// key must come from; an error or no keys means the account is
	// unknown. Tests back it with the devnet's accounts. Required.
	AccountKeys func(ctx context.Context, account string) ([]keys.PublicKey, error)
	// Timeout is the request lifetime, announced in "connected" (in whole
	// seconds, at least 1); 0 means DefaultTimeout.
	Timeout time.Duration
	// Now is the relay's clock, for expiries and the register_req proof of
	// key; tests move it to expire requests or make proofs stale. nil means
	// time.Now.
	Now func() time.Time
	// Log receives what the relay does, at debug level; nil discards.
	Log *slog.Logger
}

// Relay is a running relay's state; serve it with ServeHTTP (or Start).
// All methods are safe for concurrent use.
type Relay struct {
	accountKeys func(context.Context, string) ([]keys.PublicKey, error)
	timeout     time.Duration
	now         func() time.Time
	log         *slog.Logger
	priv        *secp256k1.PrivateKey
	pub         keys.PublicKey
	upgrader    websocket.Upgrader

	mu        sync.Mutex
	closed    bool
	conns     map[*conn]struct{}
	accounts  map[string]map[*conn]struct{} // PKSA registrations
	reqs      map[string]*request           // by uuid
	forwarded map[string]int                // deliveries to a PKSA, by cmd
}

// request is one APP request between its *_req and its expiry.
type request struct {
	uuid    string
	account string
	kind    string // "auth", "sign" or "challenge"
	expire  time.Time
	deliver []byte // the message forwarded to PKSAs
	app     *conn  // where the answer goes; rebound by attach_req
	answer  []byte // the first valid answer, without pok
}

// conn is one websocket, APP or PKSA (the protocol does not tell them
// apart). Its own goroutine writes what is queued on send, so that messages
// queued under Relay.mu go out in that order and no writer ever blocks.
type conn struct {
	ws       *websocket.Conn
	send     chan []byte
	done     chan struct{}
	once     sync.Once
	cancel   context.CancelFunc  // ends the connection's account lookups
	accounts map[string]struct{} // registered on this connection; under Relay.mu
}

// kill closes the connection abruptly (no close frame), which ends its
// reader, its writer and its account lookups.
func (c *conn) kill() {
	c.once.Do(func() {
		c.cancel()
		close(c.done)
		_ = c.ws.Close()
	})
}

// New makes a relay with a fresh random key pair.
func New(cfg Config) (*Relay, error) {
	if cfg.AccountKeys == nil {
		return nil, errors.New("hasrelay: Config.AccountKeys is required")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("hasrelay: negative timeout %v", cfg.Timeout)
	}
	priv, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		return nil, fmt.Errorf("hasrelay: relay key: %w", err)
	}
	r := &Relay{
		accountKeys: cfg.AccountKeys,
		timeout:     cfg.Timeout,
		now:         cfg.Now,
		log:         cfg.Log,
		priv:        priv,
		pub:         publicKey(priv),
		conns:       map[*conn]struct{}{},
		accounts:    map[string]map[*conn]struct{}{},
		reqs:        map[string]*request{},
		forwarded:   map[string]int{},
	}
	if r.timeout == 0 {
		r.timeout = DefaultTimeout
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	// A relay serves dapps on web pages of any origin.
	r.upgrader.CheckOrigin = func(*http.Request) bool { return true }
	return r, nil
}

// Start serves a new relay on a loopback port for the duration of the test
// and returns it with its ws:// URL. At cleanup it drops every connection
// and stops the server.
func Start(t testing.TB, cfg Config) (*Relay, string) {
	t.Helper()
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("hasrelay: listen: %v", err)
	}
	srv := httptest.NewUnstartedServer(r)
	_ = srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(func() {
		// Hijacked websockets outlive the HTTP server's own tracking, and
		// Close waits for their handlers: end them first.
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		r.DropConnections()
		srv.Close()
	})
	return r, "ws" + strings.TrimPrefix(srv.URL, "http")
}

// PublicKey is the relay's key, which key_ack announces and every proof of
// key must be encrypted to.
func (r *Relay) PublicKey() keys.PublicKey { return r.pub }

// DropConnections closes every live websocket (APP and PKSA) abruptly, as a
// relay restart or a network cut would, so tests can check that clients
// reconnect, re-register and re-attach. Requests survive it.
func (r *Relay) DropConnections() {
	r.mu.Lock()
	cs := make([]*conn, 0, len(r.conns))
	for c := range r.conns {
		cs = append(cs, c)
	}
	r.mu.Unlock()
	for _, c := range cs {
		c.kill()
	}
}

// Registered reports whether a live PKSA connection has registered the
// account, so tests can wait for a PKSA to be ready before sending it work.
func (r *Relay) Registered(account string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.accounts[account]) > 0
}

// Forwarded counts the requests of a command (auth_req, sign_req,
// challenge_req) delivered to a PKSA, re-deliveries after a re-registration
// included, so tests can tell how often a PKSA was asked (for instance that
// a reconnecting PKSA does not sign the same request twice).
func (r *Relay) Forwarded(cmd string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.forwarded[cmd]
}

// ServeHTTP upgrades the request to a websocket and runs the protocol on it
// until it closes.
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	ws, err := r.upgrader.Upgrade(w, req, nil)
	if err != nil {
		r.log.Debug("hasrelay: upgrade", "err", err)
		return // the upgrader has answered
	}
	ws.SetReadLimit(readLimit)
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{
		ws:       ws,
		send:     make(chan []byte, sendQueue),
		done:     make(chan struct{}),
		cancel:   cancel,
		accounts: map[string]struct{}{},
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		c.kill()
		return
	}
	r.conns[c] = struct{}{}
	r.enqueue(c, hiveauth.Message{
		Cmd:      hiveauth.CmdConnected,
		Timeout:  int((r.timeout + time.Second - 1) / time.Second),
		Protocol: hiveauth.Protocol,
	})
	r.mu.Unlock()

	written := make(chan struct{})
	go func() {
		defer close(written)
		r.write(c)
	}()
	r.read(ctx, c)
	c.kill()
	<-written

	r.mu.Lock()
	delete(r.conns, c)
	for a := range c.accounts {
		delete(r.accounts[a], c)
		if len(r.accounts[a]) == 0 {
			delete(r.accounts, a)
		}
	}
	n := len(c.accounts)
	r.mu.Unlock()
	r.log.Debug("hasrelay: connection closed", "accounts", n)
}

// write sends c's queued messages until c is killed.
func (r *Relay) write(c *conn) {
	for {
		select {
		case <-c.done:
			return
		case b := <-c.send:
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				r.log.Debug("hasrelay: write", "err", err)
				c.kill()
				return
			}
		}
	}
}

// read handles c's messages in order until it closes.
func (r *Relay) read(ctx context.Context, c *conn) {
	for {
		typ, b, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if typ != websocket.TextMessage {
			r.reply(c, errorMsg("messages must be JSON text"))
			continue
		}
		r.handle(ctx, c, b)
	}
}

// enqueue queues m for c; r.mu must be held, so that messages queued in one
// critical section keep their order. A connection whose queue is full is
// dropped rather than waited for.
func (r *Relay) enqueue(c *conn, m any) {
	b, err := json.Marshal(m)
	if err != nil {
		panic("hasrelay: marshal: " + err.Error()) // only our own types
	}
	r.enqueueRaw(c, b)
}

func (r *Relay) enqueueRaw(c *conn, b []byte) {
	select {
	case <-c.done:
		return
	default:
	}
	select {
	case c.send <- b:
	default:
		r.log.Debug("hasrelay: send queue full, dropping connection")
		c.kill()
	}
}

// reply queues one message for c.
func (r *Relay) reply(c *conn, m hiveauth.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.enqueue(c, m)
}

func errorMsg(format string, args ...any) hiveauth.Message {
	return hiveauth.Message{Cmd: hiveauth.CmdError, Error: fmt.Sprintf(format, args...)}
}

// handle runs one message of c.
func (r *Relay) handle(ctx context.Context, c *conn, b []byte) {
	var m hiveauth.Message
	if err := json.Unmarshal(b, &m); err != nil {
		r.reply(c, errorMsg("invalid message: %v", err))
		return
	}
	r.log.Debug("hasrelay: received", "cmd", m.Cmd, "uuid", m.UUID, "account", m.Account)
	switch m.Cmd {
	case hiveauth.CmdKeyReq:
		r.reply(c, hiveauth.Message{Cmd: hiveauth.CmdKeyAck, Key: r.pub.Format(keyPrefix)})
	case hiveauth.CmdRegisterReq:
		r.register(ctx, c, &m)
	case hiveauth.CmdAuthReq:
		r.request(c, &m, "auth", hiveauth.CmdAuthWait)
	case hiveauth.CmdSignReq:
		r.request(c, &m, "sign", hiveauth.CmdSignWait)
	case hiveauth.CmdChallengeReq:
		r.request(c, &m, "challenge", hiveauth.CmdChallengeWait)
	case hiveauth.CmdAttachReq:
		r.attach(c, &m)
	case hiveauth.CmdAuthAck, hiveauth.CmdAuthNack, hiveauth.CmdAuthErr,
		hiveauth.CmdSignAck, hiveauth.CmdSignNack, hiveauth.CmdSignErr,
		hiveauth.CmdChallengeAck, hiveauth.CmdChallengeNack, hiveauth.CmdChallengeErr:
		r.answer(ctx, c, &m, b)
	case "":
		r.reply(c, errorMsg("invalid message: no cmd"))
	default:
		r.reply(c, errorMsg("unknown command %q", m.Cmd))
	}
}

// sweep forgets expired requests; r.mu must be held.
func (r *Relay) sweep(now time.Time) {
	for id, q := range r.reqs {
		if !now.Before(q.expire) {
			delete(r.reqs, id)
		}
	}
}

// request takes an APP's auth_req, sign_req or challenge_req: it answers
// with the *_wait naming the request and forwards it to the account's
// PKSAs, or keeps it for the first one to register.
func (r *Relay) request(c *conn, m *hiveauth.Message, kind, wait string) {
	if m.Account == "" {
		r.reply(c, errorMsg("%s: no account", m.Cmd))
		return
	}
	var data string
	if err := json.Unmarshal(m.Data, &data); err != nil || data == "" {
		r.reply(c, errorMsg("%s: data must be a non-empty string (the encrypted payload)", m.Cmd))
		return
	}
	id := newUUID()
	now := r.now()
	q := &request{
		uuid:    id,
		account: m.Account,
		kind:    kind,
		expire:  now.Add(r.timeout),
		app:     c,
	}
	expire := q.expire.UnixMilli()
	deliver, err := json.Marshal(hiveauth.Message{Cmd: m.Cmd, UUID: id, Expire: expire, Account: m.Account, Data: m.Data})
	if err != nil {
		panic("hasrelay: marshal: " + err.Error())
	}
	q.deliver = deliver
	w := hiveauth.Message{Cmd: wait, UUID: id, Expire: expire}
	if kind == "auth" {
		w.Account = m.Account
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweep(now)
	r.reqs[id] = q
	r.enqueue(c, w) // before the PKSA can see the uuid
	for p := range r.accounts[m.Account] {
		r.enqueueRaw(p, deliver)
		r.forwarded[m.Cmd]++
	}
	r.log.Debug("hasrelay: request", "cmd", m.Cmd, "uuid", id, "account", m.Account, "pksas", len(r.accounts[m.Account]))
}

// register takes a PKSA's register_req: all its accounts or none.
func (r *Relay) register(ctx context.Context, c *conn, m *hiveauth.Message) {
	if len(m.Accounts) == 0 {
		r.reply(c, errorMsg("register_req: no accounts"))
		return
	}
	now := r.now()
	var failed []hiveauth.Message
	for _, a := range m.Accounts {
		if why := r.checkRegistration(ctx, a, now); why != "" {
			failed = append(failed, hiveauth.Message{
				Cmd:     hiveauth.CmdError,
				Account: a.Name,
				Error:   fmt.Sprintf("register_req: account %q: %s", a.Name, why),
			})
		}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if len(failed) > 0 {
		for _, f := range failed {
			r.enqueue(c, f)
		}
		r.log.Debug("hasrelay: registration refused", "failed", len(failed))
		return
	}
	select {
	case <-c.done:
		return // closed while we checked: nothing would unregister it
	default:
	}
	r.sweep(now)
	for _, a := range m.Accounts {
		if r.accounts[a.Name] == nil {
			r.accounts[a.Name] = map[*conn]struct{}{}
		}
		r.accounts[a.Name][c] = struct{}{}
		c.accounts[a.Name] = struct{}{}
		r.enqueue(c, hiveauth.Message{Cmd: hiveauth.CmdRegisterAck, Account: a.Name})
	}
	registered := map[string]bool{}
	for _, a := range m.Accounts {
		registered[a.Name] = true
	}
	for _, q := range r.reqs {
		if registered[q.account] && q.answer == nil {
			r.enqueueRaw(c, q.deliver)
			r.forwarded[q.kind+"_req"]++
		}
	}
	r.log.Debug("hasrelay: registered", "app", m.App, "accounts", len(m.Accounts))
}

// checkRegistration says why one account of a register_req is refused, or
// "" when its proof of key holds.
func (r *Relay) checkRegistration(ctx context.Context, a hiveauth.Registration, now time.Time) string {
	if a.Name == "" {
		return "no account name"
	}
	text, why := r.openPok(ctx, a.Name, a.Pok)
	if why != "" {
		return why
	}
	ms, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return "pok unreadable: not a time in milliseconds"
	}
	skew := time.Duration(now.UnixMilli()-ms) * time.Millisecond
	if skew > pokMaxSkew || skew < -pokMaxSkew {
		return fmt.Sprintf("pok stale: its time is %v from the relay's", skew)
	}
	return ""
}

// openPok decrypts a proof of key for account, or says why it does not
// open: the account is unknown, the memo is unreadable or not for the
// relay's key, or it comes from a key that is not the account's.
func (r *Relay) openPok(ctx context.Context, account, pok string) (text, why string) {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	ks, err := r.accountKeys(ctx, account)
	if err != nil {
		return "", fmt.Sprintf("unknown account: %v", err)
	}
	if len(ks) == 0 {
		return "", "unknown account"
	}
	if pok == "" {
		return "", "pok unreadable: missing"
	}
	mm, err := memo.ParseHive(pok)
	if err != nil {
		return "", fmt.Sprintf("pok unreadable: %v", err)
	}
	if mm.To != r.pub {
		return "", "pok unreadable: not encrypted to the relay's key"
	}
	found := false
	for _, k := range ks {
		if k == mm.From {
			found = true
			break
		}
	}
	if !found {
		return "", "pok wrong key: not from one of the account's keys"
	}
	s, err := sharedSecret(r.priv, mm.From)
	if err != nil {
		return "", fmt.Sprintf("pok unreadable: %v", err)
	}
	defer s.Clear()
	text, err = mm.Decrypt(&s)
	if err != nil {
		return "", fmt.Sprintf("pok unreadable: %v", err)
	}
	return text, ""
}

// answer takes a PKSA's answer to a request: checked, then forwarded to
// the request's APP without its pok and kept for attach_req.
func (r *Relay) answer(ctx context.Context, c *conn, m *hiveauth.Message, raw []byte) {
	fail := func(format string, args ...any) {
		e := errorMsg("%s: "+format, append([]any{m.Cmd}, args...)...)
		e.UUID = m.UUID
		r.reply(c, e)
	}
	if m.UUID == "" {
		fail("no uuid")
		return
	}
	kind, _, _ := strings.Cut(m.Cmd, "_")
	account, why := r.pending(m.UUID, kind)
	if why != "" {
		fail("%s", why)
		return
	}
	text, why := r.openPok(ctx, account, m.Pok)
	if why != "" {
		fail("%s", why)
		return
	}
	if text != m.UUID {
		fail("pok wrong text: it does not name this request")
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		fail("invalid message: %v", err)
		return
	}
	delete(fields, "pok")
	out, err := json.Marshal(fields)
	if err != nil {
		fail("invalid message: %v", err)
		return
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweep(r.now())
	q := r.reqs[m.UUID]
	switch {
	case q == nil:
		r.enqueue(c, hiveauth.Message{Cmd: hiveauth.CmdError, UUID: m.UUID, Error: m.Cmd + ": unknown or expired request"})
	case q.answer != nil:
		r.enqueue(c, hiveauth.Message{Cmd: hiveauth.CmdError, UUID: m.UUID, Error: m.Cmd + ": already answered"})
	default:
		q.answer = out
		r.enqueueRaw(q.app, out)
		r.log.Debug("hasrelay: answered", "cmd", m.Cmd, "uuid", m.UUID)
	}
}

// pending returns the account of a live, unanswered request of that kind,
// or why an answer to it is refused.
func (r *Relay) pending(id, kind string) (account, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweep(r.now())
	q := r.reqs[id]
	switch {
	case q == nil:
		return "", "unknown or expired request"
	case q.kind != kind:
		return "", fmt.Sprintf("the request is a %s_req", q.kind)
	case q.answer != nil:
		return "", "already answered"
	}
	return q.account, ""
}

// attach takes an APP's attach_req: the request's answer now goes to c,
// and if it already came it is sent again.
func (r *Relay) attach(c *conn, m *hiveauth.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweep(r.now())
	q := r.reqs[m.UUID]
	if m.UUID == "" || q == nil {
		r.enqueue(c, hiveauth.Message{Cmd: hiveauth.CmdAttachNack, UUID: m.UUID})
		return
	}
	q.app = c
	r.enqueue(c, hiveauth.Message{Cmd: hiveauth.CmdAttachAck, UUID: m.UUID})
	if q.answer != nil {
		r.enqueueRaw(c, q.answer)
	}
}

// ProofOfKey makes a proof of key as a PKSA does: text (the Unix time in
// milliseconds for register_req, the request's uuid for an answer)
// encrypted as a Hive memo from priv's public key to the relay's key. It is
// for tests that play the PKSA without Localsigner.
func ProofOfKey(priv *secp256k1.PrivateKey, relay keys.PublicKey, text string) (string, error) {
	s, err := sharedSecret(priv, relay)
	if err != nil {
		return "", err
	}
	defer s.Clear()
	return memo.EncryptHive(&s.Secret, publicKey(priv), relay, memo.NewNonce(), text).String(), nil
}

// sharedSecret is the ECDH secret of priv and pub in both forms memos use
// (see memo.SharedSecret): sha512 of the 32-byte x coordinate of priv·pub,
// and of that x without its leading zero bytes.
func sharedSecret(priv *secp256k1.PrivateKey, pub keys.PublicKey) (memo.SharedSecret, error) {
	var s memo.SharedSecret
	p, err := secp256k1.ParsePubKey(pub[:])
	if err != nil {
		return s, fmt.Errorf("peer key: %w", err)
	}
	x := secp256k1.GenerateSharedSecret(priv, p)
	defer clear(x)
	s.Secret = sha512.Sum512(x)
	skip := 0
	for skip < len(x)-1 && x[skip] == 0 {
		skip++
	}
	s.Legacy = sha512.Sum512(x[skip:])
	return s, nil
}

func publicKey(priv *secp256k1.PrivateKey) keys.PublicKey {
	var k keys.PublicKey
	copy(k[:], priv.PubKey().SerializeCompressed())
	return k
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
