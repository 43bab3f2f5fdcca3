package authz_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"localsigner/authz"
	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

func TestClientCredentialsAndIntrospection(t *testing.T) {
	f := newFixture(t)
	app, secret, err := f.iss.AddApp(authz.AppSpec{Name: "bot", Scopes: "vote custom_json:follow offline", Account: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	cc := func(secret, scope string) *authz.TokenRequest {
		r := &authz.TokenRequest{GrantType: authz.GrantClientCredentials,
			Client: authz.ClientCredentials{ID: app.ID, Secret: secret, Method: authz.AuthBasic}}
		if scope != "" {
			r.Scope, r.HasScope = scope, true
		}
		return r
	}
	tok, err := f.iss.Token(cc(secret, ""))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" || tok.Scope != "custom_json:follow vote" || tok.Username != "alice" {
		t.Fatalf("client_credentials response %+v", tok)
	}
	for name, c := range map[string]struct {
		req  *authz.TokenRequest
		want string
	}{
		"wrong secret": {cc(secret+"x", ""), authz.CodeInvalidClient},
		"no secret": {&authz.TokenRequest{GrantType: authz.GrantClientCredentials,
			Client: authz.ClientCredentials{ID: app.ID, Method: authz.AuthNone}}, authz.CodeInvalidClient},
		"escalation": {cc(secret, "vote comment"), authz.CodeInvalidScope},
		"widening":   {cc(secret, "custom_json"), authz.CodeInvalidScope},
	} {
		t.Run(name, func(t *testing.T) {
			before := f.sum(t)
			_, err := f.iss.Token(c.req)
			wantCode(t, err, c.want)
			if f.sum(t) != before {
				t.Fatal("the store changed")
			}
		})
	}
	// A public client may not use client_credentials.
	f.authorize(t, "dapp", "vote")
	_, err = f.iss.Token(&authz.TokenRequest{GrantType: authz.GrantClientCredentials,
		Client: authz.ClientCredentials{ID: "dapp", Method: authz.AuthNone}})
	wantCode(t, err, authz.CodeUnauthorizedClient)

	// Introspection: apps see their own tokens; others' are inactive.
	q := &authz.TokenQuery{Token: tok.AccessToken, Client: authz.ClientCredentials{ID: app.ID, Secret: secret, Method: authz.AuthPost}}
	in, err := f.iss.Introspect(q)
	if err != nil || !in.Active || in.Username != "alice" || in.ClientID != app.ID || in.Exp == 0 {
		t.Fatalf("introspect %+v %v", in, err)
	}
	dtok, err := f.iss.Token(codeReq("dapp", f.authorize(t, "dapp", "vote")))
	if err != nil {
		t.Fatal(err)
	}
	q.Token = dtok.AccessToken
	if in, err := f.iss.Introspect(q); err != nil || in.Active {
		t.Fatalf("another client's token: %+v %v", in, err)
	}
	_, err = f.iss.Introspect(&authz.TokenQuery{Token: dtok.AccessToken, Client: authz.ClientCredentials{ID: "dapp", Method: authz.AuthNone}})
	wantCode(t, err, authz.CodeInvalidClient)
	if in, err := f.iss.IntrospectAny(dtok.AccessToken); err != nil || !in.Active {
		t.Fatalf("admin introspect %+v %v", in, err)
	}

	// Removing the app ends its tokens.
	if err := f.iss.RemoveApp(app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.iss.Lookup(tok.AccessToken); !errors.Is(err, authz.ErrNotFound) {
		t.Fatal("token survived app removal")
	}
}

func TestAddAppValidation(t *testing.T) {
	f := newFixture(t)
	bad := []authz.AppSpec{
		{Name: "", Scopes: "vote"},
		{Name: "x", Scopes: ""},
		{Name: "x", Scopes: "change_recovery_account"},
		{Name: "x", Scopes: "vote", RedirectURIs: []string{"http://evil.example/cb"}},
		{Name: "x", Scopes: "vote", Implicit: true},
		{Name: "x", Scopes: "vote", Account: "Not Valid"},
		{Name: "bad\nname", Scopes: "vote"},
	}
	for _, spec := range bad {
		before := f.sum(t)
		if _, _, err := f.iss.AddApp(spec); err == nil {
			t.Errorf("accepted %+v", spec)
		}
		if f.sum(t) != before {
			t.Errorf("%+v: the store changed", spec)
		}
	}
}

func TestRevoke(t *testing.T) {
	f := newFixture(t)
	tok, err := f.iss.Token(codeReq("dapp", f.authorize(t, "dapp", "vote offline")))
	if err != nil {
		t.Fatal(err)
	}
	f.authorize(t, "other", "vote")
	q := func(client, token string) *authz.TokenQuery {
		return &authz.TokenQuery{Token: token, Client: authz.ClientCredentials{ID: client, Method: authz.AuthNone}}
	}
	before := f.sum(t)
	wantCode(t, f.iss.Revoke(q("other", tok.AccessToken)), authz.CodeUnauthorizedClient)
	if f.sum(t) != before {
		t.Fatal("cross-client revoke changed the store")
	}
	if err := f.iss.Revoke(q("dapp", "lsa_unknown")); err != nil {
		t.Fatalf("unknown token: %v", err)
	}
	if err := f.iss.Revoke(q("dapp", tok.AccessToken)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.iss.Lookup(tok.AccessToken); !errors.Is(err, authz.ErrNotFound) {
		t.Fatal("revoked access token still works")
	}
	tok2, err := f.iss.Token(refreshReq("dapp", tok.RefreshToken))
	if err != nil {
		t.Fatalf("revoking the access token should leave the refresh token: %v", err)
	}
	if err := f.iss.Revoke(&authz.TokenQuery{Token: tok2.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.iss.Lookup(tok2.AccessToken); !errors.Is(err, authz.ErrNotFound) {
		t.Fatal("revoking the refresh token should end the grant")
	}
}

func TestSweep(t *testing.T) {
	f := newFixture(t)
	f.authorize(t, "dapp", "vote") // a code never redeemed
	tok, err := f.iss.Token(codeReq("dapp", f.authorize(t, "dapp", "vote offline")))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.iss.Sweep(); err != nil || n != 0 {
		t.Fatalf("early sweep removed %d (%v)", n, err)
	}
	f.clk.Advance(2 * time.Hour)
	if n, err := f.iss.Sweep(); err != nil || n != 4 { // 2 codes, 1 access, 1 grant without tokens
		t.Fatalf("sweep removed %d (%v)", n, err)
	}
	if _, err := f.iss.Token(refreshReq("dapp", tok.RefreshToken)); err != nil {
		t.Fatalf("refresh token swept too early: %v", err)
	}
	f.clk.Advance(31 * 24 * time.Hour)
	if _, err := f.iss.Sweep(); err != nil {
		t.Fatal(err)
	}
	if gs, _ := f.iss.Grants(); len(gs) != 0 {
		t.Fatalf("grants left after everything expired: %+v", gs)
	}
}

// TestCatalogMatchesTx checks the operation names of the catalogs against
// package tx: each must be an operation tx knows and signs.
func TestCatalogMatchesTx(t *testing.T) {
	check := func(chainName string, cat authz.OpTable) {
		c, err := chain.Lookup(chainName, "")
		if err != nil {
			t.Fatal(err)
		}
		for name := range cat {
			raw, _ := json.Marshal([]any{name, map[string]any{}})
			_, err := tx.DecodeOperation(c, raw)
			if errors.Is(err, tx.ErrUnknownOperation) || errors.Is(err, tx.ErrUnsupportedOperation) {
				t.Errorf("%s: %s is not an operation tx signs: %v", chainName, name, err)
			}
		}
	}
	check("devnet", authz.HiveOps)
	check("peerplays", authz.GrapheneOps)
}

// TestAllowedOriginsFollowWrites: the origin index gains an app's origin
// when it is registered and loses it when it is removed.
func TestAllowedOriginsFollowWrites(t *testing.T) {
	f := newFixture(t)
	has := func(o string) bool {
		t.Helper()
		ok, err := f.iss.OriginAllowed(o)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if has("https://app.example") {
		t.Fatal("an origin before any client")
	}
	app, _, err := f.iss.AddApp(authz.AppSpec{Name: "bot", Scopes: "vote", RedirectURIs: []string{"https://app.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	if !has("https://app.example") || has("https://app.example.evil") || has("https://app") {
		t.Fatal("the new app's origin is not allowed alone")
	}
	if err := f.iss.RemoveApp(app.ID); err != nil {
		t.Fatal(err)
	}
	if has("https://app.example") {
		t.Fatal("the removed app's origin is still allowed")
	}
}
