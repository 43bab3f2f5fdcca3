package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"localsigner/hiveauth"
	"localsigner/signer"
)

// TestSessionFile: HiveAuth sessions round-trip through the file only with
// the vault open; the file shows no session key or account; a file changed
// by one byte, or from another vault, is refused whole; a locked vault
// reads nothing.
func TestSessionFile(t *testing.T) {
	dir := t.TempDir()
	v, err := signer.OpenVault(dir, signer.VaultOptions{KDF: signer.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Init([]byte("a passphrase for the test")); err != nil {
		t.Fatal(err)
	}
	f := sessionFile{path: filepath.Join(dir, SessionsFile), vault: v}
	if s, err := f.Load(); err != nil || len(s) != 0 {
		t.Fatalf("no file: %v %v", s, err)
	}
	want := []hiveauth.Session{{Account: "alice", Key: "9d1e6c7a-secret-session-key", ClientID: "hiveauth-01", App: "A dapp",
		Token: "lsa_secret", Expire: 1e13, Nonce: 42, Relay: "wss://relay.example"}}
	if err := f.Save(want); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"secret", "alice", "lsa_", "relay"} {
		if strings.Contains(string(raw), leak) {
			t.Fatalf("the file shows %q", leak)
		}
	}
	got, err := f.Load()
	if err != nil || len(got) != 1 || got[0] != want[0] {
		t.Fatalf("loaded %+v, %v", got, err)
	}

	v.Lock()
	if _, err := f.Load(); !errors.Is(err, signer.ErrLocked) {
		t.Fatalf("locked: %v", err)
	}
	if err := v.Unlock([]byte("a passphrase for the test")); err != nil {
		t.Fatal(err)
	}

	raw[len(raw)/2] ^= 1
	if err := os.WriteFile(f.path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := f.Load(); err == nil {
		t.Fatalf("a changed file loaded: %+v", s)
	}

	other := t.TempDir()
	v2, err := signer.OpenVault(other, signer.VaultOptions{KDF: signer.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v2.Init([]byte("another passphrase here")); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(want); err != nil {
		t.Fatal(err)
	}
	if s, err := (sessionFile{path: f.path, vault: v2}).Load(); err == nil {
		t.Fatalf("another vault's key opened the file: %+v", s)
	}
}
