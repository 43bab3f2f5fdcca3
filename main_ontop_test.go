package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestPromptKeptAboveByWindowManager runs the real binary on an X server
// of its own with a real EWMH window manager (openbox) and checks that the
// approval window asks to stay above the others (_NET_WM_STATE_ABOVE, as
// the window manager records it) while the main window does not: a browser
// window must not be able to cover the question.
func TestPromptKeptAboveByWindowManager(t *testing.T) {
	for _, tool := range []string{"Xvfb", "openbox", "xprop"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh window installs it)", tool)
		}
	}
	if testing.Short() {
		t.Skip("starts an X server, a window manager and the real app; skipped with -short")
	}
	display := startXServer(t)
	t.Setenv("DISPLAY", display)
	startWindowManager(t, display)

	const pass = "on top passphrase: amber kestrel quarry violet"
	x := newXApp(t, pass, "--devnet")
	x.cli("", "init")
	x.cli("localsigner-devnet\n", "keys", "add", "--chain", "devnet", "--account", "alice", "--master-password")
	x.start()
	main := x.window("^Localsigner$")
	x.cli("", "unlock")

	conf := &oauth2.Config{ClientID: "ontop-dapp", RedirectURL: "https://dapp.example/callback", Scopes: []string{"vote"},
		Endpoint: oauth2.Endpoint{AuthURL: "http://" + x.listen + "/oauth2/authorize", TokenURL: "http://" + x.listen + "/oauth2/token"}}
	navigate(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	approval := x.window("^Approve access")
	state := func(win string) string {
		out, err := exec.Command("xprop", "-id", win, "_NET_WM_STATE").CombinedOutput()
		if err != nil {
			t.Fatalf("xprop: %v\n%s", err, out)
		}
		return string(out)
	}
	waitFor(t, "_NET_WM_STATE_ABOVE on the approval window", func() bool {
		return strings.Contains(state(approval), "_NET_WM_STATE_ABOVE")
	})
	if s := state(main); strings.Contains(s, "_NET_WM_STATE_ABOVE") {
		t.Fatalf("the main window is kept above too: %s", s)
	}
	x.shot(approval, "6-approval-above")
}

// ownDisplay is the display startXServer last started.
var ownDisplay string

// startXServer starts an Xvfb of the test's own on a free display and
// returns its name (":N").
func startXServer(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	// SIGTERM lets Xvfb remove its lock and socket, so the next test's
	// server does not meet a stale display of the same number.
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb did not report its display")
		}
		d := ":" + n
		// Ready means a client can connect: wait for that, not just the
		// number, before the app is started on it.
		for deadline := time.Now().Add(10 * time.Second); exec.Command("xprop", "-display", d, "-root", "-len", "1").Run() != nil; {
			if time.Now().After(deadline) {
				t.Fatalf("Xvfb reported display %s but takes no connection", d)
			}
			time.Sleep(50 * time.Millisecond)
		}
		ownDisplay = d
		return ownDisplay
	case <-time.After(20 * time.Second):
		t.Fatal("Xvfb did not start in 20 s")
	}
	return ""
}

// startWindowManager starts openbox on display and waits until it manages
// the screen (_NET_SUPPORTING_WM_CHECK on the root window). On a loaded
// machine openbox has been seen to stop before it got there: it is
// started again, up to three times, and its output is shown on failure.
func startWindowManager(t *testing.T, display string) {
	t.Helper()
	managed := func() bool {
		out, _ := exec.Command("xprop", "-root", "_NET_SUPPORTING_WM_CHECK").Output()
		return strings.Contains(string(out), "window id")
	}
	var logs strings.Builder
	for try := 1; try <= 3; try++ {
		wm := exec.Command("openbox", "--sm-disable")
		wm.Env = append(os.Environ(), "DISPLAY="+display)
		wm.Stdout, wm.Stderr = &logs, &logs
		if err := wm.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { wm.Wait(); close(exited) }()
		t.Cleanup(func() { wm.Process.Kill(); <-exited })
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if managed() {
				return
			}
			select {
			case <-exited:
				deadline = time.Now() // it stopped: start it again
			case <-time.After(50 * time.Millisecond):
			}
		}
		wm.Process.Kill()
	}
	t.Fatalf("openbox did not manage the screen after three starts:\n%s", logs.String())
}
