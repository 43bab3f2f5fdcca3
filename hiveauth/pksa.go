package hiveauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/signer/chain"
	"localsigner/signer/keys"
	"localsigner/wallet"
)

// DefaultRelay is the public relay the protocol's clients default to.
const DefaultRelay = "wss://hive-auth.arcange.eu"

// Door is the name the wallet's audit log gives requests from here.
const Door = "hiveauth"

// SessionLifetime is how long a HiveAuth sign-in lasts, as the reference
// PKSA's default: a day.
const SessionLifetime = 24 * time.Hour

// Wallet is the policy the PKSA asks: *wallet.Wallet satisfies it.
type Wallet interface {
	AskGrant(ctx context.Context, ar *approval.Request) (approval.Decision, error)
	Send(ctx context.Context, req wallet.Request) (*wallet.Result, error)
	SignMessage(ctx context.Context, req wallet.MessageRequest) (*wallet.MessageResult, error)
	SignLogin(ctx context.Context, grant *authz.Token, role, text string) (*wallet.MessageResult, error)
	ProofOfKey(account string, relay keys.PublicKey, text string) (string, error)
	Catalog() authz.Catalog
	Chain() *chain.Chain
}

// Grants records sessions and answers what a session's token still
// grants: *authz.Issuer satisfies it.
type Grants interface {
	SessionGrant(a authz.SessionApproval) (*authz.SessionResult, error)
	Lookup(token string) (*authz.Token, error)
}

// Accounts lists the accounts the vault holds keys for (an error while it
// is locked): *signer.Vault satisfies it.
type Accounts interface {
	Accounts(chain string) ([]string, error)
}

// Store keeps the sessions across restarts. They hold the dapps' session
// keys, so an implementation must encrypt them at rest; Load fails while
// the vault is locked.
type Store interface {
	Load() ([]Session, error)
	Save([]Session) error
}

// Session is one signed-in dapp: the session key it shares with the PKSA,
// the grant the user approved, and the highest nonce seen, so that no
// request is answered twice.
type Session struct {
	Account  string `json:"account"`
	Key      string `json:"key"`
	ClientID string `json:"client_id"`
	App      string `json:"app"`
	// Token is the grant's bearer token (authz.Issuer.SessionGrant).
	Token string `json:"token"`
	// Expire is when the session ends, Unix milliseconds.
	Expire int64  `json:"expire"`
	Nonce  int64  `json:"nonce"`
	Relay  string `json:"relay"`
}

// Config configures a PKSA.
type Config struct {
	// Relay is the relay's URL (NormalizeRelay); empty takes DefaultRelay.
	Relay    string
	Wallet   Wallet
	Grants   Grants
	Accounts Accounts
	Store    Store
	// Log gets operational lines, never a key, payload or challenge.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Dial connects to the relay; nil uses a websocket dialer with a 10 s
	// handshake timeout.
	Dial func(ctx context.Context, url string) (*websocket.Conn, error)
}

// Errors callers branch on.
var (
	// ErrOtherRelay: a link names a relay other than the one configured.
	ErrOtherRelay = errors.New("the link names another relay")
	// ErrNoAccount: the link's account has no key in the vault.
	ErrNoAccount = errors.New("no key of the link's account")
	// ErrLinkExpired: the relay never forwarded the link's request.
	ErrLinkExpired = errors.New("the sign-in request did not arrive from the relay in time")
	// ErrOff: HiveAuth is turned off in Settings.
	ErrOff = errors.New("HiveAuth is turned off")
)

// Limits on what the relay may make the PKSA hold.
const (
	maxBuffered  = 64   // auth_reqs waiting for their link
	maxAnswered  = 1024 // answers kept for re-delivered requests
	maxInflight  = 16   // requests being handled at once
	maxAppName   = 64
	linkWait     = 90 * time.Second
	maxBackoff   = 30 * time.Second
	pingInterval = 30 * time.Second
)

// PKSA is the HiveAuth door. Create it with New and run it with Run.
type PKSA struct {
	cfg   Config
	log   *slog.Logger
	relay string

	mu         sync.Mutex
	conn       *websocket.Conn
	writeMu    sync.Mutex
	serverKey  keys.PublicKey
	connected  bool
	registered map[string]bool
	sessions   []Session
	loaded     bool
	links      map[string]*pendingLink // by request uuid
	buffered   map[string]Message      // auth_reqs whose key is not known yet
	inflight   map[string]bool
	answered   map[string]answer // by uuid
	outbox     []answer
	kick       chan struct{}
	sem        chan struct{}
	run        context.Context // Run's context, which requests live in
}

