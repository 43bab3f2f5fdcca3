package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/keyring"
)

// The move tests run the real keychainLayout and keychainStore over
// keyring's in-memory backend (Options.keychain), standing in for the OS
// keychain, so that they never touch the keychain of whoever runs them.
// keychain_test.go runs the same move against a real Secret Service.

// openMem opens the vault in dir with ring as its keychain.
func openMem(t testing.TB, dir string, ring keyring.Keyring) *Vault {
	t.Helper()
	v, err := Open(dir, Options{KDF: cheapKDF, keychain: ring})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Lock)
	return v
}

// movable returns a data directory holding alice's four keys under passA
// in backend from, locked, with its keychain stand-in, and what it holds.
func movable(t *testing.T, from Backend) (string, *keyring.ArrayKeyring, []KeyInfo) {
	t.Helper()
	ring := keyring.NewArrayKeyring(nil)
	if from == BackendFile {
		dir, want := populatedCopy(t)
		return dir, ring, want
	}
	dir := t.TempDir()
	v, err := Open(dir, Options{KDF: cheapKDF, Backend: from, keychain: ring})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Lock()
	if err := v.Init(passA); err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddMasterPassword("hive", "alice", aliceKeys(t)[0].Password); err != nil {
		t.Fatal(err)
	}
	want, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	return dir, ring, want
}

// unlockedList unlocks v with passA and lists its keys.
func unlockedList(t *testing.T, v *Vault) []KeyInfo {
	t.Helper()
	if err := v.Unlock(passA); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if d := v.Damaged(); len(d) != 0 {
		t.Fatalf("damaged: %v", d)
	}
	list, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// assertOnlyIn checks that the vault in dir lives in backend b alone: the
// current file names b; no move note; with b the keychain, the ring holds
// the live generation's five items and no file generation is left; with b
// the file backend, the ring is empty and the live generation's directory
// holds them.
func assertOnlyIn(t *testing.T, dir string, ring *keyring.ArrayKeyring, b Backend) {
	t.Helper()
	vdir := filepath.Join(dir, "vault")
	live, cb, err := readCurrent(vdir)
	if err != nil || cb != b {
		t.Fatalf("current = %q %q, %v; want backend %s", live, cb, err, b)
	}
	if _, err := os.Stat(filepath.Join(vdir, moveFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("move note left: %v", err)
	}
	if rec, err := os.ReadFile(filepath.Join(vdir, backendFile)); err != nil || string(rec) != string(b)+"\n" {
		t.Errorf("backend file %q, %v; want %s", rec, err, b)
	}
	if gens := genDirs(t, dir); len(gens) != 1 || gens[0] != live {
		t.Errorf("generation directories %v, want only the live %s", gens, live)
	}
	keys, _ := ring.Keys()
	items, _ := os.ReadDir(filepath.Join(vdir, live, itemsDirName))
	switch b {
	case BackendKeychain:
		if len(keys) != 5 || slices.ContainsFunc(keys, func(k string) bool { return !strings.HasPrefix(k, live+".") }) {
			t.Errorf("keychain items %v, want the live generation's header and 4 records", keys)
		}
		if len(items) != 0 {
			t.Errorf("%d files left in the keychain vault's directory", len(items))
		}
	case BackendFile:
		if len(keys) != 0 {
			t.Errorf("keychain items left after moving to files: %v", keys)
		}
		if len(items) != 5 {
			t.Errorf("%d item files, want 5", len(items))
		}
	}
}

// TestMoveRoundTrip moves an unlocked vault to the keychain and back: the
// keys, the passphrase and the unlocked state survive, progress counts
// every item written and read back, and nothing is left in the backend
// moved from.
func TestMoveRoundTrip(t *testing.T) {
	dir, ring, want := movable(t, BackendFile)
	v := openMem(t, dir, ring)
	unlockedList(t, v)
	for _, to := range []Backend{BackendKeychain, BackendFile} {
		var seen [][2]int
		if err := v.MoveTo(to, passA, func(done, total int) { seen = append(seen, [2]int{done, total}) }); err != nil {
			t.Fatalf("move to %s: %v", to, err)
		}
		if v.Backend() != to {
			t.Fatalf("Backend() = %s after moving to %s", v.Backend(), to)
		}
		if len(seen) != 10 || seen[0] != [2]int{1, 10} || seen[9] != [2]int{10, 10} {
			t.Errorf("progress %v, want 1..10 of 10", seen)
		}
		assertOnlyIn(t, dir, ring, to)
		if v.Locked() {
			t.Fatal("the move locked the vault")
		}
		if list, err := v.List(); err != nil || fmt.Sprint(list) != fmt.Sprint(want) {
			t.Fatalf("keys after the move: %v, %v", list, err)
		}
		if _, err := v.Sign("hive", "alice", "active", [32]byte{1}); err != nil {
			t.Fatalf("Sign after the move: %v", err)
		}
		// Writes go to the new backend.
		if _, err := v.AddWIF("hive", "alice", "posting", aliceKeys(t)[2].WIF); err != nil {
			t.Fatalf("AddWIF after the move: %v", err)
		}
		// A restart finds the vault where it was moved.
		v2 := openMem(t, dir, ring)
		if v2.Backend() != to {
			t.Fatalf("reopened: backend %s, want %s", v2.Backend(), to)
		}
		if list := unlockedList(t, v2); fmt.Sprint(list) != fmt.Sprint(want) {
			t.Fatalf("reopened: keys %v", list)
		}
		v2.Lock()
	}
	// Opening with an explicit backend checks the one moved to.
	if _, err := Open(dir, Options{KDF: cheapKDF, Backend: BackendKeychain, keychain: ring}); !errors.Is(err, ErrBackendMismatch) {
		t.Fatalf("opening a vault moved back to files as keychain: %v", err)
	}
}

// TestMoveRefusals: a move that cannot or must not run changes nothing.
func TestMoveRefusals(t *testing.T) {
	dir, ring, want := movable(t, BackendFile)
	v := openMem(t, dir, ring)
	before := snapshot(t, filepath.Join(dir, "vault", v.live))
	for _, tc := range []struct {
		name string
		to   Backend
		pass []byte
		want error
	}{
		{"wrong passphrase", BackendKeychain, passB, ErrWrongPassphrase},
		{"empty passphrase", BackendKeychain, nil, ErrEmptyPassphrase},
		{"unknown backend", "floppy", passA, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := v.MoveTo(tc.to, tc.pass, nil)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("MoveTo: %v, want %v", err, tc.want)
			}
			if keys, _ := ring.Keys(); len(keys) != 0 {
				t.Fatalf("keychain written: %v", keys)
			}
			assertOnlyIn(t, dir, ring, BackendFile)
		})
	}
	// To where it is: nothing to do, not even a passphrase check.
	if err := v.MoveTo(BackendFile, passB, nil); err != nil {
		t.Fatalf("moving to the backend in use: %v", err)
	}
	if after := snapshot(t, filepath.Join(dir, "vault", v.live)); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("refused moves changed the live generation")
	}
	if list := unlockedList(t, v); fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("keys %v", list)
	}
}

