package node_test

import (
	"sync"
	"testing"
	"time"

	"localsigner/signer/devnet"
	"localsigner/signer/node"
)

// TestFailBackToPreferredNode: the first node goes down and calls move to
// the second; a broadcast is then in flight on the second when the first
// comes back. The health prober must move new calls back to the first
// node while the broadcast finishes on the second: answered once, by the
// node that took it, not resent, in exactly one block.
func TestFailBackToPreferredNode(t *testing.T) {
	ctx := testContext(t)
	d, fe1 := startDevnet(t, devnet.Config{})
	fe2, err := d.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url1, addr1 := fe1.URL(), fe1.Addr().String()

	// fe2 records what it is asked and holds a broadcast's answer, after the
	// transaction is in a block, until the test lets it go.
	var log2 methodLog
	included := make(chan struct{})
	release := make(chan struct{})
	var includedOnce, releaseOnce sync.Once
	letGo := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(letGo) // before the devnet closes: its front-ends wait for their handlers
	fe2.SetFaults(func(stage devnet.Stage, method string) devnet.Fault {
		log2.hook(stage, method)
		if stage == devnet.BeforeReply && method == syncBroadcast {
			includedOnce.Do(func() { close(included) })
			<-release
		}
		return devnet.Fault{}
	})

	o := fastOptions(d.Chain())
	o.HealthInterval = 20 * time.Millisecond
	c := dial(t, []string{url1, fe2.URL()}, o)
	tr := prepareTransfer(t, ctx, c, "alice", "bob", "4.000 HIVE", "active")
	if st := c.Status(); st.Live != url1 {
		t.Fatalf("live node %q at the start, want %s", st.Live, url1)
	}

	fe1.Close()
	if _, err := c.DynamicGlobalProperties(ctx); err != nil {
		t.Fatalf("with the first node down: %v", err)
	}
	if st := c.Status(); st.Live != fe2.URL() || st.Nodes[0].State != node.Down {
		t.Fatalf("status after failover: %+v", st)
	}

	type result struct {
		res *node.BroadcastResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := c.Broadcast(ctx, tr)
		done <- result{res, err}
	}()
	select {
	case <-included:
	case <-ctx.Done():
		t.Fatal("the broadcast never reached the second node")
	}

	fe1b, err := d.Listen(addr1)
	if err != nil {
		t.Fatal(err)
	}
	var log1 methodLog
	fe1b.SetFaults(log1.hook)
	poll(t, ctx, "the client to switch back to the first node", func() bool { return c.Status().Live == url1 })
	select {
	case r := <-done:
		t.Fatalf("the broadcast ended while its node held the answer: %+v, %v", r.res, r.err)
	default:
	}

	// New calls go to the first node; the second is healthy but idle.
	gets2 := log2.count("condenser_api.get_accounts")
	if _, err := c.Accounts(ctx, []string{"alice"}); err != nil {
		t.Fatal(err)
	}
	if log1.count("condenser_api.get_accounts") != 1 || log2.count("condenser_api.get_accounts") != gets2 {
		t.Fatalf("get_accounts reached the first node %d times, the second %d more times; want 1 and 0",
			log1.count("condenser_api.get_accounts"), log2.count("condenser_api.get_accounts")-gets2)
	}
	if st := c.Status(); st.Nodes[0].State != node.Live || st.Nodes[1].State != node.Healthy {
		t.Fatalf("status after failback: %+v", st)
	}

	letGo()
	r := <-done
	if r.err != nil {
		t.Fatalf("the broadcast in flight during the switch: %v", r.err)
	}
	id, _ := tr.ID()
	if r.res.ID != id.String() || r.res.Resent {
		t.Fatalf("result %+v, want the first send of %s", r.res, id)
	}
	if blocks := d.TransactionBlocks(r.res.ID); len(blocks) != 1 || blocks[0] != r.res.BlockNum {
		t.Fatalf("transaction in blocks %v, want [%d]", blocks, r.res.BlockNum)
	}
	if n := log1.count(syncBroadcast); n != 0 {
		t.Fatalf("the transaction was sent to the first node too (%d times)", n)
	}
	if n := log2.count(syncBroadcast); n != 1 {
		t.Fatalf("the second node got %d broadcasts, want 1", n)
	}
}

// TestFailBackOnlyToEarlierNodes: a healthy node later in the list does
// not take over from the live one.
func TestFailBackOnlyToEarlierNodes(t *testing.T) {
	ctx := testContext(t)
	d, fe1 := startDevnet(t, devnet.Config{})
	fe2, err := d.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := fastOptions(d.Chain())
	o.HealthInterval = 20 * time.Millisecond
	c := dial(t, []string{fe1.URL(), fe2.URL()}, o)
	poll(t, ctx, "the prober to find the second node healthy", func() bool {
		st := c.Status()
		return st.Nodes[1].State == node.Healthy && !st.Nodes[1].LastOK.IsZero()
	})
	first := c.Status().Nodes[1].LastOK
	poll(t, ctx, "a second probe of the second node", func() bool { return c.Status().Nodes[1].LastOK.After(first) })
	if st := c.Status(); st.Live != fe1.URL() || st.Nodes[0].State != node.Live {
		t.Fatalf("status %+v, want the first node live", st)
	}
}
