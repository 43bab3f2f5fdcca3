package localapi_test

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"localsigner/authz"
	"localsigner/internal/daemon"
	"localsigner/localapi"
)

func TestCodeReplayOverHTTP(t *testing.T) {
	e := newEnv(t)
	code, verifier := e.code("mydapp", dappRedirect, "vote offline")
	tk := e.exchange("mydapp", dappRedirect, code, verifier)
	body := formBody("grant_type", "authorization_code", "code", code, "redirect_uri", dappRedirect,
		"code_verifier", verifier, "client_id", "mydapp")
	st, _, b := e.do(http.MethodPost, "/oauth2/token", body, map[string]string{"Content-Type": form})
	if st != http.StatusBadRequest || !strings.Contains(b, `"error":"invalid_grant"`) {
		t.Fatalf("replay: %d %s", st, b)
	}
	for _, tok := range []string{tk.AccessToken, tk.RefreshToken} {
		if in, err := e.admin.Introspect(tok); err != nil || in.Active {
			t.Fatalf("token survived the replay: %+v %v", in, err)
		}
	}
}

func TestRefreshReuseOverHTTP(t *testing.T) {
	e := newEnv(t)
	tk := e.login("mydapp", dappRedirect, "vote offline")
	refresh := func(rt string) (int, tokens) {
		st, _, b := e.do(http.MethodPost, "/oauth2/token", formBody("grant_type", "refresh_token", "refresh_token", rt, "client_id", "mydapp"),
			map[string]string{"Content-Type": form})
		var out tokens
		json.Unmarshal([]byte(b), &out)
		return st, out
	}
	st, tk2 := refresh(tk.RefreshToken)
	if st != http.StatusOK {
		t.Fatalf("refresh: %d %+v", st, tk2)
	}
	st, got := refresh(tk.RefreshToken)
	if st != http.StatusBadRequest || got.Error != "invalid_grant" {
		t.Fatalf("reuse: %d %+v", st, got)
	}
	if st, got := refresh(tk2.RefreshToken); st != http.StatusBadRequest || got.Error != "invalid_grant" {
		t.Fatalf("the rotated-to token survived reuse of its ancestor: %d %+v", st, got)
	}
	if gs, _ := e.admin.Grants(); len(gs) != 0 {
		t.Fatalf("grant survived: %+v", gs)
	}
}

func TestLockedVault(t *testing.T) {
	// 3 s: the waiting request must outlast an unlock made by another
	// process under -race on a busy machine (1 s was seen to be too short).
	e := newEnv(t, func(c *daemon.Options) { c.UnlockWait = 3 * time.Second })
	e.login("mydapp", dappRedirect, "vote")
	if err := e.admin.Lock(); err != nil {
		t.Fatal(err)
	}
	before := e.checksum()
	verifier := oauth2.GenerateVerifier()
	ch := oauth2.S256ChallengeFromVerifier(verifier)
	// Known client: redirected with temporarily_unavailable after the wait.
	res := e.authorize(e.authURL("mydapp", dappRedirect, "vote", "s1", ch))()
	if res.location == nil || res.location.Query().Get("error") != "temporarily_unavailable" || res.location.Query().Get("state") != "s1" {
		t.Fatalf("locked, known client: %d %v %s", res.status, res.location, res.body)
	}
	// Unknown client: a page, no redirect.
	res = e.authorize(e.authURL("newdapp", "https://new.example/cb", "vote", "s2", ch))()
	if res.status != http.StatusServiceUnavailable || res.location != nil || !strings.Contains(res.body, "locked") {
		t.Fatalf("locked, unknown client: %d %v %s", res.status, res.location, res.body)
	}
	if e.checksum() != before {
		t.Fatal("the store changed")
	}
	if err := e.admin.Unlock([]byte("wrong")); err == nil {
		t.Fatal("wrong passphrase unlocked the vault")
	}
	// A request waits for an unlock within the bound.
	wait := e.authorize(e.authURL("mydapp", dappRedirect, "vote", "s3", ch))
	time.Sleep(50 * time.Millisecond)
	if err := e.admin.Unlock([]byte(passphrase)); err != nil {
		t.Fatal(err)
	}
	p := e.pending(1)[0]
	if err := e.admin.Approve(p.ID, nil, "bob", false); err != nil {
		t.Fatal(err)
	}
	res = wait()
	if res.location == nil || res.location.Query().Get("code") == "" || res.location.Query().Get("username") != "bob" {
		t.Fatalf("after unlock: %d %v %s", res.status, res.location, res.body)
	}
}

