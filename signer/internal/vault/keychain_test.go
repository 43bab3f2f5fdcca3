package vault

import (
	"context"
	"errors"
	"fmt"
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

// These tests run the keychain backend against the real Linux keychain, a
// Secret Service (gnome-keyring), never the one of whoever runs them: each
// runs itself again in a child process under dbus-run-session, on a private
// session bus, with HOME and the XDG directories in a temporary directory.
// keyring decides at process start whether a session bus exists, which is
// why it takes a new process.

// Environment variables that tell the test binary it is such a child.
const (
	privateSecretServiceEnv = "LOCALSIGNER_TEST_PRIVATE_SECRET_SERVICE" // on a private bus with gnome-keyring
	noSessionBusEnv         = "LOCALSIGNER_TEST_NO_SESSION_BUS"         // on no bus at all
)

// plainKeyring is a gnome-keyring collection named "localsigner" without a
// password, in gnome-keyring's plain-text file format. gnome-keyring
// creates a collection only after asking for its password in a prompt
// window; seeded with this file, the daemon has it already, unlocked, and
// never prompts.
const plainKeyring = "[keyring]\ndisplay-name=" + keychainService + "\nctime=0\nmtime=0\nlock-on-idle=false\nlock-after=false\n"

// runChild runs test (a -test.run pattern) of this binary again in a child
// process with env added, and reports its result as this test's: a failure
// fails, a skip skips with the child's reason.
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

// underPrivateSecretService runs test again in a child process on a
// private session bus served by gnome-keyring, or skips if this machine
// lacks either (scripts/deps.sh keychain installs them).
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
	if err := os.WriteFile(filepath.Join(data, "keyrings", keychainService+".keyring"), []byte(plainKeyring), 0o600); err != nil {
		t.Fatal(err)
	}
	// gnome-keyring-daemon --start returns once the daemon serves the bus;
	// it ends with the bus, which ends with the child.
	runChild(t, test,
		[]string{"dbus-run-session", "--", "sh", "-c", `gnome-keyring-daemon --start --components=secrets >/dev/null && exec "$0" "$@"`},
		privateSecretServiceEnv+"=1", "HOME="+home, "XDG_DATA_HOME="+data, "XDG_CONFIG_HOME="+config, "XDG_RUNTIME_DIR="+run)
}

// inPrivateChild reports whether this process is the child that
// underPrivateSecretService starts; anywhere else the tests below must not
// touch the keychain.
func inPrivateChild(t *testing.T) bool {
	t.Helper()
	if os.Getenv(privateSecretServiceEnv) == "" {
		return false
	}
	if !strings.Contains(os.Getenv("DBUS_SESSION_BUS_ADDRESS"), "unix:") {
		t.Fatal("no private session bus in the child process")
	}
	return true
}

// secretServiceRing opens the collection the vault uses, to look at it
// from outside the vault. It skips if no Secret Service is on the session
// bus.
func secretServiceRing(t *testing.T) keyring.Keyring {
	t.Helper()
	ring, err := keyring.Open(keyring.Config{AllowedBackends: []keyring.BackendType{keyring.SecretServiceBackend}, ServiceName: keychainService})
	if err != nil {
		t.Skipf("no Secret Service on the session bus: %v", err)
	}
	return ring
}

// ringKeys lists the keychain items of generation gen.
func ringKeys(t *testing.T, ring keyring.Keyring, gen string) []string {
	t.Helper()
	keys, err := ring.Keys()
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(keys, func(k string) bool { return !strings.HasPrefix(k, gen+".") })
}

