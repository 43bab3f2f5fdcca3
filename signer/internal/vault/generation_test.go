package vault

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestChangePassphraseReplacesDataKey: after a change, the old header and the
// old passphrase, which still yield the old data key, decrypt no record on
// disk, under any name; the two generations share no item name and no file
// content; and the vault, unlocked throughout, keeps working in the new
// generation.
func TestChangePassphraseReplacesDataKey(t *testing.T) {
	v, dir, want := populated(t)
	ak := aliceKeys(t)
	oldGen := v.live
	oldHeader, err := v.store.get(headerName)
	if err != nil {
		t.Fatal(err)
	}
	oldNames, _ := v.store.list()
	before := snapshot(t, filepath.Join(dir, "vault", oldGen))

	if err := v.ChangePassphrase(passA, passB); err != nil {
		t.Fatal(err)
	}

	if v.live == oldGen {
		t.Fatal("the generation did not change")
	}
	if gens := genDirs(t, dir); len(gens) != 1 || gens[0] != v.live {
		t.Fatalf("generations on disk %v, want only %s", gens, v.live)
	}
	if cur, b, err := readCurrent(filepath.Join(dir, "vault")); err != nil || cur != v.live || b != BackendFile {
		t.Fatalf("current = %q %q, %v", cur, b, err)
	}

	// What someone who copied the old header and learned passA holds.
	h, err := parseHeader(oldHeader)
	if err != nil {
		t.Fatal(err)
	}
	oldDK, err := h.openDataKey(passA)
	if err != nil {
		t.Fatal(err)
	}
	oldSub, err := deriveSubkeys(oldDK)
	if err != nil {
		t.Fatal(err)
	}
	newHeader, err := v.readHeader()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newHeader.openDataKey(passA); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("the new header opens with the old passphrase: %v", err)
	}
	newDK, err := newHeader.openDataKey(passB)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(newDK, oldDK) {
		t.Fatal("the data key did not change")
	}

	names, err := v.store.list()
	if err != nil {
		t.Fatal(err)
	}
	records := 0
	for _, n := range names {
		if !isRecordName(n) {
			continue
		}
		records++
		if slices.Contains(oldNames, n) {
			t.Errorf("item name %s is in both generations", n)
		}
		b, err := v.store.get(n)
		if err != nil {
			t.Fatal(err)
		}
		// Under its own name, and under every name the old keys give.
		for _, try := range append([]string{n}, oldNames...) {
			if _, _, err := oldSub.openRecord(try, b); err == nil {
				t.Errorf("record %s opens with the old data key (as %s)", n, try)
			}
		}
	}
	if records != 4 {
		t.Fatalf("%d records on disk, want 4", records)
	}
	after := snapshot(t, filepath.Join(dir, "vault", v.live))
	for an, ab := range after {
		for bn, bb := range before {
			if len(ab) > 0 && bytes.Equal(ab, bb) {
				t.Errorf("new %s has the bytes of old %s", an, bn)
			}
		}
	}

	// Still unlocked, now in the new generation: sign, replace, remove.
	if list, _ := v.List(); fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("keys after the change:\n got %v\nwant %v", list, want)
	}
	if _, err := v.Sign("hive", "alice", "owner", [32]byte{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddWIF("hive", "alice", "posting", ak[2].WIF); err != nil {
		t.Fatal(err)
	}
	if err := v.Remove("hive", "alice", "memo"); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if err := v.Unlock(passB); err != nil {
		t.Fatal(err)
	}
	if list, _ := v.List(); len(list) != 3 {
		t.Fatalf("%d keys after replace and remove, want 3", len(list))
	}
}

// TestChangePassphraseLocked: a change on a locked vault leaves it locked.
func TestChangePassphraseLocked(t *testing.T) {
	v, dir, want := populated(t)
	v.Lock()
	if err := v.ChangePassphrase(passA, passB); err != nil {
		t.Fatal(err)
	}
	if !v.Locked() {
		t.Fatal("ChangePassphrase unlocked the vault")
	}
	if err := v.ChangePassphrase(passA, passB); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("the old passphrase after the change: %v", err)
	}
	if got, list := reopen(t, dir); got != "B" || fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("passphrase %q opens, keys %v", got, list)
	}
}

