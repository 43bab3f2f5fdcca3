package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/99designs/keyring"

	"localsigner/internal/keychaintest"
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
	t.Setenv(envPassphrase, "quiet lantern orbit tundra")
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

// TestBackendCommandSecretService moves a vault to a real Secret Service
// and back with the command, using the keys in between.
func TestBackendCommandSecretService(t *testing.T) {
	if !keychaintest.InPrivateChild(t) {
		keychaintest.UnderSecretService(t, "TestBackendCommandSecretService", "localsigner")
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
	t.Setenv(envPassphrase, "quiet lantern orbit tundra")
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
	if !keychaintest.InNoBusChild() {
		keychaintest.WithoutSessionBus(t, "TestBackendCommandNoKeychain")
		return
	}
	isolate(t)
	t.Setenv(envDataDir, filepath.Join(t.TempDir(), "data"))
	t.Setenv(envPassphrase, "quiet lantern orbit tundra")
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
