package store_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"localsigner/store"
)

func TestInstanceKeyCreatedOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	gen := func() ([]byte, error) { calls++; return bytes.Repeat([]byte{byte(calls)}, 32), nil }
	k1, err := db.InstanceKey(gen)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := db.InstanceKey(gen)
	if err != nil || !bytes.Equal(k1, k2) || calls != 1 {
		t.Fatalf("second call: %x %v, %d generations", k2, err, calls)
	}
	db.Close()
	db, err = store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	k3, err := db.InstanceKey(gen)
	if err != nil || !bytes.Equal(k1, k3) || calls != 1 {
		t.Fatalf("after reopening: %x %v", k3, err)
	}
	boom := errors.New("no randomness")
	other, _ := store.Open(filepath.Join(t.TempDir(), "data"), store.Options{})
	defer other.Close()
	if _, err := other.InstanceKey(func() ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("generator failure: %v", err)
	}
}
