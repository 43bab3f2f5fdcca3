// Package keychaintest runs tests against a real Linux keychain (a Secret
// Service served by gnome-keyring), never the one of whoever runs them, and
// against no session bus at all.
//
// github.com/99designs/keyring decides at process start whether a session
// bus exists, so each such test runs itself again in a child process: under
// dbus-run-session on a private bus, with HOME and the XDG directories in a
// temporary directory, or with DBUS_SESSION_BUS_ADDRESS pointing nowhere.
// The vault's and the command line's keychain tests share it.
package keychaintest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// Environment variables that tell the test binary it is such a child.
const (
	privateEnv = "LOCALSIGNER_TEST_PRIVATE_SECRET_SERVICE" // on a private bus with gnome-keyring
	noBusEnv   = "LOCALSIGNER_TEST_NO_SESSION_BUS"         // on no bus at all
)

// InPrivateChild reports whether this process is the child UnderSecretService
// started; anywhere else a test must not touch the keychain.
func InPrivateChild(t testing.TB) bool {
	t.Helper()
	if os.Getenv(privateEnv) == "" {
		return false
	}
	if !strings.Contains(os.Getenv("DBUS_SESSION_BUS_ADDRESS"), "unix:") {
		t.Fatal("no private session bus in the child process")
	}
	return true
}

// InNoBusChild reports whether this process is the child WithoutSessionBus
// started.
func InNoBusChild() bool { return os.Getenv(noBusEnv) != "" }

// UnderSecretService runs test (a test name of this binary) again in a
// child process on a private session bus served by gnome-keyring, whose
// collection service exists unlocked, and reports the child's result as
// t's. It skips where there is no Secret Service to start
// (scripts/deps.sh keychain installs one).
func UnderSecretService(t *testing.T, test, service string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service is the Linux keychain")
	}
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no Secret Service to test against: %s is not installed (scripts/deps.sh keychain installs it)", tool)
		}
	}
	home := t.TempDir()
	data, config, run := filepath.Join(home, "data"), filepath.Join(home, "config"), filepath.Join(home, "run")
	for _, d := range []string{filepath.Join(data, "keyrings"), config, run} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// gnome-keyring creates a collection only after asking for its password
	// in a prompt window; seeded with a collection without a password, in
	// its plain-text file format, the daemon has it unlocked and never
	// prompts.
	plain := "[keyring]\ndisplay-name=" + service + "\nctime=0\nmtime=0\nlock-on-idle=false\nlock-after=false\n"
	if err := os.WriteFile(filepath.Join(data, "keyrings", service+".keyring"), []byte(plain), 0o600); err != nil {
		t.Fatal(err)
	}
	// gnome-keyring-daemon --start returns once the daemon serves the bus;
	// it ends with the bus, which ends with the child.
	runChild(t, test,
		[]string{"dbus-run-session", "--", "sh", "-c", `gnome-keyring-daemon --start --components=secrets >/dev/null && exec "$0" "$@"`},
		privateEnv+"=1", "HOME="+home, "XDG_DATA_HOME="+data, "XDG_CONFIG_HOME="+config, "XDG_RUNTIME_DIR="+run)
}

// WithoutSessionBus runs test again in a child process whose session bus
// address leads nowhere, and reports the child's result as t's. It skips
// off Linux, where the keychain does not depend on a session bus.
func WithoutSessionBus(t *testing.T, test string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("on other systems the keychain does not depend on a session bus")
	}
	runChild(t, test, nil, noBusEnv+"=1", "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus"))
}

// runChild runs test of this binary again in a child process, started
// through argv0 (a wrapper command, or none) with env added, and reports
// its result as t's: a failure fails, a skip skips with the child's reason.
func runChild(t *testing.T, test string, argv0 []string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append(slices.Clone(argv0), os.Args[0], "-test.run=^"+test+"$", "-test.v", "-test.count=1")
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	text := string(out)
	switch {
	case err != nil:
		t.Fatalf("%s in a child process: %v\n%s", test, err, text)
	case strings.Contains(text, "--- SKIP"):
		t.Skipf("skipped in the child process:\n%s", text)
	case !strings.Contains(text, "--- PASS: "+test):
		t.Fatalf("%s did not run in the child process:\n%s", test, text)
	}
	t.Logf("child process:\n%s", text)
}
