package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"localsigner/cli"
	"localsigner/examples/dapp"
	"localsigner/internal/testkit"
	"localsigner/localapi/admin"
	"localsigner/signer"
	"localsigner/signer/devnet"
)

// TestDappLoginApprovedInRealWindow is the dapp story with the real
// desktop app: the localsigner binary runs with --devnet under the test's
// X display (make test provides Xvfb), headless Chromium opens the example
// dapp and logs in, and the approval is given by clicking Approve in the
// app's own approval window with xdotool. The page then publishes a post
// and votes on it; the vote is read back from the devnet's JSON-RPC.
// Screenshots of the page and of the X screen are in
// artifacts/e2e/TestDappLoginApprovedInRealWindow.
func TestDappLoginApprovedInRealWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the real app; skipped with -short")
	}
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no X display (make test runs the tests under Xvfb)")
	}
	for _, tool := range []string{"xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh window installs it)", tool)
		}
	}
	chromiumPath(t) // skips without Chromium, before the slow parts
	began := time.Now()

	// The real binary (the cgo build is cached between runs).
	bin := filepath.Join(t.TempDir(), "localsigner")
	build := exec.Command(goCommand(), "build", "-o", bin, "localsigner")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built in %v", time.Since(began).Round(time.Millisecond))

	// A vault with alice's devnet keys, made with the command line
	// in-process (cheap KDF). A short path: the admin socket's path must
	// stay under ~100 bytes.
	dir, err := os.MkdirTemp("", "ls-win")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Setenv("LOCALSIGNER_PASSPHRASE", vaultPassphrase)
	runCLI(t, "", "init", "--data-dir", dir)
	runCLI(t, devnet.DefaultPassword+"\n", "keys", "add", "--data-dir", dir, "--chain", "devnet", "--account", "alice", "--master-password")

	// The app, with its embedded devnet.
	listen := strings.TrimPrefix(closedPort(t), "http://")
	app := startApp(t, bin, "--devnet", "--listen", listen, "--data-dir", dir)
	adm := admin.NewClient(dir)
	waitFor(t, "the admin channel", 30*time.Second, func() bool { _, err := adm.Status(); return err == nil })
	if err := adm.Unlock([]byte(vaultPassphrase)); err != nil {
		t.Fatalf("unlock: %v\n%s", err, app.log.String())
	}
	signerURL := "http://" + listen
	var chainURL, dappURL string
	waitFor(t, "the devnet and the example dapp", 20*time.Second, func() bool {
		log := app.log.String()
		if m := regexp.MustCompile(`msg="devnet running" url=(\S+)`).FindStringSubmatch(log); m != nil {
			// The devnet answers HTTP POSTs on its WebSocket's address.
			chainURL = strings.Replace(m[1], "ws://", "http://", 1)
		}
		if m := regexp.MustCompile(`Example dapp: open (\S+)`).FindStringSubmatch(log); m != nil {
			if u, err := url.Parse(m[1]); err == nil {
				dappURL = u.Scheme + "://" + u.Host // it names its signer itself; the test does too
			}
		}
		return chainURL != "" && (dappURL != "" || strings.Contains(log, "example dapp not served"))
	})
	if dappURL == "" {
		// 127.0.0.1:7780 is taken (another Localsigner, another test):
		// serve the same example on a free port instead.
		t.Logf("the app could not serve its example dapp; serving it here")
		site := httptest.NewServer(dapp.Handler(dapp.Options{}))
		t.Cleanup(site.Close)
		dappURL = site.URL
	}
	t.Logf("signer %s, devnet %s, dapp %s", signerURL, chainURL, dappURL)

	shots, err := filepath.Abs(filepath.Join(artifactsRelPath, t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	b := startBrowser(t) // (re)creates the artifacts directory
	b.Goto(dappURL + "/?" + url.Values{"signer": {signerURL}}.Encode())
	b.WaitState(`body[data-ready="true"]`, "attached")
	if got := b.Text("#signer-url"); got != signerURL {
		t.Fatalf("page shows signer %q, want %q", got, signerURL)
	}
	b.Shot("dapp before login")

	// Log in: the browser waits while the approval window is open.
	b.Click("#login")
	win := xWindow(t, app, "^Approve access")
	time.Sleep(500 * time.Millisecond)
	xShot(t, "root", filepath.Join(shots, "x-approval-window.png"))
	xClickApprove(t, win, func() bool {
		ps, err := adm.Approvals()
		return err == nil && len(ps) == 0
	})
	b.WaitText("#account", "@alice")
	if text := b.Text("#account-box"); !strings.Contains(text, "Logged in as @alice") {
		t.Fatalf("the page shows %q", text)
	}
	b.Shot("logged in")
	xShot(t, "root", filepath.Join(shots, "x-after-approval.png"))

	// Publish a post, then vote on it (Publish points the vote form at it).
	b.Click("#post")
	b.WaitText("#results", "Post")
	b.Click("#vote")
	b.WaitText("#results", "Vote")
	b.Shot("voted")
	id := txOfLastResult(t, b)
	var permlink string
	b.Eval(`document.getElementById('vote-permlink').value`, &permlink)
	if !strings.HasPrefix(permlink, "hello-from-the-example-") {
		t.Fatalf("vote form permlink %q", permlink)
	}

	// The devnet, asked over its JSON-RPC, has the vote in a block.
	var block int
	waitFor(t, "the vote in a block", 15*time.Second, func() bool {
		var tx struct {
			BlockNum   int `json:"block_num"`
			Operations []json.RawMessage
		}
		if rpc(chainURL, "condenser_api.get_transaction", []any{id}, &tx) != nil || tx.BlockNum == 0 {
			return false
		}
		block = tx.BlockNum
		return len(tx.Operations) == 1 && strings.Contains(string(tx.Operations[0]), `"vote"`)
	})
	var blk struct {
		TransactionIDs []string `json:"transaction_ids"`
	}
	if err := rpc(chainURL, "condenser_api.get_block", []any{block}, &blk); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(blk.TransactionIDs, ","), id) {
		t.Fatalf("block %d lists %v, not %s", block, blk.TransactionIDs, id)
	}
	var votes []struct {
		Voter   string `json:"voter"`
		Percent int    `json:"percent"`
	}
	if err := rpc(chainURL, "condenser_api.get_active_votes", []any{"alice", permlink}, &votes); err != nil {
		t.Fatal(err)
	}
	if len(votes) != 1 || votes[0].Voter != "alice" || votes[0].Percent != 10000 {
		t.Fatalf("votes on @alice/%s: %+v", permlink, votes)
	}
	t.Logf("vote %s in block %d; %v in all", id, block, time.Since(began).Round(time.Millisecond))
}

