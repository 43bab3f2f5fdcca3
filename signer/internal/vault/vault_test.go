package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"localsigner/signer/keys"
)

func TestRoundTrip(t *testing.T) {
	v, dir := newTestVault(t)
	ak := aliceKeys(t)

	// Posting by WIF on hive; every role by master password on peerplays.
	info, err := v.AddWIF("hive", "alice", "posting", ak[2].WIF)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.PublicKey.Format("STM"); got != ak[2].PubSTM {
		t.Fatalf("AddWIF public key %s, want %s", got, ak[2].PubSTM)
	}
	infos, err := v.AddMasterPassword("peerplays", "alice", ak[0].Password)
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range infos {
		if in.Role != ak[i].Role || in.PublicKey.Format("STM") != ak[i].PubSTM {
			t.Errorf("master password role %s: %s, want %s %s", in.Role, in.PublicKey.Format("STM"), ak[i].Role, ak[i].PubSTM)
		}
	}

	check := func(v *Vault) {
		t.Helper()
		list, err := v.List()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, k := range list {
			got = append(got, fmt.Sprintf("%s/%s/%s/%s", k.Chain, k.Account, k.Role, k.PublicKey.Format("STM")))
		}
		want := []string{"hive/alice/posting/" + ak[2].PubSTM}
		for _, k := range ak {
			want = append(want, "peerplays/alice/"+k.Role+"/"+k.PubSTM)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("List:\n got %v\nwant %v", got, want)
		}
		digest := sha256.Sum256([]byte("round trip"))
		for _, c := range []struct{ chain, role string }{{"hive", "posting"}, {"peerplays", "owner"}, {"peerplays", "memo"}} {
			sig, err := v.Sign(c.chain, "alice", c.role, digest)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := v.PublicKey(c.chain, "alice", c.role)
			if err != nil {
				t.Fatal(err)
			}
			if err := keys.Verify(pub, digest, sig); err != nil {
				t.Errorf("%s %s: signature does not verify: %v", c.chain, c.role, err)
			}
		}
		if _, err := v.Sign("hive", "alice", "active", digest); !errors.Is(err, ErrNoKey) {
			t.Errorf("Sign without key: %v, want ErrNoKey", err)
		}
	}
	check(v)

	// Lock, unlock in place; then reopen as a new process would.
	v.Lock()
	if !v.Locked() {
		t.Fatal("Locked() false after Lock")
	}
	if err := v.Unlock(passA); err != nil {
		t.Fatal(err)
	}
	check(v)
	v2 := openTest(t, dir)
	if !v2.Locked() {
		t.Fatal("a freshly opened vault must be locked")
	}
	if err := v2.Unlock(passA); err != nil {
		t.Fatal(err)
	}
	check(v2)
	if d := v2.Damaged(); len(d) != 0 {
		t.Fatalf("Damaged: %v", d)
	}
}

