package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorruptHeader damages the header in several ways: each must give a
// *CorruptError naming the file, leave every byte as it was, and not count
// as a wrong passphrase.
func TestCorruptHeader(t *testing.T) {
	tests := []struct {
		name string
		// damage returns the new header file content, given the old one
		// and the vault to write inner bytes through keyring.
		damage func(t *testing.T, v *Vault, file []byte) []byte
	}{
		{"truncated file", func(t *testing.T, v *Vault, file []byte) []byte { return file[:len(file)/2] }},
		{"empty file", func(t *testing.T, v *Vault, file []byte) []byte { return nil }},
		{"flipped file byte", func(t *testing.T, v *Vault, file []byte) []byte {
			b := bytes.Clone(file)
			b[len(b)/2] ^= 'A' ^ 'B'
			return b
		}},
		{"truncated inner header", func(t *testing.T, v *Vault, _ []byte) []byte {
			return rewriteInner(t, v, headerName, func(b []byte) []byte { return b[:headerLen-1] })
		}},
		{"flipped inner byte", func(t *testing.T, v *Vault, _ []byte) []byte {
			// In the sealed data key: without the checksum this would read
			// as a wrong passphrase.
			return rewriteInner(t, v, headerName, func(b []byte) []byte { b[headerPrefix+nonceLen+3] ^= 1; return b })
		}},
		{"absurd KDF memory", func(t *testing.T, v *Vault, _ []byte) []byte {
			return rewriteInner(t, v, headerName, func(b []byte) []byte {
				h, _ := parseHeader(b)
				h.kdf.MemoryKiB = 1 << 31
				return h.marshal()
			})
		}},
		{"future version", func(t *testing.T, v *Vault, _ []byte) []byte {
			return rewriteInner(t, v, headerName, func(b []byte) []byte { b[4] = 2; return b })
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, dir := newTestVault(t)
			if _, err := v.AddWIF("hive", "alice", "posting", aliceKeys(t)[2].WIF); err != nil {
				t.Fatal(err)
			}
			v.Lock()
			path := v.store.where(headerName)
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tc.damage(t, v, orig), 0o600); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, dir)
			v2 := openTest(t, dir)
			for range 4 { // more than the free attempts: no backoff may build up
				err = v2.Unlock(passA)
				var ce *CorruptError
				if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) || ce.Path != path || !strings.Contains(err.Error(), path) {
					t.Fatalf("Unlock: %v; want a *CorruptError naming %s", err, path)
				}
			}
			if err := v2.ChangePassphrase(passA, passB); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ChangePassphrase: %v", err)
			}
			if err := v2.Init(passB); err == nil {
				t.Fatal("Init over a corrupt header succeeded")
			}
			after := snapshot(t, dir)
			for rel, b := range before {
				if !bytes.Equal(after[rel], b) {
					t.Errorf("%s changed", rel)
				}
			}
			if len(after) != len(before) {
				t.Errorf("files %v became %v", keysOf(before), keysOf(after))
			}
		})
	}
}

