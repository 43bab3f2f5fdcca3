package node_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"localsigner/signer/devnet"
	"localsigner/signer/node"
)

const syncBroadcast = "condenser_api.broadcast_transaction_synchronous"

// TestFailoverExactlyOnce runs two front-ends over one chain, like two
// public nodes of one network. The first fails during the broadcast: before
// it got the transaction, after putting it in a block (dying, or answering
// too late). Each time the client must send the same signed transaction to
// the second node and report success with the original id, and the
// transaction must be in exactly one block.
func TestFailoverExactlyOnce(t *testing.T) {
	tests := []struct {
		name       string
		stage      devnet.Stage
		fault      devnet.Fault
		wantResent bool
	}{
		{"dies before the call", devnet.BeforeCall, devnet.Fault{Kill: true}, false},
		{"dies after inclusion, before answering", devnet.BeforeReply, devnet.Fault{Kill: true}, true},
		{"answers after the timeout", devnet.BeforeReply, devnet.Fault{Delay: 10 * time.Second}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			d, fe1 := startDevnet(t, devnet.Config{})
			fe2, err := d.Listen("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var hit atomic.Bool
			fe1.SetFaults(func(stage devnet.Stage, method string) devnet.Fault {
				if stage == tc.stage && method == syncBroadcast {
					hit.Store(true)
					return tc.fault
				}
				return devnet.Fault{}
			})
			o := fastOptions(d.Chain())
			o.CallTimeout = time.Second
			c := dial(t, []string{fe1.URL(), fe2.URL()}, o)
			tr := prepareTransfer(t, ctx, c, "alice", "bob", "3.000 HIVE", "active")
			if st := c.Status(); st.Live != fe1.URL() {
				t.Fatalf("live node %q before the broadcast, want %s", st.Live, fe1.URL())
			}

			res, err := c.Broadcast(ctx, tr)
			if err != nil {
				t.Fatalf("Broadcast: %v", err)
			}
			if !hit.Load() {
				t.Fatal("the first front-end never saw the broadcast")
			}
			id, _ := tr.ID()
			if res.ID != id.String() || res.Resent != tc.wantResent {
				t.Fatalf("result %+v, want the original id %s, Resent %v", res, id, tc.wantResent)
			}
			blocks := d.TransactionBlocks(res.ID)
			if len(blocks) != 1 {
				t.Fatalf("transaction in blocks %v, want exactly one", blocks)
			}
			if res.BlockNum != blocks[0] {
				t.Errorf("result names block %d, the transaction is in %d", res.BlockNum, blocks[0])
			}
			if bal, _ := d.Balance("bob", "HIVE"); bal != 1003000 {
				t.Fatalf("bob has %d units, want 1003000: the transfer must apply once", bal)
			}
			st := c.Status()
			if st.Live != fe2.URL() || st.Nodes[0].State != node.Down || st.Nodes[0].LastError == "" || st.Nodes[1].State != node.Live {
				t.Fatalf("status after failover: %+v", st)
			}
		})
	}
}

// TestFaults injects each kind of misbehaviour into a single node: the
// client must return promptly with an error that says which.
func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault devnet.Fault
		want  error
	}{
		{"dropped connection", devnet.Fault{Drop: true}, node.ErrConnectionLost},
		{"answer too late", devnet.Fault{Delay: 8 * time.Second}, node.ErrTimeout},
		{"malformed JSON", devnet.Fault{Malformed: true}, node.ErrMalformedResponse},
		{"node dies", devnet.Fault{Kill: true}, node.ErrConnectionLost},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			d, fe := startDevnet(t, devnet.Config{})
			fe.SetFaults(func(stage devnet.Stage, method string) devnet.Fault {
				if stage == devnet.BeforeCall && method == "condenser_api.get_dynamic_global_properties" {
					return tc.fault
				}
				return devnet.Fault{}
			})
			o := fastOptions(d.Chain())
			o.CallTimeout = 200 * time.Millisecond
			c := dial(t, []string{fe.URL()}, o)
			start := time.Now()
			_, err := c.DynamicGlobalProperties(ctx)
			if !errors.Is(err, tc.want) || !errors.Is(err, node.ErrAllNodesDown) {
				t.Fatalf("err = %v, want %v and ErrAllNodesDown", err, tc.want)
			}
			if errors.Is(err, node.ErrRejected) {
				t.Fatalf("a transport failure matches ErrRejected: %v", err)
			}
			// The call timeout is 200 ms; the bound leaves room for a loaded
			// machine but is far below the 8 s delay.
			if elapsed := time.Since(start); elapsed > 4*time.Second {
				t.Fatalf("took %v: the client must give up at the call timeout", elapsed)
			}
			t.Logf("%s: %v", tc.name, err)
			st := c.Status()
			if st.Live != "" || st.Nodes[0].State != node.Down || !strings.Contains(st.Nodes[0].LastError, tc.want.Error()) {
				t.Fatalf("status: %+v", st)
			}
			// The node behaves again: after the backoff the client reconnects.
			if tc.fault.Kill {
				return
			}
			fe.SetFaults(nil)
			if _, err := c.DynamicGlobalProperties(ctx); err != nil {
				t.Fatalf("after the fault: %v", err)
			}
			if st := c.Status(); st.Live != fe.URL() || st.Nodes[0].Failures != 0 {
				t.Fatalf("status after recovery: %+v", st)
			}
		})
	}
}

