package vault

import (
	"errors"
	"sync"
	"testing"

	"localsigner/signer/internal/privkey"
)

// TestSharedSecret: the vault's ECDH equals the key's own, follows Sign's
// locking and lookup errors, and runs concurrently with Lock and Unlock
// (run with -race).
func TestSharedSecret(t *testing.T) {
	v, _ := newTestVault(t)
	ak := aliceKeys(t)
	if _, err := v.AddMasterPassword("hive", "alice", ak[0].Password); err != nil {
		t.Fatal(err)
	}
	peer, err := privkey.FromSeed("localsigner memo peer")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := privkey.FromLogin("alice", "memo", ak[0].Password)
	if err != nil {
		t.Fatal(err)
	}
	wantS, wantL, err := mine.SharedSecret(peer.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	s, l, err := v.SharedSecret("hive", "alice", "memo", peer.PublicKey())
	if err != nil || s != wantS || l != wantL {
		t.Fatalf("SharedSecret: err %v, equal %v %v", err, s == wantS, l == wantL)
	}

	for _, tc := range []struct {
		name, chain, account, role string
		want                       error
	}{
		{"no key for the account", "hive", "bobby", "memo", ErrNoKey},
		{"no key on the chain", "peerplays", "alice", "memo", ErrNoKey},
		{"bad role", "hive", "alice", "admin", ErrInvalidRole},
		{"bad chain", "eos", "alice", "memo", ErrUnknownChain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := v.SharedSecret(tc.chain, tc.account, tc.role, peer.PublicKey()); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 4 {
		wg.Go(func() {
			for range 20 {
				got, _, err := v.SharedSecret("hive", "alice", "memo", peer.PublicKey())
				if errors.Is(err, ErrLocked) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				if got != wantS {
					errs <- errors.New("secret changed across lock and unlock")
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			v.Lock()
			if err := v.Unlock(passA); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	v.Lock()
	if _, _, err := v.SharedSecret("hive", "alice", "memo", peer.PublicKey()); !errors.Is(err, ErrLocked) {
		t.Fatalf("locked: %v, want ErrLocked", err)
	}
}
