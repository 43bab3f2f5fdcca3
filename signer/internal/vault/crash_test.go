package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

var errCrash = errors.New("simulated crash")

// putSteps are the points fileStore.put reports to its hook, in order.
var putSteps = []string{"staged", "synced", "renamed", "dir-synced"}

var bothPass = map[string][]byte{"A": passA, "B": passB}

// populated returns a vault in a fresh dir holding alice's four keys and the
// list of what it holds.
func populated(t *testing.T) (*Vault, string, []KeyInfo) {
	t.Helper()
	v, dir := newTestVault(t)
	if _, err := v.AddMasterPassword("hive", "alice", aliceKeys(t)[0].Password); err != nil {
		t.Fatal(err)
	}
	list, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	return v, dir, list
}

// reopen simulates a restart after a crash. It checks that opening leaves
// exactly one generation and no leftovers, then tries both passphrases and
// returns the one that opens the vault ("" if none) and what it holds. It
// fails the test if both open it.
func reopen(t *testing.T, dir string) (string, []KeyInfo) {
	t.Helper()
	// Temporary and staged files are tidied once stale; age them so this
	// open removes those of the live generation. Garbage generations go
	// whatever their age.
	vdir := filepath.Join(dir, "vault")
	old := time.Now().Add(-2 * staleAfter)
	filepath.WalkDir(vdir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.Contains(d.Name(), tmpInfix) || filepath.Base(filepath.Dir(p)) == stagingDirName) {
			os.Chtimes(p, old, old)
		}
		return nil
	})
	v := openTest(t, dir)
	if gens := genDirs(t, dir); len(gens) != 1 || gens[0] != v.live {
		t.Errorf("after open: generations %v, want only the live %s", gens, v.live)
	}
	leftovers := 0
	filepath.WalkDir(vdir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.Contains(d.Name(), tmpInfix) || filepath.Base(filepath.Dir(p)) == stagingDirName) {
			leftovers++
		}
		return nil
	})
	if leftovers != 0 {
		t.Errorf("stale temporary or staged files not cleared on open: %d", leftovers)
	}
	opened := ""
	var list []KeyInfo
	for _, name := range []string{"A", "B"} {
		err := v.Unlock(bothPass[name])
		if errors.Is(err, ErrWrongPassphrase) {
			continue
		}
		if err != nil {
			t.Fatalf("Unlock with %s after crash: %v", name, err)
		}
		if opened != "" {
			t.Fatalf("both passphrases open the vault")
		}
		opened = name
		if list, err = v.List(); err != nil {
			t.Fatal(err)
		}
		if d := v.Damaged(); len(d) != 0 {
			t.Errorf("damaged after crash: %v", d)
		}
		v.Lock()
	}
	return opened, list
}

// changeSteps runs one passphrase change and returns, in order, every step
// reported to the hook: ChangePassphrase's own and those of each put into
// the new generation.
func changeSteps(t *testing.T) []string {
	t.Helper()
	dir, _ := populatedCopy(t)
	v := openTest(t, dir)
	var steps []string
	v.hook = func(s string) error { steps = append(steps, s); return nil }
	if err := v.ChangePassphrase(passA, passB); err != nil {
		t.Fatal(err)
	}
	return steps
}

// otherGens lists the generation directories but one.
func otherGens(t *testing.T, dir, but string) []string {
	gens := genDirs(t, dir)
	return slices.DeleteFunc(gens, func(g string) bool { return g == but })
}