// TestFailoverOnTimeout: a node that stops answering is skipped for the
// next one, within the same call.
func TestFailoverOnTimeout(t *testing.T) {
	ctx := testContext(t)
	d, slow := startDevnet(t, devnet.Config{})
	fast, err := d.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	slow.SetFaults(func(devnet.Stage, string) devnet.Fault { return devnet.Fault{Delay: 5 * time.Second} })
	o := fastOptions(d.Chain())
	o.CallTimeout = 200 * time.Millisecond
	c := dial(t, []string{slow.URL(), fast.URL()}, o)
	p, err := c.DynamicGlobalProperties(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.HeadBlockNumber == 0 || c.Status().Live != fast.URL() {
		t.Fatalf("head %d, live %q", p.HeadBlockNumber, c.Status().Live)
	}
}

func TestAllNodesDown(t *testing.T) {
	ctx := testContext(t)
	c := dial(t, []string{"ws://127.0.0.1:1", "ws://127.0.0.1:2"}, fastOptions(nil))
	err := c.Call(ctx, "condenser_api.get_config", nil, nil)
	if !errors.Is(err, node.ErrAllNodesDown) || !errors.Is(err, node.ErrConnectionLost) {
		t.Fatalf("err = %v", err)
	}
	for _, n := range c.Status().Nodes {
		if n.State != node.Down || n.RetryAt.IsZero() {
			t.Fatalf("node status %+v", n)
		}
	}
}

// TestDeadPeerDetectedByPing: a server that accepts the websocket and then
// never reads (so never answers pings) is noticed through the missing
// pongs, long before the call timeout.
func TestDeadPeerDetectedByPing(t *testing.T) {
	ctx := testContext(t)
	release := make(chan struct{})
	var handlers sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Done()
		up := websocket.Upgrader{}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		<-release
	}))
	defer func() {
		close(release)
		handlers.Wait()
		srv.Close()
	}()
	o := fastOptions(nil)
	o.CallTimeout = 10 * time.Second
	o.PingInterval = 50 * time.Millisecond
	o.PongTimeout = 100 * time.Millisecond
	c := dial(t, []string{"ws" + strings.TrimPrefix(srv.URL, "http")}, o)
	start := time.Now()
	err := c.Call(ctx, "condenser_api.get_config", nil, nil)
	if !errors.Is(err, node.ErrConnectionLost) {
		t.Fatalf("err = %v, want ErrConnectionLost", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("dead peer noticed after %v", elapsed)
	}
}

