package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"localsigner/approval"

	"localsigner/authz"
	"localsigner/signer"
)

// lockedBuffer is a bytes.Buffer safe for a server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newServeDataDir makes a data directory (short-named under the system
// temp dir, as the admin socket's path must fit; removed when the test
// ends) whose vault, locked with pass, holds alice's devnet keys derived
// from masterPassword, and points $LOCALSIGNER_DATA_DIR at it.
func newServeDataDir(t *testing.T, pass, masterPassword string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ls")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	v, err := signer.OpenVault(dir, cheapVault)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Init([]byte(pass)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddMasterPassword("devnet", "alice", masterPassword); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	t.Setenv(envDataDir, dir)
	return dir
}

// serveRun is 'localsigner serve --headless --devnet' running in-process.
type serveRun struct {
	issuer string        // the authorization server's URL
	log    *lockedBuffer // serve's stderr
	cancel context.CancelFunc
	done   chan int // serve's exit code
}

// startServe runs 'serve --headless --devnet --listen 127.0.0.1:0 args...'
// until cancel (its stand-in for a signal) is called, at the latest when
// the test ends, and waits until serve has printed its issuer.
func startServe(t *testing.T, args ...string) *serveRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	oldSignal := signalContext
	t.Cleanup(func() { signalContext = oldSignal })
	signalContext = func() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }
	s := &serveRun{log: &lockedBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		s.done <- Main(append([]string{"serve", "--headless", "--devnet", "--listen", "127.0.0.1:0"}, args...),
			Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: s.log, VaultOptions: cheapVault})
	}()
	issuerRE := regexp.MustCompile(`issuer=(http://127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(10 * time.Second); s.issuer == ""; time.Sleep(20 * time.Millisecond) {
		if m := issuerRE.FindStringSubmatch(s.log.String()); m != nil {
			s.issuer = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", s.log.String())
		}
	}
	return s
}

// stop cancels serve and fails the test unless it exits with exitOK
// within 15 seconds.
func (s *serveRun) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		if code != exitOK {
			t.Fatalf("serve exited %d:\n%s", code, s.log.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestServeAndAdminCommands runs 'serve --headless --devnet' in-process and
// drives it with the admin commands, as a user at a terminal would.
func TestServeAndAdminCommands(t *testing.T) {
	const pass = "serve test passphrase"
	newServeDataDir(t, pass, "alice master password 1")
	t.Setenv(envPassphrase, "")
	srv := startServe(t, "--locked")
	issuer, serveErr := srv.issuer, srv.log

	var outputs []string
	run := func(want int, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		code := Main(args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, VaultOptions: cheapVault})
		outputs = append(outputs, out.String(), errOut.String())
		if code != want {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, want, out.String(), errOut.String())
		}
		return out.String() + errOut.String()
	}
	// A second instance on the same data directory refuses to start.
	if out := run(exitError, "serve", "--headless", "--listen", "127.0.0.1:0", "--locked"); !strings.Contains(out, "already running") {
		t.Fatalf("second instance: %s", out)
	}
	run(exitUsage, "serve")
	run(exitUsage, "approve")
	run(exitUsage, "approve", "a", "b")

	// While locked, a dapp's sign-in waits; 'approvals' names it and
	// 'refuse' answers it at once.
	waitQ := url.Values{"client_id": {"waitdapp"}, "redirect_uri": {"https://wait.example/cb"}, "response_type": {"code"},
		"scope": {"vote"}, "state": {"s"}, "code_challenge": {authz.S256Challenge(strings.Repeat("w", 43))},
		"code_challenge_method": {"S256"}}
	waited := make(chan int, 1)
	go func() {
		resp, err := http.Get(issuer + "/oauth2/authorize?" + waitQ.Encode())
		if err != nil {
			waited <- 0
			return
		}
		resp.Body.Close()
		waited <- resp.StatusCode
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(run(exitOK, "approvals"), "https://wait.example: sign-in") {
		if time.Now().After(deadline) {
			t.Fatal("approvals never listed the request waiting for the unlock")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out := run(exitOK, "refuse"); !strings.Contains(out, "refused 1 request") {
		t.Fatalf("refuse: %s", out)
	}
	select {
	case st := <-waited:
		if st != http.StatusServiceUnavailable {
			t.Fatalf("the refused sign-in got %d", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the refused sign-in was not answered")
	}

	t.Setenv(envPassphrase, "wrong")
	run(exitError, "unlock")
	t.Setenv(envPassphrase, pass)
	run(exitOK, "unlock")
	t.Setenv(envPassphrase, "")

	// A dapp asks; the user approves a subset from the command line.
	q := url.Values{"client_id": {"mydapp"}, "redirect_uri": {"https://dapp.example/cb"}, "response_type": {"code"},
		"scope": {"vote,comment"}, "state": {"s"}, "code_challenge": {authz.S256Challenge(strings.Repeat("v", 43))},
		"code_challenge_method": {"S256"}}
	loc := make(chan string, 1)
	go func() {
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(issuer + "/oauth2/authorize?" + q.Encode())
		if err != nil {
			loc <- err.Error()
			return
		}
		resp.Body.Close()
		loc <- resp.Header.Get("Location")
	}()
	var pending []approval.Request
	for deadline := time.Now().Add(10 * time.Second); len(pending) == 0; time.Sleep(20 * time.Millisecond) {
		if err := json.Unmarshal([]byte(run(exitOK, "approvals", "--json")), &pending); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("no pending request")
		}
	}
	if table := run(exitOK, "approvals"); !strings.Contains(table, "https://dapp.example") || !strings.Contains(table, pending[0].ID) {
		t.Fatalf("approvals table:\n%s", table)
	}
	run(exitError, "approve", pending[0].ID, "--account", "mallory")
	run(exitOK, "approve", pending[0].ID, "--scopes", "vote", "--account", "alice")
	if got := <-loc; !strings.HasPrefix(got, "https://dapp.example/cb?") || !strings.Contains(got, "code=") {
		t.Fatalf("redirect %q", got)
	}

	var grants []authz.GrantInfo
	json.Unmarshal([]byte(run(exitOK, "grants", "--json")), &grants)
	if len(grants) != 1 || grants[0].ClientID != "mydapp" || grants[0].Scopes.String() != "vote" || grants[0].Chain != "devnet" {
		t.Fatalf("grants %+v", grants)
	}
	run(exitError, "narrow", grants[0].ID, "--scopes", "vote,transfer")
	run(exitUsage, "narrow", grants[0].ID)
	if out := run(exitOK, "narrow", grants[0].ID, "--scopes", "vote"); !strings.Contains(out, "now allows: vote") {
		t.Fatalf("narrow: %s", out)
	}
	if table := run(exitOK, "grants"); !strings.Contains(table, "LAST USE") || !strings.Contains(table, grants[0].ID) {
		t.Fatalf("grants table:\n%s", table)
	}
	var app struct{ ClientID, ClientSecret string }
	out := run(exitOK, "apps", "add", "my bot", "--scopes", "vote,custom_json:follow", "--account", "alice", "--json")
	if err := json.Unmarshal([]byte(out), &struct {
		ClientID     *string `json:"client_id"`
		ClientSecret *string `json:"client_secret"`
	}{&app.ClientID, &app.ClientSecret}); err != nil || !strings.HasPrefix(app.ClientSecret, authz.PrefixSecret) {
		t.Fatalf("apps add: %s", out)
	}
	run(exitError, "apps", "add", "owner bot", "--scopes", "change_recovery_account")
	if ls := run(exitOK, "apps", "ls"); !strings.Contains(ls, app.ClientID) || strings.Contains(ls, app.ClientSecret) {
		t.Fatalf("apps ls:\n%s", ls)
	}
	run(exitOK, "apps", "rm", app.ClientID)
	if out := run(exitOK, "revoke", "mydapp"); !strings.Contains(out, "revoked 1") {
		t.Fatalf("revoke: %s", out)
	}
	run(exitOK, "lock")
	var events []authz.Event
	json.Unmarshal([]byte(run(exitOK, "log", "--json", "-n", "0")), &events)
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, ","); got != "unlock_failed,unlocked,approved,grant_narrowed,app_added,app_removed,client_revoked,locked" {
		t.Fatalf("log: %s", got)
	}
	run(exitOK, "log")

	srv.stop(t)
	if out := run(exitError, "approvals"); !strings.Contains(out, "not running") {
		t.Fatalf("after stop: %s", out)
	}
	for _, o := range append(outputs, serveErr.String()) {
		if strings.Contains(o, pass) {
			t.Fatal("the passphrase appeared in the output")
		}
	}
}
