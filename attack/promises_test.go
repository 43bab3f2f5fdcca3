package attack

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// Operations the cases send, all acting for alice unless named otherwise.
const (
	voteOp     = `["vote",{"voter":"alice","author":"bob","permlink":"hello","weight":10000}]`
	bobVoteOp  = `["vote",{"voter":"bob","author":"alice","permlink":"hello","weight":10000}]`
	transferOp = `["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":""}]`
	followOp   = `["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"follow","json":"[\"follow\",{\"follower\":\"alice\",\"following\":\"bob\",\"what\":[\"blog\"]}]"}]`
)

// attack is one case: a request (or several, in run) and the secure
// outcome it must get.
type attack struct {
	name         string
	method, path string
	body         string
	hdr          map[string]string
	run          func(t *testing.T) response // instead of method/path/body/hdr
	status       int
	code         string   // JSON "error" member; "" checks none
	audited      []string // audit events the refusal must leave ("type" or "type:outcome")
	check        func(t *testing.T, r response)
}

// promise is a group of attacks on one promise.
type promise struct {
	name    string
	attacks []attack
}

// with copies h and sets the pairs kv on the copy.
func with(h map[string]string, kv ...string) map[string]string {
	m := map[string]string{}
	for k, v := range h {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// TestPromises attacks one running Localsigner, promise by promise. Each
// case checks the secure status and error code, then that nothing was
// signed or broadcast, no client, grant or token changed, the audit log
// kept every event (and gained the refusal where it is audited), and no
// prompt was queued. A control at the end shows the same tokens still work,
// so the refusals were the checks' doing and not a broken setup.
func TestPromises(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mine := e.login("mydapp", dappRedirect, "vote comment custom_json:follow offline", "alice")
	theirs := e.login("other", otherRedirect, "vote offline", "alice")
	bobs := e.login("bobdapp", "https://bob.example/cb", "vote", "bob")
	code, verifier := e.code("mydapp", dappRedirect, "vote", "alice")
	port := strconv.Itoa(e.port)

	api := map[string]string{"Content-Type": "application/json", "Authorization": mine.AccessToken}
	formHdr := map[string]string{"Content-Type": form}
	navigate := map[string]string{"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "cross-site"}
	ops := func(list ...string) string { return `{"operations":[` + strings.Join(list, ",") + `]}` }
	codeBody := func(kv ...string) string {
		base := []string{"grant_type", "authorization_code", "code", code, "redirect_uri", dappRedirect,
			"code_verifier", verifier, "client_id", "mydapp"}
		return formBody(append(base, kv...)...)
	}
	authQ := func(kv ...string) string {
		v := url.Values{"client_id": {"mydapp"}, "redirect_uri": {dappRedirect}, "response_type": {"code"},
			"scope": {"vote"}, "state": {"st"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())},
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
	noLocation := func(t *testing.T, r response) {
		if loc := r.hdr.Get("Location"); loc != "" {
			t.Fatalf("redirected to %s", loc)
		}
	}
	errorRedirect := func(errCode string) func(t *testing.T, r response) {
		return func(t *testing.T, r response) {
			loc, err := url.Parse(r.hdr.Get("Location"))
			if err != nil || !strings.HasPrefix(loc.String(), dappRedirect+"?") || loc.Query().Get("error") != errCode || loc.Query().Get("code") != "" {
				t.Fatalf("redirect %q, want error=%s to %s", r.hdr.Get("Location"), errCode, dappRedirect)
			}
		}
	}
	noCORS := func(t *testing.T, r response) {
		if v := r.hdr.Get("Access-Control-Allow-Origin"); v != "" {
			t.Fatalf("refusal carries Access-Control-Allow-Origin %q", v)
		}
	}
	bearerChallenge := func(t *testing.T, r response) {
		if !strings.HasPrefix(r.hdr.Get("WWW-Authenticate"), "Bearer ") {
			t.Fatalf("WWW-Authenticate %q, want a Bearer challenge", r.hdr.Get("WWW-Authenticate"))
		}
	}
	frameDenied := func(t *testing.T, r response) {
		if r.hdr.Get("X-Frame-Options") != "DENY" || !strings.Contains(r.hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Fatalf("X-Frame-Options %q, CSP %q: the page may be framed", r.hdr.Get("X-Frame-Options"), r.hdr.Get("Content-Security-Policy"))
		}
	}
	refused := []string{"broadcast:refused"}
	invalid := []string{"broadcast:invalid"}

	promises := []promise{
		{"DNSRebinding", []attack{
			{name: "foreign_Host_is_refused_before_routing", method: "GET", path: "/api/me",
				hdr: with(api, "Host", "evil.example:"+port), status: 421, code: "invalid_request"},
			{name: "rebinding_name_ending_in_localhost_is_refused", method: "POST", path: "/api/broadcast", body: ops(followOp),
				hdr: with(api, "Host", "localhost.evil.example:"+port), status: 421, code: "invalid_request"},
			{name: "wildcard_DNS_name_for_127.0.0.1_is_refused", method: "POST", path: "/api/broadcast", body: ops(followOp),
				hdr: with(api, "Host", "127.0.0.1.nip.io:"+port), status: 421, code: "invalid_request"},
			{name: "loopback_Host_on_another_port_is_refused", method: "GET", path: "/api/me",
				hdr: with(api, "Host", "127.0.0.1:"+strconv.Itoa(e.port+1)), status: 421, code: "invalid_request"},
			{name: "Host_with_trailing_dot_is_refused", method: "GET", path: "/api/me",
				hdr: with(api, "Host", "localhost.:"+port), status: 421, code: "invalid_request"},
		}},
		{"CrossSiteRequests", []attack{
			{name: "foreign_Origin_cannot_broadcast", method: "POST", path: "/api/broadcast", body: ops(followOp),
				hdr: with(api, "Origin", evilOrigin), status: 403, code: "invalid_request", check: noCORS},
			{name: "null_Origin_from_a_sandboxed_frame_cannot_broadcast", method: "POST", path: "/api/broadcast", body: ops(followOp),
				hdr: with(api, "Origin", "null"), status: 403, code: "invalid_request", check: noCORS},
			{name: "cross-site_form_post_without_Origin_is_refused", method: "POST", path: "/api/broadcast", body: ops(followOp),
				hdr: with(api, "Sec-Fetch-Site", "cross-site", "Content-Type", "text/plain"), status: 403, code: "invalid_request"},
			{name: "preflight_from_a_foreign_Origin_gets_no_CORS_grant", method: "OPTIONS", path: "/api/broadcast",
				hdr: map[string]string{"Origin": evilOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type",
					"Access-Control-Request-Private-Network": "true"},
				status: 403, code: "invalid_request", check: func(t *testing.T, r response) {
					noCORS(t, r)
					if r.hdr.Get("Access-Control-Allow-Private-Network") != "" {
						t.Fatal("private network access granted to a foreign origin")
					}
				}},
			{name: "foreign_Origin_cannot_read_api_me_with_a_stolen_token", method: "GET", path: "/api/me",
				hdr: with(api, "Origin", evilOrigin), status: 403, code: "invalid_request", check: noCORS},
			{name: "registered_dapp_cannot_use_another_dapps_token", method: "POST", path: "/api/broadcast", body: ops(followOp),
				hdr: with(api, "Origin", otherOrigin), status: 403, code: "invalid_request"},
		}},
		{"Clickjacking", []attack{
			{name: "consent_page_refuses_to_load_in_a_frame", method: "GET", path: authQ(),
				hdr:    map[string]string{"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "cross-site"},
				status: 403, check: func(t *testing.T, r response) { frameDenied(t, r); noLocation(t, r) }},
			{name: "every_answer_forbids_framing_and_sniffing", method: "GET", path: "/no/such/page", status: 404, code: "invalid_request",
				check: func(t *testing.T, r response) {
					frameDenied(t, r)
					if r.hdr.Get("X-Content-Type-Options") != "nosniff" || r.hdr.Get("Cache-Control") != "no-store" {
						t.Fatalf("headers %v", r.hdr)
					}
				}},
			{name: "authorize_by_script_fetch_is_refused", method: "GET", path: authQ(),
				hdr:    map[string]string{"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Sec-Fetch-Site": "cross-site", "Origin": evilOrigin},
				status: 403, check: noLocation},
		}},
		{"RedirectURIExactMatch", []attack{
			{name: "dot-segment_path_is_not_the_registered_URI", method: "GET", path: authQ("redirect_uri", "https://dapp.example/cb/../evil"),
				hdr: navigate, status: 400, check: noLocation},
			{name: "suffix_domain_is_not_the_registered_host", method: "GET", path: authQ("redirect_uri", "https://dapp.example.evil.example/cb"),
				hdr: navigate, status: 400, check: noLocation},
			{name: "added_query_is_not_the_registered_URI", method: "GET", path: authQ("redirect_uri", dappRedirect+"?next=https://evil.example"),
				hdr: navigate, status: 400, check: noLocation},
			{name: "percent-encoded_path_is_not_the_registered_URI", method: "GET", path: authQ("redirect_uri", "https://dapp.example/%63b"),
				hdr: navigate, status: 400, check: noLocation},
			{name: "data_URI_is_never_a_redirect", method: "GET", path: authQ("client_id", "newdapp", "redirect_uri", "data:text/html,<script>alert(1)</script>"),
				hdr: navigate, status: 400, check: noLocation},
		}},
		{"PKCEOnlyS256", []attack{
			{name: "challenge_method_missing_means_no_code", method: "GET", path: authQ("code_challenge_method", ""),
				hdr: navigate, status: 302, check: errorRedirect("invalid_request")},
			{name: "challenge_sent_back_as_verifier_is_refused", method: "POST", path: "/oauth2/token",
				body: codeBody("code_verifier", oauth2.S256ChallengeFromVerifier(verifier)), hdr: formHdr, status: 400, code: "invalid_grant"},
			{name: "verifier_shorter_than_43_characters_is_refused", method: "POST", path: "/oauth2/token",
				body: codeBody("code_verifier", verifier[:42]), hdr: formHdr, status: 400},
			{name: "verifier_with_characters_outside_the_RFC_7636_set_is_refused", method: "POST", path: "/oauth2/token",
				body: codeBody("code_verifier", verifier[:42]+"%"), hdr: formHdr, status: 400},
		}},
		{"ScopeEscalation", []attack{
			{name: "posting_token_cannot_transfer", method: "POST", path: "/api/broadcast", body: ops(transferOp),
				hdr: api, status: 403, code: "insufficient_scope", audited: refused, check: bearerChallenge},
			{name: "custom_json_id_outside_the_grant_is_refused", method: "POST", path: "/api/broadcast",
				body: ops(strings.Replace(followOp, `"id":"follow"`, `"id":"sm_market"`, 1)), hdr: api, status: 403, code: "insufficient_scope", audited: refused},
			{name: "custom_json_with_active_auths_needs_more_than_the_scope", method: "POST", path: "/api/broadcast",
				body: ops(strings.Replace(strings.Replace(followOp, `"required_auths":[]`, `"required_auths":["alice"]`, 1), `"required_posting_auths":["alice"]`, `"required_posting_auths":[]`, 1)),
				hdr:  api, status: 403, code: "insufficient_scope", audited: refused},
			{name: "refresh_cannot_widen_the_scope", method: "POST", path: "/oauth2/token",
				body: formBody("grant_type", "refresh_token", "refresh_token", mine.RefreshToken, "client_id", "mydapp", "scope", "vote transfer"),
				hdr:  formHdr, status: 400, code: "invalid_scope"},
		}},
		{"CrossAccount", []attack{
			{name: "alice's_token_cannot_vote_as_bob", method: "POST", path: "/api/broadcast", body: ops(bobVoteOp),
				hdr: api, status: 403, code: "insufficient_scope", audited: refused},
			{name: "bob's_token_cannot_act_for_alice", method: "POST", path: "/api/broadcast", body: ops(voteOp),
				hdr: with(api, "Authorization", bobs.AccessToken), status: 403, code: "insufficient_scope", audited: refused},
			{name: "a_batch_smuggling_another_author_is_refused_whole", method: "POST", path: "/api/broadcast", body: ops(followOp, bobVoteOp),
				hdr: api, status: 403, code: "insufficient_scope", audited: refused},
		}},
		{"CrossClient", []attack{
			{name: "another_client's_refresh_token_is_refused", method: "POST", path: "/oauth2/token",
				body: formBody("grant_type", "refresh_token", "refresh_token", theirs.RefreshToken, "client_id", "mydapp"), hdr: formHdr, status: 400, code: "invalid_grant"},
			{name: "a_code_cannot_be_redeemed_by_another_client", method: "POST", path: "/oauth2/token",
				body: codeBody("client_id", "other", "redirect_uri", otherRedirect), hdr: formHdr, status: 400, code: "invalid_grant"},
			{name: "a_foreign_page_cannot_revoke_a_dapp's_token", method: "POST", path: "/api/oauth2/token/revoke",
				hdr: with(api, "Authorization", theirs.AccessToken, "Origin", evilOrigin), status: 403, code: "invalid_request", check: noCORS},
			{name: "a_client_naming_itself_cannot_revoke_another_client's_refresh_token", method: "POST", path: "/oauth2/revoke",
				body: formBody("token", theirs.RefreshToken, "client_id", "mydapp"), hdr: with(formHdr, "Origin", dappOrigin), status: 400, code: "unauthorized_client"},
		}},
		{"BearerCarriers", []attack{
			{name: "token_in_the_query_cannot_broadcast", method: "POST", path: "/api/broadcast?bearer_token=" + mine.AccessToken, body: ops(followOp),
				hdr: map[string]string{"Content-Type": "application/json"}, status: 400, code: "invalid_request", check: bearerChallenge},
			{name: "token_in_the_query_needs_the_client's_opt-in", method: "GET", path: "/api/me?bearer_token=" + mine.AccessToken,
				status: 400, code: "invalid_request"},
			{name: "token_in_a_cookie_needs_the_client's_opt-in", method: "POST", path: "/api/broadcast", body: ops(followOp),
				hdr:    map[string]string{"Content-Type": "application/json", "Cookie": "bearer_token=" + mine.AccessToken, "Origin": dappOrigin},
				status: 400, code: "invalid_request"},
			{name: "token_in_header_and_query_at_once_is_refused", method: "GET", path: "/api/me?bearer_token=" + mine.AccessToken,
				hdr: api, status: 400, code: "invalid_request"},
			{name: "token_in_header_and_cookie_at_once_is_refused", method: "POST", path: "/api/broadcast", body: ops(followOp),
				hdr: with(api, "Cookie", "bearer_token="+theirs.AccessToken), status: 400, code: "invalid_request"},
			{name: "unknown_token_is_invalid_token_with_a_challenge", method: "POST", path: "/api/broadcast", body: ops(followOp),
				hdr: with(api, "Authorization", "Bearer "+strings.Repeat("A", 43)), status: 401, code: "invalid_token", check: bearerChallenge},
			{name: "refresh_token_is_not_an_access_token", method: "POST", path: "/api/broadcast", body: ops(followOp),
				hdr: with(api, "Authorization", mine.RefreshToken), status: 401, code: "invalid_token"},
			{name: "missing_token_gets_a_bare_challenge", method: "GET", path: "/api/me", status: 401, code: "invalid_token", check: bearerChallenge},
		}},
		{"OperationChecks", []attack{
			{name: "owner_authority_is_never_used", method: "POST", path: "/api/broadcast",
				body: ops(`["change_recovery_account",{"account_to_recover":"alice","new_recovery_account":"bob","extensions":[]}]`),
				hdr:  with(api, "Authorization", mine.AccessToken), status: 403, code: "insufficient_scope", audited: refused},
			{name: "mixed_batch_with_one_ungranted_operation_signs_nothing", method: "POST", path: "/api/broadcast", body: ops(followOp, transferOp),
				hdr: api, status: 403, code: "insufficient_scope", audited: refused},
			{name: "negative_amount_is_invalid", method: "POST", path: "/api/broadcast",
				body: ops(strings.Replace(transferOp, "1.000 HIVE", "-1.000 HIVE", 1)), hdr: api, status: 400, code: "invalid_request", audited: invalid},
			{name: "overflowing_amount_is_invalid", method: "POST", path: "/api/broadcast",
				body: ops(strings.Replace(transferOp, "1.000 HIVE", "99999999999999999999.000 HIVE", 1)), hdr: api, status: 400, code: "invalid_request", audited: invalid},
			{name: "invalid_account_name_is_invalid", method: "POST", path: "/api/broadcast",
				body: ops(strings.Replace(voteOp, `"author":"bob"`, `"author":"Bob<script>"`, 1)), hdr: api, status: 400, code: "invalid_request", audited: invalid},
			{name: "vote_weight_out_of_range_is_invalid", method: "POST", path: "/api/broadcast",
				body: ops(strings.Replace(voteOp, "10000", "10001", 1)), hdr: api, status: 400, code: "invalid_request", audited: invalid},
			{name: "unknown_operation_is_invalid", method: "POST", path: "/api/broadcast",
				body: ops(`["steal_funds",{"from":"alice"}]`), hdr: api, status: 400, code: "invalid_request", audited: invalid},
			{name: "huge_batch_is_refused", method: "POST", path: "/api/broadcast",
				body: ops(strings.Split(strings.Repeat(followOp+"\n", 101), "\n")[:101]...), hdr: api, status: 400, code: "invalid_request", audited: invalid},
			{name: "empty_batch_is_refused", method: "POST", path: "/api/broadcast", body: ops(), hdr: api, status: 400, code: "invalid_request", audited: invalid},
			{name: "operations_that_are_not_a_list_are_refused", method: "POST", path: "/api/broadcast",
				body: `{"operations":{"vote":{}}}`, hdr: api, status: 400, code: "invalid_request", audited: invalid},
		}},
		{"MalformedBodies", []attack{
			{name: "oversized_broadcast_body_is_413", method: "POST", path: "/api/broadcast",
				body: `{"operations":[` + followOp + `],"pad":"` + strings.Repeat("a", 1<<20) + `"}`, hdr: api, status: 413, code: "invalid_request"},
			{name: "oversized_chunked_body_is_413", run: func(t *testing.T) response {
				return rawRequest(t, e, "POST /api/broadcast HTTP/1.1\r\nHost: 127.0.0.1:"+port+"\r\nAuthorization: "+mine.AccessToken+
					"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", strings.Repeat("a", (1<<20)+10))
			}, status: 413, code: "invalid_request"},
			{name: "invalid_UTF-8_in_an_operation_is_refused", method: "POST", path: "/api/broadcast",
				body: ops(strings.Replace(followOp, `\"blog\"`, "\\\"bl\xffog\\\"", 1)), hdr: api, status: 400, code: "invalid_request", audited: invalid},
			{name: "truncated_JSON_is_refused", method: "POST", path: "/api/broadcast", body: `{"operations":[` + followOp,
				hdr: api, status: 400, code: "invalid_request", audited: invalid},
			{name: "deeply_nested_JSON_is_refused", method: "POST", path: "/api/broadcast",
				body: `{"operations":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, hdr: api, status: 400, code: "invalid_request", audited: invalid},
			{name: "oversized_headers_are_431", method: "GET", path: "/api/me",
				hdr: with(api, "X-Pad", strings.Repeat("a", 32<<10)), status: 431},
		}},
		{"AdminChannelSocketOnly", []attack{
			{name: "TCP_port_has_no_admin_routes", run: func(t *testing.T) response {
				for _, p := range []string{"/admin", "/unlock", "/approvals", "/api/admin", "/admin.sock", "/api/unlock"} {
					for _, m := range []string{"GET", "POST"} {
						r := e.do(m, p, `{"op":"unlock","args":{"passphrase":"eA=="}}`, map[string]string{"Content-Type": "application/json"})
						if r.status != 404 {
							t.Fatalf("%s %s: %d %s", m, p, r.status, r.body)
						}
					}
				}
				return e.do("GET", "/admin", "", nil)
			}, status: 404, code: "invalid_request"},
			{name: "admin_protocol_on_the_TCP_port_is_not_understood", run: func(t *testing.T) response {
				return rawRequest(t, e, `{"op":"approvals"}`+"\n", "")
			}, status: 400},
		}},
	}

	for _, p := range promises {
		t.Run(p.name, func(t *testing.T) {
			for _, a := range p.attacks {
				t.Run(a.name, func(t *testing.T) {
					before := e.snapshot()
					var r response
					if a.run != nil {
						r = a.run(t)
					} else {
						r = e.do(a.method, a.path, a.body, a.hdr)
					}
					if r.status != a.status {
						t.Fatalf("status %d, want %d: %.300s", r.status, a.status, r.body)
					}
					if a.code != "" && r.code != a.code {
						t.Fatalf("error %q, want %q: %.300s", r.code, a.code, r.body)
					}
					if strings.Contains(r.body, mine.AccessToken) || strings.Contains(r.body, passphrase) {
						t.Fatal("the answer echoes a secret")
					}
					if a.check != nil {
						a.check(t, r)
					}
					assertNothingChanged(t, e, before, a.audited...)
				})
			}
		})
	}

	t.Run("Control/the_attacked_tokens_and_code_still_work", func(t *testing.T) {
		r := e.broadcast(mine.AccessToken, "["+followOp+"]")
		if r.status != http.StatusOK {
			t.Fatalf("broadcast after the attacks: %d %s", r.status, r.body)
		}
		if r := e.do("GET", "/api/me", "", map[string]string{"Authorization": theirs.AccessToken}); r.status != http.StatusOK {
			t.Fatalf("/api/me after the attacks: %d %s", r.status, r.body)
		}
		r = e.do(http.MethodPost, "/oauth2/token", codeBody(), formHdr)
		if r.status != http.StatusOK {
			t.Fatalf("the attacked code was burned: %d %s", r.status, r.body)
		}
	})
}

// rawRequest writes head and body (chunked if head says so) on a fresh
// connection and reads one answer.
func rawRequest(t *testing.T, e *env, head, body string) response {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(e.port), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		w := bufio.NewWriter(c)
		w.WriteString(head)
		if strings.Contains(head, "chunked") {
			for len(body) > 0 {
				n := min(len(body), 32<<10)
				fmt.Fprintf(w, "%x\r\n%s\r\n", n, body[:n])
				body = body[n:]
			}
			w.WriteString("0\r\n\r\n")
		} else {
			w.WriteString(body)
		}
		w.Flush()
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	r := response{status: resp.StatusCode, hdr: resp.Header, body: b.String()}
	var j struct{ Error string }
	if json.Unmarshal([]byte(r.body), &j) == nil {
		r.code = j.Error
	}
	return r
}
