package attack

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/internal/daemon"
	"localsigner/internal/testkit"
	"localsigner/localapi"
	"localsigner/localapi/admin"
	"localsigner/signer"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
	"localsigner/store"
)

// The harness is internal/testkit: the devnet producing a block every
// blockInterval behind its websocket front-end, the node client, the
// signer's vault (cheap KDF) holding alice's and bob's devnet keys, the
// bbolt store, the wallet, the HTTP server on a loopback port and the admin
// socket.

const (
	passphrase    = testkit.Passphrase
	dappRedirect  = "https://dapp.example/cb"
	dappOrigin    = "https://dapp.example"
	otherRedirect = "https://other.example/cb"
	otherOrigin   = "https://other.example"
	evilOrigin    = "https://evil.example"
	form          = "application/x-www-form-urlencoded"
	blockInterval = 40 * time.Millisecond
)

// env is one running Localsigner with its devnet.
type env struct {
	*testkit.Kit
	t     testing.TB
	dir   string
	srv   *localapi.Server
	db    *store.DB
	vault *signer.Vault
	admin *admin.Client
	base  string // http://127.0.0.1:PORT
	port  int
	http  *http.Client
	net   *devnet.Devnet
	nc    *node.Client
}

type envOption func(*daemon.Options)

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	return newEnvKDF(t, testkit.CheapKDF, opts...)
}

// newEnvKDF is newEnv with the vault's KDF parameters chosen.
func newEnvKDF(t testing.TB, kdf signer.KDFParams, opts ...envOption) *env {
	t.Helper()
	k := testkit.Start(t, testkit.Options{BlockInterval: blockInterval, KDF: kdf, Daemon: func(o *daemon.Options) {
		o.UnlockWait = 200 * time.Millisecond
		for _, opt := range opts {
			opt(o)
		}
	}})
	return &env{Kit: k, t: t, dir: k.Dir, srv: k.Server, db: k.DB, vault: k.Vault, admin: k.Admin, base: k.Base,
		port: k.Port, http: k.HTTP, net: k.Devnet.Net, nc: k.Node}
}

// response is an HTTP answer with its JSON error code, if any.
type response struct {
	status int
	hdr    http.Header
	body   string
	code   string // "error" member of a JSON body
}

// do sends one request; hdr "Host" sets the Host header.
func (e *env) do(method, path, body string, hdr map[string]string) response {
	e.t.Helper()
	st, h, b := e.Kit.Do(method, path, body, hdr)
	r := response{status: st, hdr: h, body: b}
	var j struct{ Error string }
	if json.Unmarshal([]byte(b), &j) == nil {
		r.code = j.Error
	}
	return r
}

// tokens is a token endpoint answer.
type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// code runs authorize → approve (as account) and returns an unredeemed
// code with its PKCE verifier.
func (e *env) code(client, redirect, scope, account string) (code, verifier string) {
	e.t.Helper()
	verifier = oauth2.GenerateVerifier()
	u := e.base + "/oauth2/authorize?" + url.Values{"client_id": {client}, "redirect_uri": {redirect},
		"response_type": {"code"}, "scope": {scope}, "state": {"s"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}.Encode()
	type result struct {
		loc *url.URL
		err error
	}
	ch := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "document")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := e.http.Do(req)
		if err != nil {
			ch <- result{err: err}
			return
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		ch <- result{loc, err}
	}()
	p := e.pending(1)[0]
	if err := e.admin.Approve(p.ID, nil, account, false); err != nil {
		e.t.Fatal(err)
	}
	var r result
	select {
	case r = <-ch:
	case <-time.After(15 * time.Second):
		e.t.Fatal("authorization request did not finish")
	}
	if r.err != nil || r.loc.Query().Get("code") == "" {
		e.t.Fatalf("authorize: %v %v", r.err, r.loc)
	}
	return r.loc.Query().Get("code"), verifier
}

// login runs authorize → approve → token.
func (e *env) login(client, redirect, scope, account string) tokens {
	e.t.Helper()
	code, verifier := e.code(client, redirect, scope, account)
	r := e.do(http.MethodPost, "/oauth2/token", formBody("grant_type", "authorization_code", "code", code,
		"redirect_uri", redirect, "code_verifier", verifier, "client_id", client), map[string]string{"Content-Type": form})
	if r.status != http.StatusOK {
		e.t.Fatalf("token: %d %s", r.status, r.body)
	}
	var tk tokens
	json.Unmarshal([]byte(r.body), &tk)
	return tk
}

