package cli

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

	"github.com/99designs/keyring"
)

// TestBackendCommand covers what needs no OS keychain: showing the
// backend, moving to the one in use, bad arguments, and a wrong passphrase,
// which stops a move before the keychain is touched.
func TestBackendCommand(t *testing.T) {
	isolate(t)
	data := filepath.Join(t.TempDir(), "data")
	r := &cliRun{t: t}
	if code, _, errOut := r.run("", "backend", "--data-dir", data); code != 1 || !strings.Contains(errOut, "localsigner init") {
		t.Fatalf("backend without a vault: exit %d: %s", code, errOut)
	}
	t.Setenv(envPassphrase, "the passphrase")
	r.ok("", "init", "--data-dir", data)
	t.Setenv(envDataDir, data)

	if out := r.ok("", "backend"); out != "file\n" {
		t.Fatalf("backend printed %q", out)
	}
	if out := r.ok("", "backend", "file"); !strings.Contains(out, "already uses the file backend") {
		t.Fatalf("backend file printed %q", out)
	}
	for _, args := range [][]string{{"floppy"}, {"file", "keychain"}, {"--bogus"}} {
		if code, _, errOut := r.run("", append([]string{"backend"}, args...)...); code != 2 {
			t.Errorf("backend %v: exit %d, want 2 (usage): %s", args, code, errOut)
		}
	}
	t.Setenv(envPassphrase, "not the passphrase")
	if code, _, errOut := r.run("", "backend", "keychain"); code != 1 || !strings.Contains(errOut, "wrong passphrase") {
		t.Fatalf("backend keychain with a wrong passphrase: exit %d: %s", code, errOut)
	}
	if out := r.ok("", "backend"); out != "file\n" {
		t.Fatalf("after the refused move, backend printed %q", out)
	}
	for _, o := range r.outputs {
		if strings.Contains(o, "the passphrase") {
			t.Fatalf("a passphrase was printed: %q", o)
		}
	}
}

// Environment variables that tell the cli test binary it is a child run by
// the tests below, on a private session bus or on none.
const (
	privateSecretServiceEnv = "LOCALSIGNER_TEST_PRIVATE_SECRET_SERVICE"
	noSessionBusEnv         = "LOCALSIGNER_TEST_NO_SESSION_BUS"
)

// runChild runs test again in a child process (argv0 prefixed), with env
// added, and takes its result: a failure fails, a skip skips.
func runChild(t *testing.T, test string, argv0 []string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append(slices.Clone(argv0), os.Args[0], "-test.run=^"+test+"$", "-test.v", "-test.count=1")
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	switch text := string(out); {
	case err != nil:
		t.Fatalf("%s in a child process: %v\n%s", test, err, text)
	case strings.Contains(text, "--- SKIP"):
		t.Skipf("skipped in the child process:\n%s", text)
	case !strings.Contains(text, "--- PASS: "+test):
		t.Fatalf("%s did not run in the child process:\n%s", test, text)
	}
}

// underPrivateSecretService runs test again on a private session bus
// served by gnome-keyring, whose "localsigner" collection exists unlocked
// (its plain-text file format), so nothing prompts; the same set-up as the
// vault package's keychain tests.
func underPrivateSecretService(t *testing.T, test string) {
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
	const plain = "[keyring]\ndisplay-name=localsigner\nctime=0\nmtime=0\nlock-on-idle=false\nlock-after=false\n"
	if err := os.WriteFile(filepath.Join(data, "keyrings", "localsigner.keyring"), []byte(plain), 0o600); err != nil {
		t.Fatal(err)
	}
	runChild(t, test,
		[]string{"dbus-run-session", "--", "sh", "-c", `gnome-keyring-daemon --start --components=secrets >/dev/null && exec "$0" "$@"`},
		privateSecretServiceEnv+"=1", "HOME="+home, "XDG_DATA_HOME="+data, "XDG_CONFIG_HOME="+config, "XDG_RUNTIME_DIR="+run)
}

// TestBackendCommandSecretService moves a vault to a real Secret Service
// and back with the command, using the keys in between.
func TestBackendCommandSecretService(t *testing.T) {
	if os.Getenv(privateSecretServiceEnv) == "" {
		underPrivateSecretService(t, "TestBackendCommandSecretService")
		return
	}
	ring, err := keyring.Open(keyring.Config{AllowedBackends: []keyring.BackendType{keyring.SecretServiceBackend}, ServiceName: "localsigner"})
	if err != nil {
		t.Skipf("no Secret Service on the session bus: %v", err)
	}
	isolate(t)
	ak := loadAlice(t)
	data := filepath.Join(t.TempDir(), "data")
	t.Setenv(envDataDir, data)
	t.Setenv(envPassphrase, "the passphrase")
	r := &cliRun{t: t}
	r.ok("", "init")
	r.ok(ak[0].Password, "keys", "add", "--chain", "hive", "--account", "alice", "--master-password")

	if out := r.ok("", "backend", "keychain"); !strings.Contains(out, "moved the vault") || !strings.Contains(out, "keychain backend") {
		t.Fatalf("backend keychain printed %q", out)
	}
	if out := r.ok("", "backend"); out != "keychain\n" {
		t.Fatalf("backend printed %q after the move", out)
	}
	if keys, err := ring.Keys(); err != nil || len(keys) != 5 {
		t.Fatalf("Secret Service items: %v, %v; want the header and 4 records", keys, err)
	}
	if files, _ := filepath.Glob(filepath.Join(data, "vault", "gen-*", "items", "*")); len(files) != 0 {
		t.Fatalf("item files left after the move to the keychain: %v", files)
	}
	r.ok("", "keys", "rm", "--chain", "hive", "--account", "alice", "--role", "memo")
	if rows := r.ls(); len(rows) != 3 || rows[0].PublicKey != ak[0].PubSTM {
		t.Fatalf("keys in the keychain: %+v", rows)
	}

	r.ok("", "backend", "file")
	if out := r.ok("", "backend"); out != "file\n" {
		t.Fatalf("backend printed %q after moving back", out)
	}
	if keys, err := ring.Keys(); err != nil || len(keys) != 0 {
		t.Fatalf("Secret Service items left after moving back: %v, %v", keys, err)
	}
	if rows := r.ls(); len(rows) != 3 {
		t.Fatalf("keys back in files: %+v", rows)
	}
}

// TestBackendCommandNoKeychain: with no session bus, moving to the keychain
// fails with a message that says so and that the keys stay in files.
func TestBackendCommandNoKeychain(t *testing.T) {
	if os.Getenv(noSessionBusEnv) == "" {
		if runtime.GOOS != "linux" {
			t.Skip("on other systems the keychain does not depend on a session bus")
		}
		runChild(t, "TestBackendCommandNoKeychain", nil, noSessionBusEnv+"=1",
			"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus"))
		return
	}
	isolate(t)
	t.Setenv(envDataDir, filepath.Join(t.TempDir(), "data"))
	t.Setenv(envPassphrase, "the passphrase")
	r := &cliRun{t: t}
	r.ok("", "init")
	code, _, errOut := r.run("", "backend", "keychain")
	if code != 1 || !strings.Contains(errOut, "OS keychain is not available") || !strings.Contains(errOut, "the keys stay in encrypted files") {
		t.Fatalf("backend keychain without a session bus: exit %d: %s", code, errOut)
	}
	if out := r.ok("", "backend"); out != "file\n" {
		t.Fatalf("backend printed %q", out)
	}
}
