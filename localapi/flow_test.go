package localapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestOAuthClientFlow plays a dapp with golang.org/x/oauth2: authorize with
// PKCE → approve through the admin channel → token → refresh → revoke.
func TestOAuthClientFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	conf := &oauth2.Config{
		ClientID:    "mydapp",
		RedirectURL: dappRedirect,
		Scopes:      []string{"vote", "comment", "custom_json:follow", "offline"},
		Endpoint: oauth2.Endpoint{
			AuthURL:  e.base + "/oauth2/authorize",
			TokenURL: e.base + "/oauth2/token",
		},
	}
	verifier := oauth2.GenerateVerifier()
	wait := e.authorize(conf.AuthCodeURL("xyz", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("account", "alice")))

	p := e.pending(1)[0]
	if p.ClientID != "mydapp" || p.Origin != dappOrigin || p.RedirectURI != dappRedirect || !p.FirstTime ||
		p.Account != "alice" || p.RequestedScopes.String() != "comment custom_json:follow offline vote" || p.Chain != "devnet" {
		t.Fatalf("pending request %+v", p)
	}
	// The user grants less than asked: no comment.
	if err := e.admin.Approve(p.ID, []string{"vote", "custom_json:follow", "offline", "transfer"}, "", false); err == nil {
		t.Fatal("approving a scope that was not requested should fail")
	}
	if err := e.admin.Approve(p.ID, []string{"vote", "custom_json:follow", "offline"}, "carol", false); err == nil {
		t.Fatal("approving for an account the vault does not hold should fail")
	}
	if err := e.admin.Approve(p.ID, []string{"vote", "custom_json:follow", "offline"}, "", false); err != nil {
		t.Fatal(err)
	}
	res := wait()
	if res.status != http.StatusFound || res.location == nil {
		t.Fatalf("authorize answered %d %s", res.status, res.body)
	}
	q := res.location.Query()
	if !strings.HasPrefix(res.location.String(), dappRedirect+"?") || q.Get("state") != "xyz" ||
		q.Get("iss") != e.base || q.Get("username") != "alice" || q.Get("code") == "" {
		t.Fatalf("redirect %s", res.location)
	}

	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.TokenType != "Bearer" || time.Until(tok.Expiry) > time.Hour {
		t.Fatalf("token %+v", tok)
	}
	if tok.Extra("scope") != "custom_json:follow offline vote" || tok.Extra("username") != "alice" {
		t.Fatalf("scope %v username %v", tok.Extra("scope"), tok.Extra("username"))
	}
	rec, err := e.srv.Issuer().Lookup(tok.AccessToken)
	if err != nil || rec.Account != "alice" || rec.ClientID != "mydapp" {
		t.Fatalf("lookup %+v %v", rec, err)
	}

	// Refresh: x/oauth2 refreshes an expired token through its TokenSource.
	old := *tok
	old.Expiry = time.Now().Add(-time.Minute)
	tok2, err := conf.TokenSource(ctx, &old).Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok2.AccessToken == tok.AccessToken || tok2.RefreshToken == tok.RefreshToken || tok2.RefreshToken == "" {
		t.Fatal("refresh did not rotate")
	}

	// Revoke the refresh token (RFC 7009): the grant ends.
	st, _, body := e.do(http.MethodPost, "/oauth2/revoke", url.Values{"token": {tok2.RefreshToken}, "client_id": {"mydapp"}}.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if st != http.StatusOK {
		t.Fatalf("revoke: %d %s", st, body)
	}
	in, err := e.admin.Introspect(tok2.AccessToken)
	if err != nil || in.Active {
		t.Fatalf("access token after revoke: %+v %v", in, err)
	}
	old2 := *tok2
	old2.Expiry = time.Now().Add(-time.Minute)
	_, err = conf.TokenSource(ctx, &old2).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.Response.StatusCode != http.StatusBadRequest {
		t.Fatalf("refresh after revoke: %v", err)
	}
	grants, err := e.admin.Grants()
	if err != nil || len(grants) != 0 {
		t.Fatalf("grants after revoke: %+v %v", grants, err)
	}
	events, err := e.admin.Log(0)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range events {
		types = append(types, ev.Type)
	}
	if got := strings.Join(types, ","); got != "approved,token_issued,refreshed,revoked" {
		t.Fatalf("audit log %s", got)
	}
}

// TestMetadata checks the RFC 8414 document.
func TestMetadata(t *testing.T) {
	e := newEnv(t)
	st, hdr, body := e.do(http.MethodGet, "/.well-known/oauth-authorization-server", "", nil)
	if st != http.StatusOK || hdr.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("%d %v", st, hdr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	if m["issuer"] != e.base || m["token_endpoint"] != e.base+"/oauth2/token" ||
		m["authorization_response_iss_parameter_supported"] != true {
		t.Fatalf("metadata %s", body)
	}
	if ms := m["code_challenge_methods_supported"].([]any); len(ms) != 1 || ms[0] != "S256" {
		t.Fatalf("PKCE methods %v", ms)
	}
	var scopes []string
	for _, s := range m["scopes_supported"].([]any) {
		if s == "change_recovery_account" {
			t.Fatal("owner operation advertised as a scope")
		}
		scopes = append(scopes, s.(string))
	}
	for _, want := range []string{"login", "posting", "vote", "transfer", "custom_json"} {
		if !slices.Contains(scopes, want) {
			t.Fatalf("scopes_supported %q lacks %s", scopes, want)
		}
	}
}
