package localapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestSpendingLimit: within the allowance a transfer is signed without a
// prompt; the one that would go beyond it asks, and refused, lands nowhere.
func TestSpendingLimit(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "transfer")
	if _, err := e.admin.SetAllowance("mydapp", "HIVE", "2.5"); err == nil {
		t.Fatal("an amount without the asset's decimals was accepted")
	}
	if n, err := e.admin.SetAllowance("mydapp", "HIVE", "2.000"); err != nil || n != 1 {
		t.Fatalf("allowance: %d %v", n, err)
	}
	pay := func(amount string) string {
		return `[["transfer",{"from":"alice","to":"bob","amount":"` + amount + `","memo":""}]]`
	}
	e.landed(e.broadcast(tk.AccessToken, pay("1.500 HIVE")))
	if ev := e.lastAudit("broadcast"); !strings.Contains(ev.Detail, "within the spending allowance") {
		t.Fatalf("audit %+v", ev)
	}
	r := e.api(http.MethodGet, "/api/token", tk.AccessToken, "")
	if !hasAll(r.body, `"asset":"HIVE"`, `"per_day":"2.000"`, `"spent_today":"1.500"`) {
		t.Fatalf("token info %s", r.body)
	}

	// 1.500 + 1.000 > 2.000: the user is asked, and says no.
	head := e.net.HeadBlockNum()
	wait := async(t, func() apiResult { return e.broadcast(tk.AccessToken, pay("1.000 HIVE")) })
	p := e.confirmation()
	if !strings.Contains(p.Transaction.Reason, "spending allowance") {
		t.Fatalf("reason %q", p.Transaction.Reason)
	}
	if err := e.admin.Deny(p.ID); err != nil {
		t.Fatal(err)
	}
	e.refused(wait(), http.StatusForbidden, "access_denied", head)

	// Still within: 0.500 more passes; HBD has no allowance and asks.
	e.landed(e.broadcast(tk.AccessToken, pay("0.500 HIVE")))
	wait = async(t, func() apiResult { return e.broadcast(tk.AccessToken, pay("0.001 HBD")) })
	if err := e.admin.Approve(e.confirmation().ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	e.landed(wait())
	if bal, _ := e.net.Balance("bob", "HIVE"); bal != 1002000 {
		t.Fatalf("bob has %d", bal)
	}
	r = e.api(http.MethodGet, "/api/token", tk.AccessToken, "")
	if !strings.Contains(r.body, `"spent_today":"2.000"`) {
		t.Fatalf("token info %s", r.body)
	}
	// Removing the allowance: everything asks again.
	if n, err := e.admin.SetAllowance("mydapp", "HIVE", "0"); err != nil || n != 1 {
		t.Fatalf("remove allowance: %d %v", n, err)
	}
}

// TestMe: /api/me answers Hivesigner's shape with the account from the node.
func TestMe(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "login")
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut} {
		r := e.api(m, "/api/me", tk.AccessToken, "{}")
		if r.status != http.StatusOK {
			t.Fatalf("%s /api/me: %d %s", m, r.status, r.body)
		}
		acct, _ := r.json["account"].(map[string]any)
		scope, _ := r.json["scope"].([]any)
		if r.json["user"] != "alice" || r.json["_id"] != "alice" || r.json["name"] != "alice" || acct["name"] != "alice" ||
			acct["balance"] != "1000.000 HIVE" || len(scope) != 1 || scope[0] != "login" || r.json["client_id"] != "mydapp" ||
			r.json["user_metadata"] == nil {
			t.Fatalf("%s /api/me: %s", m, r.body)
		}
	}
	// A login-only token broadcasts nothing.
	head := e.net.HeadBlockNum()
	e.refused(e.broadcast(tk.AccessToken, "["+voteOp+"]"), http.StatusForbidden, "insufficient_scope", head)
}

