package authz_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"localsigner/authz"
	"localsigner/store"
)

const (
	verifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	redirect  = "https://dapp.example/cb"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	iss *authz.Issuer
	db  *store.DB
	clk *clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, authz.Retention{}, nil)
}

// newFixtureWith is newFixture with the audit log's retention r and, if
// not nil, the clock clk.
func newFixtureWith(t *testing.T, r authz.Retention, clk *clock) *fixture {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "data"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.OpenRecords(bytes.Repeat([]byte{1}, 32), true); err != nil {
		t.Fatal(err)
	}
	if clk == nil {
		clk = &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	}
	iss, err := authz.NewIssuer(authz.IssuerConfig{Store: db, Catalog: authz.HiveOps, Chain: "devnet", Now: clk.Now, Retention: r})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{iss: iss, db: db, clk: clk}
}

func (f *fixture) sum(t *testing.T) [32]byte {
	t.Helper()
	s, err := f.db.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func scopes(t *testing.T, s string) authz.Scopes {
	t.Helper()
	sc, err := authz.ParseScopes(s, authz.HiveOps)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// authorize approves a code request for client "dapp" and returns the code.
func (f *fixture) authorize(t *testing.T, client, scope string) string {
	t.Helper()
	req := &authz.AuthorizeRequest{ClientID: client, RedirectURI: redirect, Origin: "https://dapp.example",
		Type: authz.ResponseCode, Scopes: scopes(t, scope), Challenge: challenge}
	res, err := f.iss.Authorize(authz.Approval{Request: req, Account: "alice", Scopes: req.Scopes})
	if err != nil {
		t.Fatal(err)
	}
	return res.Code
}

func codeReq(client, code string) *authz.TokenRequest {
	return &authz.TokenRequest{GrantType: authz.GrantAuthorizationCode, Code: code, RedirectURI: redirect,
		CodeVerifier: verifier, Client: authz.ClientCredentials{ID: client, Method: authz.AuthNone}}
}

func refreshReq(client, rt string) *authz.TokenRequest {
	return &authz.TokenRequest{GrantType: authz.GrantRefreshToken, RefreshToken: rt,
		Client: authz.ClientCredentials{ID: client, Method: authz.AuthNone}}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !errors.Is(err, &authz.Error{Code: code}) {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

func TestCodeFlowLifecycle(t *testing.T) {
	f := newFixture(t)
	code := f.authorize(t, "dapp", "vote comment offline")
	tok, err := f.iss.Token(codeReq("dapp", code))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.Username != "alice" || tok.ExpiresIn != 3600 || tok.TokenType != "Bearer" {
		t.Fatalf("response %+v", tok)
	}
	rec, err := f.iss.Lookup(tok.AccessToken)
	if err != nil || rec.Account != "alice" || rec.ClientID != "dapp" || rec.Chain != "devnet" ||
		rec.Scopes.String() != "comment offline vote" {
		t.Fatalf("lookup %+v %v", rec, err)
	}
	if _, err := f.iss.Lookup(tok.RefreshToken); !errors.Is(err, authz.ErrNotFound) {
		t.Fatal("a refresh token worked as a bearer token")
	}

	// Refresh with a narrower scope: the access token shrinks, the new
	// refresh token keeps the grant's scopes.
	r := refreshReq("dapp", tok.RefreshToken)
	r.Scope, r.HasScope = "vote", true
	tok2, err := f.iss.Token(r)
	if err != nil {
		t.Fatal(err)
	}
	if tok2.Scope != "vote" || tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh response %+v", tok2)
	}
	tok3, err := f.iss.Token(refreshReq("dapp", tok2.RefreshToken))
	if err != nil || tok3.Scope != "comment offline vote" {
		t.Fatalf("second refresh: %+v %v", tok3, err)
	}

	// Reusing a rotated refresh token revokes the whole grant.
	_, err = f.iss.Token(refreshReq("dapp", tok.RefreshToken))
	wantCode(t, err, authz.CodeInvalidGrant)
	for _, at := range []string{tok.AccessToken, tok2.AccessToken, tok3.AccessToken} {
		if _, err := f.iss.Lookup(at); !errors.Is(err, authz.ErrNotFound) {
			t.Fatal("access token survived refresh-token reuse")
		}
	}
	_, err = f.iss.Token(refreshReq("dapp", tok3.RefreshToken))
	wantCode(t, err, authz.CodeInvalidGrant)
	gs, _ := f.iss.Grants()
	if len(gs) != 0 {
		t.Fatalf("grant survived: %+v", gs)
	}
	ev, _ := f.iss.Audit(0)
	if ev[len(ev)-1].Type != authz.EventRefreshReuse {
		t.Fatalf("last audit event %+v", ev[len(ev)-1])
	}
}

func TestCodeReplayRevokesWhatItIssued(t *testing.T) {
	f := newFixture(t)
	code := f.authorize(t, "dapp", "vote offline")
	tok, err := f.iss.Token(codeReq("dapp", code))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.iss.Token(codeReq("dapp", code))
	wantCode(t, err, authz.CodeInvalidGrant)
	if _, err := f.iss.Lookup(tok.AccessToken); !errors.Is(err, authz.ErrNotFound) {
		t.Fatal("access token survived code replay")
	}
	_, err = f.iss.Token(refreshReq("dapp", tok.RefreshToken))
	wantCode(t, err, authz.CodeInvalidGrant)
	// Still recognised as a replay later (within the replay window).
	f.clk.Advance(5 * time.Minute)
	_, err = f.iss.Token(codeReq("dapp", code))
	wantCode(t, err, authz.CodeInvalidGrant)
}

func TestCodeExchangeRefusalsChangeNothing(t *testing.T) {
	f := newFixture(t)
	code := f.authorize(t, "dapp", "vote offline")
	f.authorize(t, "other", "vote") // a second public client
	cases := []struct {
		name string
		req  *authz.TokenRequest
		want string
	}{
		{"wrong verifier", func() *authz.TokenRequest {
			r := codeReq("dapp", code)
			r.CodeVerifier = verifier[:42] + "A"
			return r
		}(), authz.CodeInvalidGrant},
		{"other client", codeReq("other", code), authz.CodeInvalidGrant},
		{"unknown client", codeReq("nobody", code), authz.CodeInvalidClient},
		{"other redirect", func() *authz.TokenRequest {
			r := codeReq("dapp", code)
			r.RedirectURI = redirect + "/x"
			return r
		}(), authz.CodeInvalidGrant},
		{"public client with secret", func() *authz.TokenRequest {
			r := codeReq("dapp", code)
			r.Client.Secret, r.Client.Method = "x", authz.AuthPost
			return r
		}(), authz.CodeInvalidClient},
		{"unknown code", codeReq("dapp", authz.PrefixCode+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), authz.CodeInvalidGrant},
		{"malformed code", codeReq("dapp", "nonsense"), authz.CodeInvalidGrant},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.sum(t)
			_, err := f.iss.Token(c.req)
			wantCode(t, err, c.want)
			if f.sum(t) != before {
				t.Fatal("the store changed")
			}
		})
	}
	// The code still works after all that.
	if _, err := f.iss.Token(codeReq("dapp", code)); err != nil {
		t.Fatalf("code no longer works: %v", err)
	}
	// An expired code does not.
	code2 := f.authorize(t, "dapp", "vote")
	f.clk.Advance(61 * time.Second)
	before := f.sum(t)
	_, err := f.iss.Token(codeReq("dapp", code2))
	wantCode(t, err, authz.CodeInvalidGrant)
	if f.sum(t) != before {
		t.Fatal("the store changed")
	}
}

func TestRefreshRules(t *testing.T) {
	f := newFixture(t)
	tok, err := f.iss.Token(codeReq("dapp", f.authorize(t, "dapp", "vote")))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" {
		t.Fatal("refresh token issued without offline")
	}
	tok, err = f.iss.Token(codeReq("dapp", f.authorize(t, "dapp", "vote offline")))
	if err != nil {
		t.Fatal(err)
	}
	f.authorize(t, "other", "vote")
	cases := []struct {
		name, scope string
		client      string
		want        string
	}{
		{"escalation", "vote comment offline", "dapp", authz.CodeInvalidScope},
		{"escalation to narrowed", "custom_json:follow", "dapp", authz.CodeInvalidScope},
		{"owner scope", "change_recovery_account", "dapp", authz.CodeInvalidScope},
		{"empty scope", " ", "dapp", authz.CodeInvalidScope},
		{"other client", "", "other", authz.CodeInvalidGrant},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.sum(t)
			r := refreshReq(c.client, tok.RefreshToken)
			if c.scope != "" {
				r.Scope, r.HasScope = c.scope, true
			}
			_, err := f.iss.Token(r)
			wantCode(t, err, c.want)
			if f.sum(t) != before {
				t.Fatal("the store changed")
			}
		})
	}
	f.clk.Advance(31 * 24 * time.Hour)
	_, err = f.iss.Token(refreshReq("dapp", tok.RefreshToken))
	wantCode(t, err, authz.CodeInvalidGrant)
	if _, err := f.iss.Lookup(tok.AccessToken); !errors.Is(err, authz.ErrNotFound) {
		t.Fatal("access token outlived its hour")
	}
}

