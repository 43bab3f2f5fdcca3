package authz_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"localsigner/authz"
	"localsigner/store"
)

// retentionIssuer is an issuer on a fresh store with retention r, on the
// clock clk.
func retentionIssuer(t *testing.T, r authz.Retention, clk *clock) (*authz.Issuer, *store.DB) {
	t.Helper()
	f := newFixtureWith(t, r, clk)
	return f.iss, f.db
}

// record appends n events an hour apart, alternating two clients.
func record(t *testing.T, iss *authz.Issuer, clk *clock, n int) {
	t.Helper()
	for i := range n {
		if err := iss.Record(authz.Event{Time: clk.Now(), Type: authz.EventBroadcast, ClientID: fmt.Sprintf("dapp%d", i%2),
			Account: "alice", Detail: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
	}
}

// The log keeps the newest Keep events and none older than MaxAge; what
// goes is archived first, oldest first, in chunks; a failing archive keeps
// everything.
func TestAuditRetention(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	var archived []authz.Event
	var chunks int
	fail := false
	iss, _ := retentionIssuer(t, authz.Retention{Keep: 500, Archive: func(es []authz.Event) error {
		if fail {
			return errors.New("disk full")
		}
		chunks++
		archived = append(archived, es...)
		return nil
	}}, clk)
	record(t, iss, clk, 2600)

	fail = true
	if n, err := iss.PruneAudit(); err == nil || n != 0 {
		t.Fatalf("prune with a failing archive: %d, %v", n, err)
	}
	if all, _ := iss.Audit(0); len(all) != 2600 {
		t.Fatalf("a failed archive lost events: %d left", len(all))
	}
	fail = false
	n, err := iss.PruneAudit()
	if err != nil || n != 2100 || len(archived) != 2100 || chunks != 3 {
		t.Fatalf("pruned %d (%v), archived %d in %d chunks; want 2100 in 3", n, err, len(archived), chunks)
	}
	if archived[0].Detail != "0" || archived[2099].Detail != "2099" {
		t.Fatalf("archive order: first %q last %q", archived[0].Detail, archived[2099].Detail)
	}
	left, _ := iss.Audit(0)
	if len(left) != 500 || left[0].Detail != "2100" {
		t.Fatalf("%d left, oldest %q", len(left), left[0].Detail)
	}

	// By age: nothing older than 100 hours, whatever the count.
	aged, _ := retentionIssuer(t, authz.Retention{Keep: 1 << 20, MaxAge: 100 * time.Hour}, clk)
	record(t, aged, clk, 300)
	if n, err := aged.PruneAudit(); err != nil || n != 200 {
		t.Fatalf("pruned by age %d, %v; want 200", n, err)
	}
}

// AuditFind filters by client, account and time, newest matches first in
// the limit, and reads no further back than Since.
func TestAuditFind(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	iss, _ := retentionIssuer(t, authz.Retention{}, clk)
	start := clk.Now()
	record(t, iss, clk, 10)
	got, err := iss.AuditFind(authz.AuditFilter{ClientID: "dapp1", Limit: 2})
	if err != nil || len(got) != 2 || got[0].Detail != "7" || got[1].Detail != "9" {
		t.Fatalf("dapp1, newest 2: %+v %v", got, err)
	}
	got, _ = iss.AuditFind(authz.AuditFilter{Since: start.Add(5 * time.Hour), Until: start.Add(8 * time.Hour)})
	if len(got) != 3 || got[0].Detail != "5" || got[2].Detail != "7" {
		t.Fatalf("hours 5-7: %+v", got)
	}
	if got, _ = iss.AuditFind(authz.AuditFilter{Account: "bob"}); len(got) != 0 {
		t.Fatalf("bob: %+v", got)
	}
}
