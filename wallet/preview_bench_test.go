package wallet

import (
	"context"
	"testing"

	"localsigner/signer/devnet"
	"localsigner/signer/node"
	"localsigner/signer/tx"
)

// BenchmarkPreview is what a confirmation waits for before it shows: the
// balance read (before → after) and the resource-credit estimate, from a
// devnet node on loopback over websocket. BENCHMARKS.md reports it; the
// target is under 50 ms.
func BenchmarkPreview(b *testing.B) {
	d, err := devnet.New(devnet.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	fe, err := d.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	c := d.Chain()
	n, err := node.Dial(context.Background(), []string{fe.URL()}, node.Options{Chain: c, HealthInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	w := &Wallet{cfg: Config{Chain: c, Node: n}}
	amount, err := tx.ParseAsset(c, "1.000 HIVE")
	if err != nil {
		b.Fatal(err)
	}
	ops := []tx.Operation{&tx.Transfer{From: "alice", To: "bob", Amount: amount, Memo: "thanks"}}
	facts := []tx.Facts{tx.Describe(c, ops[0])}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if bal, _ := w.balancePreview(ctx, "alice", ops, facts); len(bal) != 1 {
			b.Fatalf("balances %q", bal)
		}
		if est := w.estimateRC(ctx, ops, 1, nil); est == nil || est.Cost <= 0 {
			b.Fatalf("estimate %+v", est)
		}
	}
}
