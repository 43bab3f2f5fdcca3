package store

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
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

// AuditFind by client or account reads through the indexes and gives
// the same events as a scan, pruned ones gone from the index too; a log
// written before the indexes is indexed when the store opens.
func TestAuditIndexes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	err = db.Update(func(tx authz.Tx) error {
		for i := range 30 {
			e := &authz.Event{Time: t0.Add(time.Duration(i) * time.Minute), Type: "x", ClientID: []string{"a", "ab", "b"}[i%3],
				Account: []string{"alice", "bob"}[i%2]}
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	find := func(db *DB, f authz.AuditFilter) []uint64 {
		t.Helper()
		var seqs []uint64
		err := db.View(func(tx authz.Tx) error {
			es, err := tx.AuditFind(f)
			for _, e := range es {
				seqs = append(seqs, e.Seq)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return seqs
	}
	scan := func(f authz.AuditFilter, from uint64) []uint64 {
		var seqs []uint64
		for i := uint64(from); i <= 30; i++ {
			e := authz.Event{Seq: i, Time: t0.Add(time.Duration(i-1) * time.Minute), ClientID: []string{"a", "ab", "b"}[(i-1)%3],
				Account: []string{"alice", "bob"}[(i-1)%2]}
			if f.Match(&e) {
				seqs = append(seqs, i)
			}
		}
		if f.Limit > 0 && len(seqs) > f.Limit {
			seqs = seqs[len(seqs)-f.Limit:]
		}
		return seqs
	}
	filters := []authz.AuditFilter{{ClientID: "a"}, {ClientID: "ab", Limit: 3}, {Account: "bob"},
		{ClientID: "b", Account: "alice"}, {Account: "alice", Since: t0.Add(20 * time.Minute)}, {ClientID: "nobody"}}
	for _, f := range filters {
		if got, want := find(db, f), scan(f, 1); !slices.Equal(got, want) {
			t.Errorf("%+v: %v, want %v", f, got, want)
		}
	}
	if err := db.Update(func(tx authz.Tx) error { return tx.DeleteAuditThrough(10) }); err != nil {
		t.Fatal(err)
	}
	for _, f := range filters {
		if got, want := find(db, f), scan(f, 11); !slices.Equal(got, want) {
			t.Errorf("after pruning, %+v: %v, want %v", f, got, want)
		}
	}
	db.Close()
	// An older store: no indexes. Opening builds them.
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketAuditClient, bucketAuditAccount} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Delete(auditIndexName)
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	db2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	for _, f := range filters {
		if got, want := find(db2, f), scan(f, 11); !slices.Equal(got, want) {
			t.Errorf("reindexed, %+v: %v, want %v", f, got, want)
		}
	}
}