func TestDenyAndTimeout(t *testing.T) {
	e := newEnv(t, func(c *daemon.Options) { c.ApprovalTimeout = 400 * time.Millisecond })
	ch := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	// Unknown client denied: a page; the user may not trust that origin.
	wait := e.authorize(e.authURL("newdapp", "https://new.example/cb", "vote", "s", ch))
	if err := e.admin.Deny(e.pending(1)[0].ID); err != nil {
		t.Fatal(err)
	}
	if res := wait(); res.status != http.StatusForbidden || res.location != nil {
		t.Fatalf("deny unknown: %d %v", res.status, res.location)
	}
	if err := e.admin.Deny("nonexistent"); err == nil {
		t.Fatal("deny of an unknown id succeeded")
	}
	// Known client denied: access_denied redirect.
	e.login("mydapp", dappRedirect, "vote")
	wait = e.authorize(e.authURL("mydapp", dappRedirect, "vote", "s", ch))
	if err := e.admin.Deny(e.pending(1)[0].ID); err != nil {
		t.Fatal(err)
	}
	if res := wait(); res.location == nil || res.location.Query().Get("error") != "access_denied" {
		t.Fatalf("deny known: %d %v", res.status, res.location)
	}
	// Nobody decides: access_denied after the timeout, and the queue is empty.
	res := e.authorize(e.authURL("mydapp", dappRedirect, "vote", "s", ch))()
	if res.location == nil || res.location.Query().Get("error") != "access_denied" {
		t.Fatalf("timeout: %d %v", res.status, res.location)
	}
	if ps, _ := e.admin.Approvals(); len(ps) != 0 {
		t.Fatalf("timed-out request still pending: %+v", ps)
	}
	ev, _ := e.admin.Log(0)
	denied := 0
	for _, x := range ev {
		if x.Type == authz.EventDenied {
			denied++
		}
	}
	if denied != 3 {
		t.Fatalf("%d denials logged, want 3", denied)
	}
}

func TestRateLimits(t *testing.T) {
	e := newEnv(t, func(c *daemon.Options) {
		c.Limits = daemon.Limits{PerMinute: 1, Burst: 2, PromptsPerMinute: 1, PromptBurst: 1}
	})
	body := formBody("grant_type", "refresh_token", "refresh_token", "lsr_x", "client_id", "mydapp")
	for i := 0; i < 2; i++ {
		if st, _, b := e.do(http.MethodPost, "/oauth2/token", body, map[string]string{"Content-Type": form}); st != http.StatusUnauthorized {
			t.Fatalf("request %d: %d %s", i, st, b)
		}
	}
	st, hdr, b := e.do(http.MethodPost, "/oauth2/token", body, map[string]string{"Content-Type": form})
	if st != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" || !strings.Contains(b, "temporarily_unavailable") {
		t.Fatalf("third request: %d %v %s", st, hdr, b)
	}
	// Another client has its own bucket.
	other := formBody("grant_type", "refresh_token", "refresh_token", "lsr_x", "client_id", "other")
	if st, _, _ := e.do(http.MethodPost, "/oauth2/token", other, map[string]string{"Content-Type": form}); st != http.StatusUnauthorized {
		t.Fatalf("other client limited too: %d", st)
	}
	// Prompts per origin: the second prompt from one origin is refused.
	ch := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	wait := e.authorize(e.authURL("a1", "https://spam.example/cb", "vote", "s", ch))
	e.pending(1)
	res := e.authorize(e.authURL("a2", "https://spam.example/cb2", "vote", "s", ch))()
	if res.status != http.StatusTooManyRequests || res.location != nil {
		t.Fatalf("second prompt: %d %v", res.status, res.location)
	}
	e.admin.Deny(e.pending(1)[0].ID)
	wait()
}

func TestCORSAndHeaders(t *testing.T) {
	e := newEnv(t)
	tk := e.login("mydapp", dappRedirect, "vote")
	st, hdr, _ := e.do(http.MethodOptions, "/oauth2/revoke", "", map[string]string{"Origin": dappOrigin,
		"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type",
		"Access-Control-Request-Private-Network": "true"})
	if st != http.StatusNoContent || hdr.Get("Access-Control-Allow-Origin") != dappOrigin ||
		hdr.Get("Access-Control-Allow-Private-Network") != "true" || !strings.Contains(hdr.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", st, hdr)
	}
	st, hdr, body := e.do(http.MethodPost, "/oauth2/revoke", formBody("token", tk.AccessToken, "client_id", "mydapp"),
		map[string]string{"Content-Type": form, "Origin": dappOrigin, "Sec-Fetch-Site": "cross-site"})
	if st != http.StatusOK || hdr.Get("Access-Control-Allow-Origin") != dappOrigin {
		t.Fatalf("CORS POST: %d %v %s", st, hdr, body)
	}
	for k, v := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
		"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Pragma": "no-cache"} {
		if hdr.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, hdr.Get(k), v)
		}
	}
	// A page (error) has the strict CSP and no CORS for a foreign origin.
	st, hdr, _ = e.do(http.MethodGet, "/oauth2/authorize?client_id=x", "", map[string]string{"Origin": "https://evil.example"})
	if st != http.StatusBadRequest || !strings.Contains(hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		hdr.Get("Access-Control-Allow-Origin") != "" || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %v", st, hdr)
	}
	// The authorization pages answer no CORS, not even to an approved
	// dapp's origin (RFC 9700 §2.6): a script cannot read them.
	for _, path := range []string{"/oauth2/authorize", "/permissions"} {
		st, hdr, _ = e.do(http.MethodOptions, path, "", map[string]string{"Origin": dappOrigin, "Access-Control-Request-Method": "GET"})
		if st == http.StatusNoContent || hdr.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight of %s: %d %v", path, st, hdr)
		}
		_, hdr, _ = e.do(http.MethodGet, path+"?client_id=mydapp", "", map[string]string{"Origin": dappOrigin})
		if hdr.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("GET %s from an approved origin carries CORS: %v", path, hdr)
		}
	}
	// localhost:PORT and [::1]:PORT are accepted Host values.
	for _, h := range []string{"localhost", "[::1]"} {
		if st, _, _ := e.do(http.MethodGet, "/.well-known/oauth-authorization-server", "", map[string]string{"Host": h + ":" + itoa(e.port)}); st != http.StatusOK {
			t.Errorf("Host %s: %d", h, st)
		}
	}
}