// TestBearerCarriers: the header with or without "Bearer"; the query and
// the cookie only where the client's flags and the endpoint allow; never
// two at once.
func TestBearerCarriers(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "vote comment")
	other := e.login("otherdapp", "https://other.example/cb", "vote")
	tok := tk.AccessToken
	q := "/api/me?bearer_token=" + tok
	cookie := "bearer_token=" + tok

	check := func(name string, r apiResult, status int, code string) {
		t.Helper()
		if r.status != status || (code != "" && r.json["error"] != code) {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
	}
	check("no token", e.api(http.MethodGet, "/api/me", "", ""), http.StatusUnauthorized, "invalid_token")
	r := e.api(http.MethodPost, "/api/me", "undefined", "{}") // what the SDK sends without a token
	check("SDK without token", r, http.StatusUnauthorized, "invalid_token")
	if !strings.Contains(r.hdr.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("challenge %q", r.hdr.Get("WWW-Authenticate"))
	}
	check("Bearer header", e.api(http.MethodGet, "/api/me", "Bearer "+tok, ""), http.StatusOK, "")
	check("query, flag off", e.api(http.MethodGet, q, "", ""), http.StatusBadRequest, "invalid_request")
	check("cookie, flag off", e.api(http.MethodGet, "/api/me", "", "", "Cookie", cookie, "Origin", dappOrigin), http.StatusBadRequest, "invalid_request")

	if err := e.admin.SetClientFlags("mydapp", true, true); err != nil {
		t.Fatal(err)
	}
	check("query", e.api(http.MethodGet, q, "", ""), http.StatusOK, "")
	check("query on /api/token", e.api(http.MethodGet, "/api/token?bearer_token="+tok, "", ""), http.StatusOK, "")
	check("query on POST", e.api(http.MethodPost, "/api/broadcast?bearer_token="+tok, "", `{"operations":[`+voteOp+`]}`),
		http.StatusBadRequest, "invalid_request")
	check("header and query", e.api(http.MethodGet, q, tok, ""), http.StatusBadRequest, "invalid_request")
	check("header and cookie", e.api(http.MethodGet, "/api/me", tok, "", "Cookie", cookie, "Origin", dappOrigin),
		http.StatusBadRequest, "invalid_request")
	check("cookie from the dapp", e.api(http.MethodGet, "/api/me", "", "", "Cookie", cookie, "Origin", dappOrigin), http.StatusOK, "")
	check("cookie without Origin", e.api(http.MethodGet, "/api/me", "", "", "Cookie", cookie), http.StatusBadRequest, "invalid_request")
	check("cookie from another dapp", e.api(http.MethodGet, "/api/me", "", "", "Cookie", cookie, "Origin", "https://other.example"),
		http.StatusBadRequest, "invalid_request")
	e.landed(e.api(http.MethodPost, "/api/broadcast", "", `{"operations":[`+postOp("alice", "by-cookie")+`]}`,
		"Cookie", cookie, "Origin", dappOrigin))
	// A page of one dapp cannot use another dapp's token.
	check("token of another client", e.api(http.MethodGet, "/api/me", other.AccessToken, "", "Origin", dappOrigin),
		http.StatusForbidden, "invalid_request")
}

// TestTokenInfoAndRevoke: /api/token tells what a token grants; the SDK's
// revoke really revokes and answers {"success":true}.
func TestTokenInfoAndRevoke(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "vote custom_json:follow")
	r := e.api(http.MethodGet, "/api/token", tk.AccessToken, "")
	if r.status != http.StatusOK || r.json["client_id"] != "mydapp" || r.json["account"] != "alice" ||
		r.json["scope"] != "custom_json:follow vote" || r.json["expires_in"].(float64) <= 0 || r.json["active"] != true {
		t.Fatalf("token info %d %s", r.status, r.body)
	}
	r = e.api(http.MethodPost, "/api/oauth2/token/revoke", tk.AccessToken, `{"token":"`+tk.AccessToken+`"}`)
	if r.status != http.StatusOK || strings.TrimSpace(r.body) != `{"success":true}` {
		t.Fatalf("revoke %d %s", r.status, r.body)
	}
	if r := e.api(http.MethodGet, "/api/me", tk.AccessToken, ""); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked token still works: %d", r.status)
	}
	if ev := e.lastAudit("revoked"); ev.ClientID != "mydapp" {
		t.Fatalf("audit %+v", ev)
	}
}

// TestDappCORS: the dapp's page may call the API (preflight with
// Authorization and Content-Type); other origins may not.
func TestDappCORS(t *testing.T) {
	e := newDappEnv(t)
	e.login("mydapp", dappRedirect, "vote")
	pre := func(origin string) (int, http.Header) {
		st, h, _ := e.do(http.MethodOptions, "/api/broadcast", "", map[string]string{"Origin": origin,
			"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"})
		return st, h
	}
	st, h := pre(dappOrigin)
	if st != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != dappOrigin ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight %d %v", st, h)
	}
	if st, _ := pre("https://evil.example"); st != http.StatusForbidden {
		t.Fatalf("foreign preflight %d", st)
	}
}
