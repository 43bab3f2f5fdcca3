package e2e_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/examples/dapp"
	"localsigner/internal/daemon"
	"localsigner/internal/testkit"
	"localsigner/localapi/admin"
	"localsigner/signer"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
	"localsigner/signer/tx"
	"localsigner/store"
)

// The world of one test, all real and all on loopback: the devnet (a Hive
// chain with alice, bob and carol), Localsigner as internal/testkit starts
// it (a vault holding alice's and bob's keys with a cheap KDF, the wallet,
// the server and its admin socket), and the example dapp served on its own
// port, as a real dapp would be.

const (
	vaultPassphrase = testkit.Passphrase
	// seedAuthor/seedPermlink is the post the dapp votes on; bob publishes
	// it before the test starts (the devnet's genesis has no posts).
	seedAuthor   = "bob"
	seedPermlink = "hello-devnet"
	// The example pages' default client ids (examples/dapp).
	exampleClient = "localsigner-example"
	sdkClient     = "localsigner-example-sdk"
)

type env struct {
	t      *testing.T
	chain  *devnet.Devnet
	nc     *node.Client // Localsigner's node client, on the devnet
	db     *store.DB
	vault  *signer.Vault
	admin  *admin.Client
	logs   *testkit.SyncBuffer
	signer string // the signer's issuer URL, http://127.0.0.1:PORT
	dapp   string // the example dapp's origin, http://127.0.0.1:PORT2
}

// envOptions vary the world.
type envOptions struct {
	// sdkFile is the hivesigner.min.js the example serves ("" = none).
	sdkFile string
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	logs := &testkit.SyncBuffer{}
	k := testkit.Start(t, testkit.Options{BlockInterval: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Daemon: func(o *daemon.Options) {
			o.ApprovalTimeout, o.ConfirmTimeout = 30*time.Second, 30*time.Second
			o.NodeOptions.CallTimeout, o.NodeOptions.DialTimeout = 10*time.Second, 5*time.Second
		}})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	d, nc, db, v, srv := k.Devnet.Net, k.Node, k.DB, k.Vault, k.Server
	dir := k.Dir

	site := httptest.NewServer(dapp.Handler(dapp.Options{SDKFile: o.sdkFile}))
	t.Cleanup(site.Close)

	e := &env{t: t, chain: d, nc: nc, db: db, vault: v, admin: admin.NewClient(dir), logs: logs,
		signer: srv.IssuerURL(), dapp: site.URL}
	e.seedPost()
	return e
}

// seedPost publishes bob's post for the dapp to vote on, signed by the
// vault and sent with Localsigner's own node client.
func (e *env) seedPost() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := e.nc
	tr, err := c.PrepareTransaction(ctx, []tx.Operation{&tx.Comment{
		ParentPermlink: "localsigner", Author: seedAuthor, Permlink: seedPermlink,
		Title: "Hello, devnet", Body: "Vote for me from the example dapp.",
	}}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	digest, err := tr.Digest()
	if err != nil {
		e.t.Fatal(err)
	}
	sig, err := e.vault.Sign("devnet", seedAuthor, "posting", digest)
	if err != nil {
		e.t.Fatal(err)
	}
	tr.Signatures = append(tr.Signatures, sig)
	if _, err := c.Broadcast(ctx, tr); err != nil {
		e.t.Fatalf("seed post: %v", err)
	}
}

// page is the example dapp's URL for path, naming the signer and any
// extra query parameters (name, value, …).
func (e *env) page(path string, extra ...string) string {
	q := url.Values{"signer": {e.signer}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return e.dapp + path + "?" + q.Encode()
}

// nextApproval waits for one pending authorization request.
func (e *env) nextApproval() approval.Request {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ps, err := e.admin.Approvals()
		if err != nil {
			e.t.Fatal(err)
		}
		if len(ps) > 0 {
			return ps[0]
		}
		if time.Now().After(deadline) {
			e.t.Fatal("no authorization request reached Localsigner")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// auditTypes lists the audit log's event types, oldest first.
func (e *env) auditTypes() []string {
	e.t.Helper()
	events, err := e.admin.Log(0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range events {
		out = append(out, ev.Type)
	}
	return out
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

// waitFor polls cond every 20 ms for up to timeout.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// corsAllowed asks the signer, as a browser would, whether origin may read
// the answer of a POST to path: the preflight and the actual response must
// both name the origin.
func (e *env) corsAllowed(path, origin string) bool {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodOptions, e.signer+path, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", http.MethodPost)
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode/100 == 2 && resp.Header.Get("Access-Control-Allow-Origin") == origin &&
		slices.Contains(strings.Split(strings.ReplaceAll(resp.Header.Get("Access-Control-Allow-Methods"), " ", ""), ","), "POST")
}

// closedPort returns the URL of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return "http://127.0.0.1:" + strconv.Itoa(port)
}
