package node_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
	"localsigner/signer/tx"
)

func TestBroadcastIsIncludedAndVisible(t *testing.T) {
	ctx := testContext(t)
	d, fe := startDevnet(t, devnet.Config{})
	c := dial(t, []string{fe.URL()}, fastOptions(d.Chain()))

	before, err := c.Accounts(ctx, []string{"alice", "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if before[0].Balance != "1000.000 HIVE" || before[1].Balance != "1000.000 HIVE" {
		t.Fatalf("genesis balances: %q, %q", before[0].Balance, before[1].Balance)
	}
	tr := prepareTransfer(t, ctx, c, "alice", "bob", "1.500 HIVE", "active")
	res, err := c.Broadcast(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := tr.ID()
	if res.ID != id.String() || res.BlockNum == 0 || res.Resent {
		t.Fatalf("result %+v, want id %s in a block", res, id)
	}
	b, err := c.Block(ctx, res.BlockNum)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(b.TransactionIDs, res.ID) || len(b.Transactions) != len(b.TransactionIDs) {
		t.Fatalf("block %d holds %v, want %s", res.BlockNum, b.TransactionIDs, res.ID)
	}
	if b.BlockID[:8] != strings.Repeat("0", 8-len(hex32(res.BlockNum)))+hex32(res.BlockNum) {
		t.Errorf("block id %s does not start with the block number %d", b.BlockID, res.BlockNum)
	}
	after, err := c.Accounts(ctx, []string{"alice", "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if after[0].Balance != "998.500 HIVE" || after[1].Balance != "1001.500 HIVE" {
		t.Fatalf("balances after transfer: %q, %q", after[0].Balance, after[1].Balance)
	}
	if got := d.TransactionBlocks(res.ID); len(got) != 1 || got[0] != res.BlockNum {
		t.Fatalf("devnet has the transaction in blocks %v, want [%d]", got, res.BlockNum)
	}
}

func hex32(n uint32) string {
	const digits = "0123456789abcdef"
	var b []byte
	for ; n > 0; n >>= 4 {
		b = append([]byte{digits[n&15]}, b...)
	}
	return string(b)
}

// TestRefusals checks that each reason a node refuses a transaction comes
// back as its own Kind, with the node's message kept.
func TestRefusals(t *testing.T) {
	ctx := testContext(t)
	d, fe := startDevnet(t, devnet.Config{})
	c := dial(t, []string{fe.URL()}, fastOptions(d.Chain()))

	tests := []struct {
		name     string
		build    func(t *testing.T) *tx.Transaction
		want     error
		kind     node.Kind
		contains string
	}{
		{"wrong key", func(t *testing.T) *tx.Transaction {
			return prepareTransfer(t, ctx, c, "alice", "bob", "1.000 HIVE", "posting")
		}, node.ErrMissingAuthority, node.MissingAuthority, "Missing Active Authority alice"},
		{"control: the right key", func(t *testing.T) *tx.Transaction {
			return prepareTransfer(t, ctx, c, "alice", "bob", "1.000 HIVE", "active")
		}, nil, 0, ""},
		{"posting op signed with active key", func(t *testing.T) *tx.Transaction {
			op := &tx.CustomJSON{RequiredPostingAuths: []string{"alice"}, ID: "follow", JSON: `{}`}
			tr, err := c.PrepareTransaction(ctx, []tx.Operation{op}, 0)
			if err != nil {
				t.Fatal(err)
			}
			sign(t, tr, "alice", "active")
			return tr
		}, node.ErrMissingAuthority, node.MissingAuthority, "Missing Posting Authority alice"},
		{"expired", func(t *testing.T) *tx.Transaction {
			tr := unsignedTransfer(t, c, "1.000 HIVE")
			tr.Expiration = tr.Expiration.Add(-node.DefaultExpiration)
			sign(t, tr, "alice", "active")
			return tr
		}, node.ErrExpired, node.Expired, "transaction expiration exception"},
		{"expiration too far", func(t *testing.T) *tx.Transaction {
			tr := unsignedTransfer(t, c, "1.000 HIVE")
			tr.Expiration = tr.Expiration.Add(2 * time.Hour)
			sign(t, tr, "alice", "active")
			return tr
		}, node.ErrExpired, node.Expired, "max_til_exp"},
		{"bad reference block", func(t *testing.T) *tx.Transaction {
			tr := unsignedTransfer(t, c, "1.000 HIVE")
			tr.RefBlockPrefix ^= 1
			sign(t, tr, "alice", "active")
			return tr
		}, node.ErrTaposMismatch, node.TaposMismatch, "tapos"},
		{"insufficient funds", func(t *testing.T) *tx.Transaction {
			return prepareTransfer(t, ctx, c, "alice", "bob", "5000.000 HIVE", "active")
		}, node.ErrInsufficientFunds, node.InsufficientFunds, "Account alice does not have sufficient funds for balance adjustment"},
		{"unknown recipient", func(t *testing.T) *tx.Transaction {
			return prepareTransfer(t, ctx, c, "alice", "nobody", "1.000 HIVE", "active")
		}, node.ErrUnknownAccount, node.UnknownAccount, "nobody"},
		{"unknown sender", func(t *testing.T) *tx.Transaction {
			return prepareTransfer(t, ctx, c, "nobody", "bob", "1.000 HIVE", "active")
		}, node.ErrUnknownAccount, node.UnknownAccount, "nobody"},
		{"signed twice by one key", func(t *testing.T) *tx.Transaction {
			tr := prepareTransfer(t, ctx, c, "alice", "bob", "1.000 HIVE", "active")
			tr.Signatures = append(tr.Signatures, tr.Signatures[0])
			return tr
		}, node.ErrBadSignature, node.BadSignature, "Duplicate Signature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := tc.build(t)
			res, err := c.Broadcast(ctx, tr)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Broadcast: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Broadcast accepted: %+v", res)
			}
			t.Logf("refused: %v", err)
			var ne *node.NodeError
			if !errors.As(err, &ne) || !errors.Is(err, tc.want) || !errors.Is(err, node.ErrRejected) {
				t.Fatalf("err = %v (%T), want %v", err, err, tc.want)
			}
			if ne.Kind != tc.kind || !strings.Contains(ne.Message, tc.contains) || ne.URL != fe.URL() {
				t.Fatalf("NodeError{Kind %v, Message %q, URL %q}, want kind %v containing %q", ne.Kind, ne.Message, ne.URL, tc.kind, tc.contains)
			}
		})
	}
}

func unsignedTransfer(t *testing.T, c *node.Client, amount string) *tx.Transaction {
	t.Helper()
	op := &tx.Transfer{From: "alice", To: "bob", Amount: hiveAsset(t, amount), Memo: t.Name()}
	tr, err := c.PrepareTransaction(testContext(t), []tx.Operation{op}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestDuplicate: a transaction broadcast again by another client is a
// duplicate; by the client that sent it, a success naming the original.
func TestDuplicate(t *testing.T) {
	ctx := testContext(t)
	d, fe := startDevnet(t, devnet.Config{})
	c := dial(t, []string{fe.URL()}, fastOptions(d.Chain()))
	tr := prepareTransfer(t, ctx, c, "alice", "carol", "2.000 HIVE", "active")
	first, err := c.Broadcast(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}

	other := dial(t, []string{fe.URL()}, fastOptions(d.Chain()))
	_, err = other.Broadcast(ctx, tr)
	var ne *node.NodeError
	if !errors.Is(err, node.ErrDuplicate) || !errors.As(err, &ne) || !strings.Contains(ne.Message, "Duplicate transaction check failed") {
		t.Fatalf("second client: err = %v, want a duplicate refusal", err)
	}

	again, err := c.Broadcast(ctx, tr)
	if err != nil {
		t.Fatalf("resend by the same client: %v", err)
	}
	if !again.Resent || again.ID != first.ID || again.BlockNum != first.BlockNum {
		t.Fatalf("resend = %+v, want the original %+v marked Resent", again, first)
	}
	if blocks := d.TransactionBlocks(first.ID); len(blocks) != 1 {
		t.Fatalf("transaction in blocks %v, want exactly one", blocks)
	}
	if bal, _ := d.Balance("carol", "HIVE"); bal != 1002000 {
		t.Fatalf("carol has %d, want 1002000 (one transfer)", bal)
	}
}

func TestPrepareTransactionExpiration(t *testing.T) {
	ctx := testContext(t)
	for _, family := range []string{"hive", "peerplays"} {
		cfg := devnet.Config{}
		if family == "peerplays" {
			cfg.Family = chain.Graphene
		}
		d, fe := startDevnet(t, cfg)
		c := dial(t, []string{fe.URL()}, fastOptions(d.Chain()))
		var op tx.Operation = &tx.Transfer{From: "alice", To: "bob", Amount: hiveAsset(t, "1.000 HIVE")}
		if family == "peerplays" {
			core := tx.NewObjectID(tx.AssetObject, 0)
			op = &tx.PeerplaysTransfer{From: tx.NewObjectID(tx.AccountObject, 100), To: tx.NewObjectID(tx.AccountObject, 101),
				Amount: tx.GrapheneAsset{Amount: 1, AssetID: core}, Fee: tx.GrapheneAsset{Amount: 20000, AssetID: core}}
		}
		for _, tc := range []struct {
			ask, want time.Duration
		}{
			{0, node.DefaultExpiration},
			{10 * time.Minute, 10 * time.Minute},
			{48 * time.Hour, c.MaxExpiration()},
		} {
			p, err := c.DynamicGlobalProperties(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := c.PrepareTransaction(ctx, []tx.Operation{op}, tc.ask)
			if err != nil {
				t.Fatal(err)
			}
			// The head may move between the two calls; allow one second.
			got := tr.Expiration.Sub(p.Time.Time)
			if got < tc.want || got > tc.want+time.Second {
				t.Errorf("%s: asked %v, expiration %v after head time, want %v", family, tc.ask, got, tc.want)
			}
			if tr.RefBlockNum == 0 && tr.RefBlockPrefix == 0 {
				t.Errorf("%s: no reference block", family)
			}
		}
	}
}
