package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"localsigner/internal/npmtest"
	"localsigner/internal/testkit"
)

// The JavaScript peers, pinned, installed from npm into a directory under
// the system temp dir that later runs reuse.
const (
	nodeDirName      = "localsigner-e2e-node"
	playwrightCore   = "playwright-core@1.65.1"
	oauth4webapi     = "oauth4webapi@3.8.8"
	hivesignerSDK    = "hivesigner@3.3.5"
	commandTimeout   = 60 * time.Second
	artifactsRelPath = "../artifacts/e2e"
)

// chromiumArgs are the launch flags for a machine without network:
// Playwright adds --headless itself.
var chromiumArgs = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
	"--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"}

// nodeModules installs (once per machine) the npm packages the tests use
// and returns their directory.
func nodeModules(t *testing.T) string {
	t.Helper()
	return npmtest.Install(t, nodeDirName, playwrightCore, oauth4webapi, hivesignerSDK)
}

// chromiumPath finds Debian's chromium (LOCALSIGNER_CHROMIUM overrides).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LOCALSIGNER_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (scripts/deps.sh browser installs it; make test does)")
	}
	return p
}

// browser is one headless Chromium with a fresh profile, driven through
// testdata/driver.js, seen from one test: its methods fail that test on
// error, after saving a screenshot of the page as it was. in gives the same
// browser to a subtest.
type browser struct {
	*driver
	t *testing.T
}

// driver is the running driver process; not safe for concurrent use.
type driver struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	answers chan answer
	next    int
	shots   string // artifacts directory of the test
	step    int
	closed  bool
}

// in returns the browser failing t (a subtest) instead.
func (b *browser) in(t *testing.T) *browser { return &browser{driver: b.driver, t: t} }

type answer struct {
	ID     int             `json:"id"`
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

// consoleEntry is something the page logged, a page error, or a failed
// request.
type consoleEntry struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	exe := chromiumPath(t)
	dir := nodeModules(t)
	script, err := filepath.Abs(filepath.Join("testdata", "driver.js"))
	if err != nil {
		t.Fatal(err)
	}
	shots, err := filepath.Abs(filepath.Join(artifactsRelPath, t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(shots)
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]any{"executablePath": exe, "userDataDir": t.TempDir(), "args": chromiumArgs})
	cmd := exec.Command("node", script, string(cfg))
	cmd.Dir = dir
	// Playwright's own temporary files go where the test cleans up.
	cmd.Env = append(npmtest.Env(dir), "TMPDIR="+t.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &testkit.SyncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &browser{driver: &driver{cmd: cmd, stdin: stdin, answers: make(chan answer, 1), shots: shots}, t: t}
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		defer close(b.answers)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var a answer
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Logf("driver printed %q", sc.Text())
				continue
			}
			b.answers <- a
		}
	}()
	t.Cleanup(func() {
		b.close()
		// The driver closes Chromium on "close" or when stdin ends, and
		// Chromium exits when the driver's pipe to it closes. Only if that
		// hangs is the driver killed, by its handle.
		done := make(chan error, 1)
		go func() { readers.Wait(); done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Log("browser driver did not exit; killing it")
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() && stderr.String() != "" {
			t.Logf("driver stderr:\n%s", stderr.String())
		}
	})
	select {
	case a, ok := <-b.answers:
		if !ok || !a.OK {
			t.Fatalf("start Chromium (%s): %s\n%s", exe, a.Error, stderr.String())
		}
		var version string
		json.Unmarshal(a.Result, &version)
		t.Logf("Chromium %s, screenshots in %s", version, shots)
	case <-time.After(commandTimeout):
		t.Fatalf("Chromium did not start within %s\n%s", commandTimeout, stderr.String())
	}
	return b
}

// call sends one command and returns its answer.
func (b *driver) call(cmd string, args map[string]any) (json.RawMessage, error) {
	if b.closed {
		return nil, fmt.Errorf("browser closed")
	}
	b.next++
	msg, _ := json.Marshal(map[string]any{"id": b.next, "cmd": cmd, "args": args})
	if _, err := b.stdin.Write(append(msg, '\n')); err != nil {
		return nil, fmt.Errorf("send %s: %w", cmd, err)
	}
	select {
	case a, ok := <-b.answers:
		if !ok {
			return nil, fmt.Errorf("%s: the browser driver exited", cmd)
		}
		if a.ID != b.next {
			return nil, fmt.Errorf("%s: answer %d to command %d", cmd, a.ID, b.next)
		}
		if !a.OK {
			return nil, fmt.Errorf("%s: %s", cmd, a.Error)
		}
		return a.Result, nil
	case <-time.After(commandTimeout):
		return nil, fmt.Errorf("%s: no answer within %s", cmd, commandTimeout)
	}
}

