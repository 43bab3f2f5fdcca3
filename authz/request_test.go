package authz

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
)

const (
	testVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	testChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func authorizeQuery(mod func(url.Values)) string {
	v := url.Values{
		"client_id":             {"mydapp"},
		"redirect_uri":          {"https://dapp.example/cb"},
		"response_type":         {"code"},
		"scope":                 {"vote,comment"},
		"state":                 {"st"},
		"code_challenge":        {testChallenge},
		"code_challenge_method": {"S256"},
	}
	if mod != nil {
		mod(v)
	}
	return v.Encode()
}

func TestParseAuthorizeRequest(t *testing.T) {
	r, err := ParseAuthorizeRequest(authorizeQuery(nil), HiveOps)
	if err != nil {
		t.Fatal(err)
	}
	if r.ClientID != "mydapp" || r.Origin != "https://dapp.example" || r.Type != ResponseCode ||
		r.Scopes.String() != "comment vote" || r.State != "st" || r.Challenge != testChallenge {
		t.Fatalf("parsed %+v", r)
	}

	cases := []struct {
		name       string
		raw        string
		code       string
		redirectOK bool // error may go to the redirect URI
	}{
		{"no client_id", authorizeQuery(func(v url.Values) { v.Del("client_id") }), CodeInvalidRequest, false},
		{"bad client_id", authorizeQuery(func(v url.Values) { v.Set("client_id", "a b") }), CodeInvalidRequest, false},
		{"no redirect", authorizeQuery(func(v url.Values) { v.Del("redirect_uri") }), CodeInvalidRequest, false},
		{"javascript redirect", authorizeQuery(func(v url.Values) { v.Set("redirect_uri", "javascript:alert(1)") }), CodeInvalidRequest, false},
		{"redirect with fragment", authorizeQuery(func(v url.Values) { v.Set("redirect_uri", "https://dapp.example/cb#f") }), CodeInvalidRequest, false},
		{"redirect with userinfo", authorizeQuery(func(v url.Values) { v.Set("redirect_uri", "https://dapp.example@evil.example/cb") }), CodeInvalidRequest, false},
		{"repeated redirect", authorizeQuery(func(v url.Values) { v.Add("redirect_uri", "https://evil.example/cb") }), CodeInvalidRequest, false},
		{"repeated client_id", authorizeQuery(func(v url.Values) { v.Add("client_id", "other") }), CodeInvalidRequest, false},
		{"bad escape", authorizeQuery(nil) + "&x=%zz", CodeInvalidRequest, false},
		{"invalid utf-8", authorizeQuery(nil) + "&x=%ff", CodeInvalidRequest, false},
		{"missing PKCE", authorizeQuery(func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }), CodeInvalidRequest, true},
		{"plain PKCE", authorizeQuery(func(v url.Values) { v.Set("code_challenge_method", "plain") }), CodeInvalidRequest, true},
		{"PKCE without method", authorizeQuery(func(v url.Values) { v.Del("code_challenge_method") }), CodeInvalidRequest, true},
		{"lower-case s256", authorizeQuery(func(v url.Values) { v.Set("code_challenge_method", "s256") }), CodeInvalidRequest, true},
		{"short challenge", authorizeQuery(func(v url.Values) { v.Set("code_challenge", "abc") }), CodeInvalidRequest, true},
		{"unknown response_type", authorizeQuery(func(v url.Values) { v.Set("response_type", "id_token") }), CodeUnsupportedResponseType, true},
		{"owner scope", authorizeQuery(func(v url.Values) { v.Set("scope", "change_recovery_account") }), CodeInvalidScope, true},
		{"unknown scope", authorizeQuery(func(v url.Values) { v.Set("scope", "vote,steal") }), CodeInvalidScope, true},
		{"long state", authorizeQuery(func(v url.Values) { v.Set("state", strings.Repeat("s", maxState+1)) }), CodeInvalidRequest, true},
		{"repeated state", authorizeQuery(func(v url.Values) { v.Add("state", "x") }), CodeInvalidRequest, false},
		{"bad account", authorizeQuery(func(v url.Values) { v.Set("account", "Alice!") }), CodeInvalidRequest, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ParseAuthorizeRequest(c.raw, HiveOps)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, &Error{Code: c.code}) {
				t.Errorf("err = %v, want %s", err, c.code)
			}
			if (r != nil) != c.redirectOK {
				t.Errorf("redirectable = %v, want %v", r != nil, c.redirectOK)
			}
		})
	}

	// Hivesigner's SDK: no response_type means the token flow; no PKCE.
	r, err = ParseAuthorizeRequest("client_id=app&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcb&scope=vote,comment&state=st%20ate&account=alice", HiveOps)
	if err != nil || r.Type != ResponseToken || !r.Legacy || r.Account != "alice" || r.State != "st ate" {
		t.Fatalf("SDK URL: %+v, %v", r, err)
	}
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func TestParseTokenRequest(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	const js = "application/json"
	good := "grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fdapp.example%2Fcb&code_verifier=" + testVerifier + "&client_id=mydapp"
	r, err := ParseTokenRequest(form, []byte(good), "")
	if err != nil || r.Code != "c" || r.Client.ID != "mydapp" || r.Client.Method != AuthNone {
		t.Fatalf("%+v %v", r, err)
	}
	r, err = ParseTokenRequest(form+"; charset=UTF-8", []byte("grant_type=client_credentials"), basic("app_1", "s3cr:et"))
	if err != nil || r.Client.Method != AuthBasic || r.Client.Secret != "s3cr:et" {
		t.Fatalf("basic: %+v %v", r, err)
	}
	r, err = ParseTokenRequest(js, []byte(`{"grant_type":"refresh_token","refresh_token":"x","client_id":"a"}`), "")
	if err != nil || r.RefreshToken != "x" || r.HasScope {
		t.Fatalf("json: %+v %v", r, err)
	}
	r, err = ParseTokenRequest(form, []byte("grant_type=refresh_token&refresh_token=x"), basic("pub", ""))
	if err != nil || r.Client.Method != AuthNone || r.Client.ID != "pub" {
		t.Fatalf("basic without secret: %+v %v", r, err)
	}

	cases := []struct {
		name, ctype, body, auth, code string
	}{
		{"no content type", "", good, "", CodeInvalidRequest},
		{"text/plain", "text/plain", good, "", CodeInvalidRequest},
		{"latin1", form + "; charset=latin1", good, "", CodeInvalidRequest},
		{"no grant_type", form, "code=x&client_id=a", "", CodeInvalidRequest},
		{"unknown grant", form, "grant_type=password&client_id=a", "", CodeUnsupportedGrantType},
		{"implicit grant", form, "grant_type=implicit&client_id=a", "", CodeUnsupportedGrantType},
		{"repeated code", form, good + "&code=d", "", CodeInvalidRequest},
		{"missing verifier", form, strings.Replace(good, "&code_verifier="+testVerifier, "", 1), "", CodeInvalidRequest},
		{"short verifier", form, strings.Replace(good, testVerifier, "abc", 1), "", CodeInvalidRequest},
		{"missing redirect", form, "grant_type=authorization_code&code=c&code_verifier=" + testVerifier + "&client_id=a", "", CodeInvalidRequest},
		{"missing refresh", form, "grant_type=refresh_token&client_id=a", "", CodeInvalidRequest},
		{"no client", form, "grant_type=refresh_token&refresh_token=x", "", CodeInvalidClient},
		{"secret without id", form, "grant_type=refresh_token&refresh_token=x&client_secret=s", "", CodeInvalidRequest},
		{"two auth methods", form, "grant_type=client_credentials&client_secret=s", basic("app_1", "s"), CodeInvalidRequest},
		{"basic id mismatch", form, "grant_type=client_credentials&client_id=other", basic("app_1", "s"), CodeInvalidRequest},
		{"bearer auth", form, "grant_type=client_credentials", "Bearer x", CodeInvalidClient},
		{"bad basic", form, "grant_type=client_credentials", "Basic !!!", CodeInvalidClient},
		{"basic no colon", form, "grant_type=client_credentials", "Basic " + base64.StdEncoding.EncodeToString([]byte("abc")), CodeInvalidClient},
		{"invalid utf-8 form", form, "grant_type=refresh_token&refresh_token=%ff&client_id=a", "", CodeInvalidRequest},
		{"json unknown member", js, `{"grant_type":"refresh_token","refresh_token":"x","client_id":"a","admin":"1"}`, "", CodeInvalidRequest},
		{"json trailing data", js, `{"grant_type":"refresh_token","refresh_token":"x","client_id":"a"} {}`, "", CodeInvalidRequest},
		{"json trailing garbage", js, `{"grant_type":"refresh_token","refresh_token":"x","client_id":"a"}x`, "", CodeInvalidRequest},
		{"json duplicate", js, `{"grant_type":"refresh_token","refresh_token":"x","refresh_token":"y","client_id":"a"}`, "", CodeInvalidRequest},
		{"json number", js, `{"grant_type":"refresh_token","refresh_token":1,"client_id":"a"}`, "", CodeInvalidRequest},
		{"json array", js, `["grant_type"]`, "", CodeInvalidRequest},
		{"json nested", js, `{"grant_type":{"x":"y"}}`, "", CodeInvalidRequest},
		{"json truncated", js, `{"grant_type":"refresh_token"`, "", CodeInvalidRequest},
		{"json invalid utf-8", js, "{\"grant_type\":\"\xff\"}", "", CodeInvalidRequest},
		{"json empty", js, ``, "", CodeInvalidRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTokenRequest(c.ctype, []byte(c.body), c.auth)
			if !errors.Is(err, &Error{Code: c.code}) {
				t.Errorf("err = %v, want %s", err, c.code)
			}
		})
	}
}

func TestParseTokenQuery(t *testing.T) {
	q, err := ParseTokenQuery("application/json", []byte(`{"token":"abc"}`), "")
	if err != nil || q.Token != "abc" || q.Client.Method != authAbsent {
		t.Fatalf("%+v %v", q, err)
	}
	q, err = ParseTokenQuery("application/x-www-form-urlencoded", []byte("token=abc&token_type_hint=whatever&client_id=d"), "")
	if err != nil || q.Client.ID != "d" {
		t.Fatalf("%+v %v", q, err)
	}
	if _, err := ParseTokenQuery("application/x-www-form-urlencoded", []byte("client_id=d"), ""); !errors.Is(err, &Error{Code: CodeInvalidRequest}) {
		t.Fatalf("missing token: %v", err)
	}
}
