package localapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

const form = "application/x-www-form-urlencoded"

// tokens is a token endpoint answer.
type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	IDToken      string `json:"id_token"`
	Error        string `json:"error"`
}

// login runs authorize → approve (as alice) → token for a client and
// returns the tokens.
func (e *env) login(client, redirect, scope string) tokens {
	e.t.Helper()
	code, verifier := e.code(client, redirect, scope)
	return e.exchange(client, redirect, code, verifier)
}

// code runs authorize → approve and returns an unredeemed code.
func (e *env) code(client, redirect, scope string) (code, verifier string) {
	e.t.Helper()
	verifier = oauth2.GenerateVerifier()
	wait := e.authorize(e.authURL(client, redirect, scope, "s", oauth2.S256ChallengeFromVerifier(verifier)))
	p := e.pending(1)[0]
	if err := e.admin.Approve(p.ID, nil, "alice", false); err != nil {
		e.t.Fatal(err)
	}
	res := wait()
	if res.location == nil || res.location.Query().Get("code") == "" {
		e.t.Fatalf("authorize: %d %s %v", res.status, res.body, res.location)
	}
	return res.location.Query().Get("code"), verifier
}

func (e *env) exchange(client, redirect, code, verifier string) tokens {
	e.t.Helper()
	body := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"code_verifier": {verifier}, "client_id": {client}}.Encode()
	st, _, b := e.do(http.MethodPost, "/oauth2/token", body, map[string]string{"Content-Type": form})
	if st != http.StatusOK {
		e.t.Fatalf("token: %d %s", st, b)
	}
	var tk tokens
	json.Unmarshal([]byte(b), &tk)
	return tk
}

