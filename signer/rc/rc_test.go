package rc_test

import (
	"math"
	"testing"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/rc"
	"localsigner/signer/tx"
)

// compute_cost by hand: regen 1000, A = 3·2^4 (shift 4), B = 10, pool 90,
// 7 units: ((1000·48 >> 4) + 1) · 7 / (10 + 90) + 1 = 3001·7/100 + 1 = 211.
func TestResourceCost(t *testing.T) {
	c := rc.Curve{A: 48, B: 10, Shift: 4}
	for _, tc := range []struct {
		name              string
		pool, count, want int64
	}{
		{"by hand", 90, 7, 211},
		{"nothing used", 90, 0, 0},
		{"a refund is the negative price", 90, -7, -211},
		{"a negative pool prices as empty", -500, 7, 3001*7/10 + 1},
		{"an empty pool is the dearest", 0, 7, 3001*7/10 + 1},
	} {
		if got := rc.ResourceCost(c, tc.pool, tc.count, 1000); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := rc.ResourceCost(rc.Curve{A: math.MaxUint64, B: 1}, 0, math.MaxInt64, math.MaxInt64); got != math.MaxInt64 {
		t.Errorf("an overflowing price saturates: %d", got)
	}
}

// Credits regenerate linearly over five days, never beyond the most.
func TestManabar(t *testing.T) {
	m := rc.Manabar{Current: 0, LastUpdate: 1000}
	m.Regenerate(432000_000, 1000+43200) // a tenth of five days
	if m.Current != 43200_000 || m.LastUpdate != 44200 {
		t.Errorf("after half a day: %+v", m)
	}
	m.Regenerate(432000_000, 44200+rc.RegenSeconds)
	if m.Current != 432000_000 {
		t.Errorf("after five more days: %+v", m)
	}
	m.Regenerate(100, m.LastUpdate) // the most went down: capped
	if m.Current != 100 || !m.Has(100) || m.Has(101) || !m.Has(0) {
		t.Errorf("capped: %+v", m)
	}
}

// count_resources for one vote signed once, expiring in a minute: its
// bytes, the vote object kept for the cashout week plus the transaction
// object for an hour, and the execution times of hived's measurements.
func TestCountVote(t *testing.T) {
	c, err := chain.Lookup("hive", "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tr := &tx.Transaction{Chain: c, Expiration: now.Add(time.Minute),
		Operations: []tx.Operation{&tx.Vote{Voter: "alice", Author: "bob", Permlink: "post", Weight: 10000}}}
	size, err := rc.SignedSize(tr, 1)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tr.Serialize()
	if size != int64(len(raw))+1+65 {
		t.Errorf("size %d for %d bytes and one signature", size, len(raw))
	}
	u := rc.Count(tr, size, 1, now)
	want := rc.Usage{rc.HistoryBytes: size, rc.StateBytes: 144*7*24 + 128, rc.ExecutionTime: (479 + 17568 + 187 + 78) + 6622 + 94165}
	if u != want {
		t.Errorf("usage %v, want %v", u, want)
	}
	tr.Operations = append(tr.Operations, &tx.Transfer{From: "alice", To: "bob", Amount: tx.Asset{Amount: 1, Precision: 3, Symbol: "HIVE"}})
	if u := rc.Count(tr, size, 2, now); u[rc.MarketBytes] != size {
		t.Errorf("a transfer makes the bytes market bytes: %v", u)
	}
	if p := rc.Payer(tr); p != "alice" {
		t.Errorf("payer %q", p)
	}
}

// The price follows hived: a chain at its start prices a vote at a few
// tenths of a percent of the credits of an account holding a millionth of
// all vesting shares, and a comment above a vote.
func TestMarketCost(t *testing.T) {
	c, _ := chain.Lookup("hive", "")
	now := time.Unix(1_800_000_000, 0)
	m := rc.HiveMarket(290_000_000_000_000_000)
	price := func(op tx.Operation) int64 {
		tr := &tx.Transaction{Chain: c, Expiration: now.Add(time.Minute), Operations: []tx.Operation{op}}
		size, err := rc.SignedSize(tr, 1)
		if err != nil {
			t.Fatal(err)
		}
		cost, each := m.Cost(rc.Count(tr, size, 1, now))
		var sum int64
		for _, v := range each {
			sum += v
		}
		if sum != cost {
			t.Errorf("%s: total %d, parts %v", op.Name(), cost, each)
		}
		return cost
	}
	vote := price(&tx.Vote{Voter: "alice", Author: "bob", Permlink: "post", Weight: 10000})
	comment := price(&tx.Comment{ParentPermlink: "hive", Author: "alice", Permlink: "a-post", Title: "t", Body: "b", JSONMetadata: "{}"})
	if share := float64(vote) / 290e9; share < 1e-5 || share > 1e-2 || comment <= vote {
		t.Errorf("vote %d (%.5f of a millionth's credits), comment %d", vote, share, comment)
	}
}