// pending waits for n pending approvals and returns them.
func (e *env) pending(n int) []approval.Request {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ps, err := e.admin.Approvals()
		if err != nil {
			e.t.Fatal(err)
		}
		if len(ps) >= n {
			return ps
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d pending approvals, want %d", len(ps), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// broadcast posts operations (a JSON array) to /api/broadcast with the
// token in the Authorization header, as Hivesigner's SDK sends it.
func (e *env) broadcast(token, ops string, hdr ...string) response {
	e.t.Helper()
	h := map[string]string{"Content-Type": "application/json", "Authorization": token}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	return e.do(http.MethodPost, "/api/broadcast", `{"operations":`+ops+`}`, h)
}

func formBody(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

// snapshot is what a refused attack must leave as it was.
type snapshot struct {
	head   uint32    // devnet head block when taken
	chain  chainView // balances and recorded operations
	grants [32]byte  // hash of every client, grant and token in the store
	audit  []authz.Event
}

// chainView is the devnet state an attack could change.
type chainView struct {
	Balances                map[string]int64
	Votes, Posts, CustomJSO int
}

func (e *env) chainView() chainView {
	v := chainView{Balances: map[string]int64{}}
	for _, a := range []string{"alice", "bob", "carol"} {
		for _, sym := range []string{"HIVE", "HBD", "VESTS"} {
			units, _ := e.net.Balance(a, sym)
			v.Balances[a+" "+sym] = units
		}
	}
	v.Votes, v.Posts, v.CustomJSO = len(e.net.Votes()), len(e.net.Posts()), len(e.net.CustomJSONs())
	return v
}

// grantsHash hashes the store's clients, grants and tokens (the audit log
// is compared separately: refusals may append to it). A grant's LastUsed
// is left out: it is bookkeeping that the legitimate requests some cases
// keep making (slow clients must not stop normal service) update, and
// refusals never touch it (authz.Issuer.NoteUse runs only on success).
func (e *env) grantsHash() [32]byte {
	e.t.Helper()
	h := sha256.New()
	err := e.db.View(func(tx authz.Tx) error {
		cs, err := tx.Clients()
		if err != nil {
			return err
		}
		gs, err := tx.Grants()
		if err != nil {
			return err
		}
		for i := range gs {
			gs[i].LastUsed = time.Time{}
		}
		enc := json.NewEncoder(h)
		enc.Encode(cs)
		enc.Encode(gs)
		return tx.ForEachToken(func(t *authz.Token) error { return enc.Encode(t) })
	})
	if err != nil {
		e.t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

func (e *env) auditLog() []authz.Event {
	e.t.Helper()
	ev, err := e.admin.Log(0)
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

func (e *env) snapshot() snapshot {
	e.t.Helper()
	return snapshot{head: e.net.HeadBlockNum(), chain: e.chainView(), grants: e.grantsHash(), audit: e.auditLog()}
}

// assertNothingChanged proves an attack achieved nothing: no transaction
// reached the chain since before (two block intervals are waited for, so a
// broadcast would have landed), the chain state is the same, every client,
// grant and token is as it was, the audit log still holds every earlier
// event unchanged, new events are only of the types in audited ("type" or
// "type:outcome", each of which must appear) and never a successful
// broadcast, and no approval prompt is queued.
func assertNothingChanged(t *testing.T, e *env, before snapshot, audited ...string) {
	t.Helper()
	time.Sleep(2 * blockInterval)
	head := e.net.HeadBlockNum()
	for num := before.head + 1; num <= head; num++ {
		b, err := e.nc.Block(context.Background(), num)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.TransactionIDs) != 0 {
			t.Fatalf("block %d holds transactions %v: something was broadcast", num, b.TransactionIDs)
		}
	}
	if got := e.chainView(); !chainEqual(got, before.chain) {
		t.Fatalf("chain state changed: %+v, was %+v", got, before.chain)
	}
	if e.grantsHash() != before.grants {
		t.Fatal("clients, grants or tokens changed")
	}
	after := e.auditLog()
	if len(after) < len(before.audit) {
		t.Fatalf("audit log shrank from %d to %d events", len(before.audit), len(after))
	}
	for i, ev := range before.audit {
		a, _ := json.Marshal(ev)
		b, _ := json.Marshal(after[i])
		if string(a) != string(b) {
			t.Fatalf("audit event %d changed: %s, was %s", i, b, a)
		}
	}
	fresh := after[len(before.audit):]
	for _, ev := range fresh {
		if ev.Type == authz.EventBroadcast && ev.Outcome == "broadcast" {
			t.Fatalf("audit log records a broadcast: %+v", ev)
		}
		if !slices.ContainsFunc(audited, func(want string) bool { return auditMatches(ev, want) }) {
			t.Fatalf("unexpected audit event %+v (want only %v)", ev, audited)
		}
	}
	for _, want := range audited {
		if !slices.ContainsFunc(fresh, func(ev authz.Event) bool { return auditMatches(ev, want) }) {
			t.Fatalf("the refusal was not audited as %s; new events: %+v", want, fresh)
		}
	}
	if ps, err := e.admin.Approvals(); err != nil || len(ps) != 0 {
		t.Fatalf("approval queue: %v %+v", err, ps)
	}
}

func auditMatches(ev authz.Event, want string) bool {
	typ, outcome, _ := strings.Cut(want, ":")
	return ev.Type == typ && (outcome == "" || ev.Outcome == outcome)
}

func chainEqual(a, b chainView) bool {
	if a.Votes != b.Votes || a.Posts != b.Posts || a.CustomJSO != b.CustomJSO || len(a.Balances) != len(b.Balances) {
		return false
	}
	for k, v := range a.Balances {
		if b.Balances[k] != v {
			return false
		}
	}
	return true
}

func jsonDecode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
}
