package localapi_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"localsigner/authz"
	"localsigner/localapi"
	"localsigner/localapi/admin"
	"localsigner/signer"
	"localsigner/store"
)

// The tests run the real thing: the signer's vault with a cheap KDF, the
// bbolt store, the HTTP server on a loopback port, and the admin channel on
// a Unix socket, in a short temporary directory (socket paths are limited
// to about 100 bytes, which t.TempDir() can exceed).

const (
	passphrase   = "correct horse battery staple"
	dappRedirect = "https://dapp.example/cb"
	dappOrigin   = "https://dapp.example"
)

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	t       testing.TB
	dir     string
	srv     *localapi.Server
	db      *store.DB
	vault   *signer.Vault
	admin   *admin.Client
	base    string // http://127.0.0.1:PORT
	port    int
	logs    *syncBuffer
	http    *http.Client
	stopped chan struct{}
}

type envOption func(*localapi.Config)

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	dir, err := os.MkdirTemp("", "ls")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	v, err := signer.OpenVault(dir, signer.VaultOptions{KDF: signer.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Init([]byte(passphrase)); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"alice", "bob"} {
		if _, err := v.AddMasterPassword("devnet", a, "password of "+a+" 12345"); err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := localapi.Config{
		Listen: "127.0.0.1:0", Chain: "devnet", Catalog: authz.HiveOps, Store: db, Vault: localapi.SignerVault{V: v},
		Logger: logger, ApprovalTimeout: 10 * time.Second, UnlockWait: 300 * time.Millisecond,
		Limits: localapi.Limits{PerMinute: 60000, Burst: 1000, PromptsPerMinute: 60000, PromptBurst: 1000},
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := localapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ln, err := admin.Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{t: t, dir: dir, srv: srv, db: db, vault: v, admin: admin.NewClient(dir), port: srv.Port(),
		base: "http://127.0.0.1:" + strconv.Itoa(srv.Port()), logs: logs, stopped: make(chan struct{}),
		http: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); srv.Serve(ctx) }()
	go func() { defer wg.Done(); admin.Serve(ctx, ln, srv, logger) }()
	go func() { wg.Wait(); close(e.stopped) }()
	t.Cleanup(func() {
		cancel()
		<-e.stopped
		db.Close()
	})
	return e
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
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// pending waits for n pending approvals and returns them.
func (e *env) pending(n int) []localapi.ApprovalRequest {
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
