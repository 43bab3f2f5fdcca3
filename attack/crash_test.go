package attack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"localsigner/authz"
	"localsigner/internal/testkit"
	"localsigner/localapi/admin"
	"localsigner/signer"
	"localsigner/signer/devnet"
	"localsigner/store"
)

// crashLoops is how many times the crash loop kills the server (and, every
// third time, a passphrase change).
const crashLoops = 12

// TestCrashLoop kills -9 the real "localsigner serve" process at a random
// moment while clients write grants, rotate refresh tokens and broadcast,
// and kills "localsigner passwd" in the middle of re-encrypting the vault;
// after each kill it checks, with the process dead:
//
//   - the store opens, and every grant whose token answer reached the
//     client is there, with its access token and its latest known refresh
//     token (old or new if the rotation's answer was lost);
//   - the vault opens with the old or the new passphrase and holds every
//     key;
//   - the devnet (external to the killed process, so it survives) holds
//     every transaction at most once, and every confirmed one exactly once.
//
// Grants are not revoked spuriously: a refresh whose answer was lost is not
// retried (retrying a rotated token would rightly trip reuse detection).
func TestCrashLoop(t *testing.T) {
	t.Parallel()
	pass := "first passphrase 123"
	d, fe, dir, v := childSetup(t, pass)
	if _, err := v.AddMasterPassword("devnet", "alice", devnet.DefaultPassword); err != nil {
		t.Fatal(err)
	}
	keys, _ := v.List()
	v.Lock()
	port := freePort(t)

	st := &crashState{grants: map[string]*crashGrant{}, sent: map[string]bool{}}
	var stats crashStats
	for loop := range crashLoops {
		if loop%3 == 2 {
			pass = crashPasswd(t, dir, pass, loop, len(keys), &stats)
			continue
		}
		cmd, out := startChild(t, []string{"serve", "--headless", "--devnet", "--node", fe.URL(),
			"--listen", "127.0.0.1:" + port, "--data-dir", dir}, "LOCALSIGNER_PASSPHRASE="+pass)
		t0 := time.Now()
		base := "http://127.0.0.1:" + port
		if err := waitReady(base, 20*time.Second); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("loop %d: server did not start: %v\n%s", loop, err, out)
		}
		stats.starts = append(stats.starts, time.Since(t0))
		c := &crashClient{base: base, admin: admin.NewClient(dir), st: st,
			http: &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, work := range []func(context.Context){c.loginLoop, c.refreshLoop, c.broadcastLoop} {
			wg.Add(1)
			go func() { defer wg.Done(); work(ctx) }()
		}
		time.Sleep(time.Duration(150+rand.IntN(600)) * time.Millisecond)
		cmd.Process.Kill() // SIGKILL, by the handle of the process this test started
		cmd.Wait()
		cancel()
		wg.Wait()
		stats.kills++
		checkAfterCrash(t, loop, dir, pass, len(keys), st, d)
		if len(st.errs) > 0 {
			t.Fatalf("loop %d: %v\n%s", loop, st.errs, out)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	confirmed := 0
	for id, landed := range st.sent {
		if landed {
			confirmed++
		}
		if n := countMarker(d, id); n > 1 || landed && n != 1 {
			t.Errorf("transaction %s is on chain %d times (confirmed to the dapp: %v)", id, n, landed)
		}
	}
	t.Logf("crash loop: %d kills of serve, %d of passwd; %d grants confirmed, %d refreshes, %d broadcasts sent (%d confirmed); server start median %v",
		stats.kills, stats.passwdKills, len(st.grants), st.refreshes, len(st.sent), confirmed, median(stats.starts))
	if len(st.grants) == 0 || confirmed == 0 || st.refreshes == 0 {
		t.Errorf("the loop did too little work to prove anything: %d grants, %d refreshes, %d broadcasts", len(st.grants), st.refreshes, confirmed)
	}
}

type crashStats struct {
	kills, passwdKills int
	starts             []time.Duration
}

// crashGrant is what a client knows about one of its grants.
type crashGrant struct {
	access, refresh string // the latest the client received
	lost            string // a refresh token whose rotation answer was lost; the grant then holds it or its successor
}

// crashState is what the clients were told, across all loops.
type crashState struct {
	mu        sync.Mutex
	grants    map[string]*crashGrant // by first access token
	sent      map[string]bool        // broadcast marker → confirmed by a 200
	refreshes int
	errs      []string // refusals of what should have worked
	seq       atomic.Int64
}

type crashClient struct {
	base  string
	admin *admin.Client
	http  *http.Client
	st    *crashState
}

func (c *crashClient) post(path, ctype, body, auth string) (int, []byte, error) {
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// loginLoop writes grants: authorize → approve on the admin socket → token.
func (c *crashClient) loginLoop(ctx context.Context) {
	for ctx.Err() == nil {
		verifier := oauth2.GenerateVerifier()
		u := c.base + "/oauth2/authorize?" + url.Values{"client_id": {"crashdapp"}, "redirect_uri": {dappRedirect},
			"response_type": {"code"}, "scope": {"custom_json:follow offline"}, "state": {"s"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}.Encode()
		locc := make(chan string, 1)
		go func() {
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Sec-Fetch-Mode", "navigate")
			req.Header.Set("Sec-Fetch-Dest", "document")
			resp, err := c.http.Do(req)
			if err != nil {
				locc <- ""
				return
			}
			resp.Body.Close()
			locc <- resp.Header.Get("Location")
		}()
		approved := false
		for !approved && ctx.Err() == nil {
			ps, err := c.admin.Approvals()
			if err != nil {
				break
			}
			for _, p := range ps {
				if c.admin.Approve(p.ID, nil, "alice", false) == nil {
					approved = true
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		loc, _ := url.Parse(<-locc)
		if loc == nil || loc.Query().Get("code") == "" {
			continue
		}
		st, b, err := c.post("/oauth2/token", form, formBody("grant_type", "authorization_code", "code", loc.Query().Get("code"),
			"redirect_uri", dappRedirect, "code_verifier", verifier, "client_id", "crashdapp"), "")
		if err != nil || st != http.StatusOK {
			continue
		}
		var tk tokens
		if json.Unmarshal(b, &tk) != nil || tk.AccessToken == "" || tk.RefreshToken == "" {
			continue
		}
		c.st.mu.Lock()
		c.st.grants[tk.AccessToken] = &crashGrant{access: tk.AccessToken, refresh: tk.RefreshToken}
		c.st.mu.Unlock()
	}
}

// pick returns a grant whose refresh token the client knows for sure.
func (c *crashClient) pick() (key string, g crashGrant, ok bool) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	for k, gr := range c.st.grants {
		if gr.lost == "" {
			return k, *gr, true
		}
	}
	return "", crashGrant{}, false
}

// refreshLoop rotates refresh tokens.
func (c *crashClient) refreshLoop(ctx context.Context) {
	for ctx.Err() == nil {
		key, g, ok := c.pick()
		if !ok {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		st, b, err := c.post("/oauth2/token", form, formBody("grant_type", "refresh_token", "refresh_token", g.refresh, "client_id", "crashdapp"), "")
		var tk tokens
		c.st.mu.Lock()
		gr := c.st.grants[key]
		switch {
		case err == nil && st == http.StatusOK && json.Unmarshal(b, &tk) == nil:
			gr.access, gr.refresh = tk.AccessToken, tk.RefreshToken
			c.st.refreshes++
		case err != nil: // killed in flight: the store holds the old token or its successor
			gr.lost = g.refresh
		case st != http.StatusTooManyRequests:
			c.st.errs = append(c.st.errs, fmt.Sprintf("refresh of a known token refused: %d %s", st, b))
		}
		c.st.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
}

// broadcastLoop sends custom_json operations, each with its own marker.
func (c *crashClient) broadcastLoop(ctx context.Context) {
	for ctx.Err() == nil {
		_, g, ok := c.pick()
		if !ok {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		marker := "m" + strconv.FormatInt(time.Now().UnixNano(), 36) + strconv.FormatInt(c.st.seq.Add(1), 36)
		op := `["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"follow","json":"[\"follow\",{\"follower\":\"alice\",\"following\":\"` + marker + `\",\"what\":[]}]"}]`
		c.st.mu.Lock()
		c.st.sent[marker] = false
		c.st.mu.Unlock()
		st, _, err := c.post("/api/broadcast", "application/json", `{"operations":[`+op+`]}`, g.access)
		if err == nil && st == http.StatusOK {
			c.st.mu.Lock()
			c.st.sent[marker] = true
			c.st.mu.Unlock()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countMarker(d *devnet.Devnet, marker string) int {
	n := 0
	for _, cj := range d.CustomJSONs() {
		if strings.Contains(cj.JSON, `"`+marker+`"`) {
			n++
		}
	}
	return n
}

// checkAfterCrash opens the store and the vault of the dead server.
func checkAfterCrash(t *testing.T, loop int, dir, pass string, nkeys int, st *crashState, d *devnet.Devnet) {
	t.Helper()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("loop %d: the store does not open after kill -9: %v", loop, err)
	}
	defer db.Close()
	// The records open under the vault's key, and a crash never leaves one
	// that fails its check.
	v, err := signer.OpenVault(dir, signer.VaultOptions{KDF: testkit.CheapKDF})
	if err != nil {
		t.Fatalf("loop %d: the vault does not open: %v", loop, err)
	}
	if err := v.Unlock([]byte(pass)); err != nil {
		t.Fatalf("loop %d: unlock: %v", loop, err)
	}
	key, _, err := v.StoreKey()
	v.Lock()
	if err != nil {
		t.Fatalf("loop %d: store key: %v", loop, err)
	}
	if rep, err := db.OpenRecords(key, false); err != nil || len(rep.Rejected) != 0 || rep.OtherKey {
		t.Fatalf("loop %d: records after kill -9: %+v, %v", loop, rep, err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	err = db.View(func(tx authz.Tx) error {
		for _, g := range st.grants {
			want := []string{g.refresh}
			if g.lost != "" {
				want = []string{g.lost} // or its unknown successor: then the grant must still exist
			}
			at, err := tx.Token(authz.DigestOf(g.access))
			if err != nil {
				return fmt.Errorf("access token of a confirmed grant: %w", err)
			}
			if _, err := tx.Grant(at.GrantID); err != nil {
				return fmt.Errorf("confirmed grant %s lost: %w", at.GrantID, err)
			}
			if g.lost != "" {
				continue
			}
			rt, err := tx.Token(authz.DigestOf(want[0]))
			if err != nil || rt.Kind != authz.KindRefresh || rt.GrantID != at.GrantID {
				return fmt.Errorf("latest refresh token of grant %s: %v", at.GrantID, err)
			}
		}
		ev, err := tx.Audit(0)
		if err != nil {
			return err
		}
		for _, e := range ev {
			if e.Type == authz.EventRefreshReuse || e.Type == authz.EventCodeReplay {
				return fmt.Errorf("spurious %s after a crash: %+v", e.Type, e)
			}
			if e.TxID != "" && len(d.TransactionBlocks(e.TxID)) > 1 {
				return fmt.Errorf("transaction %s is in more than one block", e.TxID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("loop %d: %v", loop, err)
	}
	checkVault(t, loop, dir, pass, nkeys)
}

func checkVault(t *testing.T, loop int, dir, pass string, nkeys int) {
	t.Helper()
	v, err := signer.OpenVault(dir, signer.VaultOptions{KDF: testkit.CheapKDF})
	if err != nil {
		t.Fatalf("loop %d: the vault does not open: %v", loop, err)
	}
	if err := v.Unlock([]byte(pass)); err != nil {
		t.Fatalf("loop %d: unlock: %v", loop, err)
	}
	defer v.Lock()
	ks, err := v.List()
	if err != nil || len(ks) != nkeys {
		t.Fatalf("loop %d: %d keys (%v), want %d", loop, len(ks), err, nkeys)
	}
}

// crashPasswd starts "localsigner passwd" and kills it at a random moment,
// then finds which passphrase opens the vault (the old or the new, never
// neither) and checks every key is there. It returns the passphrase now in
// force.
func crashPasswd(t *testing.T, dir, old string, loop, nkeys int, stats *crashStats) string {
	t.Helper()
	next := fmt.Sprintf("passphrase number %d", loop)
	cmd, _ := startChild(t, []string{"passwd", "--data-dir", dir}, "LOCALSIGNER_PASSPHRASE="+old, "LOCALSIGNER_NEW_PASSPHRASE="+next)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done: // finished before the kill
	case <-time.After(time.Duration(10+rand.IntN(110)) * time.Millisecond):
		cmd.Process.Kill()
		<-done
		stats.passwdKills++
	}
	for _, p := range []string{next, old} {
		v, err := signer.OpenVault(dir, signer.VaultOptions{KDF: testkit.CheapKDF})
		if err != nil {
			t.Fatalf("loop %d: the vault does not open after passwd was killed: %v", loop, err)
		}
		err = v.Unlock([]byte(p))
		v.Lock()
		if err == nil {
			checkVault(t, loop, dir, p, nkeys)
			return p
		}
		if !errors.Is(err, signer.ErrWrongPassphrase) {
			t.Fatalf("loop %d: unlock: %v", loop, err)
		}
	}
	t.Fatalf("loop %d: neither the old nor the new passphrase opens the vault", loop)
	return ""
}

// startChild runs the command line in a child process (see TestMain).
// childSetup prepares what a server run as a child process uses: a devnet
// in this process behind a front-end the child dials, and a data directory
// with a vault (cheap KDF) under pass, left unlocked for the caller to
// fill and lock.
func childSetup(t *testing.T, pass string) (*devnet.Devnet, *devnet.Frontend, string, *signer.Vault) {
	t.Helper()
	d, err := devnet.New(devnet.Config{BlockInterval: blockInterval})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	fe, err := d.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A short path: the admin socket's path must stay under ~100 bytes.
	dir, err := os.MkdirTemp("", "lsc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	v, err := signer.OpenVault(dir, signer.VaultOptions{KDF: testkit.CheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Init([]byte(pass)); err != nil {
		t.Fatal(err)
	}
	return d, fe, dir, v
}

func startChild(t *testing.T, args []string, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", childArgs+"="+string(a))
	cmd.Env = append(cmd.Env, env...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

func waitReady(base string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	c := &http.Client{Timeout: time.Second}
	for {
		resp, err := c.Get(base + "/.well-known/oauth-authorization-server")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %v", limit, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}
