package attack

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"localsigner/internal/daemon"
)

// TestPromiseLockedFloodBounded: while the vault is locked, 40 authorize
// requests that each pick a new client_id and origin do not all stay
// open: at most MaxUnlockWaiters (16) wait for the unlock, the others get
// 429 at once, and nothing is queued for the user.
func TestPromiseLockedFloodBounded(t *testing.T) {
	const n, waiters = 40, 16
	e := newEnv(t, func(o *daemon.Options) {
		o.Limits = daemon.Limits{MaxUnlockWaiters: waiters} // default prompt limits
		o.UnlockWait = 3 * time.Second
	})
	if err := e.admin.Lock(); err != nil {
		t.Fatal(err)
	}
	challenge := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	type answer struct {
		status int
		after  time.Duration
	}
	answers := make(chan answer, n)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "flood" + strconv.Itoa(i)
			u := e.base + "/oauth2/authorize?" + url.Values{"client_id": {id}, "redirect_uri": {"https://" + id + ".example/cb"},
				"response_type": {"code"}, "scope": {"vote"}, "state": {"s"}, "code_challenge": {challenge},
				"code_challenge_method": {"S256"}}.Encode()
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Sec-Fetch-Mode", "navigate")
			req.Header.Set("Sec-Fetch-Dest", "document")
			resp, err := e.http.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			answers <- answer{resp.StatusCode, time.Since(start)}
		}()
	}
	wg.Wait()
	close(answers)
	quick429, held := 0, 0
	for a := range answers {
		switch {
		case a.status == http.StatusTooManyRequests && a.after < time.Second:
			quick429++
		case a.status == http.StatusServiceUnavailable && a.after >= 3*time.Second:
			held++ // waited for the unlock, then told Localsigner is locked
		default:
			t.Errorf("answer %d after %v", a.status, a.after)
		}
	}
	if held > waiters || quick429 < n-waiters {
		t.Fatalf("%d held open, %d refused at once; want at most %d held", held, quick429, waiters)
	}
	if ps, err := e.admin.Approvals(); err != nil || len(ps) != 0 {
		t.Fatalf("prompts: %+v %v", ps, err)
	}
}

// TestPromiseRevokeNotStarved: a local program flooding both revocation
// endpoints (no client named, made-up tokens) meets its own limit, and a
// dapp revoking its own token right after is still served.
func TestPromiseRevokeNotStarved(t *testing.T) {
	e := newEnv(t, func(o *daemon.Options) { o.Limits = daemon.Limits{} }) // the default limits
	a := e.login("dapp-a", dappRedirect, "vote offline", "alice")
	limited := 0
	for i := range 100 {
		fake := "lsa_flood" + strconv.Itoa(i%3)
		if r := e.do(http.MethodPost, "/oauth2/revoke", formBody("token", fake), map[string]string{"Content-Type": form}); r.status == http.StatusTooManyRequests {
			limited++
		}
		if r := e.do(http.MethodPost, "/api/oauth2/token/revoke", `{"token":"`+fake+`"}`, map[string]string{"Content-Type": "application/json"}); r.status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("the flood never met a limit")
	}
	if r := e.do(http.MethodPost, "/api/oauth2/token/revoke", `{"token":"`+a.AccessToken+`"}`,
		map[string]string{"Content-Type": "application/json", "Authorization": a.AccessToken, "Origin": dappOrigin}); r.status != http.StatusOK {
		t.Fatalf("the dapp's own revocation after the flood: %d %s", r.status, r.body)
	}
	if r := e.do(http.MethodPost, "/oauth2/revoke", formBody("token", a.RefreshToken, "client_id", "dapp-a"),
		map[string]string{"Content-Type": form, "Origin": dappOrigin}); r.status != http.StatusOK {
		t.Fatalf("the dapp's own refresh token revocation after the flood: %d %s", r.status, r.body)
	}
}
