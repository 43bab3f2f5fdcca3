package authz_test

import (
	"errors"
	"testing"
	"time"

	"localsigner/authz"
	"localsigner/signer/chain"
)

func TestNarrowGrant(t *testing.T) {
	type op struct {
		name, id string
		want     bool
	}
	cases := []struct {
		name    string
		granted string
		narrow  []string
		err     error
		scopes  string // the grant's scopes afterwards
		ops     []op   // checked with Permits on the live access token
	}{
		{"posting to vote", "posting offline", []string{"vote", "offline"}, nil, "offline vote",
			[]op{{"vote", "", true}, {"comment", "", false}, {"custom_json", "follow", false}}},
		{"custom_json to one id", "custom_json vote", []string{"custom_json:follow"}, nil, "custom_json:follow",
			[]op{{"custom_json", "follow", true}, {"custom_json", "other", false}, {"vote", "", false}}},
		{"drop offline", "vote offline", []string{"vote"}, nil, "vote", []op{{"vote", "", true}}},
		{"same set", "vote comment", []string{"comment", "vote"}, nil, "comment vote", []op{{"comment", "", true}}},
		{"widen", "vote", []string{"vote", "transfer"}, authz.ErrScopeWiden, "vote", []op{{"vote", "", true}, {"transfer", "", false}}},
		{"widen id to custom_json", "custom_json:follow", []string{"custom_json"}, authz.ErrScopeWiden, "custom_json:follow", nil},
		{"empty", "vote", nil, authz.ErrScopeWiden, "vote", []op{{"vote", "", true}}},
		{"unknown scope", "vote", []string{"nope"}, authz.ErrScopeWiden, "vote", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			tok, err := f.iss.Token(codeReq("dapp", f.authorize(t, "dapp", c.granted)))
			if err != nil {
				t.Fatal(err)
			}
			gid := f.grantOf(t, "dapp")
			var before [32]byte
			if c.err != nil {
				before = f.sum(t)
			}
			err = f.iss.NarrowGrant(gid, c.narrow)
			if !errors.Is(err, c.err) {
				t.Fatalf("NarrowGrant = %v, want %v", err, c.err)
			}
			if c.err != nil && f.sum(t) != before {
				t.Fatal("a refused narrowing changed the store")
			}
			g, err := f.iss.Grant(gid)
			if err != nil || g.Scopes.String() != c.scopes {
				t.Fatalf("grant scopes %v (%v), want %q", g.Scopes, err, c.scopes)
			}
			rec, err := f.iss.Lookup(tok.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range c.ops {
				if got := rec.Scopes.Permits(authz.HiveOps, o.name, o.id, chain.Posting); got != o.want {
					t.Errorf("token permits %s %q = %v, want %v", o.name, o.id, got, o.want)
				}
			}
			if tok.RefreshToken == "" {
				return
			}
			// The refresh token is narrowed too (or gone without offline).
			next, err := f.iss.Token(refreshReq("dapp", tok.RefreshToken))
			if !g.Scopes.Has(authz.ScopeOffline) {
				wantCode(t, err, authz.CodeInvalidGrant)
				return
			}
			if err != nil || next.Scope != c.scopes {
				t.Fatalf("refreshed %+v %v, want scope %q", next, err, c.scopes)
			}
		})
	}
}

func TestNarrowGrantUnknownAndAudit(t *testing.T) {
	f := newFixture(t)
	if err := f.iss.NarrowGrant("g_nope", []string{"vote"}); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("unknown grant: %v", err)
	}
	f.authorize(t, "dapp", "vote comment")
	gid := f.grantOf(t, "dapp")
	if err := f.iss.NarrowGrant(gid, []string{"vote"}); err != nil {
		t.Fatal(err)
	}
	evs, err := f.iss.Audit(1)
	if err != nil || len(evs) != 1 || evs[0].Type != authz.EventGrantNarrowed || evs[0].GrantID != gid || evs[0].Scopes.String() != "vote" {
		t.Fatalf("audit %+v %v", evs, err)
	}
}

func TestLastUsedThrottled(t *testing.T) {
	f := newFixture(t)
	tok, err := f.iss.Token(codeReq("dapp", f.authorize(t, "dapp", "vote")))
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		t.Helper()
		gs, err := f.iss.Grants()
		if err != nil || len(gs) != 1 {
			t.Fatalf("grants %+v %v", gs, err)
		}
		return gs[0].LastUsed
	}
	if !lastUsed().IsZero() {
		t.Fatal("LastUsed set before any use")
	}
	t0 := f.clk.Now()
	if rec, err := f.iss.Lookup(tok.AccessToken); err != nil {
		t.Fatal(err)
	} else {
		f.iss.NoteUse(rec.GrantID)
	}
	if !lastUsed().Equal(t0) {
		t.Fatalf("LastUsed %v, want %v", lastUsed(), t0)
	}
	// Within the minute: no write at all.
	f.clk.Advance(30 * time.Second)
	before := f.sum(t)
	if rec, err := f.iss.Lookup(tok.AccessToken); err != nil {
		t.Fatal(err)
	} else {
		f.iss.NoteUse(rec.GrantID)
	}
	if f.sum(t) != before || !lastUsed().Equal(t0) {
		t.Fatal("a second use within a minute wrote the store")
	}
	f.clk.Advance(31 * time.Second)
	if rec, err := f.iss.Lookup(tok.AccessToken); err != nil {
		t.Fatal(err)
	} else {
		f.iss.NoteUse(rec.GrantID)
	}
	if !lastUsed().Equal(f.clk.Now()) {
		t.Fatalf("LastUsed %v after a minute, want %v", lastUsed(), f.clk.Now())
	}
	// A token that is not accepted records nothing.
	f.clk.Advance(2 * time.Minute)
	before = f.sum(t)
	if _, err := f.iss.Lookup("nope"); !errors.Is(err, authz.ErrNotFound) {
		t.Fatal(err)
	}
	if f.sum(t) != before {
		t.Fatal("a refused token wrote the store")
	}
}