func formBody(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// TestRefusalsChangeNothing sends requests that break a rule. Each must get
// the right status and error, and leave the store and the approval queue as
// they were.
func TestRefusalsChangeNothing(t *testing.T) {
	e := newEnv(t)
	mine := e.login("mydapp", dappRedirect, "vote offline")
	const otherRedirect = "http://127.0.0.1:3000/cb"
	theirs := e.login("other", otherRedirect, "vote offline")
	code, verifier := e.code("mydapp", dappRedirect, "vote")
	app, err := e.admin.AddApp(adminAddApp("bot", "vote", "alice"))
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(e.port)
	navigate := map[string]string{"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	formHdr := map[string]string{"Content-Type": form}
	jsonHdr := map[string]string{"Content-Type": "application/json"}
	codeBody := func(kv ...string) string {
		base := []string{"grant_type", "authorization_code", "code", code, "redirect_uri", dappRedirect,
			"code_verifier", verifier, "client_id", "mydapp"}
		return formBody(append(base, kv...)...)
	}
	refreshBody := func(client, rt string, kv ...string) string {
		return formBody(append([]string{"grant_type", "refresh_token", "refresh_token", rt, "client_id", client}, kv...)...)
	}
	authQ := func(kv ...string) string {
		v := url.Values{"client_id": {"mydapp"}, "redirect_uri": {dappRedirect}, "response_type": {"code"},
			"scope": {"vote"}, "state": {"st"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
			"code_challenge_method": {"S256"}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return "/oauth2/authorize?" + v.Encode()
	}

	cases := []struct {
		name         string
		method, path string
		body         string
		hdr          map[string]string
		status       int
		errCode      string // JSON error member, or error= of a redirect; "" for a page
		redirect     bool   // the answer is a redirect to dappRedirect
	}{
		// Entry check: Host (DNS rebinding).
		{"host foreign", "GET", "/.well-known/oauth-authorization-server", "", map[string]string{"Host": "evil.example:" + port}, 421, "invalid_request", false},
		{"host rebinding name", "GET", "/.well-known/oauth-authorization-server", "", map[string]string{"Host": "localhost.evil.example:" + port}, 421, "invalid_request", false},
		{"host other port", "GET", "/.well-known/oauth-authorization-server", "", map[string]string{"Host": "127.0.0.1:1"}, 421, "invalid_request", false},
		{"host without port", "GET", "/.well-known/oauth-authorization-server", "", map[string]string{"Host": "127.0.0.1"}, 421, "invalid_request", false},
		{"host on token", "POST", "/oauth2/token", refreshBody("mydapp", mine.RefreshToken), with(formHdr, "Host", "attacker.example:"+port), 421, "invalid_request", false},
		// Origin and Sec-Fetch-Site (CSRF).
		{"foreign origin", "POST", "/oauth2/token", refreshBody("mydapp", mine.RefreshToken), with(formHdr, "Origin", "https://evil.example"), 403, "invalid_request", false},
		{"null origin", "POST", "/oauth2/token", refreshBody("mydapp", mine.RefreshToken), with(formHdr, "Origin", "null"), 403, "invalid_request", false},
		{"approved host other port", "POST", "/oauth2/token", refreshBody("mydapp", mine.RefreshToken), with(formHdr, "Origin", "https://dapp.example:8443"), 403, "invalid_request", false},
		{"cross-site no origin", "POST", "/oauth2/token", refreshBody("mydapp", mine.RefreshToken), with(formHdr, "Sec-Fetch-Site", "cross-site"), 403, "invalid_request", false},
		{"same-site no origin", "POST", "/oauth2/revoke", formBody("token", mine.AccessToken), with(formHdr, "Sec-Fetch-Site", "same-site"), 403, "invalid_request", false},
		{"foreign origin revoke", "POST", "/oauth2/revoke", formBody("token", mine.AccessToken), with(formHdr, "Origin", "https://evil.example"), 403, "invalid_request", false},
		{"preflight foreign", "OPTIONS", "/oauth2/token", "", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}, 403, "invalid_request", false},
		{"preflight bad header", "OPTIONS", "/oauth2/token", "", map[string]string{"Origin": dappOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-evil"}, 403, "invalid_request", false},
		{"preflight bad method", "OPTIONS", "/oauth2/token", "", map[string]string{"Origin": dappOrigin, "Access-Control-Request-Method": "DELETE"}, 403, "invalid_request", false},
		// Cross-client use.
		{"origin of another client", "POST", "/oauth2/token", refreshBody("other", theirs.RefreshToken), with(formHdr, "Origin", dappOrigin), 401, "invalid_client", false},
		{"refresh of another client", "POST", "/oauth2/token", refreshBody("mydapp", theirs.RefreshToken), formHdr, 400, "invalid_grant", false},
		{"code of another client", "POST", "/oauth2/token", codeBody("client_id", "other", "redirect_uri", otherRedirect), formHdr, 400, "invalid_grant", false},
		{"revoke another client's token", "POST", "/oauth2/revoke", formBody("token", theirs.AccessToken, "client_id", "mydapp"), formHdr, 400, "unauthorized_client", false},
		{"introspect as public client", "POST", "/oauth2/introspect", formBody("token", mine.AccessToken, "client_id", "mydapp"), formHdr, 401, "invalid_client", false},
		{"introspect another's token", "POST", "/oauth2/introspect", formBody("token", mine.AccessToken), with(formHdr, "Authorization", basicAuth(app.App.ID, app.Secret)), 200, "", false},
		// Token endpoint rules.
		{"wrong verifier", "POST", "/oauth2/token", codeBody("code_verifier", oauth2.GenerateVerifier()), formHdr, 400, "invalid_grant", false},
		{"missing verifier", "POST", "/oauth2/token", codeBody("code_verifier", ""), formHdr, 400, "invalid_request", false},
		{"redirect mismatch", "POST", "/oauth2/token", codeBody("redirect_uri", dappRedirect+"/x"), formHdr, 400, "invalid_grant", false},
		{"refresh token as code", "POST", "/oauth2/token", codeBody("code", mine.RefreshToken), formHdr, 400, "invalid_grant", false},
		{"access token as refresh", "POST", "/oauth2/token", refreshBody("mydapp", mine.AccessToken), formHdr, 400, "invalid_grant", false},
		{"scope escalation on refresh", "POST", "/oauth2/token", refreshBody("mydapp", mine.RefreshToken, "scope", "vote comment offline"), formHdr, 400, "invalid_scope", false},
		{"owner scope on refresh", "POST", "/oauth2/token", refreshBody("mydapp", mine.RefreshToken, "scope", "decline_voting_rights"), formHdr, 400, "invalid_scope", false},
		{"unknown client", "POST", "/oauth2/token", refreshBody("nobody", mine.RefreshToken), formHdr, 401, "invalid_client", false},
		{"wrong app secret", "POST", "/oauth2/token", formBody("grant_type", "client_credentials"), with(formHdr, "Authorization", basicAuth(app.App.ID, app.Secret+"x")), 401, "invalid_client", false},
		{"app scope escalation", "POST", "/oauth2/token", formBody("grant_type", "client_credentials", "scope", "vote transfer"), with(formHdr, "Authorization", basicAuth(app.App.ID, app.Secret)), 400, "invalid_scope", false},
		{"public client_credentials", "POST", "/oauth2/token", formBody("grant_type", "client_credentials", "client_id", "mydapp"), formHdr, 400, "unauthorized_client", false},
		{"password grant", "POST", "/oauth2/token", formBody("grant_type", "password", "client_id", "mydapp"), formHdr, 400, "unsupported_grant_type", false},
		// Malformed and oversized bodies.
		{"oversized body", "POST", "/oauth2/token", codeBody("pad", strings.Repeat("a", 70000)), formHdr, 413, "invalid_request", false},
		{"oversized json", "POST", "/oauth2/revoke", `{"token":"` + strings.Repeat("a", 70000) + `"}`, jsonHdr, 413, "invalid_request", false},
		{"malformed json", "POST", "/oauth2/token", `{"grant_type":`, jsonHdr, 400, "invalid_request", false},
		{"json unknown member", "POST", "/oauth2/token", `{"grant_type":"refresh_token","refresh_token":"` + mine.RefreshToken + `","client_id":"mydapp","x":"y"}`, jsonHdr, 400, "invalid_request", false},
		{"json trailing data", "POST", "/oauth2/token", `{"grant_type":"refresh_token","refresh_token":"` + mine.RefreshToken + `","client_id":"mydapp"}{}`, jsonHdr, 400, "invalid_request", false},
		{"json duplicate member", "POST", "/oauth2/token", `{"grant_type":"refresh_token","refresh_token":"x","refresh_token":"` + mine.RefreshToken + `","client_id":"mydapp"}`, jsonHdr, 400, "invalid_request", false},
		{"repeated form parameter", "POST", "/oauth2/token", refreshBody("mydapp", mine.RefreshToken) + "&client_id=other", formHdr, 400, "invalid_request", false},
		{"invalid utf-8", "POST", "/oauth2/token", refreshBody("mydapp", mine.RefreshToken) + "&scope=%ff", formHdr, 400, "invalid_request", false},
		{"text/plain", "POST", "/oauth2/token", refreshBody("mydapp", mine.RefreshToken), map[string]string{"Content-Type": "text/plain"}, 400, "invalid_request", false},
		{"wrong method", "GET", "/oauth2/token", "", nil, 405, "invalid_request", false},
		{"unknown path", "GET", "/admin", "", nil, 404, "invalid_request", false},
		// Authorize: never redirect to an unvouched URI; PKCE required.
		{"missing PKCE", "GET", authQ("code_challenge", "", "code_challenge_method", ""), "", navigate, 302, "invalid_request", true},
		{"plain PKCE", "GET", authQ("code_challenge", verifier, "code_challenge_method", "plain"), "", navigate, 302, "invalid_request", true},
		{"owner scope", "GET", authQ("scope", "vote,change_recovery_account"), "", navigate, 302, "invalid_scope", true},
		{"unknown response_type", "GET", authQ("response_type", "id_token"), "", navigate, 302, "unsupported_response_type", true},
		{"redirect prefix", "GET", authQ("redirect_uri", dappRedirect+"/more"), "", navigate, 400, "", false},
		{"redirect other port", "GET", authQ("redirect_uri", "https://dapp.example:8443/cb"), "", navigate, 400, "", false},
		{"redirect userinfo", "GET", authQ("redirect_uri", "https://dapp.example@evil.example/cb"), "", navigate, 400, "", false},
		{"redirect fragment", "GET", authQ("redirect_uri", dappRedirect+"#x"), "", navigate, 400, "", false},
		{"redirect javascript", "GET", authQ("redirect_uri", "javascript:alert(document.domain)"), "", navigate, 400, "", false},
		{"redirect http remote", "GET", authQ("redirect_uri", "http://dapp.example/cb"), "", navigate, 400, "", false},
		{"redirect missing", "GET", authQ("redirect_uri", ""), "", navigate, 400, "", false},
		{"unknown client missing PKCE", "GET", authQ("client_id", "newdapp", "redirect_uri", "https://new.example/cb", "code_challenge", ""), "", navigate, 400, "", false},
		{"authorize by fetch", "GET", authQ(), "", map[string]string{"Sec-Fetch-Mode": "cors"}, 403, "", false},
		{"authorize in iframe", "GET", authQ(), "", map[string]string{"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}, 403, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.checksum()
			st, hdr, body := e.do(c.method, c.path, c.body, c.hdr)
			if st != c.status {
				t.Fatalf("status %d, want %d: %s", st, c.status, body)
			}
			switch {
			case c.redirect:
				loc, err := url.Parse(hdr.Get("Location"))
				if err != nil || !strings.HasPrefix(loc.String(), dappRedirect+"?") || loc.Query().Get("error") != c.errCode ||
					loc.Query().Get("state") != "st" || loc.Query().Get("iss") != e.base {
					t.Fatalf("redirect %q, want error=%s to %s", hdr.Get("Location"), c.errCode, dappRedirect)
				}
			case c.errCode != "":
				var got struct{ Error string }
				if err := json.Unmarshal([]byte(body), &got); err != nil || got.Error != c.errCode {
					t.Fatalf("body %s, want error %s", body, c.errCode)
				}
				if hdr.Get("Location") != "" {
					t.Fatal("unexpected redirect")
				}
			default:
				if hdr.Get("Location") != "" {
					t.Fatalf("redirected to %s", hdr.Get("Location"))
				}
			}
			if c.status == 401 && strings.HasPrefix(c.hdr["Authorization"], "Basic") && hdr.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if c.status == 403 && hdr.Get("Access-Control-Allow-Origin") != "" {
				t.Error("refused request carries CORS headers")
			}
			if c.name == "introspect another's token" && strings.Contains(body, `"active":true`) {
				t.Error("an app learned about another client's token")
			}
			if e.checksum() != before {
				t.Fatal("the store changed")
			}
			if ps, _ := e.admin.Approvals(); len(ps) != 0 {
				t.Fatalf("a prompt was queued: %+v", ps)
			}
		})
	}
	// The unused code and the tokens still work after all that.
	e.exchange("mydapp", dappRedirect, code, verifier)
	st, _, body := e.do(http.MethodPost, "/oauth2/token", refreshBody("mydapp", mine.RefreshToken), formHdr)
	if st != http.StatusOK {
		t.Fatalf("refresh after the refusals: %d %s", st, body)
	}
}
