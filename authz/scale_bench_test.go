package authz_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"localsigner/authz"
	"localsigner/store"
)

// scaleAudit is how many audit events BenchmarkRecordsAtScale stores:
// 100,000 by default, LOCALSIGNER_BENCH_AUDIT=1000000 for a power user's
// million (BENCHMARKS.md).
func scaleAudit(b *testing.B) int {
	if s := os.Getenv("LOCALSIGNER_BENCH_AUDIT"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("LOCALSIGNER_BENCH_AUDIT=%q", s)
		}
		return n
	}
	return 100_000
}

// BenchmarkRecordsAtScale populates a store with 10,000 dapps, each with a
// grant and two tokens, and a long audit log, then times what the command
// line, the admin socket and the desktop app do with it. The target is
// 100 ms per operation (issue: records that scale).
func BenchmarkRecordsAtScale(b *testing.B) {
	const dapps = 10_000
	events := scaleAudit(b)
	db, err := store.Open(filepath.Join(b.TempDir(), "data"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.OpenRecords(bytes.Repeat([]byte{1}, 32), true); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	tokens := make([]string, dapps)
	err = db.Update(func(tx authz.Tx) error {
		for i := range dapps {
			id := fmt.Sprintf("dapp%05d", i)
			if err := tx.PutClient(&authz.Client{ID: id, Kind: authz.Public, CreatedAt: now,
				RedirectURIs: []string{fmt.Sprintf("https://d%05d.example/cb", i)}}); err != nil {
				return err
			}
			g := &authz.Grant{ID: "g" + id, ClientID: id, Chain: "devnet", Account: "alice", CreatedAt: now,
				Scopes: authz.Scopes{"login", "vote"}, Origin: fmt.Sprintf("https://d%05d.example", i)}
			if err := tx.PutGrant(g); err != nil {
				return err
			}
			for j, kind := range []authz.TokenKind{authz.KindAccess, authz.KindRefresh} {
				secret := fmt.Sprintf("%s-%d", id, j)
				if j == 0 {
					tokens[i] = secret
				}
				if err := tx.PutToken(&authz.Token{Digest: authz.DigestOf(secret), Kind: kind, GrantID: g.ID, ClientID: id,
					Chain: "devnet", Account: "alice", Scopes: g.Scopes, IssuedAt: now, ExpiresAt: now.Add(time.Hour),
					KeepUntil: now.Add(time.Hour)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 50_000
	for done := 0; done < events; done += batch {
		err := db.Update(func(tx authz.Tx) error {
			for i := done; i < min(done+batch, events); i++ {
				e := &authz.Event{Time: now.Add(time.Duration(i-events) * time.Second), Type: authz.EventBroadcast,
					ClientID: fmt.Sprintf("dapp%05d", i%dapps), Account: "alice", Operations: []string{"vote"}, Outcome: "broadcast"}
				if err := tx.AppendAudit(e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("store: %d dapps, %d audit events, populated in %v", dapps, events, time.Since(now).Round(time.Millisecond))
	iss, err := authz.NewIssuer(authz.IssuerConfig{Store: db, Catalog: authz.HiveOps, Chain: "devnet",
		Retention: authz.Retention{Keep: events}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ListGrants", func(b *testing.B) {
		for b.Loop() {
			if gs, err := iss.Grants(); err != nil || len(gs) != dapps {
				b.Fatal(len(gs), err)
			}
		}
	})
	b.Run("LookupToken", func(b *testing.B) {
		for b.Loop() {
			if _, err := iss.Lookup(tokens[dapps/2]); err != nil && err != authz.ErrNotFound {
				b.Fatal(err)
			}
		}
	})
	b.Run("OriginCheck", func(b *testing.B) {
		for b.Loop() {
			if ok, err := iss.OriginAllowed("https://d05000.example"); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("LogNewest50", func(b *testing.B) {
		for b.Loop() {
			if es, err := iss.AuditFind(authz.AuditFilter{Limit: 50}); err != nil || len(es) != 50 {
				b.Fatal(len(es), err)
			}
		}
	})
	b.Run("LogNewest50OfOneApp", func(b *testing.B) {
		for b.Loop() {
			if es, err := iss.AuditFind(authz.AuditFilter{Limit: 50, ClientID: "dapp00042"}); err != nil || len(es) == 0 {
				b.Fatal(len(es), err)
			}
		}
	})
	b.Run("LogLastHour", func(b *testing.B) {
		for b.Loop() {
			if _, err := iss.AuditFind(authz.AuditFilter{Since: now.Add(-time.Hour)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RevokeOneOf10k", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if n, err := iss.RevokeClient(fmt.Sprintf("dapp%05d", i)); err != nil || n != 1 {
				b.Fatal(n, err)
			}
			i++
		}
	})
	b.Run("PruneOneChunk", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			var first, last uint64
			if err := db.View(func(tx authz.Tx) (err error) { first, last, err = tx.AuditSpan(); return err }); err != nil {
				b.Fatal(err)
			}
			keep := max(int(last-first+1)-1000, 1) // one chunk over the limit
			p, err := authz.NewIssuer(authz.IssuerConfig{Store: db, Catalog: authz.HiveOps, Chain: "devnet",
				Retention: authz.Retention{Keep: keep}})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := p.PruneAudit(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
