package vault

import (
	"testing"
	"time"
)

// BenchmarkUnlockDefaultKDF measures an unlock as users pay it: Argon2id
// with DefaultKDF plus decrypting four keys. Recorded in BENCHMARKS.md.
func BenchmarkUnlockDefaultKDF(b *testing.B) {
	dir := b.TempDir()
	v, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := v.Init(passA); err != nil {
		b.Fatal(err)
	}
	if _, err := v.AddMasterPassword("hive", "alice", aliceKeys(b)[0].Password); err != nil {
		b.Fatal(err)
	}
	v.Lock()
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Unlock(passA); err != nil {
			b.Fatal(err)
		}
		v.Lock()
	}
}

// TestDefaultKDF runs the production parameters once, end to end, and checks
// they are what the header records.
func TestDefaultKDF(t *testing.T) {
	if testing.Short() {
		t.Skip("256 MiB Argon2")
	}
	t.Parallel() // mostly waiting on Argon2: overlap it with the other tests
	dir := t.TempDir()
	v, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Init(passA); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	start := time.Now()
	if err := v.Unlock(passA); err != nil {
		t.Fatal(err)
	}
	t.Logf("unlock with %+v took %s", DefaultKDF, time.Since(start))
	h, err := v.readHeader()
	if err != nil {
		t.Fatal(err)
	}
	if h.kdf != DefaultKDF {
		t.Fatalf("header KDF %+v, want %+v", h.kdf, DefaultKDF)
	}
	v.Lock()
}
