package daemon_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"localsigner/authz"
	"localsigner/internal/daemon"
	"localsigner/internal/testkit"
)

// The audit log keeps what the retention says; what the sweep prunes is
// first appended to audit-archive.jsonl (0600), oldest first, nothing lost.
func TestAuditArchive(t *testing.T) {
	k := testkit.Start(t, testkit.Options{NoDevnet: true, Daemon: func(o *daemon.Options) {
		o.Audit = daemon.AuditOptions{Keep: 3}
		o.SweepInterval = 20 * time.Millisecond
	}})
	for range 4 { // eight events: locked, unlocked, …
		if err := k.Admin.Lock(); err != nil {
			t.Fatal(err)
		}
		if err := k.Admin.Unlock([]byte(testkit.Passphrase)); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(k.Dir, daemon.ArchiveFile)
	var archived []authz.Event
	deadline := time.Now().Add(10 * time.Second)
	for {
		left, err := k.Admin.Log(0)
		if err != nil {
			t.Fatal(err)
		}
		archived = readArchive(t, path)
		if len(left) <= 3 && len(archived) > 0 {
			if int(left[0].Seq) != len(archived)+1 {
				t.Fatalf("archive ends at %d events, log starts at %d: something was lost", len(archived), left[0].Seq)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events left, %d archived", len(left), len(archived))
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i, e := range archived {
		if e.Seq != uint64(i+1) {
			t.Fatalf("archive line %d holds event %d", i+1, e.Seq)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("archive file: %v, %v", fi.Mode(), err)
	}
}

func readArchive(t *testing.T, path string) []authz.Event {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []authz.Event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e authz.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("archive line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}