// must is call that fails the test, keeping a screenshot and the page's
// console for the post-mortem.
func (b *browser) must(cmd string, args map[string]any) json.RawMessage {
	b.t.Helper()
	res, err := b.call(cmd, args)
	if err != nil {
		path := filepath.Join(b.shots, "failure-"+unsafeName.ReplaceAllString(strings.ToLower(b.t.Name()), "-")+".png")
		if _, serr := b.call("screenshot", map[string]any{"path": path}); serr == nil {
			b.t.Logf("screenshot of the failure: %s", path)
		}
		if raw, cerr := b.call("console", nil); cerr == nil {
			b.t.Logf("page console: %s", raw)
		}
		b.t.Fatal(err)
	}
	return res
}

func (b *browser) str(raw json.RawMessage) string {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		b.t.Fatalf("driver answered %s, want a string", raw)
	}
	return s
}

// Goto opens url and waits for the page to load.
func (b *browser) Goto(url string) { b.t.Helper(); b.must("goto", map[string]any{"url": url}) }

// Click clicks selector like a user; it does not wait for what follows.
func (b *browser) Click(sel string) { b.t.Helper(); b.must("click", map[string]any{"selector": sel}) }

// Fill types value into the input sel.
func (b *browser) Fill(sel, value string) {
	b.t.Helper()
	b.must("fill", map[string]any{"selector": sel, "value": value})
}

// Wait waits until sel is visible.
func (b *browser) Wait(sel string) { b.t.Helper(); b.must("wait", map[string]any{"selector": sel}) }

// WaitState waits until sel is attached, detached, visible or hidden.
func (b *browser) WaitState(sel, state string) {
	b.t.Helper()
	b.must("wait", map[string]any{"selector": sel, "state": state})
}

// WaitText waits until sel is visible and contains text; returns its text.
func (b *browser) WaitText(sel, text string) string {
	b.t.Helper()
	return b.str(b.must("waitText", map[string]any{"selector": sel, "text": text}))
}

// WaitURL waits for a page whose URL starts with prefix to load.
func (b *browser) WaitURL(prefix string) string {
	b.t.Helper()
	return b.str(b.must("waitURL", map[string]any{"prefix": prefix}))
}

// Text returns sel's text.
func (b *browser) Text(sel string) string {
	b.t.Helper()
	return b.str(b.must("text", map[string]any{"selector": sel}))
}

// Visible reports whether sel is visible now.
func (b *browser) Visible(sel string) bool {
	b.t.Helper()
	var v bool
	json.Unmarshal(b.must("visible", map[string]any{"selector": sel}), &v)
	return v
}

// Eval evaluates a JavaScript expression in the page into out.
func (b *browser) Eval(expr string, out any) {
	b.t.Helper()
	raw := b.must("eval", map[string]any{"expression": expr})
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("eval %s: %v in %s", expr, err, raw)
		}
	}
}

// URL is the page's current address.
func (b *browser) URL() string { b.t.Helper(); return b.str(b.must("url", nil)) }

// Console returns what the page logged since the last call.
func (b *browser) Console() []consoleEntry {
	b.t.Helper()
	var out []consoleEntry
	json.Unmarshal(b.must("console", nil), &out)
	return out
}

var unsafeName = regexp.MustCompile(`[^a-z0-9-]+`)

// Shot saves a screenshot of the page as the next numbered step.
func (b *browser) Shot(name string) string {
	b.t.Helper()
	b.step++
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.step, unsafeName.ReplaceAllString(strings.ToLower(name), "-")))
	b.must("screenshot", map[string]any{"path": path})
	return path
}

// close shuts the browser down (idempotent).
func (b *driver) close() {
	if b.closed {
		return
	}
	b.call("close", nil)
	b.closed = true
	b.stdin.Close()
}
