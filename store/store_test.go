package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"localsigner/authz"
)

func TestOpenLocksAndRestricts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(db.Path()); fi.Mode().Perm() != 0o600 {
		t.Errorf("db file mode %v", fi.Mode().Perm())
	}
	start := time.Now()
	_, err = Open(dir, Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second open: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("second open waited too long")
	}
	db.Close()
	db2, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("reopen after close: %v", err)
	}
	db2.Close()
}

func TestRefusesOtherSchema(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	os.Mkdir(dir, 0o700)
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error {
		m, _ := tx.CreateBucketIfNotExists(bucketMeta)
		return m.Put([]byte("version"), []byte("99"))
	})
	b.Close()
	if _, err := Open(dir, Options{}); err == nil {
		t.Fatal("opened a database of another schema version")
	}
}

func TestTokensGrantsAudit(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "data"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.OpenRecords(testKey, true); err != nil {
		t.Fatal(err)
	}
	d1, d2, d3 := authz.DigestOf("a"), authz.DigestOf("b"), authz.DigestOf("c")
	err = db.Update(func(tx authz.Tx) error {
		for _, g := range []string{"g1", "g10"} { // g1 must not match g10's tokens
			if err := tx.PutGrant(&authz.Grant{ID: g, ClientID: "c"}); err != nil {
				return err
			}
		}
		for _, tk := range []authz.Token{{Digest: d1, GrantID: "g1"}, {Digest: d2, GrantID: "g1"}, {Digest: d3, GrantID: "g10"}} {
			if err := tx.PutToken(&tk); err != nil {
				return err
			}
		}
		for i := 0; i < 5; i++ {
			if err := tx.AppendAudit(&authz.Event{Type: "e"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sum1, _ := db.Checksum()
	err = db.Update(func(tx authz.Tx) error {
		ts, err := tx.GrantTokens("g1")
		if err != nil || len(ts) != 2 {
			t.Fatalf("GrantTokens(g1) = %d, %v", len(ts), err)
		}
		if err := tx.DeleteGrant("g1"); err != nil {
			return err
		}
		if _, err := tx.Token(d1); !errors.Is(err, authz.ErrNotFound) {
			t.Error("token of a deleted grant remains")
		}
		if tk, err := tx.Token(d3); err != nil || tk.Digest != d3 {
			t.Errorf("other grant's token: %v", err)
		}
		if first, last, err := tx.AuditSpan(); err != nil || first != 1 || last != 5 {
			t.Errorf("audit span %d-%d %v", first, last, err)
		}
		if old, err := tx.OldestAudit(2); err != nil || len(old) != 2 || old[0].Seq != 1 || old[1].Seq != 2 {
			t.Errorf("oldest two: %+v %v", old, err)
		}
		if err := tx.DeleteAuditThrough(3); err != nil {
			return err
		}
		ev, err := tx.Audit(0)
		if err != nil || len(ev) != 2 || ev[0].Seq != 4 || ev[1].Seq != 5 {
			t.Errorf("audit after prune: %+v %v", ev, err)
		}
		if first, _, err := tx.AuditSpan(); err != nil || first != 4 {
			t.Errorf("span after prune starts at %d %v", first, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum2, _ := db.Checksum(); sum2 == sum1 {
		t.Fatal("checksum did not change")
	}
	// A failed Update rolls back.
	sum2, _ := db.Checksum()
	boom := errors.New("boom")
	err = db.Update(func(tx authz.Tx) error {
		tx.DeleteGrant("g10")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if sum3, _ := db.Checksum(); sum3 != sum2 {
		t.Fatal("a failed update changed the store")
	}
}
