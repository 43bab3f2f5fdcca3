package localapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"localsigner/internal/daemon"
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

// TestLockedRequestSeenAndRefused: a sign-in waiting for the unlock is
// listed with its site for the desktop app, and when the user refuses it
// the dapp is told at once that Localsigner is locked, long before the
// unlock wait would end.
func TestLockedRequestSeenAndRefused(t *testing.T) {
	e := newEnv(t, func(o *daemon.Options) { o.UnlockWait = 20 * time.Second })
	if err := e.admin.Lock(); err != nil {
		t.Fatal(err)
	}
	q := e.Wallet.Queue()
	start := time.Now()
	wait := e.authorize(e.authURL("mydapp", dappRedirect, "vote", "s1", oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())))
	deadline := time.Now().Add(5 * time.Second)
	for len(q.Waiting()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the locked request is not listed as waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if w := q.Waiting()[0]; w.Origin != dappOrigin || w.ClientID != "mydapp" || w.What != "sign-in" {
		t.Fatalf("waiting %+v", w)
	}
	if n := q.RefuseWaiting(); n != 1 {
		t.Fatalf("refused %d", n)
	}
	res := wait()
	if res.status != http.StatusServiceUnavailable || !strings.Contains(res.body, "locked") || time.Since(start) > 10*time.Second {
		t.Fatalf("after refusing: %d after %v: %s", res.status, time.Since(start), res.body)
	}
	if len(q.Waiting()) != 0 {
		t.Fatalf("still waiting: %+v", q.Waiting())
	}
}
