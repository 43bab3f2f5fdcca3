package authz

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"localsigner/signer/chain"
)

func TestVerifyS256(t *testing.T) {
	// RFC 7636 Appendix B.
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if got := S256Challenge(verifier); got != challenge {
		t.Fatalf("S256Challenge = %s, want %s", got, challenge)
	}
	if !VerifyS256(verifier, challenge) {
		t.Fatal("RFC 7636 vector does not verify")
	}
	bad := []struct{ v, c string }{
		{verifier[:42] + "Y", challenge},                // other verifier
		{verifier, challenge[:42] + "N"},                // other challenge
		{verifier, verifier},                            // plain: challenge == verifier
		{verifier[:42], S256Challenge(verifier[:42])},   // verifier too short
		{strings.Repeat("a", 129), S256Challenge("a")},  // too long
		{verifier + "!", S256Challenge(verifier + "!")}, // bad character
		{verifier, challenge + "="},                     // padded challenge
		{"", ""},
	}
	for _, b := range bad {
		if VerifyS256(b.v, b.c) {
			t.Errorf("VerifyS256(%q, %q) = true", b.v, b.c)
		}
	}
}

func TestParseScopes(t *testing.T) {
	cases := []struct {
		in   string
		want string // space-joined canonical; "" with wantErr false means empty
	}{
		{"", ""},
		{"login", "login"},
		{"vote,comment", "comment vote"},
		{"vote comment vote", "comment vote"},
		{"posting", "account_update2 claim_reward_balance comment comment_options custom_json delete_comment vote"},
		{"offline,posting", "account_update2 claim_reward_balance comment comment_options custom_json delete_comment offline vote"},
		{"custom_json:follow", "custom_json:follow"},
		{"transfer, vote", "transfer vote"},
	}
	for _, c := range cases {
		got, err := ParseScopes(c.in, HiveOps)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got.String() != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got.String(), c.want)
		}
	}
	bad := []string{
		"change_recovery_account", // owner
		"decline_voting_rights",   // owner
		"vote,recover_account",    // unsupported
		"fly",                     // unknown
		"custom_json:",            // empty id
		"custom_json:a b",         // split into an unknown item
		"custom_json:" + strings.Repeat("x", 33),
		"custom_json:<script>",
		"vote:follow", // only custom_json narrows
		"Vote",        // case matters
		strings.Repeat("vote ", 65),
	}
	for _, in := range bad {
		if _, err := ParseScopes(in, HiveOps); !errors.Is(err, ErrInvalidScope) {
			t.Errorf("%q: err = %v, want ErrInvalidScope", in, err)
		}
	}
	if _, err := ParseScopes("vote", GrapheneOps); !errors.Is(err, ErrInvalidScope) {
		t.Error("vote accepted on a Graphene chain")
	}
}

func TestScopesCoversAndPermits(t *testing.T) {
	must := func(s string) Scopes {
		sc, err := ParseScopes(s, HiveOps)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	granted := must("vote custom_json:follow offline")
	covers := map[string]bool{
		"vote":                  true,
		"vote offline":          true,
		"custom_json:follow":    true,
		"custom_json:community": false,
		"custom_json":           false,
		"comment":               false,
		"":                      true,
	}
	for s, want := range covers {
		if got := granted.Covers(must(s)); got != want {
			t.Errorf("Covers(%q) = %v, want %v", s, got, want)
		}
	}
	if !must("custom_json").Covers(must("custom_json:follow custom_json:x")) {
		t.Error("custom_json must cover narrowed forms")
	}
	permits := []struct {
		op, id string
		need   Authority
		want   bool
	}{
		{"vote", "", chain.Posting, true},
		{"vote", "", chain.Active, false}, // more than vote's plain authority
		{"custom_json", "follow", chain.Posting, true},
		{"custom_json", "community", chain.Posting, false},
		{"custom_json", "follow", chain.Active, false}, // required_auths needs active
		{"custom_json", "", chain.Posting, false},
		{"comment", "", chain.Posting, false},
		{"vote", "", chain.Owner, false},
	}
	for _, p := range permits {
		if got := granted.Permits(HiveOps, p.op, p.id, p.need); got != p.want {
			t.Errorf("Permits(%s, %q, %v) = %v, want %v", p.op, p.id, p.need, got, p.want)
		}
	}
	all := must("posting transfer")
	if !all.Permits(HiveOps, "transfer", "", chain.Active) || all.Permits(HiveOps, "change_recovery_account", "", chain.Owner) {
		t.Error("transfer should be permitted at active, owner ops never")
	}
	if !slices.Equal(all.Without("vote"), Scopes(slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == "vote" }))) {
		t.Error("Without")
	}
}