func TestReplaceAndRemove(t *testing.T) {
	v, dir := newTestVault(t)
	ak := aliceKeys(t)
	if _, err := v.AddMasterPassword("hive", "alice", ak[0].Password); err != nil {
		t.Fatal(err)
	}
	// Replacing posting with another key keeps one record per role.
	if _, err := v.AddWIF("hive", "alice", "posting", ak[3].WIF); err != nil {
		t.Fatal(err)
	}
	pub, _ := v.PublicKey("hive", "alice", "posting")
	if pub.Format("STM") != ak[3].PubSTM {
		t.Fatalf("posting not replaced")
	}
	if err := v.Remove("hive", "alice", "owner"); err != nil {
		t.Fatal(err)
	}
	if err := v.Remove("hive", "alice", "owner"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("second Remove: %v, want ErrNoKey", err)
	}
	list, _ := v.List()
	if len(list) != 3 {
		t.Fatalf("after removing owner: %d keys", len(list))
	}
	if err := v.Remove("hive", "alice", ""); err != nil {
		t.Fatal(err)
	}
	if list, _ := v.List(); len(list) != 0 {
		t.Fatalf("after removing the account: %v", list)
	}
	if err := v.Remove("hive", "alice", ""); !errors.Is(err, ErrNoKey) {
		t.Fatalf("removing an absent account: %v, want ErrNoKey", err)
	}
	// Only the header is left in the generation.
	files := keysOf(snapshot(t, dir))
	hdr, _ := filepath.Rel(dir, v.store.where(headerName))
	want := []string{"vault/backend", "vault/current", "vault/lock", hdr}
	slices.Sort(files)
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Fatalf("files left: %v, want %v", files, want)
	}
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestStatesAndErrors(t *testing.T) {
	dir := t.TempDir()
	v := openTest(t, dir)
	ak := aliceKeys(t)
	if ok, err := v.Exists(); err != nil || ok {
		t.Fatalf("Exists before Init = %v, %v", ok, err)
	}
	if err := v.Unlock(passA); !errors.Is(err, ErrNotInitialized) {
		t.Fatalf("Unlock before Init: %v", err)
	}
	if err := v.Init(nil); !errors.Is(err, ErrEmptyPassphrase) {
		t.Fatalf("Init with empty passphrase: %v", err)
	}
	if err := v.Init(passA); err != nil {
		t.Fatal(err)
	}
	if err := v.Init(passB); !errors.Is(err, ErrAlreadyInitialized) {
		t.Fatalf("second Init: %v", err)
	}
	v.Lock()
	digest := sha256.Sum256(nil)
	locked := map[string]error{}
	_, locked["AddWIF"] = v.AddWIF("hive", "alice", "posting", ak[2].WIF)
	_, locked["AddMasterPassword"] = v.AddMasterPassword("hive", "alice", ak[0].Password)
	_, locked["List"] = v.List()
	_, locked["Sign"] = v.Sign("hive", "alice", "posting", digest)
	_, locked["PublicKey"] = v.PublicKey("hive", "alice", "posting")
	locked["Remove"] = v.Remove("hive", "alice", "")
	for op, err := range locked {
		if !errors.Is(err, ErrLocked) {
			t.Errorf("%s on a locked vault: %v, want ErrLocked", op, err)
		}
	}
	if err := v.Unlock(passB); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if !v.Locked() {
		t.Fatal("unlocked by a wrong passphrase")
	}
	if err := v.Unlock(passA); err != nil {
		t.Fatal(err)
	}
	// A wrong passphrase on an unlocked vault fails and changes nothing.
	if err := v.Unlock(passB); !errors.Is(err, ErrWrongPassphrase) || v.Locked() {
		t.Fatalf("re-unlock with wrong passphrase: %v, locked %v", err, v.Locked())
	}
}

func TestValidation(t *testing.T) {
	v, _ := newTestVault(t)
	wif := aliceKeys(t)[2].WIF
	tests := []struct {
		name, chain, account, role, wif string
		want                            error
	}{
		{"unknown chain", "bitcoin", "alice", "posting", wif, ErrUnknownChain},
		{"chain id", "beeab0de00000000000000000000000000000000000000000000000000000000", "alice", "posting", wif, ErrUnknownChain},
		{"short account", "hive", "al", "posting", wif, ErrInvalidAccount},
		{"upper case", "hive", "Alice", "posting", wif, ErrInvalidAccount},
		{"bad role", "hive", "alice", "admin", wif, ErrInvalidRole},
		{"empty role", "hive", "alice", "", wif, ErrInvalidRole},
		{"bad WIF", "hive", "alice", "posting", wif[:len(wif)-1] + "x", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.AddWIF(tc.chain, tc.account, tc.role, tc.wif)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.want == nil && errors.Is(err, ErrInvalidAccount) {
				t.Fatalf("got %v", err)
			}
		})
	}
	if _, err := v.AddMasterPassword("hive", "alice", wif); err == nil {
		t.Fatal("a WIF accepted as master password")
	}
}