// TestMoveSecretService moves a vault from its files into a real Secret
// Service and back, restarting in between, and crashes one move after the
// switch and another before it: the keys are always in one place, and
// what the other holds is deleted.
func TestMoveSecretService(t *testing.T) {
	if !inPrivateChild(t) {
		underPrivateSecretService(t, "TestMoveSecretService")
		return
	}
	ring := secretServiceRing(t)
	dir, _ := populatedCopy(t)
	v, err := Open(dir, Options{KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Lock()
	want := unlockedList(t, v)
	fileGen := v.live

	start := time.Now()
	if err := v.MoveTo(BackendKeychain, passA, nil); err != nil {
		t.Fatalf("move to the Secret Service: %v", err)
	}
	t.Logf("moved 5 items into the Secret Service in %s", time.Since(start))
	if keys := ringKeys(t, ring, v.live); len(keys) != 5 {
		t.Fatalf("Secret Service items of %s: %v, want 5", v.live, keys)
	}
	if _, err := os.Stat(filepath.Join(dir, "vault", fileGen)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the file copy is left: %v", err)
	}
	if _, err := v.AddWIF("hive", "alice", "posting", aliceKeys(t)[2].WIF); err != nil {
		t.Fatalf("AddWIF into the Secret Service: %v", err)
	}

	// A restart finds the vault in the keychain.
	v2, err := Open(dir, Options{KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Lock()
	if v2.Backend() != BackendKeychain {
		t.Fatalf("reopened: backend %s", v2.Backend())
	}
	if list := unlockedList(t, v2); fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("reopened: keys %v", list)
	}
	keychainGen := v2.live

	// Back to files, crashing after the switch: the restart deletes the
	// keychain copy.
	v2.hook = func(s string) error {
		if s == "flipped" {
			return errCrash
		}
		return nil
	}
	if err := v2.MoveTo(BackendFile, passA, nil); !errors.Is(err, errCrash) {
		t.Fatalf("MoveTo: %v", err)
	}
	if keys := ringKeys(t, ring, keychainGen); len(keys) != 5 {
		t.Fatalf("the keychain copy went before the restart: %v", keys)
	}
	v3, err := Open(dir, Options{KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer v3.Lock()
	if v3.Backend() != BackendFile {
		t.Fatalf("after the crash: backend %s", v3.Backend())
	}
	if keys := ringKeys(t, ring, keychainGen); len(keys) != 0 {
		t.Fatalf("the keychain copy is left after the restart: %v", keys)
	}
	if list := unlockedList(t, v3); fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("keys %v", list)
	}

	// To the keychain again, crashing halfway through the copy: the
	// restart keeps the files and deletes the partial copy.
	v3.hook = func(s string) error {
		if s == "copied 3" {
			return errCrash
		}
		return nil
	}
	if err := v3.MoveTo(BackendKeychain, passA, nil); !errors.Is(err, errCrash) {
		t.Fatalf("MoveTo: %v", err)
	}
	note, err := readMoveNote(filepath.Join(dir, "vault"))
	if err != nil {
		t.Fatal(err)
	}
	if keys := ringKeys(t, ring, note.to.gen); len(keys) != 3 {
		t.Fatalf("partial copy: %v, want 3 items", keys)
	}
	v4, err := Open(dir, Options{KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer v4.Lock()
	if keys, _ := ring.Keys(); v4.Backend() != BackendFile || len(keys) != 0 {
		t.Fatalf("after the crash: backend %s, keychain items %v", v4.Backend(), keys)
	}
	if list := unlockedList(t, v4); fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("keys %v", list)
	}
}

// TestKeychainUnavailable: with no session bus at all, opening a keychain
// vault and moving a vault to the keychain both fail with
// ErrKeychainUnavailable, and the move leaves the vault in its files.
func TestKeychainUnavailable(t *testing.T) {
	if os.Getenv(noSessionBusEnv) == "" {
		if runtime.GOOS != "linux" {
			t.Skip("on other systems the keychain does not depend on a session bus")
		}
		runChild(t, "TestKeychainUnavailable", nil, noSessionBusEnv+"=1",
			"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus"))
		return
	}
	if _, err := Open(t.TempDir(), Options{KDF: cheapKDF, Backend: BackendKeychain}); !errors.Is(err, ErrKeychainUnavailable) {
		t.Fatalf("Open with the keychain backend and no session bus: %v", err)
	}
	dir, _ := populatedCopy(t)
	v := openTest(t, dir)
	if err := v.MoveTo(BackendKeychain, passA, nil); !errors.Is(err, ErrKeychainUnavailable) {
		t.Fatalf("MoveTo the keychain with no session bus: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "vault", moveFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a move note was written: %v", err)
	}
	if got, list := reopen(t, dir); got != "A" || len(list) != 4 {
		t.Fatalf("after the refused move: passphrase %q, %d keys", got, len(list))
	}
}
