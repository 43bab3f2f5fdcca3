package node_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
	"localsigner/signer/tx"
)

// methodLog records the methods a devnet front-end was asked, through its
// fault hook, so a test can tell which node a call reached.
type methodLog struct {
	mu      sync.Mutex
	methods []string
}

func (l *methodLog) hook(stage devnet.Stage, method string) devnet.Fault {
	if stage == devnet.BeforeCall {
		l.mu.Lock()
		l.methods = append(l.methods, method)
		l.mu.Unlock()
	}
	return devnet.Fault{}
}

func (l *methodLog) seen() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.methods)
}

func (l *methodLog) count(method string) int {
	n := 0
	for _, m := range l.seen() {
		if m == method {
			n++
		}
	}
	return n
}

// family is what the chain-id tests need to know about one dialect.
type family struct {
	name      string
	family    chain.Family
	chainCall string // the method the client asks for the chain id
	broadcast string // the broadcast method, as devnet fault hooks name it
	transfer  func(t *testing.T, ctx context.Context, c *node.Client) *tx.Transaction
}

var families = []family{
	{"hive", chain.Hive, "database_api.get_config", syncBroadcast,
		func(t *testing.T, ctx context.Context, c *node.Client) *tx.Transaction {
			return prepareTransfer(t, ctx, c, "alice", "bob", "2.000 HIVE", "active")
		}},
	{"peerplays", chain.Graphene, "database.get_chain_id", "network_broadcast.broadcast_transaction_synchronous",
		prepareGrapheneTransfer},
}

// prepareGrapheneTransfer builds and signs a 1 PPY transfer from alice to
// bob with the fee the node asks.
func prepareGrapheneTransfer(t *testing.T, ctx context.Context, c *node.Client) *tx.Transaction {
	t.Helper()
	accts, err := c.Accounts(ctx, []string{"alice", "bob"})
	if err != nil {
		t.Fatal(err)
	}
	from, _ := tx.ParseObjectID(accts[0].ID)
	to, _ := tx.ParseObjectID(accts[1].ID)
	core := tx.NewObjectID(tx.AssetObject, 0)
	op := &tx.PeerplaysTransfer{From: from, To: to, Amount: tx.GrapheneAsset{Amount: 100000, AssetID: core},
		Fee: tx.GrapheneAsset{AssetID: core}}
	op.Fee.Amount = requiredFee(t, ctx, c, op)
	tr, err := c.PrepareTransaction(ctx, []tx.Operation{op}, 0)
	if err != nil {
		t.Fatal(err)
	}
	sign(t, tr, "alice", "active")
	return tr
}

// otherChainID is the id of the "testnet pasted into the mainnet list".
var otherChainID = sha256.Sum256([]byte("some other network"))