// TestMoveDamagedRefused: a record that cannot be read cannot be checked
// after copying, so the move stops before writing anything.
func TestMoveDamagedRefused(t *testing.T) {
	dir, ring, _ := movable(t, BackendFile)
	v := openMem(t, dir, ring)
	items := filepath.Join(dir, "vault", v.live, itemsDirName)
	files, _ := os.ReadDir(items)
	var record string
	for _, f := range files {
		if isRecordName(f.Name()) {
			record = filepath.Join(items, f.Name())
			break
		}
	}
	if err := os.WriteFile(record, []byte("not a keyring item"), 0o600); err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if err := v.MoveTo(BackendKeychain, passA, nil); !errors.As(err, &ce) || ce.Path != record {
		t.Fatalf("MoveTo with a damaged record: %v; want a *CorruptError for %s", err, record)
	}
	if keys, _ := ring.Keys(); len(keys) != 0 || v.Backend() != BackendFile {
		t.Fatalf("moved anyway: backend %s, keychain %v", v.Backend(), keys)
	}
}

// moveSteps runs one move and returns every step reported to the hook:
// MoveTo's own and those of each put into a new file generation.
func moveSteps(t *testing.T, from, to Backend) []string {
	t.Helper()
	dir, ring, _ := movable(t, from)
	v := openMem(t, dir, ring)
	var steps []string
	v.hook = func(s string) error { steps = append(steps, s); return nil }
	if err := v.MoveTo(to, passA, nil); err != nil {
		t.Fatal(err)
	}
	return steps
}

