package authz_test

import (
	"errors"
	"strings"
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
	toBob := authz.NoAskKey{Operation: "transfer", Match: map[string]string{"to": "bob", "memo": ""}, Text: "transfer to @bob, no memo, any amount"}
	toCarol := authz.NoAskKey{Operation: "transfer", Match: map[string]string{"to": "carol", "memo": ""}}
	vote := authz.NoAskKey{Operation: "convert"}
	// The same recipient with another memo is another key.
	toBobMemo := authz.NoAskKey{Operation: "transfer", Match: map[string]string{"to": "bob", "memo": "x"}}

	if grant().NoAskCovers([]authz.NoAskKey{toBob}, f.clk.Now()) {
		t.Fatal("covered before any entry")
	}
	for _, d := range []time.Duration{0, -time.Hour, 59 * time.Second, authz.MaxNoAsk + time.Second} {
		if err := f.iss.AddNoAsk(gid, []authz.NoAskKey{toBob}, d); !errors.Is(err, authz.ErrNoAskLimit) {
			t.Fatalf("AddNoAsk(%v) = %v", d, err)
		}
	}
	if err := f.iss.AddNoAsk("g_nope", []authz.NoAskKey{toBob}, time.Hour); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("unknown grant: %v", err)
	}
	if err := f.iss.AddNoAsk(gid, []authz.NoAskKey{toBob, vote}, time.Hour); err != nil {
		t.Fatal(err)
	}
	now := f.clk.Now()
	g := grant()
	if !g.NoAskCovers([]authz.NoAskKey{toBob}, now) || !g.NoAskCovers([]authz.NoAskKey{toBob, vote}, now) {
		t.Fatalf("not covered: %+v", g.NoAsk)
	}
	if g.NoAskCovers([]authz.NoAskKey{toCarol}, now) || g.NoAskCovers([]authz.NoAskKey{toBob, toCarol}, now) || g.NoAskCovers(nil, now) ||
		g.NoAskCovers([]authz.NoAskKey{toBobMemo}, now) || g.NoAskCovers([]authz.NoAskKey{{Operation: "transfer", Match: map[string]string{"to": "bob"}}}, now) {
		t.Fatal("covers a key it was not given")
	}
	if len(g.NoAsk) != 2 || !g.NoAsk[1].Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("entries %+v", g.NoAsk)
	}

	// A later, shorter choice for the same key replaces the first.
	f.clk.Advance(10 * time.Minute)
	if err := f.iss.AddNoAsk(gid, []authz.NoAskKey{toBob}, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(6 * time.Minute)
	if g := grant(); g.NoAskCovers([]authz.NoAskKey{toBob}, f.clk.Now()) || !g.NoAskCovers([]authz.NoAskKey{vote}, f.clk.Now()) {
		t.Fatalf("after replacement %+v", g.NoAsk)
	}
	// The vote entry runs out at its hour.
	f.clk.Advance(45 * time.Minute)
	if grant().NoAskCovers([]authz.NoAskKey{vote}, f.clk.Now()) {
		t.Fatal("an expired entry still covers")
	}

	// Removal: one counterparty, then every counterparty of an operation.
	if err := f.iss.AddNoAsk(gid, []authz.NoAskKey{toBob, toCarol, vote}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if n, err := f.iss.RemoveNoAsk(gid, "transfer", "carol"); err != nil || n != 1 {
		t.Fatalf("remove carol: %d %v", n, err)
	}
	if g := grant(); !g.NoAskCovers([]authz.NoAskKey{toBob, vote}, f.clk.Now()) || g.NoAskCovers([]authz.NoAskKey{toCarol}, f.clk.Now()) {
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

// TestPruneNoAsk: entries the rules no longer allow are dropped, with an
// audit event naming them; entries made before the registry (a bare
// counterparty) never match.
func TestPruneNoAsk(t *testing.T) {
	f := newFixture(t)
	f.authorize(t, "dapp", "transfer account_update")
	gid := f.grantOf(t, "dapp")
	keep := authz.NoAskKey{Operation: "transfer", Match: map[string]string{"to": "bob", "memo": ""}, Text: "transfer to @bob, no memo, any amount"}
	drop := authz.NoAskKey{Operation: "account_update", Text: "account_update"}
	if err := f.iss.AddNoAsk(gid, []authz.NoAskKey{keep, drop}, time.Hour); err != nil {
		t.Fatal(err)
	}
	n, err := f.iss.PruneNoAsk(func(e authz.NoAsk) bool { return e.Operation == "transfer" })
	if err != nil || n != 1 {
		t.Fatalf("prune: %d %v", n, err)
	}
	g, err := f.iss.Grant(gid)
	if err != nil || len(g.NoAsk) != 1 || g.NoAsk[0].Operation != "transfer" {
		t.Fatalf("after pruning: %+v %v", g, err)
	}
	events, err := f.iss.Audit(1)
	if err != nil || len(events) != 1 || events[0].Type != authz.EventNoAskRemoved || !strings.Contains(events[0].Detail, "dropped at start") ||
		!strings.Contains(events[0].Detail, "account_update") {
		t.Fatalf("audit %+v %v", events, err)
	}
	legacy := authz.NoAsk{Operation: "transfer", To: "bob", Expires: f.clk.Now().Add(time.Hour)}
	old := authz.Grant{NoAsk: []authz.NoAsk{legacy}}
	for _, k := range []authz.NoAskKey{{Operation: "transfer"}, {Operation: "transfer", Match: map[string]string{"to": "bob"}}, keep} {
		if old.NoAskCovers([]authz.NoAskKey{k}, f.clk.Now()) {
			t.Fatalf("a legacy entry matched %+v", k)
		}
	}
	if legacy.Label() != "transfer to bob" {
		t.Fatalf("legacy label %q", legacy.Label())
	}
}

// TestNarrowDropsNoAsk: narrowing a grant drops the entries of operations
// it no longer permits, so that a later widening does not revive them.
func TestNarrowDropsNoAsk(t *testing.T) {
	f := newFixture(t)
	f.authorize(t, "dapp", "transfer vote")
	gid := f.grantOf(t, "dapp")
	if err := f.iss.AddNoAsk(gid, []authz.NoAskKey{{Operation: "transfer", Match: map[string]string{"to": "bob"}}}, time.Hour); err != nil {
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
