package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestDesktopAppUnderX runs the real binary on an X display (make test
// provides Xvfb), walks through its screens, and approves a dapp's
// authorization request in the real approval window with xdotool: the dapp
// must receive a code that the token endpoint accepts. It saves a
// screenshot of each screen in artifacts/screenshots.
func TestDesktopAppUnderX(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real app; skipped with -short")
	}
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no X display (make test runs the tests under Xvfb)")
	}
	for _, tool := range []string{"xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh window installs it)", tool)
		}
	}
	shots, err := filepath.Abs(filepath.Join("artifacts", "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "localsigner")
	build := exec.Command(goTool(), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A short path: the admin socket's path must stay under ~100 bytes.
	data, err := os.MkdirTemp("", "lsx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(data) })
	const pass = "e2e passphrase: quiet lantern orbit tundra"
	env := append(os.Environ(), "LOCALSIGNER_DATA_DIR="+data, "LOCALSIGNER_PASSPHRASE="+pass)
	listen := freeAddr(t)
	x := &xapp{t: t, bin: bin, env: env, listen: listen, shots: shots, log: filepath.Join(tmp, "app.log")}

	// 1. First run: no vault yet.
	x.start()
	main := x.window("^Localsigner$")
	t.Logf("first frame after %v", x.firstFrame)
	x.shot(main, "1-first-run")
	x.stop()

	// 2. A vault with two devnet accounts, made with the command line.
	x.cli("", "init")
	for _, a := range []string{"alice", "bob"} {
		x.cli("localsigner-devnet\n", "keys", "add", "--chain", "devnet", "--account", a, "--master-password")
	}

	// 3. Locked at start; unlocked from the command line, the window follows.
	x.start()
	main = x.window("^Localsigner$")
	time.Sleep(300 * time.Millisecond)
	x.shot(main, "2-unlock")
	x.cli("", "unlock")
	time.Sleep(1500 * time.Millisecond) // the window checks every second
	x.shot(main, "3-accounts")

	// 4. A dapp asks; the approval window answers.
	conf := &oauth2.Config{ClientID: "e2e-dapp", RedirectURL: "https://dapp.example/callback",
		Scopes:   []string{"login", "vote", "custom_json:follow", "transfer"},
		Endpoint: oauth2.Endpoint{AuthURL: "http://" + listen + "/oauth2/authorize", TokenURL: "http://" + listen + "/oauth2/token"}}
	verifier := oauth2.GenerateVerifier()
	redirect := navigate(conf.AuthCodeURL("e2e-state", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("account", "alice")))
	approval := x.window("^Approve access")
	time.Sleep(500 * time.Millisecond)
	x.shot(approval, "4-approval")
	loc := x.approve(approval, redirect)
	q := loc.Query()
	if q.Get("code") == "" || q.Get("state") != "e2e-state" || q.Get("username") != "alice" {
		t.Fatalf("the dapp was sent to %s", loc)
	}
	tok, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("the code does not buy a token: %v", err)
	}
	if s := tok.Extra("scope"); s != "custom_json:follow login transfer vote" {
		t.Fatalf("granted %q", s)
	}

	// 5. A transfer needs the active key: the confirmation window shows
	// it, and Sign and send puts it on the devnet.
	sent := broadcast(tok.AccessToken, "http://"+listen,
		`[["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"e2e"}]]`)
	confirm := x.window("^Confirm transaction")
	time.Sleep(500 * time.Millisecond)
	x.shot(confirm, "5-confirm")
	x.click(confirm, func() bool {
		select {
		case r := <-sent:
			if r.err != nil {
				t.Fatal(r.err)
			}
			if !strings.Contains(r.body, `"id":"`) {
				t.Fatalf("broadcast answered %s", r.body)
			}
			return true
		case <-time.After(3 * time.Second):
			return false
		}
	})

	// 6. The other tabs, reached with Ctrl+2 … Ctrl+4 once a click in
	// the header (on no widget) has given the window the keyboard.
	x.xdotool("windowfocus", "--sync", main)
	x.xdotool("mousemove", "--window", main, "400", "12", "click", "1")
	for i, name := range []string{"6-apps", "7-activity", "8-settings"} {
		x.xdotool("key", "ctrl+"+strconv.Itoa(i+2))
		time.Sleep(400 * time.Millisecond)
		x.shot(main, name)
	}
	x.stop()
}

// xapp drives the real binary under X.
type xapp struct {
	t          *testing.T
	bin        string
	env        []string
	listen     string
	shots      string
	log        string
	cmd        *exec.Cmd
	started    time.Time
	firstFrame time.Duration
}

func (x *xapp) start() {
	x.t.Helper()
	f, err := os.OpenFile(x.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		x.t.Fatal(err)
	}
	x.cmd = exec.Command(x.bin, "--devnet", "--listen", x.listen)
	x.cmd.Env = x.env
	x.cmd.Stdout, x.cmd.Stderr = f, f
	x.started = time.Now()
	if err := x.cmd.Start(); err != nil {
		x.t.Fatal(err)
	}
	cmd := x.cmd
	x.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		f.Close()
	})
}

