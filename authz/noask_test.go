package authz_test

import (
	"errors"
	"testing"
	"time"

	"localsigner/authz"
)

// TestNoAskLifecycle: entries cover exactly their (operation, counterparty)
// keys until they expire, a new choice replaces the old one, removal
// is as narrow as asked, and every change is audited.
func TestNoAskLifecycle(t *testing.T) {
	f := newFixture(t)
	f.authorize(t, "dapp", "transfer account_witness_vote")
	gid := f.grantOf(t, "dapp")
	grant := func() *authz.Grant {
		t.Helper()
		g, err := f.iss.Grant(gid)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	toBob, toCarol, vote := [2]string{"transfer", "bob"}, [2]string{"transfer", "carol"}, [2]string{"account_witness_vote", ""}

	if grant().NoAskCovers([][2]string{toBob}, f.clk.Now()) {
		t.Fatal("covered before any entry")
	}
	for _, d := range []time.Duration{0, -time.Hour, 59 * time.Second, authz.MaxNoAsk + time.Second} {
		if err := f.iss.AddNoAsk(gid, [][2]string{toBob}, d); !errors.Is(err, authz.ErrNoAskLimit) {
			t.Fatalf("AddNoAsk(%v) = %v", d, err)
		}
	}
	if err := f.iss.AddNoAsk("g_nope", [][2]string{toBob}, time.Hour); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("unknown grant: %v", err)
	}
	if err := f.iss.AddNoAsk(gid, [][2]string{toBob, vote}, time.Hour); err != nil {
		t.Fatal(err)
	}
	now := f.clk.Now()
	g := grant()
	if !g.NoAskCovers([][2]string{toBob}, now) || !g.NoAskCovers([][2]string{toBob, vote}, now) {
		t.Fatalf("not covered: %+v", g.NoAsk)
	}
	if g.NoAskCovers([][2]string{toCarol}, now) || g.NoAskCovers([][2]string{toBob, toCarol}, now) || g.NoAskCovers(nil, now) {
		t.Fatal("covers a key it was not given")
	}
	if len(g.NoAsk) != 2 || !g.NoAsk[1].Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("entries %+v", g.NoAsk)
	}

	// A later, shorter choice for the same key replaces the first.
	f.clk.Advance(10 * time.Minute)
	if err := f.iss.AddNoAsk(gid, [][2]string{toBob}, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(6 * time.Minute)
	if g := grant(); g.NoAskCovers([][2]string{toBob}, f.clk.Now()) || !g.NoAskCovers([][2]string{vote}, f.clk.Now()) {
		t.Fatalf("after replacement %+v", g.NoAsk)
	}
	// The vote entry runs out at its hour.
	f.clk.Advance(45 * time.Minute)
	if grant().NoAskCovers([][2]string{vote}, f.clk.Now()) {
		t.Fatal("an expired entry still covers")
	}

	// Removal: one counterparty, then every counterparty of an operation.
	if err := f.iss.AddNoAsk(gid, [][2]string{toBob, toCarol, vote}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if n, err := f.iss.RemoveNoAsk(gid, "transfer", "carol"); err != nil || n != 1 {
		t.Fatalf("remove carol: %d %v", n, err)
	}
	if g := grant(); !g.NoAskCovers([][2]string{toBob, vote}, f.clk.Now()) || g.NoAskCovers([][2]string{toCarol}, f.clk.Now()) {
		t.Fatalf("after removing carol %+v", g.NoAsk)
	}
	if n, err := f.iss.RemoveNoAsk(gid, "transfer", "*"); err != nil || n != 1 {
		t.Fatalf("remove transfers: %d %v", n, err)
	}
	if n, err := f.iss.RemoveNoAsk(gid, "", ""); err != nil || n != 1 || len(grant().NoAsk) != 0 {
		t.Fatalf("remove all: %d %v %+v", n, err, grant().NoAsk)
	}
	if _, err := f.iss.RemoveNoAsk("g_nope", "", ""); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("unknown grant: %v", err)
	}

	events, err := f.iss.Audit(50)
	if err != nil {
		t.Fatal(err)
	}
	set, removed := 0, 0
	for _, e := range events {
		switch e.Type {
		case authz.EventNoAskSet:
			set++
		case authz.EventNoAskRemoved:
			removed++
		}
	}
	if set != 3 || removed != 3 {
		t.Fatalf("audit: %d set, %d removed events", set, removed)
	}
}

// TestNarrowDropsNoAsk: narrowing a grant drops the entries of operations
// it no longer permits, so that a later widening does not revive them.
func TestNarrowDropsNoAsk(t *testing.T) {
	f := newFixture(t)
	f.authorize(t, "dapp", "transfer vote")
	gid := f.grantOf(t, "dapp")
	if err := f.iss.AddNoAsk(gid, [][2]string{{"transfer", "bob"}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := f.iss.NarrowGrant(gid, []string{"vote"}); err != nil {
		t.Fatal(err)
	}
	g, err := f.iss.Grant(gid)
	if err != nil || len(g.NoAsk) != 0 {
		t.Fatalf("after narrowing: %+v %v", g, err)
	}
}
