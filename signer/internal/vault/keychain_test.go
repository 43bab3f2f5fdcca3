package vault

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"localsigner/internal/keychaintest"
)

// These tests run the keychain backend against the real Linux keychain, a
// Secret Service (gnome-keyring), never the one of whoever runs them: each
// runs itself again in a child process under dbus-run-session, on a private
// session bus, with HOME and the XDG directories in a temporary directory.
// keyring decides at process start whether a session bus exists, which is
// why it takes a new process.

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
	if !keychaintest.InPrivateChild(t) {
		keychaintest.UnderSecretService(t, "TestMoveSecretService", keychainService)
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
	if !keychaintest.InNoBusChild() {
		keychaintest.WithoutSessionBus(t, "TestKeychainUnavailable")
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
