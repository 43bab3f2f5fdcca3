package wallet

import (
	"context"
	"testing"

	"localsigner/approval"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
	"localsigner/signer/tx"
)

// A Peerplays transfer's preview takes the amount and the fee from the
// account's PPY balance, as the node reports it.
func TestPeerplaysTransferPreview(t *testing.T) {
	d, err := devnet.New(devnet.Config{Family: chain.Graphene, BlockInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fe, err := d.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := d.Chain()
	n, err := node.Dial(context.Background(), []string{fe.URL()}, node.Options{Chain: c, HealthInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	accts, err := n.Accounts(context.Background(), []string{"alice", "bob"})
	if err != nil {
		t.Fatal(err)
	}
	from, _ := tx.ParseObjectID(accts[0].ID)
	to, _ := tx.ParseObjectID(accts[1].ID)
	core, _ := tx.ParseObjectID("1.3.0")
	op := &tx.PeerplaysTransfer{From: from, To: to, Fee: tx.GrapheneAsset{Amount: 20000, AssetID: core},
		Amount: tx.GrapheneAsset{Amount: 1_000_000, AssetID: core}}
	w := &Wallet{cfg: Config{Chain: c, Node: n}}
	got, changes := w.balancePreview(context.Background(), "alice", []tx.Operation{op}, []tx.Facts{tx.Describe(c, op)})
	if want := "PPY: 10000.00000 PPY → 9989.80000 PPY (as the node reports it)"; len(got) != 1 || got[0] != want {
		t.Errorf("preview %q, want %q", got, want)
	}
	if len(changes) != 1 || changes[0] != (approval.BalanceChange{Balance: "liquid", Asset: "PPY", Before: "10000.00000 PPY", After: "9989.80000 PPY"}) {
		t.Errorf("changes %+v", changes)
	}
}