// TestChangePassphraseCrashAtEveryStep stops ChangePassphrase at every step
// it and its item writes report, as a kill would, plus torn writes: of a
// staged record, of the temporary file that replaces current, and of the
// old generation's deletion. Every time, the old passphrase opens the vault
// if the crash came before current was switched and the new one after, with
// every key, and the other passphrase does not.
func TestChangePassphraseCrashAtEveryStep(t *testing.T) {
	steps := changeSteps(t)
	// created, 4 records and the header each as 4 put steps and its own,
	// flip, flipped, cleaned.
	if len(steps) != 1+5*5+3 || steps[0] != "created" || !slices.Contains(steps, "record 4") {
		t.Fatalf("unexpected steps %v", steps)
	}
	flipped := slices.Index(steps, "flipped")

	type crashCase struct {
		name string
		at   int // index in steps; -1: no crash
		// damage, if set, runs at the crash: what a kill in the middle of
		// the next write would leave.
		damage func(t *testing.T, v *Vault, dir, oldGen string)
	}
	var cases []crashCase
	for i, s := range steps {
		cases = append(cases, crashCase{name: fmt.Sprintf("%02d %s", i+1, s), at: i})
	}
	cases = append(cases,
		crashCase{"torn staged record", slices.Index(steps, "staged"), func(t *testing.T, v *Vault, dir, oldGen string) {
			newGen := otherGens(t, dir, oldGen)[0]
			staging := filepath.Join(dir, "vault", newGen, stagingDirName)
			files, _ := os.ReadDir(staging)
			if len(files) != 1 {
				t.Fatalf("%d staged files", len(files))
			}
			p := filepath.Join(staging, files[0].Name())
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/3], 0o600)
		}},
		crashCase{"torn current temp file", slices.Index(steps, "flip"), func(t *testing.T, v *Vault, dir, oldGen string) {
			newGen := otherGens(t, dir, oldGen)[0]
			content := newGen + "\n"
			os.WriteFile(filepath.Join(dir, "vault", currentFile+tmpInfix+"123456"), []byte(content[:len(content)/2]), 0o600)
		}},
		crashCase{"torn cleanup", flipped, func(t *testing.T, v *Vault, dir, oldGen string) {
			// The old header and half the old records gone.
			items := filepath.Join(dir, "vault", oldGen, itemsDirName)
			files, _ := os.ReadDir(items)
			if len(files) != 5 {
				t.Fatalf("%d old items", len(files))
			}
			os.Remove(filepath.Join(items, headerName))
			for _, f := range files[:2] {
				os.Remove(filepath.Join(items, f.Name()))
			}
		}},
		crashCase{"no crash", -1, nil},
	)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // each case has its own directory
			dir, want := populatedCopy(t)
			v := openTest(t, dir)
			oldGen := v.live
			n := 0
			v.hook = func(s string) error {
				n++
				if n-1 != c.at {
					return nil
				}
				if c.damage != nil {
					c.damage(t, v, dir, oldGen)
				}
				return errCrash
			}
			err := v.ChangePassphrase(passA, passB)
			if c.at < 0 && err != nil || c.at >= 0 && !errors.Is(err, errCrash) {
				t.Fatalf("ChangePassphrase: %v", err)
			}
			wantPass := "A"
			if c.at < 0 || c.at >= flipped {
				wantPass = "B"
			}
			got, list := reopen(t, dir)
			if got != wantPass {
				t.Fatalf("after a crash at %q, passphrase %q opens the vault, want %q", c.name, got, wantPass)
			}
			if fmt.Sprint(list) != fmt.Sprint(want) {
				t.Fatalf("keys after crash:\n got %v\nwant %v", list, want)
			}
			if gens := genDirs(t, dir); wantPass == "A" && gens[0] != oldGen || wantPass == "B" && gens[0] == oldGen {
				t.Fatalf("live generation %v, old one %s", gens, oldGen)
			}
		})
	}
}

// TestAddCrashAtEveryStep does the same for replacing a key: afterwards the
// record holds the old key or the new one, never nothing.
func TestAddCrashAtEveryStep(t *testing.T) {
	ak := aliceKeys(t)
	for _, step := range putSteps {
		t.Run(step, func(t *testing.T) {
			v, dir, _ := populated(t)
			v.store.(*fileStore).hook = func(s string) error {
				if s == step {
					return errCrash
				}
				return nil
			}
			if _, err := v.AddWIF("hive", "alice", "posting", ak[0].WIF); !errors.Is(err, errCrash) {
				t.Fatalf("AddWIF: %v", err)
			}
			got, list := reopen(t, dir)
			if got != "A" || len(list) != 4 {
				t.Fatalf("after crash: passphrase %q, %d keys", got, len(list))
			}
			posting := list[2].PublicKey.Format("STM")
			if posting != ak[2].PubSTM && posting != ak[0].PubSTM {
				t.Fatalf("posting key is neither the old nor the new one: %s", posting)
			}
		})
	}
}

