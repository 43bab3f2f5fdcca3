package localapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"localsigner/internal/daemon"
	"localsigner/internal/testkit"
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

// TestStartedLocked: the permission records open at the first unlock after
// a start. Before it, a dapp's token calls answer 503 at once, and a
// sign-in waits (listed for the desktop app) and goes on after the unlock
// with the usual approval.
func TestStartedLocked(t *testing.T) {
	e := startEnv(t, testkit.Options{NoDevnet: true, Locked: true}, func(o *daemon.Options) { o.UnlockWait = 20 * time.Second })
	if !e.db.Sealed() {
		t.Fatal("records open before any unlock")
	}
	st, _, body := e.do(http.MethodGet, "/api/me", "", map[string]string{"Authorization": "Bearer lsa_" + strings.Repeat("A", 43)})
	if st != http.StatusServiceUnavailable || !strings.Contains(body, "temporarily_unavailable") {
		t.Fatalf("/api/me before the first unlock: %d %s", st, body)
	}
	verifier := oauth2.GenerateVerifier()
	wait := e.authorize(e.authURL("mydapp", dappRedirect, "vote", "s1", oauth2.S256ChallengeFromVerifier(verifier)))
	q := e.Wallet.Queue()
	deadline := time.Now().Add(5 * time.Second)
	for len(q.Waiting()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the sign-in is not listed as waiting for the unlock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := e.admin.Unlock([]byte(testkit.Passphrase)); err != nil {
		t.Fatal(err)
	}
	if e.db.Sealed() {
		t.Fatal("records still closed after the unlock")
	}
	p := e.pending(1)[0]
	if p.ClientID != "mydapp" || !p.FirstTime {
		t.Fatalf("approval after the unlock: %+v", p)
	}
	if err := e.admin.Approve(p.ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	res := wait()
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("authorize after the unlock: %d %s", res.status, res.body)
	}
	tk := e.exchange("mydapp", dappRedirect, res.location.Query().Get("code"), verifier)
	if tk.AccessToken == "" {
		t.Fatal("no token after the unlock")
	}
}
