package node_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
	"localsigner/signer/tx"
)

// requiredFee asks the node's fee schedule for one operation.
func requiredFee(t *testing.T, ctx context.Context, c *node.Client, op tx.Operation) int64 {
	t.Helper()
	js, err := tx.MarshalOperationJSON(c.Chain(), op)
	if err != nil {
		t.Fatal(err)
	}
	var fees []struct {
		Amount  int64  `json:"amount"`
		AssetID string `json:"asset_id"`
	}
	if err := c.API(ctx, "database", "get_required_fees", []any{[]any{rawJSON(js)}, "1.3.0"}, &fees); err != nil {
		t.Fatal(err)
	}
	if len(fees) != 1 || fees[0].AssetID != "1.3.0" {
		t.Fatalf("fees %+v", fees)
	}
	return fees[0].Amount
}

type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

func TestGrapheneTransfer(t *testing.T) {
	ctx := testContext(t)
	d, fe := startDevnet(t, devnet.Config{Family: chain.Graphene})
	c := dial(t, []string{fe.URL()}, fastOptions(d.Chain()))

	var chainID string
	if err := c.API(ctx, "database", "get_chain_id", nil, &chainID); err != nil || chainID != d.Chain().IDHex() {
		t.Fatalf("chain id %q, %v", chainID, err)
	}
	accts, err := c.Accounts(ctx, []string{"alice", "bob"})
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := accts[0], accts[1]
	if !strings.HasPrefix(alice.ID, "1.2.") || alice.Balance != "10000.00000 PPY" || alice.Posting != nil {
		t.Fatalf("alice = %+v", alice)
	}
	if !strings.HasPrefix(alice.Active.KeyAuths[0].Name, "PPY") {
		t.Fatalf("active key %q lacks the PPY prefix", alice.Active.KeyAuths[0].Name)
	}
	from, _ := tx.ParseObjectID(alice.ID)
	to, _ := tx.ParseObjectID(bob.ID)
	core := tx.NewObjectID(tx.AssetObject, 0)
	op := &tx.PeerplaysTransfer{From: from, To: to, Amount: tx.GrapheneAsset{Amount: 250000, AssetID: core},
		Fee: tx.GrapheneAsset{AssetID: core}}
	op.Fee.Amount = requiredFee(t, ctx, c, op)
	if op.Fee.Amount <= 0 {
		t.Fatalf("transfer fee %d", op.Fee.Amount)
	}

	t.Run("fee too low", func(t *testing.T) {
		low := *op
		low.Fee.Amount--
		tr, err := c.PrepareTransaction(ctx, []tx.Operation{&low}, 0)
		if err != nil {
			t.Fatal(err)
		}
		sign(t, tr, "alice", "active")
		if _, err := c.Broadcast(ctx, tr); !errors.Is(err, node.ErrInsufficientFee) {
			t.Fatalf("err = %v, want ErrInsufficientFee", err)
		}
	})
	t.Run("extra signature", func(t *testing.T) {
		tr, err := c.PrepareTransaction(ctx, []tx.Operation{op}, 0)
		if err != nil {
			t.Fatal(err)
		}
		sign(t, tr, "alice", "active")
		sign(t, tr, "bob", "active")
		if _, err := c.Broadcast(ctx, tr); !errors.Is(err, node.ErrBadSignature) {
			t.Fatalf("err = %v, want ErrBadSignature (Graphene refuses unneeded signatures)", err)
		}
	})
	t.Run("owner key signs for active", func(t *testing.T) {
		tr, err := c.PrepareTransaction(ctx, []tx.Operation{op}, 0)
		if err != nil {
			t.Fatal(err)
		}
		sign(t, tr, "alice", "owner")
		if _, err := c.Broadcast(ctx, tr); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		tr, err := c.PrepareTransaction(ctx, []tx.Operation{op}, 0)
		if err != nil {
			t.Fatal(err)
		}
		sign(t, tr, "bob", "active")
		var ne *node.NodeError
		if _, err := c.Broadcast(ctx, tr); !errors.As(err, &ne) || ne.Kind != node.MissingAuthority ||
			!strings.Contains(ne.Message, "Missing Active Authority "+alice.ID) {
			t.Fatalf("err = %v, want missing active authority of %s", err, alice.ID)
		}
	})

	tr, err := c.PrepareTransaction(ctx, []tx.Operation{op}, 0)
	if err != nil {
		t.Fatal(err)
	}
	tr.Expiration = tr.Expiration.Add(time.Second) // a different id than the owner-key subtest's
	sign(t, tr, "alice", "active")
	res, err := c.Broadcast(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	if res.BlockNum == 0 {
		t.Fatalf("result %+v", res)
	}
	after, err := c.Accounts(ctx, []string{"alice", "bob"})
	if err != nil {
		t.Fatal(err)
	}
	// Two transfers of 2.5 PPY landed (owner key, then active key), each
	// with its fee.
	wantAlice := 1000000000 - 2*(250000+op.Fee.Amount)
	if got, _ := d.Balance("alice", "PPY"); got != wantAlice {
		t.Fatalf("alice has %d, want %d", got, wantAlice)
	}
	if after[1].Balance != "10005.00000 PPY" {
		t.Fatalf("bob has %s", after[1].Balance)
	}
	b, err := c.Block(ctx, res.BlockNum)
	if err != nil || len(b.TransactionIDs) == 0 || b.TransactionIDs[0] != res.ID {
		t.Fatalf("block %+v, %v", b, err)
	}
	if _, err := c.Accounts(ctx, []string{"nobody"}); !errors.Is(err, node.ErrUnknownAccount) {
		t.Fatalf("unknown account: %v", err)
	}
}