// TestWrongChainRefused runs a right devnet and a devnet of the same family
// on another chain id. A node on the wrong chain must never serve a call,
// least of all a broadcast: alone in the list it fails every call with
// ErrWrongChain; first in the list it is skipped for the right one, with
// the reason in Status, and the health prober does not bring it back.
func TestWrongChainRefused(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			ctx := testContext(t)
			right, rightFE := startDevnet(t, devnet.Config{Family: f.family})
			_, wrongFE := startDevnet(t, devnet.Config{Family: f.family, ChainID: otherChainID})
			var wrongLog, rightLog methodLog
			wrongFE.SetFaults(wrongLog.hook)
			rightFE.SetFaults(rightLog.hook)
			want := right.Chain()
			prep := dial(t, []string{rightFE.URL()}, fastOptions(want))
			tr := f.transfer(t, ctx, prep)
			id, _ := tr.ID()

			t.Run("only node", func(t *testing.T) {
				c := dial(t, []string{wrongFE.URL()}, fastOptions(want))
				_, err := c.DynamicGlobalProperties(ctx)
				var wce *node.WrongChainError
				if !errors.Is(err, node.ErrWrongChain) || !errors.Is(err, node.ErrAllNodesDown) || !errors.As(err, &wce) {
					t.Fatalf("err = %v, want ErrWrongChain and ErrAllNodesDown", err)
				}
				if wce.URL != wrongFE.URL() || wce.Want != want.IDHex() || wce.Got != hexID(otherChainID) {
					t.Fatalf("error %+v, want node %s, chain %s, got %s", wce, wrongFE.URL(), want.IDHex(), hexID(otherChainID))
				}
				if _, err := c.Broadcast(ctx, tr); !errors.Is(err, node.ErrWrongChain) {
					t.Fatalf("Broadcast: %v, want ErrWrongChain", err)
				}
				st := c.Status()
				if st.Live != "" || st.Nodes[0].State != node.Down ||
					!strings.Contains(st.Nodes[0].LastError, node.ErrWrongChain.Error()) ||
					!strings.Contains(st.Nodes[0].LastError, hexID(otherChainID)) {
					t.Fatalf("status %+v", st)
				}
				for _, m := range wrongLog.seen() {
					if m != f.chainCall {
						t.Fatalf("the wrong-chain node was asked %q; it may only be asked %s", m, f.chainCall)
					}
				}
			})

			t.Run("first node", func(t *testing.T) {
				o := fastOptions(want)
				o.HealthInterval = 20 * time.Millisecond
				c := dial(t, []string{wrongFE.URL(), rightFE.URL()}, o)
				res, err := c.Broadcast(ctx, tr)
				if err != nil {
					t.Fatalf("Broadcast: %v", err)
				}
				if res.ID != id.String() || res.Resent {
					t.Fatalf("result %+v, want a first send of %s", res, id)
				}
				if blocks := right.TransactionBlocks(res.ID); len(blocks) != 1 || blocks[0] != res.BlockNum {
					t.Fatalf("transaction in blocks %v of the right chain, want [%d]", blocks, res.BlockNum)
				}
				if n := rightLog.count(f.broadcast); n != 1 {
					t.Fatalf("the right node got %d broadcasts, want 1", n)
				}
				// The prober keeps asking the wrong node (each failure
				// counts) and must keep refusing it.
				poll(t, ctx, "the prober to retry the wrong-chain node", func() bool {
					return c.Status().Nodes[0].Failures >= 3
				})
				st := c.Status()
				if st.Live != rightFE.URL() || st.Nodes[0].State != node.Down || st.Nodes[1].State != node.Live ||
					!strings.Contains(st.Nodes[0].LastError, node.ErrWrongChain.Error()) {
					t.Fatalf("status %+v", st)
				}
				if n := wrongLog.count(f.broadcast); n != 0 {
					t.Fatalf("the wrong-chain node got %d broadcasts", n)
				}
				for _, m := range wrongLog.seen() {
					if m != f.chainCall {
						t.Fatalf("the wrong-chain node was asked %q; it may only be asked %s", m, f.chainCall)
					}
				}
			})
		})
	}
}

func hexID(id [32]byte) string {
	c := chain.Chain{ID: id}
	return c.IDHex()
}

// poll waits, bounded by ctx, until cond holds.
func poll(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// fakeHived is a websocket node that answers from a table of methods, for
// the chain-id answers no devnet gives: older and odd nodes.
func fakeHived(t *testing.T, answers map[string]string) (url string, seen func() []string) {
	t.Helper()
	var mu sync.Mutex
	var methods []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			var req struct {
				ID     uint64 `json:"id"`
				Method string `json:"method"`
			}
			if err := ws.ReadJSON(&req); err != nil {
				return
			}
			mu.Lock()
			methods = append(methods, req.Method)
			mu.Unlock()
			result, ok := answers[req.Method]
			ans := map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": json.RawMessage(result)}
			if !ok {
				ans = map[string]any{"jsonrpc": "2.0", "id": req.ID,
					"error": map[string]any{"code": -32601, "message": "Could not find method " + req.Method}}
			}
			if err := ws.WriteJSON(ans); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(methods)
	}
}