type pendingLink struct {
	link *AuthLink
	done chan LinkResult
}

// answer is a reply waiting to be (re)sent: the message without its proof
// of key, which is made at sending, under the relay key of the moment.
type answer struct {
	msg     Message
	account string
	expire  int64
}

// LinkResult is what became of a has://auth_req link.
type LinkResult struct {
	Account  string `json:"account"`
	App      string `json:"app"`
	Approved bool   `json:"approved"`
	// Challenge says the sign-in carried a challenge, which was signed.
	Challenge bool   `json:"challenge,omitempty"`
	Error     string `json:"error,omitempty"`
}

// New checks cfg and returns a PKSA, not yet connected.
func New(cfg Config) (*PKSA, error) {
	if cfg.Wallet == nil || cfg.Grants == nil || cfg.Accounts == nil || cfg.Store == nil {
		return nil, errors.New("hiveauth: config needs Wallet, Grants, Accounts and Store")
	}
	if cfg.Relay == "" {
		cfg.Relay = DefaultRelay
	}
	relay, err := NormalizeRelay(cfg.Relay)
	if err != nil {
		return nil, fmt.Errorf("hiveauth relay: %w", err)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Dial == nil {
		d := *websocket.DefaultDialer // the environment's proxy, if any
		d.HandshakeTimeout = 10 * time.Second
		cfg.Dial = func(ctx context.Context, u string) (*websocket.Conn, error) {
			c, _, err := d.DialContext(ctx, u, nil)
			return c, err
		}
	}
	return &PKSA{cfg: cfg, log: cfg.Log.With("door", Door), relay: relay, registered: map[string]bool{},
		links: map[string]*pendingLink{}, buffered: map[string]Message{}, inflight: map[string]bool{},
		answered: map[string]answer{}, kick: make(chan struct{}, 1), sem: make(chan struct{}, maxInflight)}, nil
}

// Relay is the relay the PKSA connects to.
func (p *PKSA) Relay() string { return p.relay }

// Status is what the app shows about the PKSA.
type Status struct {
	Relay     string   `json:"relay"`
	Connected bool     `json:"connected"`
	Accounts  []string `json:"accounts"` // registered with the relay
	Sessions  int      `json:"sessions"`
}

// Status reports the connection, the registered accounts and how many
// sessions are live.
func (p *PKSA) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Status{Relay: p.relay, Connected: p.connected}
	for a, ok := range p.registered {
		if ok {
			s.Accounts = append(s.Accounts, a)
		}
	}
	slices.Sort(s.Accounts)
	now := p.nowMS()
	for _, se := range p.sessions {
		if se.Expire > now {
			s.Sessions++
		}
	}
	return s
}

// Unlocked tells the PKSA the vault was unlocked: it loads the sessions
// and registers their accounts, which needs the keys.
func (p *PKSA) Unlocked() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *PKSA) nowMS() int64 { return p.cfg.Now().UnixMilli() }

// Run keeps a connection to the relay until ctx ends, reconnecting with
// backoff (1 s doubling to 30 s) when it drops. Requests being handled go
// on across a reconnect; their answers are sent once the accounts are
// registered again.
func (p *PKSA) Run(ctx context.Context) error {
	p.mu.Lock()
	p.run = ctx
	p.mu.Unlock()
	backoff := time.Second
	for {
		start := p.cfg.Now()
		err := p.session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if p.cfg.Now().Sub(start) > time.Minute {
			backoff = time.Second
		}
		p.log.Info("relay connection lost; reconnecting", "relay", p.relay, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// session is one connection: dial, key_req, then read until it fails.
func (p *PKSA) session(ctx context.Context) error {
	conn, err := p.cfg.Dial(ctx, p.relay)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", p.relay, err)
	}
	conn.SetReadLimit(MaxPayload + 64<<10)
	p.mu.Lock()
	p.conn = conn
	p.mu.Unlock()
	cctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		conn.Close()
		p.mu.Lock()
		p.conn, p.connected = nil, false
		clear(p.registered)
		p.mu.Unlock()
	}()
	go func() {
		t := time.NewTicker(pingInterval)
		defer t.Stop()
		for {
			select {
			case <-cctx.Done():
				conn.Close()
				return
			case <-p.kick:
				p.register(cctx)
			case <-t.C:
				p.writeMu.Lock()
				err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second))
				p.writeMu.Unlock()
				if err != nil {
					conn.Close()
					return
				}
			}
		}
	}()
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(3 * pingInterval)) })
	if err := p.write(conn, Message{Cmd: CmdKeyReq}); err != nil {
		return err
	}
	for {
		_ = conn.SetReadDeadline(time.Now().Add(3 * pingInterval))
		_, raw, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		var m Message
		if err := json.Unmarshal(raw, &m); err != nil {
			p.log.Warn("relay sent a message that is not JSON")
			continue
		}
		p.handle(cctx, m)
	}
}

