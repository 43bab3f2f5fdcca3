package localapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/internal/daemon"
	"localsigner/internal/testkit"
	"localsigner/localapi"
	"localsigner/localapi/admin"
	"localsigner/signer"
	"localsigner/store"
)

// The tests run the real thing, started by internal/testkit: the signer's
// vault with a cheap KDF, the bbolt store, the wallet, the HTTP server on a
// loopback port, and the admin channel on a Unix socket; the dapp API tests
// add the devnet and the node client (dapp_helpers_test.go).

const (
	passphrase   = testkit.Passphrase
	dappRedirect = "https://dapp.example/cb"
	dappOrigin   = "https://dapp.example"
)

type env struct {
	*testkit.Kit
	t       testing.TB
	dir     string
	srv     *localapi.Server
	db      *store.DB
	vault   *signer.Vault
	admin   *admin.Client
	base    string // http://127.0.0.1:PORT
	port    int
	logs    *testkit.SyncBuffer
	http    *http.Client
	stopped <-chan struct{}
}

type envOption func(*daemon.Options)

// newEnv starts Localsigner without a devnet: the OAuth surfaces alone.
func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	return startEnv(t, testkit.Options{NoDevnet: true}, opts...)
}

func startEnv(t testing.TB, ko testkit.Options, opts ...envOption) *env {
	t.Helper()
	logs := &testkit.SyncBuffer{}
	ko.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ko.Daemon = func(o *daemon.Options) {
		for _, opt := range opts {
			opt(o)
		}
	}
	k := testkit.Start(t, ko)
	return &env{Kit: k, t: t, dir: k.Dir, srv: k.Server, db: k.DB, vault: k.Vault, admin: k.Admin, base: k.Base,
		port: k.Port, logs: logs, http: k.HTTP, stopped: k.Stopped()}
}

// checksum is the store's content hash, to prove a refusal changed nothing.
func (e *env) checksum() [32]byte {
	e.t.Helper()
	s, err := e.db.Checksum()
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// do sends a request with optional headers and returns status, headers and
// body.
func (e *env) do(method, path string, body string, hdr map[string]string) (int, http.Header, string) {
	e.t.Helper()
	return e.Kit.Do(method, path, body, hdr)
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
		time.Sleep(10 * time.Millisecond)
	}
}

// authorizeResult is a finished authorization request as the browser sees
// it.
type authorizeResult struct {
	status   int
	location *url.URL
	body     string
}

// authorize starts GET authURL like a browser navigation and returns a
// function that waits for its answer.
func (e *env) authorize(authURL string) func() authorizeResult {
	ch := make(chan authorizeResult, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, authURL, nil)
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "document")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := e.http.Do(req)
		if err != nil {
			ch <- authorizeResult{status: -1, body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		r := authorizeResult{status: resp.StatusCode, body: string(b)}
		if loc := resp.Header.Get("Location"); loc != "" {
			r.location, _ = url.Parse(loc)
		}
		ch <- r
	}()
	return func() authorizeResult {
		e.t.Helper()
		select {
		case r := <-ch:
			return r
		case <-time.After(20 * time.Second):
			e.t.Fatal("authorization request did not finish")
			return authorizeResult{}
		}
	}
}

// authURL builds an authorization URL for the code flow with PKCE.
func (e *env) authURL(client, redirect, scope, state, challenge string) string {
	v := url.Values{"client_id": {client}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {scope}, "state": {state}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	return e.base + "/oauth2/authorize?" + v.Encode()
}

func adminAddApp(name, scopes, account string) admin.AddAppArgs {
	return admin.AddAppArgs{Name: name, Scopes: scopes, Account: account}
}