// TestHiveChainIDAnswers covers what hived versions and proxies answer to
// the chain-id question. A node that cannot say which chain it serves is
// refused like one on another chain: fail closed.
func TestHiveChainIDAnswers(t *testing.T) {
	c, _ := chain.Lookup("hive", "")
	id := `"` + c.IDHex() + `"`
	const dgp = `{"head_block_number":7}`
	tests := []struct {
		name    string
		answers map[string]string
		want    error // nil: the node is used
	}{
		{"database_api", map[string]string{"database_api.get_config": `{"HIVE_CHAIN_ID":` + id + `}`}, nil},
		{"condenser_api only", map[string]string{"condenser_api.get_config": `{"HIVE_CHAIN_ID":` + id + `}`}, nil},
		{"STEEM_CHAIN_ID before HF24", map[string]string{"database_api.get_config": `{"STEEM_CHAIN_ID":` + id + `}`}, nil},
		{"HIVE_CHAIN_ID wins over the old id", map[string]string{"database_api.get_config": `{"STEEM_CHAIN_ID":"` +
			strings.Repeat("0", 64) + `","HIVE_CHAIN_ID":` + id + `}`}, nil},
		{"another chain", map[string]string{"database_api.get_config": `{"HIVE_CHAIN_ID":"` +
			hexID(otherChainID) + `"}`}, node.ErrWrongChain},
		{"no get_config", map[string]string{}, node.ErrChainUnverified},
		{"no chain id in the config", map[string]string{"database_api.get_config": `{"HIVE_BLOCK_INTERVAL":3}`}, node.ErrChainUnverified},
		{"chain id not hex", map[string]string{"database_api.get_config": `{"HIVE_CHAIN_ID":"beeab0de"}`}, node.ErrChainUnverified},
		{"chain id not a string", map[string]string{"database_api.get_config": `{"HIVE_CHAIN_ID":42}`}, node.ErrChainUnverified},
		{"config not an object", map[string]string{"database_api.get_config": `[]`}, node.ErrChainUnverified},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			tc.answers["condenser_api.get_dynamic_global_properties"] = dgp
			url, seen := fakeHived(t, tc.answers)
			cl := dial(t, []string{url}, fastOptions(c))
			var got struct {
				HeadBlockNumber uint32 `json:"head_block_number"`
			}
			err := cl.Call(ctx, "condenser_api.get_dynamic_global_properties", nil, &got)
			if tc.want == nil {
				if err != nil || got.HeadBlockNumber != 7 {
					t.Fatalf("head %d, err %v", got.HeadBlockNumber, err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, node.ErrAllNodesDown) || errors.Is(err, node.ErrRejected) {
				t.Fatalf("err = %v, want %v and ErrAllNodesDown, not a refusal of the call", err, tc.want)
			}
			if st := cl.Status(); st.Nodes[0].State != node.Down || !strings.Contains(st.Nodes[0].LastError, tc.want.Error()) {
				t.Fatalf("status %+v", st)
			}
			if slices.Contains(seen(), "condenser_api.get_dynamic_global_properties") {
				t.Fatalf("the call reached a node whose chain is not known: %v", seen())
			}
		})
	}
}

// TestChainIDAskedPerConnection: the chain id is checked on each new
// connection, not once for a URL, so a node replaced by one on another
// chain at the same address is refused.
func TestChainIDAskedPerConnection(t *testing.T) {
	ctx := testContext(t)
	d, fe := startDevnet(t, devnet.Config{})
	var log methodLog
	fe.SetFaults(log.hook)
	c := dial(t, []string{fe.URL()}, fastOptions(d.Chain()))
	for range 3 {
		if _, err := c.DynamicGlobalProperties(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := log.count("database_api.get_config"); n != 1 {
		t.Fatalf("chain id asked %d times on one connection, want 1", n)
	}
	addr := fe.Addr().String()
	fe.Close()
	if _, err := c.DynamicGlobalProperties(ctx); !errors.Is(err, node.ErrAllNodesDown) {
		t.Fatalf("with the node gone: %v", err)
	}
	other, err := devnet.New(devnet.Config{ChainID: otherChainID, BlockInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	if _, err := other.Listen(addr); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DynamicGlobalProperties(ctx); !errors.Is(err, node.ErrWrongChain) {
		t.Fatalf("after another chain took the address: %v, want ErrWrongChain", err)
	}
}
