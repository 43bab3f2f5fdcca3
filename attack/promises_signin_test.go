package attack

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"localsigner/localapi/jose"
	"localsigner/signer/keys"
)

// TestPromiseSignInProofBoundToSite: a site the user approved for login
// only cannot turn the sign-in proof into a login at another dapp by
// naming that dapp's client_id. The proof names the site that got it, a
// backend that checks its own origin refuses it, and the client_id is then
// bound: the real dapp's origin gets a page, no prompt, no proof.
func TestPromiseSignInProofBoundToSite(t *testing.T) {
	// Not parallel: TestLoad measures the process's live heap, which another
	// test's Localsigner in the middle of it would grow.
	e := newEnv(t)
	const victimClient = "victim-dapp"
	tk := e.login(victimClient, "https://evil.example/cb", "login", "alice")
	if tk.IDToken == "" {
		t.Fatal("no id_token for a login")
	}
	accts, err := e.nc.Accounts(t.Context(), []string{"alice"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.ParsePublicKey(accts[0].Posting.KeyAuths[0].Name, e.net.Chain().Prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("SignInProof/names_the_site_that_received_it", func(t *testing.T) {
		claims, err := jose.ParseIDTokenUnverified(tk.IDToken)
		if err != nil || claims.Origin != evilOrigin {
			t.Fatalf("the proof names %+v (%v), want %s", claims, err, evilOrigin)
		}
	})
	t.Run("SignInProof/the_real_dapp's_backend_refuses_it", func(t *testing.T) {
		_, _, err := jose.VerifyIDToken(tk.IDToken, []keys.PublicKey{k}, jose.IDCheck{Audience: victimClient, Origin: dappOrigin})
		if !errors.Is(err, jose.ErrWrongOrigin) {
			t.Fatalf("verified for the real dapp's origin: %v", err)
		}
	})
	t.Run("SignInProof/a_bound_client_id_is_refused_for_another_origin", func(t *testing.T) {
		u := e.base + "/oauth2/authorize?" + url.Values{"client_id": {victimClient}, "redirect_uri": {dappRedirect},
			"response_type": {"code"}, "scope": {"login"}, "state": {"s"},
			"code_challenge": {strings.Repeat("A", 43)}, "code_challenge_method": {"S256"}}.Encode()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "document")
		resp, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(string(body), "bound to") {
			t.Fatalf("bound client_id from another origin: %d %q %.200s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		if ps, _ := e.admin.Approvals(); len(ps) != 0 {
			t.Fatalf("a prompt was raised: %+v", ps)
		}
	})
}