// TestKeepAlive: with pings every 30 ms an idle connection survives, and
// calls keep using it.
func TestKeepAlive(t *testing.T) {
	ctx := testContext(t)
	d, fe := startDevnet(t, devnet.Config{})
	o := fastOptions(d.Chain())
	o.PingInterval = 30 * time.Millisecond
	o.PongTimeout = 200 * time.Millisecond
	var changes atomic.Int32
	o.OnStatus = func(node.Status) { changes.Add(1) }
	c := dial(t, []string{fe.URL()}, o)
	if _, err := c.DynamicGlobalProperties(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := c.DynamicGlobalProperties(ctx); err != nil {
		t.Fatal(err)
	}
	if st := c.Status(); st.Nodes[0].Failures != 0 || st.Live == "" {
		t.Fatalf("status %+v", st)
	}
	if n := changes.Load(); n != 2 { // connecting, live
		t.Fatalf("%d status changes, want 2", n)
	}
}

// TestReconnectAfterNodeRestart: the only node dies and comes back on the
// same address; the client reconnects after its backoff.
func TestReconnectAfterNodeRestart(t *testing.T) {
	ctx := testContext(t)
	d, fe := startDevnet(t, devnet.Config{})
	c := dial(t, []string{fe.URL()}, fastOptions(d.Chain()))
	if _, err := c.DynamicGlobalProperties(ctx); err != nil {
		t.Fatal(err)
	}
	addr := fe.Addr().String()
	fe.Close()
	if _, err := c.DynamicGlobalProperties(ctx); !errors.Is(err, node.ErrAllNodesDown) {
		t.Fatalf("with the node gone: %v", err)
	}
	if _, err := d.Listen(addr); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DynamicGlobalProperties(ctx); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

// TestConcurrentCalls shares one connection between many goroutines.
func TestConcurrentCalls(t *testing.T) {
	ctx := testContext(t)
	d, fe := startDevnet(t, devnet.Config{})
	c := dial(t, []string{fe.URL()}, fastOptions(d.Chain()))
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, err := c.Accounts(ctx, []string{"alice", "carol"})
				errs <- err
				return
			}
			_, err := c.DynamicGlobalProperties(ctx)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestCloseStopsEverything: Close ends calls in flight and every goroutine
// of the client, including the health prober and keep-alive.
func TestCloseStopsEverything(t *testing.T) {
	ctx := testContext(t)
	d, fe := startDevnet(t, devnet.Config{})
	fe.SetFaults(func(stage devnet.Stage, method string) devnet.Fault {
		if method == "condenser_api.get_config" {
			return devnet.Fault{Delay: 10 * time.Second}
		}
		return devnet.Fault{}
	})
	runtime.GC()
	before := runtime.NumGoroutine()
	o := fastOptions(d.Chain())
	o.HealthInterval = 20 * time.Millisecond
	o.PingInterval = 20 * time.Millisecond
	c, err := node.Dial(ctx, []string{fe.URL(), "ws://127.0.0.1:1"}, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DynamicGlobalProperties(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- c.Call(ctx, "condenser_api.get_config", nil, nil) }()
	time.Sleep(100 * time.Millisecond) // let the call reach the node and the prober run
	if st := c.Status(); st.Nodes[1].State != node.Down {
		t.Errorf("the health prober did not mark the dead node: %+v", st.Nodes[1])
	}
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, node.ErrClosed) {
			t.Fatalf("call in flight ended with %v, want ErrClosed", err)
		}
	case <-ctx.Done():
		t.Fatal("Close left a call hanging")
	}
	if err := c.Call(ctx, "condenser_api.get_config", nil, nil); !errors.Is(err, node.ErrClosed) {
		t.Fatalf("call after Close: %v", err)
	}
	checkNoLeak(t, before)
}

// TestContextCancelled: the caller's context bounds everything, including
// the wait for a node in backoff.
func TestContextCancelled(t *testing.T) {
	c := dial(t, []string{"ws://127.0.0.1:1"}, fastOptions(nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Call(ctx, "condenser_api.get_config", nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestChaos: concurrent calls against two nodes that drop connections,
// answer garbage or too late at random. Every call must end, with a result
// or a transport error, well within its bounds, and the client must not
// leak.
func TestChaos(t *testing.T) {
	ctx := testContext(t)
	d, fe1 := startDevnet(t, devnet.Config{})
	fe2, err := d.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	chaos := func(stage devnet.Stage, method string) devnet.Fault {
		switch i := n.Add(1); {
		case i%7 == 0:
			return devnet.Fault{Drop: true}
		case i%11 == 0:
			return devnet.Fault{Malformed: true}
		case i%13 == 0:
			return devnet.Fault{Delay: 2 * time.Second}
		}
		return devnet.Fault{}
	}
	fe1.SetFaults(chaos)
	fe2.SetFaults(chaos)
	before := runtime.NumGoroutine()
	o := fastOptions(d.Chain())
	o.CallTimeout = 300 * time.Millisecond
	o.BackoffMin, o.BackoffMax = time.Millisecond, 5*time.Millisecond
	c, err := node.Dial(ctx, []string{fe1.URL(), fe2.URL()}, o)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var ok, failed atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				_, err := c.DynamicGlobalProperties(ctx)
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, node.ErrAllNodesDown):
					failed.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	c.Close()
	if ok.Load() == 0 {
		t.Fatalf("no call succeeded (%d failed)", failed.Load())
	}
	t.Logf("%d calls answered, %d failed on every node", ok.Load(), failed.Load())
	checkNoLeak(t, before)
}