// TestWriteAfterChangeElsewhere: a vault unlocked in one process refuses to
// write after another process changed the passphrase (its keys belong to a
// generation that is gone), locks itself, and works again once unlocked with
// the new passphrase.
func TestWriteAfterChangeElsewhere(t *testing.T) {
	v1, dir, want := populated(t)
	ak := aliceKeys(t)
	v2 := openTest(t, dir)
	if err := v2.ChangePassphrase(passA, passB); err != nil {
		t.Fatal(err)
	}
	if _, err := v1.AddWIF("hive", "alice", "posting", ak[2].WIF); !errors.Is(err, ErrLocked) {
		t.Fatalf("AddWIF with a stale generation: %v, want ErrLocked", err)
	}
	if !v1.Locked() {
		t.Fatal("still unlocked")
	}
	if err := v1.Unlock(passA); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Unlock with the old passphrase: %v", err)
	}
	if err := v1.Unlock(passB); err != nil {
		t.Fatal(err)
	}
	if err := v1.Remove("hive", "alice", "memo"); err != nil {
		t.Fatal(err)
	}
	if list, _ := v1.List(); len(list) != len(want)-1 {
		t.Fatalf("%d keys", len(list))
	}
}

// TestOpenDuringChanges opens the vault again and again, as other processes
// would, while passphrase changes run: the lock keeps Open's removal of
// garbage generations from touching the one being written.
func TestOpenDuringChanges(t *testing.T) {
	v, dir, want := populated(t)
	v.Lock()
	done := make(chan error, 1)
	const changes = 6
	go func() {
		cur, next := passA, passB
		for range changes {
			if err := v.ChangePassphrase(cur, next); err != nil {
				done <- err
				return
			}
			cur, next = next, cur
		}
		done <- nil
	}()
	opens := 0
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("ChangePassphrase: %v", err)
			}
			running = false
		default:
			o, err := Open(dir, Options{KDF: cheapKDF})
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := o.Exists(); !ok || err != nil {
				t.Fatalf("Exists during changes = %v, %v", ok, err)
			}
			opens++
		}
	}
	if got, list := reopen(t, dir); got != "A" || fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("after %d changes and %d opens: passphrase %q, keys %v", changes, opens, got, list)
	}
}

// legacyize turns a vault into the layout of before generations: items and
// staging directly in vault/, no current file.
func legacyize(t *testing.T, v *Vault, dir string) {
	t.Helper()
	vdir := filepath.Join(dir, "vault")
	gd := filepath.Join(vdir, v.live)
	for _, d := range []string{itemsDirName, stagingDirName} {
		if err := os.Rename(filepath.Join(gd, d), filepath.Join(vdir, d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(gd); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(vdir, currentFile)); err != nil {
		t.Fatal(err)
	}
}

// TestLegacyLayout: a vault in the layout of before generations opens as it
// is, takes keys, and its first passphrase change moves it into a
// generation and deletes the old directories.
func TestLegacyLayout(t *testing.T) {
	v, dir, want := populated(t)
	ak := aliceKeys(t)
	v.Lock()
	legacyize(t, v, dir)
	vdir := filepath.Join(dir, "vault")

	v2 := openTest(t, dir)
	if ok, err := v2.Exists(); !ok || err != nil {
		t.Fatalf("Exists = %v, %v", ok, err)
	}
	if err := v2.Unlock(passA); err != nil {
		t.Fatal(err)
	}
	if list, _ := v2.List(); fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("legacy keys %v", list)
	}
	if err := v2.Init(passB); !errors.Is(err, ErrAlreadyInitialized) {
		t.Fatalf("Init over a legacy vault: %v", err)
	}
	if _, err := v2.AddWIF("hive", "alice", "posting", ak[2].WIF); err != nil {
		t.Fatal(err)
	}
	if v2.store.where(headerName) != filepath.Join(vdir, itemsDirName, headerName) {
		t.Fatalf("legacy store at %s", v2.store.where(headerName))
	}

	// A crash before the switch leaves the legacy vault as it was; nothing
	// is removed while there is no current file.
	v2.hook = func(s string) error {
		if s == "flip" {
			return errCrash
		}
		return nil
	}
	if err := v2.ChangePassphrase(passA, passB); !errors.Is(err, errCrash) {
		t.Fatalf("ChangePassphrase: %v", err)
	}
	v3 := openTest(t, dir)
	if err := v3.Unlock(passA); err != nil {
		t.Fatalf("legacy vault after a crashed change: %v", err)
	}
	if len(genDirs(t, dir)) != 2 {
		t.Fatalf("generations %v: want the legacy one and the crashed one, untouched", genDirs(t, dir))
	}

	if err := v3.ChangePassphrase(passA, passB); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{itemsDirName, stagingDirName} {
		if _, err := os.Stat(filepath.Join(vdir, d)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("legacy %s left after the change: %v", d, err)
		}
	}
	if got, list := reopen(t, dir); got != "B" || fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("after migrating: passphrase %q, keys %v", got, list)
	}
}