// TestMoveCrashAtEveryStep stops a move, in each direction, at every step
// it and its item writes report, as a kill would, then restarts: the vault
// opens with every key from the old backend if the crash came before the
// switch and from the new one after, and the restart deletes what the other
// backend holds. At no step are the keys in neither place.
func TestMoveCrashAtEveryStep(t *testing.T) {
	for _, dirn := range []struct{ from, to Backend }{{BackendFile, BackendKeychain}, {BackendKeychain, BackendFile}} {
		t.Run(fmt.Sprintf("%s to %s", dirn.from, dirn.to), func(t *testing.T) {
			steps := moveSteps(t, dirn.from, dirn.to)
			flipped := slices.Index(steps, "flipped")
			if steps[0] != "noted" || !slices.Contains(steps, "copied 5") || flipped < 0 || steps[len(steps)-1] != "dropped" {
				t.Fatalf("unexpected steps %v", steps)
			}
			for at := -1; at < len(steps); at++ {
				name := "no crash"
				if at >= 0 {
					name = fmt.Sprintf("%02d %s", at+1, steps[at])
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					dir, ring, want := movable(t, dirn.from)
					v := openMem(t, dir, ring)
					n := 0
					v.hook = func(string) error {
						n++
						if n-1 == at {
							return errCrash
						}
						return nil
					}
					err := v.MoveTo(dirn.to, passA, nil)
					if at < 0 && err != nil || at >= 0 && !errors.Is(err, errCrash) {
						t.Fatalf("MoveTo: %v", err)
					}
					wantB := dirn.from
					if at < 0 || at >= flipped {
						wantB = dirn.to
					}
					v2 := openMem(t, dir, ring) // the restart
					if v2.Backend() != wantB {
						t.Fatalf("after the restart the vault is in %s, want %s", v2.Backend(), wantB)
					}
					assertOnlyIn(t, dir, ring, wantB)
					if list := unlockedList(t, v2); fmt.Sprint(list) != fmt.Sprint(want) {
						t.Fatalf("keys after the restart:\n got %v\nwant %v", list, want)
					}
				})
			}
		})
	}
}

// brokenRing is a keychain that opened but refuses everything, as a
// keyring that stays locked does.
type brokenRing struct{}

var errRingLocked = errors.New("the keyring is locked")

func (brokenRing) Get(string) (keyring.Item, error) { return keyring.Item{}, errRingLocked }
func (brokenRing) GetMetadata(string) (keyring.Metadata, error) {
	return keyring.Metadata{}, errRingLocked
}
func (brokenRing) Set(keyring.Item) error  { return errRingLocked }
func (brokenRing) Remove(string) error     { return errRingLocked }
func (brokenRing) Keys() ([]string, error) { return nil, errRingLocked }

var _ keyring.Keyring = brokenRing{}

// readOnlyRing stores nothing new but lists and removes what it holds.
type readOnlyRing struct{ *keyring.ArrayKeyring }

func (readOnlyRing) Set(keyring.Item) error { return errRingLocked }

// TestMoveKeychainRefuses: a keychain that refuses items stops the move
// before the switch, with ErrKeychainUnavailable; the vault stays in its
// files, and the partial copy goes at the next open.
func TestMoveKeychainRefuses(t *testing.T) {
	dir, ring, want := movable(t, BackendFile)
	ro := readOnlyRing{ring}
	v := openMem(t, dir, ro)
	unlockedList(t, v)
	if err := v.MoveTo(BackendKeychain, passA, nil); !errors.Is(err, ErrKeychainUnavailable) || !errors.Is(err, errRingLocked) {
		t.Fatalf("MoveTo a refusing keychain: %v", err)
	}
	if v.Backend() != BackendFile || v.Locked() {
		t.Fatalf("after a refused move: backend %s, locked %v", v.Backend(), v.Locked())
	}
	if list, _ := v.List(); fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("keys %v", list)
	}
	openMem(t, dir, ro)
	assertOnlyIn(t, dir, ring, BackendFile)
}

// TestMoveLeftoverWaitsForKeychain: after a crash between the switch to
// files and the deletion of the keychain copy, a restart without the
// keychain opens the vault from its files but keeps the note and what it
// names; a passphrase change or another move refuses to run meanwhile (the
// old copy would still open with the old passphrase); once the keychain is
// back, the next open deletes the old copy.
func TestMoveLeftoverWaitsForKeychain(t *testing.T) {
	dir, ring, want := movable(t, BackendKeychain)
	v := openMem(t, dir, ring)
	v.hook = func(s string) error {
		if s == "flipped" {
			return errCrash
		}
		return nil
	}
	if err := v.MoveTo(BackendFile, passA, nil); !errors.Is(err, errCrash) {
		t.Fatalf("MoveTo: %v", err)
	}
	vdir := filepath.Join(dir, "vault")
	note, err := readMoveNote(vdir)
	if err != nil {
		t.Fatal(err)
	}

	v2 := openMem(t, dir, brokenRing{})
	if v2.Backend() != BackendFile {
		t.Fatalf("backend %s", v2.Backend())
	}
	if list := unlockedList(t, v2); fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("keys %v", list)
	}
	if got, err := readMoveNote(vdir); err != nil || got != note {
		t.Fatalf("note %v, %v; want it kept", got, err)
	}
	if keys, _ := ring.Keys(); len(keys) != 5 {
		t.Fatalf("old keychain copy: %d items, want 5 kept", len(keys))
	}
	if _, err := os.Stat(filepath.Join(vdir, note.from.gen)); err != nil {
		t.Fatalf("the old generation's marker is gone: %v", err)
	}
	if err := v2.ChangePassphrase(passA, passB); !errors.Is(err, ErrKeychainUnavailable) {
		t.Fatalf("ChangePassphrase with an old copy that cannot be deleted: %v", err)
	}
	if err := v2.MoveTo(BackendKeychain, passA, nil); !errors.Is(err, ErrKeychainUnavailable) {
		t.Fatalf("MoveTo with an earlier move unfinished: %v", err)
	}
	if list := unlockedList(t, v2); fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("keys after the refusals %v", list)
	}

	openMem(t, dir, ring)
	assertOnlyIn(t, dir, ring, BackendFile)
}