func (p *PKSA) write(conn *websocket.Conn, m Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return conn.WriteMessage(websocket.TextMessage, b)
}

// handle dispatches one message from the relay. Requests that wait for
// the user run in their own goroutine, at most maxInflight at once; the
// relay re-delivers what it still holds after a reconnect.
func (p *PKSA) handle(ctx context.Context, m Message) {
	switch m.Cmd {
	case CmdConnected:
		if m.Protocol > Protocol {
			p.log.Warn("relay speaks a newer protocol", "protocol", m.Protocol)
		}
	case CmdKeyAck:
		k, err := parseRelayKey(m.Key)
		if err != nil {
			p.log.Warn("relay key unreadable", "err", err)
			return
		}
		p.mu.Lock()
		p.serverKey, p.connected = k, true
		p.mu.Unlock()
		p.register(ctx)
	case CmdRegisterAck:
		p.mu.Lock()
		if m.Account != "" {
			p.registered[m.Account] = true
		}
		p.mu.Unlock()
		p.flush()
	case CmdError:
		p.log.Info("relay reported an error", "error", printable(m.Error))
	case CmdAuthReq, CmdSignReq, CmdChallengeReq:
		if !p.fresh(m) {
			return
		}
		if p.resend(m.UUID) {
			return
		}
		if m.Cmd == CmdAuthReq && !p.hasKeyFor(m) {
			p.buffer(m)
			return
		}
		p.spawn(ctx, m)
	}
}

// fresh checks what every forwarded request must carry: an id, an account,
// data, and an expiry still ahead.
func (p *PKSA) fresh(m Message) bool {
	var data string
	if !uuidRE.MatchString(m.UUID) || !accountRE.MatchString(m.Account) || json.Unmarshal(m.Data, &data) != nil || data == "" {
		p.log.Info("relay forwarded a malformed request", "cmd", m.Cmd)
		return false
	}
	return m.Expire > p.nowMS()
}

// spawn handles m in a goroutine unless it is already being handled or
// too many are.
func (p *PKSA) spawn(ctx context.Context, m Message) {
	p.mu.Lock()
	if p.inflight[m.UUID] {
		p.mu.Unlock()
		return
	}
	select {
	case p.sem <- struct{}{}:
	default:
		p.mu.Unlock()
		p.log.Warn("too many HiveAuth requests at once; one left to expire", "cmd", m.Cmd)
		return
	}
	p.inflight[m.UUID] = true
	p.mu.Unlock()
	go func() {
		defer func() {
			p.mu.Lock()
			delete(p.inflight, m.UUID)
			p.mu.Unlock()
			<-p.sem
		}()
		// The request outlives this connection (answers are queued), not
		// the PKSA or its own expiry.
		rctx, cancel := context.WithDeadline(p.runCtx(ctx), time.UnixMilli(m.Expire))
		defer cancel()
		switch m.Cmd {
		case CmdAuthReq:
			p.authReq(rctx, m)
		case CmdSignReq:
			p.signReq(rctx, m)
		case CmdChallengeReq:
			p.challengeReq(rctx, m)
		}
	}()
}

// runCtx is Run's context, or ctx before Run.
func (p *PKSA) runCtx(ctx context.Context) context.Context {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.run != nil {
		return p.run
	}
	return ctx
}

// resend answers a request the relay delivered again (after a reconnect)
// with the answer already given, without signing anything again.
func (p *PKSA) resend(uuid string) bool {
	p.mu.Lock()
	a, ok := p.answered[uuid]
	p.mu.Unlock()
	if ok {
		p.send(a)
	}
	return ok
}