// TestCorruptCurrent: a current file that names no usable generation, or one
// without a header, is reported as corrupt by every operation, and nothing on
// disk is touched, not even other generations, which are only garbage next
// to a sound live one.
func TestCorruptCurrent(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, v *Vault, cur string)
		inError string // the path the error must name, relative to vault/
	}{
		{"garbage", func(t *testing.T, v *Vault, cur string) { os.WriteFile(cur, []byte("gen-zz\n"), 0o600) }, currentFile},
		{"empty", func(t *testing.T, v *Vault, cur string) { os.WriteFile(cur, nil, 0o600) }, currentFile},
		{"no newline", func(t *testing.T, v *Vault, cur string) {
			os.WriteFile(cur, []byte(v.live), 0o600)
		}, currentFile},
		{"names a missing generation", func(t *testing.T, v *Vault, cur string) {
			os.WriteFile(cur, []byte("gen-00000000000000aa\n"), 0o600)
		}, currentFile},
		{"live header missing", func(t *testing.T, v *Vault, cur string) {
			os.Remove(v.store.where(headerName))
		}, headerName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, dir, _ := populated(t)
			v.Lock()
			vdir := filepath.Join(dir, "vault")
			// A garbage generation beside the live one.
			if err := os.MkdirAll(filepath.Join(vdir, "gen-00000000000000bb", itemsDirName), 0o700); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(vdir, "gen-00000000000000bb", itemsDirName, headerName), []byte("x"), 0o600)
			tc.damage(t, v, filepath.Join(vdir, currentFile))
			before := snapshot(t, dir)

			v2 := openTest(t, dir)
			check := func(op string, err error) {
				t.Helper()
				var ce *CorruptError
				if !errors.As(err, &ce) || !strings.HasSuffix(ce.Path, tc.inError) {
					t.Errorf("%s: %v; want a *CorruptError naming %s", op, err, tc.inError)
				}
			}
			_, err := v2.Exists()
			check("Exists", err)
			check("Unlock", v2.Unlock(passA))
			check("ChangePassphrase", v2.ChangePassphrase(passA, passB))
			if err := v2.Init(passB); err == nil {
				t.Error("Init succeeded")
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

// TestGenNames: only names newGenName makes count as generations.
func TestGenNames(t *testing.T) {
	g, err := newGenName()
	if err != nil || !isGenName(g) {
		t.Fatalf("newGenName = %q, %v", g, err)
	}
	for _, bad := range []string{"gen-", "gen-0123", "gen-0123456789ABCDEF", "gen-0123456789abcdef0", "items", "xgen-0123456789abcdef", "gen-0123456789abcdeg"} {
		if isGenName(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, tc := range []struct{ key, gen, name string }{
		{"header", legacyGen, "header"},
		{g + ".header", g, "header"},
		{"gen-1.header", legacyGen, "gen-1.header"},
	} {
		if gen, name := splitKeychainName(tc.key); gen != tc.gen || name != tc.name {
			t.Errorf("splitKeychainName(%q) = %q, %q", tc.key, gen, name)
		}
	}
}
