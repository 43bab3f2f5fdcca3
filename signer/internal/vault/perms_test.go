package vault

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// checkModes walks the vault directory: every directory 0700, every file
// 0600.
func checkModes(t *testing.T, dataDir string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(dataDir, "vault"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d entries checked", n)
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix modes")
	}
	v, dir := newTestVault(t)
	ak := aliceKeys(t)
	if _, err := v.AddWIF("hive", "alice", "posting", ak[2].WIF); err != nil {
		t.Fatal(err)
	}
	// A wrong passphrase writes the backoff file.
	clock := &fakeClock{t: time.Now()}
	v.bo.now = clock.Now
	v.Unlock(passB)
	checkModes(t, dir)

	// Loosen everything, as another tool or a careless copy might.
	filepath.WalkDir(filepath.Join(dir, "vault"), func(p string, d fs.DirEntry, err error) error {
		if d.IsDir() {
			return os.Chmod(p, 0o777)
		}
		return os.Chmod(p, 0o666)
	})
	v2 := openTest(t, dir)
	checkModes(t, dir)
	if err := v2.Unlock(passA); err != nil {
		t.Fatal(err)
	}

	// New writes over a loosened file are 0600 too.
	rec := v2.store.where(v2.sub.itemName(identity{"hive", "alice", "posting"}))
	os.Chmod(rec, 0o644)
	if _, err := v2.AddWIF("hive", "alice", "posting", ak[2].WIF); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(rec); fi.Mode().Perm() != 0o600 {
		t.Fatalf("record rewritten with mode %v", fi.Mode().Perm())
	}
	// And so is the new generation a passphrase change writes.
	if err := v2.ChangePassphrase(passA, passB); err != nil {
		t.Fatal(err)
	}
	checkModes(t, dir)
}

func TestSymlinkRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	v, dir := newTestVault(t)
	target := filepath.Join(t.TempDir(), "elsewhere")
	os.WriteFile(target, []byte("x"), 0o644)
	os.Symlink(target, v.store.where("link"))
	if _, err := Open(dir, Options{KDF: cheapKDF}); err == nil {
		t.Fatal("Open accepted a symbolic link among the items")
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o644 {
		t.Fatal("the link's target was chmod-ed")
	}
}

func TestExistingDataDirLeftAlone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix modes")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	openTest(t, dir)
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o755 {
		t.Fatalf("the existing data dir's mode changed to %v", fi.Mode().Perm())
	}
	fresh := filepath.Join(dir, "new")
	openTest(t, fresh)
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o700 {
		t.Fatalf("a new data dir has mode %v", fi.Mode().Perm())
	}
}
