package signer

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"localsigner/internal/vectors"
	"localsigner/signer/internal/privkey"
	"localsigner/signer/keys"
)

// fakeChain is a hand-written AccountKeys returning fixed on-chain keys.
type fakeChain map[string][]keys.PublicKey

func (f fakeChain) AccountKeys(_ context.Context, chain, account string) (map[string][]keys.PublicKey, error) {
	if account != "alice" {
		return nil, errors.New("unknown account")
	}
	return f, nil
}

var _ AccountKeys = fakeChain(nil)

func TestVaultFacade(t *testing.T) {
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	password := kv.Login[0].Password
	v, err := OpenVault(t.TempDir(), VaultOptions{KDF: KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Lock()
	if v.Backend() != VaultBackendFile {
		t.Fatalf("default backend %q", v.Backend())
	}
	if err := v.Unlock([]byte("pw")); !errors.Is(err, ErrNotInitialized) {
		t.Fatalf("Unlock before Init: %v", err)
	}
	if err := v.Init([]byte("pw")); err != nil {
		t.Fatal(err)
	}
	infos, err := v.AddMasterPassword("hive", "alice", password)
	if err != nil || len(infos) != 4 {
		t.Fatalf("AddMasterPassword: %v, %d keys", err, len(infos))
	}

	// On chain, posting was changed to another key; the others match.
	other, _ := privkey.FromSeed("some other key")
	onChain := fakeChain{}
	for _, k := range infos {
		onChain[k.Role] = []keys.PublicKey{k.PublicKey}
	}
	onChain["posting"] = []keys.PublicKey{other.PublicKey()}
	mm, err := v.CheckAccount(context.Background(), onChain, "hive", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(mm) != 1 || mm[0].Role != "posting" || mm[0].OnChain[0] != other.PublicKey() {
		t.Fatalf("mismatches = %v", mm)
	}
	if _, err := v.CheckAccount(context.Background(), onChain, "hive", "bobby"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("CheckAccount without keys: %v", err)
	}

	digest := [32]byte{1, 2, 3}
	sig, err := v.Sign("hive", "alice", "active", digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Verify(infos[1].PublicKey, digest, sig); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if _, err := v.Sign("hive", "alice", "active", digest); !errors.Is(err, ErrLocked) {
		t.Fatalf("Sign when locked: %v", err)
	}
	if _, err := OpenVault(t.TempDir(), VaultOptions{Backend: "floppy"}); err == nil {
		t.Fatal("unknown backend accepted")
	}
}

// TestVaultMoveToBackendRefusals covers what the facade can check without
// an OS keychain (the moves themselves are tested in the internal vault
// package, against a keychain stand-in and a real Secret Service): moving
// where the vault is does nothing, and a wrong passphrase or an unknown
// backend moves nothing.
func TestVaultMoveToBackendRefusals(t *testing.T) {
	v, err := OpenVault(t.TempDir(), VaultOptions{KDF: KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Lock()
	if err := v.Init([]byte("pw")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, backend, pass string
		want                error
	}{
		{"same backend", VaultBackendFile, "not even checked", nil},
		{"wrong passphrase", VaultBackendKeychain, "wrong", ErrWrongPassphrase},
		{"empty passphrase", VaultBackendKeychain, "", ErrEmptyPassphrase},
	} {
		t.Run(tc.name, func(t *testing.T) {
			progressed := false
			err := v.MoveToBackend(tc.backend, []byte(tc.pass), func(int, int) { progressed = true })
			if !errors.Is(err, tc.want) || tc.want == nil && err != nil {
				t.Fatalf("MoveToBackend: %v, want %v", err, tc.want)
			}
			if progressed || v.Backend() != VaultBackendFile {
				t.Fatalf("moved: progress %v, backend %s", progressed, v.Backend())
			}
		})
	}
	if err := v.MoveToBackend("floppy", []byte("pw"), nil); err == nil {
		t.Fatal("unknown backend accepted")
	}
}

// Unlocking gives the key derivation's memory back to the OS before it
// returns: a headless server must not keep the Argon2id work area (256 MiB
// with the default factors) after every unlock. 64 MiB here, for speed.
func TestUnlockReturnsKDFMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("derives a 64 MiB key")
	}
	dir := t.TempDir()
	kdf := KDFParams{MemoryKiB: 64 << 10, Time: 1, Threads: 1}
	v, err := OpenVault(dir, VaultOptions{KDF: kdf})
	if err != nil {
		t.Fatal(err)
	}
	pass := []byte("a long enough test passphrase")
	if err := v.Init(pass); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if err := v.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	defer v.Lock()
	var kept uint64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if kept = m.HeapIdle - m.HeapReleased; kept <= 16<<20 || time.Now().After(deadline) {
			break
		}
	}
	if kept > 16<<20 {
		t.Fatalf("%d MiB of idle heap kept from the OS 5 s after Unlock, want the KDF's 64 MiB given back", kept>>20)
	}
}