// app is the real binary, running.
type app struct {
	cmd *exec.Cmd
	log *testkit.SyncBuffer // its stdout and stderr
}

// startApp starts the binary with args; it is killed, by its handle, when
// the test ends.
func startApp(t *testing.T, bin string, args ...string) *app {
	t.Helper()
	a := &app{cmd: exec.Command(bin, args...), log: &testkit.SyncBuffer{}}
	a.cmd.Stdout, a.cmd.Stderr = a.log, a.log
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.cmd.Process.Kill()
		a.cmd.Wait()
		if t.Failed() {
			t.Logf("app log:\n%s", a.log.String())
		}
	})
	return a
}

// runCLI runs a localsigner command in-process with a cheap KDF.
func runCLI(t *testing.T, stdin string, args ...string) {
	t.Helper()
	var out bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &out,
		VaultOptions: signer.VaultOptions{KDF: signer.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}}
	if code := cli.Main(args, env); code != 0 {
		t.Fatalf("localsigner %s: exit %d\n%s", strings.Join(args, " "), code, out.String())
	}
}

// xWindow waits for a visible window whose title matches the regexp.
func xWindow(t *testing.T, a *app, title string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", title).Output()
		if ids := strings.Fields(string(out)); err == nil && len(ids) > 0 {
			return ids[len(ids)-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no window %q after 30 s; app log:\n%s", title, a.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func xdotool(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("xdotool", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// xClickApprove clicks the button at the bottom right of the approval
// window until done reports the decision was taken, as TestDesktopAppUnderX
// does: the first click may only give the window the focus, and the window
// ignores its buttons for a second after it appears.
func xClickApprove(t *testing.T, win string, done func() bool) {
	t.Helper()
	var w, h int
	for _, l := range strings.Fields(xdotool(t, "getwindowgeometry", "--shell", win)) {
		if v, ok := strings.CutPrefix(l, "WIDTH="); ok {
			w, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(l, "HEIGHT="); ok {
			h, _ = strconv.Atoi(v)
		}
	}
	xdotool(t, "windowfocus", "--sync", win)
	for try := 0; try < 5; try++ {
		time.Sleep(1300 * time.Millisecond)
		xdotool(t, "mousemove", "--window", win, strconv.Itoa(w-60), strconv.Itoa(h-28), "click", "1")
		for i := 0; i < 20; i++ {
			if done() {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Fatal("clicking Approve did not decide the request")
}

// xShot saves a screenshot of an X window ("root" for the whole screen),
// failing on a blank one.
func xShot(t *testing.T, win, path string) { t.Helper(); testkit.XShot(t, win, path) }

// rpc calls a devnet JSON-RPC method and decodes its result into out.
func rpc(base, method string, params, out any) error {
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Post(base, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("%s: %w in %s", method, err, raw)
	}
	if len(r.Error) > 0 && string(r.Error) != "null" {
		return fmt.Errorf("%s: %s", method, r.Error)
	}
	return json.Unmarshal(r.Result, out)
}

// goCommand finds the go command: on PATH, else where make puts it.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}
