package authz

import (
	"net/url"
	"testing"

	"localsigner/signer/chain"
)

// The fuzz targets check that the parsers never panic, and that whatever
// they accept satisfies the rules and survives re-encoding unchanged
// (decode → encode → decode gives the same request).

func FuzzParseAuthorizeRequest(f *testing.F) {
	f.Add(authorizeQuery(nil))
	f.Add("client_id=app&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcb&scope=vote,comment&state=x&account=alice")
	f.Add("client_id=a&redirect_uri=javascript:alert(1)")
	f.Add("client_id=a&redirect_uri=https%3A%2F%2Fx%40evil%2Fcb&response_type=code")
	f.Add("client_id=a&client_id=b")
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := ParseAuthorizeRequest(raw, HiveOps)
		if r == nil {
			if err == nil {
				t.Fatal("nil request without error")
			}
			return
		}
		origin, verr := ValidateRedirectURI(r.RedirectURI)
		if verr != nil || origin != r.Origin || !validClientID(r.ClientID) {
			t.Fatalf("returned a request with an invalid client or redirect: %+v", r)
		}
		if err != nil {
			return
		}
		if r.Type == ResponseCode && !ValidChallenge(r.Challenge) {
			t.Fatalf("code request without a valid S256 challenge: %+v", r)
		}
		for _, s := range r.Scopes {
			if a, ok := HiveOps.Authority(s); ok && a >= chain.Owner {
				t.Fatalf("owner scope accepted: %s", s)
			}
		}
		v := url.Values{"client_id": {r.ClientID}, "redirect_uri": {r.RedirectURI}, "scope": {r.Scopes.String()}}
		if !r.Legacy {
			v.Set("response_type", string(r.Type))
		}
		if r.State != "" {
			v.Set("state", r.State)
		}
		if r.Account != "" {
			v.Set("account", r.Account)
		}
		if r.Challenge != "" {
			v.Set("code_challenge", r.Challenge)
			v.Set("code_challenge_method", MethodS256)
		}
		r2, err := ParseAuthorizeRequest(v.Encode(), HiveOps)
		if err != nil {
			t.Fatalf("re-encoded request refused: %v", err)
		}
		if r2.ClientID != r.ClientID || r2.RedirectURI != r.RedirectURI || r2.State != r.State || r2.Type != r.Type ||
			r2.Scopes.String() != r.Scopes.String() || r2.Challenge != r.Challenge || r2.Account != r.Account {
			t.Fatalf("round trip changed the request:\n%+v\n%+v", r, r2)
		}
	})
}

func FuzzParseTokenRequest(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fd.example%2Fcb&code_verifier="+testVerifier+"&client_id=d", "")
	f.Add("application/x-www-form-urlencoded", "grant_type=client_credentials&scope=vote", basic("app_1", "secret"))
	f.Add("application/json", `{"grant_type":"refresh_token","refresh_token":"lsr_x","client_id":"d"}`, "")
	f.Add("application/json", `{"grant_type":"refresh_token","grant_type":"x"}`, "")
	f.Add("application/json; charset=utf-8", `{"grant_type":"refresh_token","refresh_token":"x","client_id":"d"} `, "Basic Og==")
	f.Fuzz(func(t *testing.T, ctype, body, auth string) {
		r, err := ParseTokenRequest(ctype, []byte(body), auth)
		if err != nil {
			if r != nil {
				t.Fatal("request returned with an error")
			}
			if AsError(err).Code == CodeServerError {
				t.Fatalf("parser error is not an OAuth error: %v", err)
			}
			return
		}
		if !validClientID(r.Client.ID) {
			t.Fatalf("accepted without a valid client: %+v", r)
		}
		switch r.GrantType {
		case GrantAuthorizationCode:
			if r.Code == "" || r.RedirectURI == "" || !ValidVerifier(r.CodeVerifier) {
				t.Fatalf("incomplete code request accepted: %+v", r)
			}
		case GrantRefreshToken:
			if r.RefreshToken == "" {
				t.Fatalf("refresh without token accepted: %+v", r)
			}
		case GrantClientCredentials:
		default:
			t.Fatalf("unknown grant accepted: %q", r.GrantType)
		}
		// Re-encode as a form with client_secret_post and parse again.
		v := url.Values{"grant_type": {r.GrantType}, "client_id": {r.Client.ID}}
		set := func(k, val string) {
			if val != "" {
				v.Set(k, val)
			}
		}
		set("code", r.Code)
		set("redirect_uri", r.RedirectURI)
		set("code_verifier", r.CodeVerifier)
		set("refresh_token", r.RefreshToken)
		set("client_secret", r.Client.Secret)
		if r.HasScope {
			v.Set("scope", r.Scope)
		}
		r2, err := ParseTokenRequest("application/x-www-form-urlencoded", []byte(v.Encode()), "")
		if err != nil {
			t.Fatalf("re-encoded request refused: %v", err)
		}
		if r2.GrantType != r.GrantType || r2.Code != r.Code || r2.RedirectURI != r.RedirectURI ||
			r2.CodeVerifier != r.CodeVerifier || r2.RefreshToken != r.RefreshToken || r2.Scope != r.Scope ||
			r2.HasScope != r.HasScope || r2.Client.ID != r.Client.ID || r2.Client.Secret != r.Client.Secret {
			t.Fatalf("round trip changed the request:\n%+v\n%+v", r, r2)
		}
	})
}