func TestValidAccountName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"alice", true}, {"carol.test", true}, {"a-b-c", true}, {"abc1", true},
		{"sixteen-chars-ok", true}, {"dot.dot.dot", true},
		{"ab", false}, {"seventeen-chars-x", false}, {"Alice", false},
		{"1abc", false}, {"abc-", false}, {"ab.cde", false}, {"abc.", false},
		{".abc", false}, {"abc..def", false}, {"ab_c", false}, {"abc.de1", true}, {"abc.d1", false},
		{"", false}, {"al ce", false},
	}
	for _, tc := range tests {
		if got := ValidAccountName(tc.name); got != tc.ok {
			t.Errorf("ValidAccountName(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

// TestConcurrentSign signs from many goroutines while others list, lock and
// unlock; run with -race.
func TestConcurrentSign(t *testing.T) {
	v, _ := newTestVault(t)
	ak := aliceKeys(t)
	if _, err := v.AddMasterPassword("hive", "alice", ak[0].Password); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				digest := sha256.Sum256([]byte{byte(g), byte(i)})
				k := ak[(g+i)%4]
				sig, err := v.Sign("hive", "alice", k.Role, digest)
				if errors.Is(err, ErrLocked) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				want, err := keys.ParsePublicKey(k.PubSTM, "STM")
				if err != nil {
					errs <- err
					return
				}
				if err := keys.Verify(want, digest, sig); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			v.List()
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
}

func TestAutoLock(t *testing.T) {
	dir := t.TempDir()
	v, err := Open(dir, Options{KDF: cheapKDF, AutoLock: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	locked := make(chan struct{}, 1)
	v.lockHook = func() { locked <- struct{}{} }
	if err := v.Init(passA); err != nil {
		t.Fatal(err)
	}
	ak := aliceKeys(t)
	if _, err := v.AddWIF("hive", "alice", "posting", ak[2].WIF); err != nil {
		t.Fatal(err)
	}
	// Use keeps it unlocked past several AutoLock periods.
	start := time.Now()
	for time.Since(start) < 400*time.Millisecond {
		if _, err := v.Sign("hive", "alice", "posting", [32]byte{1}); err != nil {
			t.Fatalf("locked while in use after %s: %v", time.Since(start), err)
		}
		time.Sleep(30 * time.Millisecond)
	}
	select {
	case <-locked:
	case <-time.After(5 * time.Second):
		t.Fatal("did not auto-lock when idle")
	}
	if !v.Locked() {
		t.Fatal("Locked() false after auto-lock")
	}
	if _, err := v.Sign("hive", "alice", "posting", [32]byte{1}); !errors.Is(err, ErrLocked) {
		t.Fatalf("Sign after auto-lock: %v", err)
	}
}

// TestLockWipesKeys checks that the key objects the vault held are zeroed,
// not merely dropped.
func TestLockWipesKeys(t *testing.T) {
	v, _ := newTestVault(t)
	ak := aliceKeys(t)
	if _, err := v.AddWIF("hive", "alice", "posting", ak[2].WIF); err != nil {
		t.Fatal(err)
	}
	v.mu.RLock()
	var held []*entry
	for _, e := range v.entries {
		held = append(held, e)
	}
	sub := v.sub
	v.mu.RUnlock()
	v.Lock()
	for _, e := range held {
		if b := e.key.Bytes(); hex.EncodeToString(b) != hex.EncodeToString(make([]byte, 32)) {
			t.Error("private key not zeroed on Lock")
		}
	}
	if sub.record != [32]byte{} || sub.name != [32]byte{} {
		t.Error("data subkeys not zeroed on Lock")
	}
}

func TestBackendChoice(t *testing.T) {
	_, dir := newTestVault(t)
	if _, err := Open(dir, Options{KDF: cheapKDF, Backend: BackendKeychain}); !errors.Is(err, ErrBackendMismatch) {
		t.Fatalf("opening a file vault as keychain: %v, want ErrBackendMismatch", err)
	}
	v, err := Open(dir, Options{KDF: cheapKDF, Backend: BackendFile})
	if err != nil || v.Backend() != BackendFile {
		t.Fatalf("explicit file backend: %v", err)
	}
	if _, err := Open(t.TempDir(), Options{Backend: "floppy"}); err == nil {
		t.Fatal("unknown backend accepted")
	}
	os.WriteFile(filepath.Join(dir, "vault", "backend"), []byte("floppy\n"), 0o600)
	if _, err := Open(dir, Options{KDF: cheapKDF}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("unknown recorded backend: %v, want ErrCorrupt", err)
	}
}