// TestInitCrash stops Init at each step: there is no vault afterwards, and
// Init runs again cleanly.
func TestInitCrash(t *testing.T) {
	for _, step := range append(slices.Clone(putSteps), "header") {
		t.Run(step, func(t *testing.T) {
			dir := t.TempDir()
			v := openTest(t, dir)
			v.hook = func(s string) error {
				if s == step {
					return errCrash
				}
				return nil
			}
			if err := v.Init(passA); !errors.Is(err, errCrash) {
				t.Fatalf("Init: %v", err)
			}
			v2 := openTest(t, dir)
			if ok, err := v2.Exists(); ok || err != nil {
				t.Fatalf("Exists after a crashed Init = %v, %v", ok, err)
			}
			if err := v2.Unlock(passA); !errors.Is(err, ErrNotInitialized) {
				t.Fatalf("Unlock after a crashed Init: %v", err)
			}
			if err := v2.Init(passB); err != nil {
				t.Fatal(err)
			}
			if gens := genDirs(t, dir); len(gens) != 1 || gens[0] != v2.live {
				t.Fatalf("generations %v after the second Init", gens)
			}
			if got, _ := reopen(t, dir); got != "B" {
				t.Fatalf("passphrase %q opens the vault", got)
			}
		})
	}
}

// crashChildEnv tells the test binary to act as the victim of
// TestKill9DuringPassphraseChange.
const crashChildEnv = "LOCALSIGNER_VAULT_CRASH_CHILD"

// TestKill9DuringPassphraseChange kills, with SIGKILL at random moments, a
// real process that changes the passphrase back and forth in a loop; after
// each kill one of the two passphrases must open the vault with every key.
func TestKill9DuringPassphraseChange(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL")
	}
	dir, want := populatedCopy(t)
	cur := "A"
	rounds := 15
	if testing.Short() {
		rounds = 4
	}
	for i := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKill9DuringPassphraseChange$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, "LOCALSIGNER_VAULT_CRASH_PASS="+cur)
		started := make(chan struct{})
		cmd.Stdout = &signalWriter{c: started}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-started: // the child is in its loop
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatal("child did not start")
		}
		time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		got, list := reopen(t, dir)
		if got == "" {
			t.Fatalf("round %d: neither passphrase opens the vault", i)
		}
		if fmt.Sprint(list) != fmt.Sprint(want) {
			t.Fatalf("round %d: keys\n got %v\nwant %v", i, list, want)
		}
		cur = got
	}
}

// crashChild swaps the passphrase between A and B until killed.
func crashChild(dir string) {
	v, err := Open(dir, Options{KDF: cheapKDF})
	if err != nil {
		os.Exit(3)
	}
	other := map[string]string{"A": "B", "B": "A"}
	cur := os.Getenv("LOCALSIGNER_VAULT_CRASH_PASS")
	os.Stdout.WriteString("ready\n")
	for {
		if err := v.ChangePassphrase(bothPass[cur], bothPass[other[cur]]); err != nil {
			os.Exit(4)
		}
		cur = other[cur]
	}
}

// signalWriter closes c on the first write.
type signalWriter struct {
	c    chan struct{}
	done bool
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if !w.done {
		w.done = true
		close(w.c)
	}
	return len(p), nil
}

// TestFreshStagingKept: a staged file younger than staleAfter may be another
// process's write in flight, so opening leaves it.
func TestFreshStagingKept(t *testing.T) {
	v, dir := newTestVault(t)
	p := filepath.Join(v.store.(*fileStore).staging, "header.0123456789abcdef")
	os.WriteFile(p, []byte("in flight"), 0o600)
	openTest(t, dir)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("a fresh staged file was removed: %v", err)
	}
}