func TestImplicitCompatibility(t *testing.T) {
	e := newEnv(t)
	// Hivesigner's SDK URL: no response_type, comma scopes, account hint.
	q := url.Values{"client_id": {"hsdapp"}, "redirect_uri": {"http://localhost:8080/cb"}, "scope": {"vote,comment"},
		"state": {"st"}, "account": {"alice"}}
	wait := e.authorize(e.base + "/oauth2/authorize?" + q.Encode())
	p := e.pending(1)[0]
	if !p.NeedsImplicitOptIn || p.ResponseType != "token" {
		t.Fatalf("pending %+v", p)
	}
	if err := e.admin.Approve(p.ID, nil, "", false); err == nil {
		t.Fatal("implicit approved without opting in")
	}
	if err := e.admin.Approve(p.ID, nil, "", true); err != nil {
		t.Fatal(err)
	}
	res := wait()
	if res.location == nil {
		t.Fatalf("%d %s", res.status, res.body)
	}
	v := res.location.Query()
	if v.Get("access_token") == "" || v.Get("expires_in") != "600" || v.Get("username") != "alice" || v.Get("state") != "st" || v.Get("code") != "" {
		t.Fatalf("implicit redirect %s", res.location)
	}
	if in, _ := e.admin.Introspect(v.Get("access_token")); !in.Active || in.Scope != "comment vote" {
		t.Fatalf("implicit token %+v", in)
	}
}

func TestListenRefusesTakenPortAndRemoteAddresses(t *testing.T) {
	e := newEnv(t)
	for _, addr := range []string{"127.0.0.1:" + itoa(e.port), "0.0.0.0:0", "192.0.2.1:7777", "example.com:7777"} {
		s, err := localapi.New(localapi.Config{Listen: addr, Wallet: e.Wallet, Issuer: e.Daemon.Issuer, Vault: e.vault})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Listen()
		if err == nil {
			t.Fatalf("%s: listened", addr)
		}
		if addr == "127.0.0.1:"+itoa(e.port) && (!errors.Is(err, localapi.ErrPortInUse) || !strings.Contains(err.Error(), itoa(e.port))) {
			t.Fatalf("taken port: %v", err)
		}
	}
}

// TestListenRefusesPortTakenOnOneFamily: a program holding [::1]:PORT (or
// 127.0.0.1:PORT) alone would receive what clients send to localhost:PORT
// over that family, so Localsigner refuses to start on PORT at all.
func TestListenRefusesPortTakenOnOneFamily(t *testing.T) {
	e := newEnv(t)
	for _, family := range []string{"[::1]", "127.0.0.1"} {
		squatter, err := net.Listen("tcp", family+":0")
		if err != nil {
			t.Logf("%s not available here: %v", family, err)
			continue
		}
		port := itoa(squatter.Addr().(*net.TCPAddr).Port)
		s, err := localapi.New(localapi.Config{Listen: "127.0.0.1:" + port, Wallet: e.Wallet, Issuer: e.Daemon.Issuer, Vault: e.vault})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Listen(); !errors.Is(err, localapi.ErrPortInUse) || !strings.Contains(err.Error(), family+":"+port) {
			t.Errorf("port %s taken on %s: %v", port, family, err)
		}
		squatter.Close()
		// Nothing was left bound: the port is free again on both.
		for _, f := range []string{"127.0.0.1", "[::1]"} {
			ln, err := net.Listen("tcp", f+":"+port)
			if err != nil {
				t.Errorf("%s:%s still held after the refusal: %v", f, port, err)
				continue
			}
			ln.Close()
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