// TestMoveSeenByOtherProcess: a second Vault on the same directory (another
// process) follows a move at its next operation; its unlocked state is
// dropped rather than written to the old backend.
func TestMoveSeenByOtherProcess(t *testing.T) {
	dir, ring, want := movable(t, BackendFile)
	mover, other := openMem(t, dir, ring), openMem(t, dir, ring)
	unlockedList(t, other)
	if err := mover.MoveTo(BackendKeychain, passA, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := other.AddWIF("hive", "alice", "posting", aliceKeys(t)[2].WIF); !errors.Is(err, ErrLocked) {
		t.Fatalf("a write to the old backend after the move: %v, want ErrLocked", err)
	}
	if other.Backend() != BackendKeychain {
		t.Fatalf("the other process sees backend %s", other.Backend())
	}
	if list := unlockedList(t, other); fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("keys %v", list)
	}
	assertOnlyIn(t, dir, ring, BackendKeychain)
}

// TestMoveLegacy moves a vault in the layout of before generations: the
// legacy directories go once the copy is live.
func TestMoveLegacy(t *testing.T) {
	v, dir, want := populated(t)
	v.Lock()
	legacyize(t, v, dir)
	ring := keyring.NewArrayKeyring(nil)
	v2 := openMem(t, dir, ring)
	if err := v2.MoveTo(BackendKeychain, passA, nil); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{itemsDirName, stagingDirName} {
		if _, err := os.Stat(filepath.Join(dir, "vault", d)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("legacy %s left after the move: %v", d, err)
		}
	}
	assertOnlyIn(t, dir, ring, BackendKeychain)
	if list := unlockedList(t, openMem(t, dir, ring)); fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("keys %v", list)
	}
}

// TestMoveNote parses move notes and current files, the two files a move
// switches by.
func TestMoveNote(t *testing.T) {
	const g1, g2 = "gen-0123456789abcdef", "gen-fedcba9876543210"
	notes := []struct {
		name, text string
		want       *moveNote
	}{
		{"file to keychain", "file " + g1 + " keychain " + g2 + "\n", &moveNote{genRef{BackendFile, g1}, genRef{BackendKeychain, g2}}},
		{"from legacy", "keychain legacy file " + g2 + "\n", &moveNote{genRef{BackendKeychain, legacyGen}, genRef{BackendFile, g2}}},
		{"no newline", "file " + g1 + " keychain " + g2, nil},
		{"three words", "file " + g1 + " keychain\n", nil},
		{"unknown backend", "file " + g1 + " floppy " + g2 + "\n", nil},
		{"bad generation", "file " + g1 + " keychain gen-zz\n", nil},
		{"to legacy", "file " + g1 + " keychain legacy\n", nil},
		{"to itself", "file " + g1 + " file " + g1 + "\n", nil},
	}
	for _, tc := range notes {
		t.Run("note "+tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, moveFile), []byte(tc.text), 0o600)
			got, err := readMoveNote(dir)
			var ce *CorruptError
			switch {
			case tc.want == nil && !errors.As(err, &ce):
				t.Fatalf("readMoveNote = %v, %v; want a *CorruptError", got, err)
			case tc.want != nil && (err != nil || got != *tc.want):
				t.Fatalf("readMoveNote = %v, %v; want %v", got, err, *tc.want)
			case tc.want != nil:
				if err := writeMoveNote(dir, got); err != nil {
					t.Fatal(err)
				}
				if b, _ := os.ReadFile(filepath.Join(dir, moveFile)); string(b) != tc.text {
					t.Fatalf("written back as %q", b)
				}
			}
		})
	}
	currents := []struct {
		text    string
		backend Backend
		ok      bool
	}{
		{g1 + "\n", "", true}, // written before moves
		{g1 + " file\n", BackendFile, true},
		{g1 + " keychain\n", BackendKeychain, true},
		{g1 + " floppy\n", "", false},
		{g1 + " \n", "", false},
		{g1 + " file", "", false},
	}
	for _, tc := range currents {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, currentFile), []byte(tc.text), 0o600)
		gen, b, err := readCurrent(dir)
		if tc.ok && (err != nil || gen != g1 || b != tc.backend) || !tc.ok && err == nil {
			t.Errorf("readCurrent(%q) = %q, %q, %v", tc.text, gen, b, err)
		}
	}
}