// rewriteInner rewrites an item's inner bytes (inside keyring's JWE) through
// the store, as a bug or bit rot below the JWE layer would leave them.
func rewriteInner(t *testing.T, v *Vault, name string, f func([]byte) []byte) []byte {
	t.Helper()
	b, err := v.store.get(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.store.put(name, f(b)); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(v.store.where(name))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCorruptRecord damages one record: the vault still unlocks, reports the
// file by Damaged, signs with the others, and leaves the bytes alone.
func TestCorruptRecord(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, v *Vault, path string, names []string)
	}{
		{"truncated file", func(t *testing.T, v *Vault, path string, _ []string) {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, b[:len(b)-7], 0o600)
		}},
		{"empty file", func(t *testing.T, v *Vault, path string, _ []string) { os.WriteFile(path, nil, 0o600) }},
		{"truncated record", func(t *testing.T, v *Vault, path string, names []string) {
			rewriteInner(t, v, filepath.Base(path), func(b []byte) []byte { return b[:40] })
		}},
		{"flipped ciphertext", func(t *testing.T, v *Vault, path string, names []string) {
			rewriteInner(t, v, filepath.Base(path), func(b []byte) []byte { b[60] ^= 1; return b })
		}},
		{"moved under another identity's name", func(t *testing.T, v *Vault, path string, names []string) {
			// Overwrite owner's record with posting's: each is valid alone.
			other := filepath.Join(filepath.Dir(path), names[1])
			b, _ := os.ReadFile(other)
			os.WriteFile(path, b, 0o600)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, dir := newTestVault(t)
			ak := aliceKeys(t)
			if _, err := v.AddMasterPassword("hive", "alice", ak[0].Password); err != nil {
				t.Fatal(err)
			}
			owner := v.sub.itemName(identity{"hive", "alice", "owner"})
			posting := v.sub.itemName(identity{"hive", "alice", "posting"})
			path := v.store.where(owner)
			tc.damage(t, v, path, []string{owner, posting})
			v.Lock()
			before := snapshot(t, dir)

			v2 := openTest(t, dir)
			if err := v2.Unlock(passA); err != nil {
				t.Fatalf("Unlock: %v", err)
			}
			d := v2.Damaged()
			var ce *CorruptError
			if len(d) != 1 || !errors.As(d[0], &ce) || ce.Path != path || !errors.Is(d[0], ErrCorrupt) {
				t.Fatalf("Damaged = %v, want one *CorruptError for %s", d, path)
			}
			list, _ := v2.List()
			if len(list) != 3 {
				t.Fatalf("%d readable keys, want 3", len(list))
			}
			if _, err := v2.Sign("hive", "alice", "owner", [32]byte{}); !errors.Is(err, ErrNoKey) {
				t.Fatalf("Sign with the damaged key: %v", err)
			}
			if _, err := v2.Sign("hive", "alice", "posting", [32]byte{}); err != nil {
				t.Fatalf("Sign with a sound key: %v", err)
			}
			// A record that cannot be read cannot be re-encrypted: the
			// passphrase change refuses, naming it, and writes nothing.
			err := v2.ChangePassphrase(passA, passB)
			if !errors.As(err, &ce) || ce.Path != path || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ChangePassphrase with a damaged record: %v; want a *CorruptError for %s", err, path)
			}
			after := snapshot(t, dir)
			for rel, b := range before {
				if !bytes.Equal(after[rel], b) {
					t.Errorf("%s changed", rel)
				}
			}
			if len(after) != len(before) {
				t.Errorf("files %v became %v", keysOf(before), keysOf(after))
			}
			// Naming the identity removes even the damaged record.
			if err := v2.Remove("hive", "alice", "owner"); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("damaged record not removed: %v", err)
			}
			// Then the change goes through, with the three others.
			if err := v2.ChangePassphrase(passA, passB); err != nil {
				t.Fatal(err)
			}
			v2.Lock()
			if err := v2.Unlock(passB); err != nil {
				t.Fatal(err)
			}
			if list, _ := v2.List(); len(list) != 3 || len(v2.Damaged()) != 0 {
				t.Fatalf("after the change: %d keys, damaged %v", len(list), v2.Damaged())
			}
		})
	}
}

// TestForeignFilesIgnored: a file with a name the vault never writes is
// neither read nor reported.
func TestForeignFilesIgnored(t *testing.T) {
	v, dir := newTestVault(t)
	os.WriteFile(v.store.where(".DS_Store"), []byte("junk"), 0o644)
	v.Lock()
	v2 := openTest(t, dir)
	if err := v2.Unlock(passA); err != nil || len(v2.Damaged()) != 0 {
		t.Fatalf("Unlock = %v, damaged %v", err, v2.Damaged())
	}
}
