package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"localsigner/authz"
)

var (
	testKey  = bytes.Repeat([]byte{7}, 32)
	otherKey = bytes.Repeat([]byte{9}, 32)
)

// openAt opens the store in dir, with its records open under key unless
// key is nil.
func openAt(t *testing.T, dir string, key []byte, fresh bool) (*DB, SealReport) {
	t.Helper()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var rep SealReport
	if key != nil {
		if rep, err = db.OpenRecords(key, fresh); err != nil {
			t.Fatal(err)
		}
	}
	return db, rep
}

// raw edits the file as another program would, with the store closed.
func raw(t *testing.T, dir string, fn func(*bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func grantJSON(t *testing.T, g authz.Grant) []byte {
	t.Helper()
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func seed(t *testing.T, db *DB) {
	t.Helper()
	err := db.Update(func(tx authz.Tx) error {
		if err := tx.PutClient(&authz.Client{ID: "dapp", Kind: authz.Public, RedirectURIs: []string{"https://dapp.example/cb"}}); err != nil {
			return err
		}
		if err := tx.PutGrant(&authz.Grant{ID: "g1", ClientID: "dapp", Account: "alice", Scopes: authz.Scopes{"login"}}); err != nil {
			return err
		}
		return tx.PutToken(&authz.Token{Digest: authz.DigestOf("tok"), Kind: authz.KindAccess, GrantID: "g1", ClientID: "dapp"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Before the first unlock nothing that grants anything can be read or
// written; the audit log still can.
func TestSealedBeforeOpen(t *testing.T) {
	db, _ := openAt(t, filepath.Join(t.TempDir(), "data"), nil, false)
	if !db.Sealed() {
		t.Fatal("a new store is not sealed")
	}
	err := db.View(func(tx authz.Tx) error {
		_, e1 := tx.Grant("g1")
		_, e2 := tx.Clients()
		_, e3 := tx.Token(authz.DigestOf("x"))
		return errors.Join(e1, e2, e3)
	})
	if !errors.Is(err, authz.ErrSealed) {
		t.Fatalf("reads before OpenRecords: %v, want ErrSealed", err)
	}
	if err := db.Update(func(tx authz.Tx) error { return tx.PutGrant(&authz.Grant{ID: "g"}) }); !errors.Is(err, authz.ErrSealed) {
		t.Fatalf("write before OpenRecords: %v, want ErrSealed", err)
	}
	if err := db.Update(func(tx authz.Tx) error { return tx.AppendAudit(&authz.Event{Type: "x"}) }); err != nil {
		t.Fatalf("audit before OpenRecords: %v", err)
	}
	if e := authz.AsError(authz.ErrSealed); e.Code != authz.CodeTemporarilyUnavailable {
		t.Fatalf("ErrSealed as an OAuth error: %v", e)
	}
	if _, err := db.OpenRecords([]byte("short"), true); err == nil {
		t.Fatal("OpenRecords took a short key")
	}
}

// Every way of making a standing permission by editing the file without
// the key ends with the record ignored and reported, never used.
func TestTamperedRecordsIgnored(t *testing.T) {
	widened := authz.Grant{ID: "g1", ClientID: "dapp", Account: "alice", Scopes: authz.Scopes{"login", "transfer"}}
	cases := []struct {
		name string
		edit func(t *testing.T, tx *bolt.Tx)
		kind string
	}{
		{"plain JSON grant added", func(t *testing.T, tx *bolt.Tx) {
			tx.Bucket(bucketGrants).Put([]byte("evil"), grantJSON(t, authz.Grant{ID: "evil", ClientID: "dapp", Account: "alice", Scopes: authz.Scopes{"transfer"}}))
		}, "grant"},
		{"grant widened in place, tag kept", func(t *testing.T, tx *bolt.Tx) {
			b := tx.Bucket(bucketGrants)
			old := b.Get([]byte("g1"))
			v := append(bytes.Clone(old[:len(sealMagic)+tagLen]), grantJSON(t, widened)...)
			b.Put([]byte("g1"), v)
		}, "grant"},
		{"grant record copied under another id", func(t *testing.T, tx *bolt.Tx) {
			b := tx.Bucket(bucketGrants)
			b.Put([]byte("g2"), bytes.Clone(b.Get([]byte("g1"))))
		}, "grant"},
		{"token record moved to a digest the attacker knows", func(t *testing.T, tx *bolt.Tx) {
			b := tx.Bucket(bucketTokens)
			d, src := authz.DigestOf("attacker's secret"), authz.DigestOf("tok")
			b.Put(d[:], bytes.Clone(b.Get(src[:])))
		}, "token"},
		{"client's redirect URI changed", func(t *testing.T, tx *bolt.Tx) {
			b := tx.Bucket(bucketClients)
			old := b.Get([]byte("dapp"))
			c, _ := json.Marshal(authz.Client{ID: "dapp", Kind: authz.Public, RedirectURIs: []string{"https://evil.example/cb"}})
			b.Put([]byte("dapp"), append(bytes.Clone(old[:len(sealMagic)+tagLen]), c...))
		}, "client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			db, _ := openAt(t, dir, testKey, true)
			seed(t, db)
			db.Close()
			raw(t, dir, func(tx *bolt.Tx) error { tc.edit(t, tx); return nil })

			db2, rep := openAt(t, dir, testKey, false)
			if len(rep.Rejected) != 1 || rep.Rejected[0].Kind != tc.kind || rep.Adopted != 0 || rep.OtherKey {
				t.Fatalf("report = %+v, want one rejected %s", rep, tc.kind)
			}
			var nRejected []RejectedRecord
			db2.OnRejected(func(r RejectedRecord) { nRejected = append(nRejected, r) })
			err := db2.View(func(tx authz.Tx) error {
				gs, err := tx.Grants()
				if err != nil {
					return err
				}
				for _, g := range gs {
					if g.ID != "g1" || !slices.Equal(g.Scopes, authz.Scopes{"login"}) {
						t.Errorf("a tampered grant is read: %+v", g)
					}
				}
				if _, err := tx.Token(authz.DigestOf("attacker's secret")); !errors.Is(err, authz.ErrNotFound) {
					t.Errorf("moved token: %v, want ErrNotFound", err)
				}
				if c, err := tx.Client("dapp"); err == nil && c.RedirectURIs[0] != "https://dapp.example/cb" {
					t.Errorf("tampered client read: %+v", c)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := db2.Rejected(); len(got) != 1 {
				t.Fatalf("Rejected = %v, want the one record", got)
			}
			if len(nRejected) != 0 {
				t.Fatalf("a record reported twice: %v", nRejected)
			}
		})
	}
}

// An older version's unsealed records are adopted once, at the vault's
// first store key, and only if the store was never sealed.
func TestAdoptLegacyRecords(t *testing.T) {
	legacy := func(t *testing.T, dir string) {
		db, _ := openAt(t, dir, nil, false) // creates the buckets
		db.Close()
		raw(t, dir, func(tx *bolt.Tx) error {
			return tx.Bucket(bucketGrants).Put([]byte("old"), grantJSON(t, authz.Grant{ID: "old", ClientID: "dapp", Scopes: authz.Scopes{"login"}}))
		})
	}
	t.Run("first key adopts", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		legacy(t, dir)
		db, rep := openAt(t, dir, testKey, true)
		if rep.Adopted != 1 || len(rep.Rejected) != 0 {
			t.Fatalf("report = %+v, want one adopted", rep)
		}
		if err := db.View(func(tx authz.Tx) error { _, err := tx.Grant("old"); return err }); err != nil {
			t.Fatalf("adopted grant: %v", err)
		}
		db.Close()
		// Adopted means sealed: a later open (not fresh) still reads it.
		db2, rep := openAt(t, dir, testKey, false)
		if rep.Adopted != 0 || len(rep.Rejected) != 0 {
			t.Fatalf("second open: %+v", rep)
		}
		if err := db2.View(func(tx authz.Tx) error { _, err := tx.Grant("old"); return err }); err != nil {
			t.Fatalf("adopted grant after reopening: %v", err)
		}
	})
	t.Run("a key that existed before rejects", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		legacy(t, dir)
		_, rep := openAt(t, dir, testKey, false)
		if rep.Adopted != 0 || len(rep.Rejected) != 1 {
			t.Fatalf("report = %+v, want one rejected", rep)
		}
	})
	t.Run("seal check removed to pose as an old store", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		db, _ := openAt(t, dir, testKey, true)
		seed(t, db)
		db.Close()
		raw(t, dir, func(tx *bolt.Tx) error {
			tx.Bucket(bucketMeta).Delete(sealCheckName)
			return tx.Bucket(bucketGrants).Put([]byte("evil"), grantJSON(t, authz.Grant{ID: "evil", Scopes: authz.Scopes{"transfer"}}))
		})
		// The vault's key exists already, so fresh is false: nothing adopted.
		_, rep := openAt(t, dir, testKey, false)
		if rep.Adopted != 0 || len(rep.Rejected) != 1 || rep.Rejected[0].ID != "evil" {
			t.Fatalf("report = %+v, want evil rejected", rep)
		}
	})
	t.Run("sealed store never adopts, even on a fresh key", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		db, _ := openAt(t, dir, testKey, true)
		seed(t, db)
		db.Close()
		raw(t, dir, func(tx *bolt.Tx) error {
			return tx.Bucket(bucketGrants).Put([]byte("evil"), grantJSON(t, authz.Grant{ID: "evil"}))
		})
		_, rep := openAt(t, dir, otherKey, true)
		if !rep.OtherKey || rep.Adopted != 0 || len(rep.Rejected) != 4 {
			t.Fatalf("report = %+v, want every record rejected under another key", rep)
		}
	})
}

// The client → grants index follows puts and deletes, and is rebuilt from
// the grants that pass their check when the records open: an index entry
// someone added, or one for a rejected grant, lists nothing.
func TestClientGrantsIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, _ := openAt(t, dir, testKey, true)
	seed(t, db) // client "dapp", grant g1
	err := db.Update(func(tx authz.Tx) error {
		for _, g := range []authz.Grant{{ID: "g2", ClientID: "dapp"}, {ID: "g3", ClientID: "other"}} {
			if err := tx.PutGrant(&g); err != nil {
				return err
			}
		}
		return tx.DeleteGrant("g1")
	})
	if err != nil {
		t.Fatal(err)
	}
	list := func(db *DB, client string) []string {
		t.Helper()
		var ids []string
		err := db.View(func(tx authz.Tx) error {
			gs, err := tx.ClientGrants(client)
			for _, g := range gs {
				ids = append(ids, g.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := list(db, "dapp"); !slices.Equal(got, []string{"g2"}) {
		t.Fatalf("dapp's grants %v, want [g2]", got)
	}
	db.Close()
	raw(t, dir, func(tx *bolt.Tx) error {
		// A forged index entry pointing at another client's grant, and a
		// dropped one.
		idx := tx.Bucket(bucketClientGrants)
		if err := idx.Put(pairKey("dapp", "g3"), nil); err != nil {
			return err
		}
		return idx.Delete(pairKey("dapp", "g2"))
	})
	db2, _ := openAt(t, dir, testKey, false)
	if got := list(db2, "dapp"); !slices.Equal(got, []string{"g2"}) {
		t.Fatalf("after reopening, dapp's grants %v, want [g2]", got)
	}
	if got := list(db2, "other"); !slices.Equal(got, []string{"g3"}) {
		t.Fatalf("other's grants %v, want [g3]", got)
	}
}

// The origin index follows client writes, and a forged entry (a client that
// does not have the origin) allows nothing.
func TestOriginIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, _ := openAt(t, dir, testKey, true)
	seed(t, db) // client "dapp" at https://dapp.example
	allowed := func(db *DB, o string) bool {
		t.Helper()
		var ok bool
		if err := db.View(func(tx authz.Tx) (err error) { ok, err = tx.OriginAllowed(o); return err }); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !allowed(db, "https://dapp.example") || allowed(db, "https://other.example") {
		t.Fatal("origins before the move")
	}
	err := db.Update(func(tx authz.Tx) error {
		return tx.PutClient(&authz.Client{ID: "dapp", Kind: authz.Public, RedirectURIs: []string{"https://moved.example/cb"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if allowed(db, "https://dapp.example") || !allowed(db, "https://moved.example") {
		t.Fatal("the index did not follow the client's new redirect URI")
	}
	db.Close()
	raw(t, dir, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOrigins).Put(pairKey("https://evil.example", "dapp"), nil)
	})
	db2, _ := openAt(t, dir, testKey, false)
	if allowed(db2, "https://evil.example") {
		t.Fatal("a forged index entry allowed an origin")
	}
	err = db2.Update(func(tx authz.Tx) error { return tx.DeleteClient("dapp") })
	if err != nil || allowed(db2, "https://moved.example") {
		t.Fatalf("a deleted client's origin is allowed (%v)", err)
	}
}