func TestImplicit(t *testing.T) {
	f := newFixture(t)
	req := &authz.AuthorizeRequest{ClientID: "hs", RedirectURI: redirect, Origin: "https://dapp.example",
		Type: authz.ResponseToken, Scopes: scopes(t, "vote offline")}
	_, err := f.iss.Authorize(authz.Approval{Request: req, Account: "alice", Scopes: req.Scopes})
	wantCode(t, err, authz.CodeUnauthorizedClient)
	res, err := f.iss.Authorize(authz.Approval{Request: req, Account: "alice", Scopes: req.Scopes, AllowImplicit: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.AccessToken == "" || res.Code != "" || res.ExpiresIn != 600 || res.Scopes.Has("offline") {
		t.Fatalf("implicit result %+v", res)
	}
	// Later implicit requests of that client need no opt-in.
	if _, err := f.iss.Authorize(authz.Approval{Request: req, Account: "alice", Scopes: req.Scopes}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(11 * time.Minute)
	if _, err := f.iss.Lookup(res.AccessToken); !errors.Is(err, authz.ErrNotFound) {
		t.Fatal("implicit token outlived 10 minutes")
	}
}

func TestPublicClientBoundToFirstRedirect(t *testing.T) {
	f := newFixture(t)
	f.authorize(t, "dapp", "vote")
	req := &authz.AuthorizeRequest{ClientID: "dapp", RedirectURI: "https://evil.example/cb"}
	if _, _, err := f.iss.CheckClient(req); err == nil {
		t.Fatal("a known client_id accepted another redirect_uri")
	}
	req.RedirectURI = redirect
	if _, known, err := f.iss.CheckClient(req); err != nil || !known {
		t.Fatalf("approved redirect refused: %v", err)
	}
	if n, err := f.iss.RevokeClient("dapp"); err != nil || n != 1 {
		t.Fatalf("RevokeClient = %d, %v", n, err)
	}
	req.RedirectURI = "https://evil.example/cb"
	if _, known, err := f.iss.CheckClient(req); err != nil || known {
		t.Fatal("revoking a public client should forget its redirect binding")
	}
}
