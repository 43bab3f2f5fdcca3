package vault

import (
	"bytes"
	"os"
	"testing"
)

// The store key survives lock, reopen, passphrase change and backend-less
// moves, is never listed as a key, and cannot be reached through the
// chain/account/role calls.
func TestStoreKey(t *testing.T) {
	v, dir := newTestVault(t)
	if _, _, err := (openTest(t, t.TempDir())).StoreKey(); err == nil {
		t.Fatal("StoreKey on a locked, empty vault succeeded")
	}
	k1, fresh, err := v.StoreKey()
	if err != nil || !fresh || len(k1) != 32 {
		t.Fatalf("first StoreKey = %x, fresh %v, %v; want 32 bytes, fresh", k1, fresh, err)
	}
	k2, fresh, err := v.StoreKey()
	if err != nil || fresh || !bytes.Equal(k1, k2) {
		t.Fatalf("second StoreKey = %x, fresh %v, %v; want the same key, not fresh", k2, fresh, err)
	}
	if list, err := v.List(); err != nil || len(list) != 0 {
		t.Fatalf("List = %v, %v; the seal record is not a key", list, err)
	}
	for _, role := range []string{"seal", ""} {
		if err := v.Remove("localsigner", "localsigner", role); err == nil {
			t.Fatalf("Remove(localsigner, localsigner, %q) succeeded", role)
		}
	}

	v.Lock()
	if _, _, err := v.StoreKey(); err == nil {
		t.Fatal("StoreKey while locked succeeded")
	}
	v2 := openTest(t, dir)
	if err := v2.Unlock(passA); err != nil {
		t.Fatal(err)
	}
	if k, fresh, err := v2.StoreKey(); err != nil || fresh || !bytes.Equal(k, k1) {
		t.Fatalf("after reopening: %x, fresh %v, %v; want the first key", k, fresh, err)
	}
	if err := v2.ChangePassphrase(passA, passB); err != nil {
		t.Fatal(err)
	}
	if k, _, err := v2.StoreKey(); err != nil || !bytes.Equal(k, k1) {
		t.Fatalf("after a passphrase change: %x, %v; want the first key", k, err)
	}
	v2.Lock()
	v3 := openTest(t, dir)
	if err := v3.Unlock(passB); err != nil {
		t.Fatal(err)
	}
	if k, _, err := v3.StoreKey(); err != nil || !bytes.Equal(k, k1) {
		t.Fatalf("reopened after the change: %x, %v; want the first key", k, err)
	}
}

// A vault whose seal record cannot be read gets a new key, but not a fresh
// one: the store must not adopt unsealed records then.
func TestStoreKeyDamagedVault(t *testing.T) {
	v, dir := newTestVault(t)
	k1, _, err := v.StoreKey()
	if err != nil {
		t.Fatal(err)
	}
	path := v.store.where(v.sub.itemName(sealIdentity))
	v.Lock()
	if err := os.WriteFile(path, []byte("damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	v2 := openTest(t, dir)
	if err := v2.Unlock(passA); err != nil {
		t.Fatal(err)
	}
	if len(v2.Damaged()) != 1 {
		t.Fatalf("Damaged = %v, want the seal record", v2.Damaged())
	}
	k2, fresh, err := v2.StoreKey()
	if err != nil || fresh || bytes.Equal(k1, k2) {
		t.Fatalf("StoreKey on a damaged vault = %x, fresh %v, %v; want a new key, not fresh", k2, fresh, err)
	}
}
