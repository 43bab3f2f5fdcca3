package localapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/internal/testkit"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
)

// The dapp API tests run the real chain too: the embedded devnet producing
// a block every 50 ms behind a websocket front-end, the node client, and a
// vault holding the devnet's demo keys (derived from the master password
// devnet.DefaultPassword, as "localsigner keys add --master" would).

// dappEnv is an env with a devnet and a node client wired into the server.
type dappEnv struct {
	*env
	net *devnet.Devnet
	fe  *devnet.Frontend
	nc  *node.Client
}

func newDappEnv(t testing.TB, opts ...envOption) *dappEnv {
	t.Helper()
	return startDappEnv(t, testkit.Options{}, opts...)
}

func startDappEnv(t testing.TB, ko testkit.Options, opts ...envOption) *dappEnv {
	t.Helper()
	e := startEnv(t, ko, opts...)
	return &dappEnv{env: e, net: e.Devnet.Net, fe: e.Devnet.Frontend, nc: e.Node}
}

// apiResult is a dapp API answer.
type apiResult struct {
	status int
	hdr    http.Header
	body   string
	json   map[string]any
}

// api calls the dapp API with token in the Authorization header the way
// Hivesigner's SDK does (raw, no "Bearer").
func (e *dappEnv) api(method, path, token, body string, hdr ...string) apiResult {
	e.t.Helper()
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/plain, */*"}
	if token != "" {
		h["Authorization"] = token
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			delete(h, hdr[i])
			continue
		}
		h[hdr[i]] = hdr[i+1]
	}
	st, rh, b := e.do(method, path, body, h)
	r := apiResult{status: st, hdr: rh, body: b}
	json.Unmarshal([]byte(b), &r.json)
	return r
}

// broadcast posts operations (a JSON array) to /api/broadcast.
func (e *dappEnv) broadcast(token, ops string) apiResult {
	e.t.Helper()
	return e.api(http.MethodPost, "/api/broadcast", token, `{"operations":`+ops+`}`)
}

// txID returns result.id of a successful broadcast, failing otherwise, and
// checks the transaction is in exactly one devnet block.
func (e *dappEnv) landed(r apiResult) string {
	e.t.Helper()
	if r.status != http.StatusOK {
		e.t.Fatalf("broadcast: %d %s", r.status, r.body)
	}
	res, _ := r.json["result"].(map[string]any)
	id, _ := res["id"].(string)
	if len(id) != 40 || res["block_num"] == nil {
		e.t.Fatalf("result %s", r.body)
	}
	if blocks := e.net.TransactionBlocks(id); len(blocks) != 1 || float64(blocks[0]) != res["block_num"].(float64) {
		e.t.Fatalf("transaction %s in blocks %v, answer said %v", id, blocks, res["block_num"])
	}
	return id
}

// refused checks a refusal: status, error code, and that nothing reached
// the chain since block head.
func (e *dappEnv) refused(r apiResult, status int, code string, head uint32) {
	e.t.Helper()
	if r.status != status || r.json["error"] != code || r.json["error_description"] == "" {
		e.t.Fatalf("want %d %s, got %d %s", status, code, r.status, r.body)
	}
	time.Sleep(120 * time.Millisecond) // two blocks: anything sent would be in
	if n := e.txsSince(head); n != 0 {
		e.t.Fatalf("%d transactions on chain after block %d: something was broadcast", n, head)
	}
}

// txsSince counts the transactions in the blocks after head.
func (e *dappEnv) txsSince(head uint32) int {
	e.t.Helper()
	n := 0
	for num := head + 1; num <= e.net.HeadBlockNum(); num++ {
		b, err := e.nc.Block(context.Background(), num)
		if err != nil {
			e.t.Fatal(err)
		}
		n += len(b.TransactionIDs)
	}
	return n
}

// lastAudit returns the newest audit event of type typ.
func (e *dappEnv) lastAudit(typ string) authz.Event {
	e.t.Helper()
	ev, err := e.admin.Log(0)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := len(ev) - 1; i >= 0; i-- {
		if ev[i].Type == typ {
			return ev[i]
		}
	}
	e.t.Fatalf("no %s event in the audit log", typ)
	return authz.Event{}
}

// confirmation waits for one pending transaction confirmation.
func (e *dappEnv) confirmation() approval.Request {
	e.t.Helper()
	p := e.pending(1)[0]
	if p.Kind != approval.KindTransaction || p.Transaction == nil {
		e.t.Fatalf("pending request is not a transaction: %+v", p)
	}
	return p
}

// async runs f in the background and returns a function that waits for it.
func async[T any](t *testing.T, f func() T) func() T {
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	return func() T {
		t.Helper()
		select {
		case v := <-ch:
			return v
		case <-time.After(20 * time.Second):
			t.Fatal("request did not finish")
			var zero T
			return zero
		}
	}
}

func hasAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// fmtEvents renders audit events for substring checks.
func fmtEvents(ev []authz.Event) string {
	b, _ := json.Marshal(ev)
	return string(b)
}