// reply records an answer and sends it (or queues it while the relay is
// away).
func (p *PKSA) reply(req Message, m Message) {
	m.UUID = req.UUID
	a := answer{msg: m, account: req.Account, expire: req.Expire}
	p.mu.Lock()
	if len(p.answered) >= maxAnswered {
		now := p.nowMS()
		for k, v := range p.answered {
			if v.expire <= now {
				delete(p.answered, k)
			}
		}
	}
	if len(p.answered) < maxAnswered {
		p.answered[req.UUID] = a
	}
	p.mu.Unlock()
	p.send(a)
}

func (p *PKSA) send(a answer) {
	p.mu.Lock()
	conn, key, ok := p.conn, p.serverKey, p.connected && p.registered[a.account]
	if !ok {
		if !slices.ContainsFunc(p.outbox, func(o answer) bool { return o.msg.UUID == a.msg.UUID }) {
			p.outbox = append(p.outbox, a)
		}
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	pok, err := p.cfg.Wallet.ProofOfKey(a.account, key, a.msg.UUID)
	if err != nil {
		p.log.Warn("proof of key for an answer", "err", err)
		return
	}
	m := a.msg
	m.Pok = pok
	if err := p.write(conn, m); err != nil {
		p.mu.Lock()
		p.outbox = append(p.outbox, a)
		p.mu.Unlock()
	}
}

// flush sends queued answers whose accounts are registered again.
func (p *PKSA) flush() {
	p.mu.Lock()
	now := p.nowMS()
	var ready, keep []answer
	for _, a := range p.outbox {
		switch {
		case a.expire <= now:
		case p.connected && p.registered[a.account]:
			ready = append(ready, a)
		default:
			keep = append(keep, a)
		}
	}
	p.outbox = keep
	p.mu.Unlock()
	for _, a := range ready {
		p.send(a)
	}
}

// load reads the stored sessions once the vault opens them.
func (p *PKSA) load() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.loaded {
		return
	}
	s, err := p.cfg.Store.Load()
	if err != nil {
		return
	}
	p.sessions, p.loaded = s, true
}

// register sends register_req for the accounts with live sessions or a
// link waiting, that the vault holds keys for. It needs the vault open.
func (p *PKSA) register(ctx context.Context) {
	p.load()
	p.mu.Lock()
	if !p.connected {
		p.mu.Unlock()
		return
	}
	conn, key := p.conn, p.serverKey
	want := map[string]bool{}
	now := p.nowMS()
	for _, s := range p.sessions {
		if s.Expire > now && s.Relay == p.relay {
			want[s.Account] = true
		}
	}
	for _, l := range p.links {
		want[l.link.Account] = true
	}
	for a := range p.registered {
		delete(want, a)
	}
	p.mu.Unlock()
	if len(want) == 0 {
		return
	}
	held, err := p.cfg.Accounts.Accounts(p.cfg.Wallet.Chain().Name)
	if err != nil {
		return // locked: Unlocked kicks again
	}
	req := Message{Cmd: CmdRegisterReq, App: "Localsigner"}
	for _, a := range slices.Sorted(mapsKeys(want)) {
		if !slices.Contains(held, a) {
			continue
		}
		pok, err := p.cfg.Wallet.ProofOfKey(a, key, strconv.FormatInt(p.nowMS(), 10))
		if err != nil {
			p.log.Info("cannot register an account with the relay", "account", a, "err", err)
			continue
		}
		req.Accounts = append(req.Accounts, Registration{Name: a, Pok: pok})
	}
	if len(req.Accounts) > 0 && ctx.Err() == nil {
		if err := p.write(conn, req); err != nil {
			conn.Close()
		}
	}
}

func mapsKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// parseRelayKey reads the relay's public key, written with any chain's
// prefix (the public relay uses STM).
func parseRelayKey(s string) (keys.PublicKey, error) {
	if len(s) < 4 {
		return keys.PublicKey{}, errors.New("no key")
	}
	return keys.ParsePublicKey(s, s[:3])
}

// newClientID names a session's client: its own, so that no app can share
// another's grant by claiming its name.
func newClientID() (string, error) {
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "hiveauth-" + hex.EncodeToString(b[:]), nil
}

// host is a relay URL's host, for the prompts.
func host(relay string) string {
	if u, err := url.Parse(relay); err == nil {
		return u.Host
	}
	return relay
}
