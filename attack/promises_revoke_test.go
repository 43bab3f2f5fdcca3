package attack

import (
	"net/http"
	"testing"
)

// TestPromiseRevokeOwnTokensOnly: dapp B's page, which came by dapp A's
// tokens, cannot end A's session through either revocation endpoint, with
// B's own token in the header or with B's Origin alone; the store does not
// change and A's tokens keep working. A can still revoke its own.
func TestPromiseRevokeOwnTokensOnly(t *testing.T) {
	e := newEnv(t)
	a := e.login("dapp-a", dappRedirect, "vote offline", "alice")
	b := e.login("dapp-b", otherRedirect, "vote", "alice")
	works := func(tok string) bool {
		t.Helper()
		return e.do(http.MethodGet, "/api/me", "", map[string]string{"Authorization": tok}).status == http.StatusOK
	}

	attacks := []struct {
		name string
		path string
		body string
		hdr  map[string]string
	}{
		{"oauth2/revoke from B's origin", "/oauth2/revoke", formBody("token", a.RefreshToken),
			map[string]string{"Content-Type": form, "Origin": otherOrigin}},
		{"oauth2/revoke of the access token from B's origin", "/oauth2/revoke", formBody("token", a.AccessToken),
			map[string]string{"Content-Type": form, "Origin": otherOrigin}},
		{"hivesigner revoke with B's token in the header", "/api/oauth2/token/revoke", `{"token":"` + a.RefreshToken + `"}`,
			map[string]string{"Content-Type": "application/json", "Authorization": b.AccessToken}},
		{"hivesigner revoke with A's token from B's origin", "/api/oauth2/token/revoke", `{"token":"` + a.AccessToken + `"}`,
			map[string]string{"Content-Type": "application/json", "Authorization": a.AccessToken, "Origin": otherOrigin}},
	}
	for _, c := range attacks {
		t.Run(c.name, func(t *testing.T) {
			before := e.snapshot()
			if r := e.do(http.MethodPost, c.path, c.body, c.hdr); r.status == http.StatusOK {
				t.Fatalf("answered %d %s", r.status, r.body)
			}
			assertNothingChanged(t, e, before)
			if !works(a.AccessToken) {
				t.Fatal("A's token stopped working")
			}
		})
	}

	// The real owner: Hivesigner's SDK sends the token in the body and in
	// the header, from its own page.
	r := e.do(http.MethodPost, "/api/oauth2/token/revoke", `{"token":"`+a.AccessToken+`"}`,
		map[string]string{"Content-Type": "application/json", "Authorization": a.AccessToken, "Origin": dappOrigin})
	if r.status != http.StatusOK || works(a.AccessToken) {
		t.Fatalf("A revoking its own token: %d %s", r.status, r.body)
	}
	if !works(b.AccessToken) {
		t.Fatal("B's token stopped working when A revoked its own")
	}
}
