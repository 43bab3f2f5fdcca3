package vault

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

var errCrash = errors.New("simulated crash")

// putSteps are the points fileStore.put reports to its hook, in order.
var putSteps = []string{"staged", "synced", "renamed", "dir-synced"}

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

// reopen simulates a restart after a crash and returns which of the
// passphrases opens the vault ("" if none) and what it holds.
func reopen(t *testing.T, dir string, pass map[string][]byte) (string, []KeyInfo) {
	t.Helper()
	// Leftovers of the crash are tidied once stale; age them so this open
	// removes them.
	stagingDir := filepath.Join(dir, "vault", "staging")
	staging, _ := os.ReadDir(stagingDir)
	old := time.Now().Add(-2 * staleAfter)
	for _, f := range staging {
		os.Chtimes(filepath.Join(stagingDir, f.Name()), old, old)
	}
	v := openTest(t, dir)
	if staging, _ = os.ReadDir(stagingDir); len(staging) != 0 {
		t.Errorf("stale staging files not cleared on open: %d files", len(staging))
	}
	for _, name := range []string{"A", "B"} {
		err := v.Unlock(pass[name])
		if errors.Is(err, ErrWrongPassphrase) {
			continue
		}
		if err != nil {
			t.Fatalf("Unlock with %s after crash: %v", name, err)
		}
		list, err := v.List()
		if err != nil {
			t.Fatal(err)
		}
		if d := v.Damaged(); len(d) != 0 {
			t.Errorf("damaged after crash: %v", d)
		}
		v.Lock()
		return name, list
	}
	return "", nil
}

// TestChangePassphraseCrashAtEveryStep stops ChangePassphrase after each
// step of the header write, as a kill would, and also mid-write of the staged
// file; every time the old or the new passphrase must open the vault with
// every key.
func TestChangePassphraseCrashAtEveryStep(t *testing.T) {
	pass := map[string][]byte{"A": passA, "B": passB}
	cases := append([]string{"torn staged write"}, putSteps...)
	cases = append(cases, "no crash")
	for _, step := range cases {
		t.Run(step, func(t *testing.T) {
			v, dir, want := populated(t)
			fs := v.store.(*fileStore)
			fs.hook = func(s string) error {
				switch {
				case step == "torn staged write" && s == "staged":
					// A kill mid-write leaves a partial staged file.
					files, _ := os.ReadDir(fs.staging)
					for _, f := range files {
						p := filepath.Join(fs.staging, f.Name())
						b, _ := os.ReadFile(p)
						os.WriteFile(p, b[:len(b)/3], 0o600)
					}
					return errCrash
				case s == step:
					return errCrash
				}
				return nil
			}
			err := v.ChangePassphrase(passA, passB)
			if step == "no crash" && err != nil || step != "no crash" && !errors.Is(err, errCrash) {
				t.Fatalf("ChangePassphrase: %v", err)
			}
			got, list := reopen(t, dir, pass)
			wantPass := "A"
			if step == "renamed" || step == "dir-synced" || step == "no crash" {
				wantPass = "B"
			}
			if got != wantPass {
				t.Fatalf("after a crash at %q, passphrase %q opens the vault, want %q", step, got, wantPass)
			}
			if fmt.Sprint(list) != fmt.Sprint(want) {
				t.Fatalf("keys after crash:\n got %v\nwant %v", list, want)
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
			got, list := reopen(t, dir, map[string][]byte{"A": passA, "B": passB})
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
	_, dir, want := populated(t)
	pass := map[string][]byte{"A": passA, "B": passB}
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
		got, list := reopen(t, dir, pass)
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
	pass := map[string][]byte{"A": passA, "B": passB}
	other := map[string]string{"A": "B", "B": "A"}
	cur := os.Getenv("LOCALSIGNER_VAULT_CRASH_PASS")
	os.Stdout.WriteString("ready\n")
	for {
		if err := v.ChangePassphrase(pass[cur], pass[other[cur]]); err != nil {
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
	_, dir := newTestVault(t)
	p := filepath.Join(dir, "vault", "staging", "header.0123456789abcdef")
	os.WriteFile(p, []byte("in flight"), 0o600)
	openTest(t, dir)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("a fresh staged file was removed: %v", err)
	}
}
