package localapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestNoCookieCarrierOnLoopback: a dapp served from 127.0.0.1 shares its
// cookies with every page on 127.0.0.1, whatever the port, so the cookie
// carrier is never turned on for it; an https dapp can still have it.
func TestNoCookieCarrierOnLoopback(t *testing.T) {
	e := newEnv(t)
	local := e.login("localdapp", "http://127.0.0.1:3000/cb", "vote")
	e.login("mydapp", dappRedirect, "vote")
	if err := e.admin.SetClientFlags("localdapp", false, true); err == nil || !strings.Contains(err.Error(), "cookie") {
		t.Fatalf("cookie carrier for a loopback dapp: %v", err)
	}
	if err := e.admin.SetClientFlags("mydapp", false, true); err != nil {
		t.Fatalf("cookie carrier for an https dapp: %v", err)
	}
	st, _, body := e.do(http.MethodGet, "/api/me", "", map[string]string{"Cookie": "bearer_token=" + local.AccessToken,
		"Origin": "http://127.0.0.1:3000"})
	if st != http.StatusBadRequest && st != http.StatusUnauthorized {
		t.Fatalf("the loopback dapp's token in a cookie: %d %s", st, body)
	}
}