func (x *xapp) stop() {
	x.t.Helper()
	x.cmd.Process.Kill()
	x.cmd.Wait()
}

// window waits for a visible window whose title matches the regexp.
func (x *xapp) window(title string) string {
	x.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", title).Output()
		if ids := strings.Fields(string(out)); err == nil && len(ids) > 0 {
			if x.firstFrame == 0 {
				x.firstFrame = time.Since(x.started)
			}
			return ids[len(ids)-1]
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(x.log)
			x.t.Fatalf("no window %q after 30 s; app log:\n%s", title, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (x *xapp) shot(win, name string) {
	x.t.Helper()
	path := filepath.Join(x.shots, name+".png")
	if out, err := exec.Command("import", "-window", win, path).CombinedOutput(); err != nil {
		x.t.Errorf("screenshot %s: %v\n%s", name, err, out)
		return
	}
	x.t.Logf("screenshot %s", path)
}

func (x *xapp) xdotool(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("xdotool", args...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("xdotool %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// cli runs a localsigner command with stdin.
func (x *xapp) cli(stdin string, args ...string) {
	x.t.Helper()
	cmd := exec.Command(x.bin, args...)
	cmd.Env = x.env
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		x.t.Fatalf("localsigner %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// approve clicks Approve and returns where the dapp's browser is sent.
func (x *xapp) approve(win string, redirect <-chan result) *url.URL {
	x.t.Helper()
	var loc *url.URL
	x.click(win, func() bool {
		select {
		case r := <-redirect:
			if r.err != nil {
				x.t.Fatal(r.err)
			}
			loc = r.loc
			return true
		case <-time.After(time.Second):
			return false
		}
	})
	return loc
}

// click presses the button at the bottom right of a decision window
// (Approve, Sign and send) until done reports the answer arrived. The
// first click may only give the window the focus, and the window ignores
// the button for a second after that.
func (x *xapp) click(win string, done func() bool) {
	x.t.Helper()
	geo := x.xdotool("getwindowgeometry", "--shell", win)
	var w, h int
	for _, l := range strings.Fields(geo) {
		if v, ok := strings.CutPrefix(l, "WIDTH="); ok {
			w, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(l, "HEIGHT="); ok {
			h, _ = strconv.Atoi(v)
		}
	}
	x.xdotool("windowfocus", "--sync", win)
	for try := 0; try < 5; try++ {
		time.Sleep(1300 * time.Millisecond)
		x.xdotool("mousemove", "--window", win, strconv.Itoa(w-60), strconv.Itoa(h-28), "click", "1")
		if done() {
			return
		}
	}
	x.t.Fatal("clicking the button did not answer the dapp")
}

type result struct {
	loc  *url.URL
	body string
	err  error
}

// broadcast posts operations to the dapp API with the access token, as
// the dapp's page does, and reports the answer.
func broadcast(token, base, ops string) <-chan result {
	ch := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/broadcast", strings.NewReader(`{"operations":`+ops+`}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			ch <- result{err: fmt.Errorf("broadcast answered %s: %s", resp.Status, b)}
			return
		}
		ch <- result{body: string(b)}
	}()
	return ch
}

// navigate opens authURL as a browser's top-level navigation would and
// reports where the answer redirects.
func navigate(authURL string) <-chan result {
	ch := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, authURL, nil)
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "document")
		c := &http.Client{Timeout: 2 * time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			ch <- result{err: err}
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			ch <- result{err: fmt.Errorf("authorize answered %s", resp.Status)}
			return
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		ch <- result{loc: loc, err: err}
	}()
	return ch
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// goTool finds the go command: on PATH, else where make puts it.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}
