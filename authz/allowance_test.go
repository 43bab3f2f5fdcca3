package authz_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"localsigner/authz"
)

// grantOf returns the id of the only grant of client.
func (f *fixture) grantOf(t *testing.T, client string) string {
	t.Helper()
	gs, err := f.iss.Grants()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.ClientID == client {
			return g.ID
		}
	}
	t.Fatalf("no grant of %s", client)
	return ""
}

func TestAllowance(t *testing.T) {
	f := newFixture(t)
	f.authorize(t, "dapp", "transfer")
	f.authorize(t, "other", "transfer")
	gid := f.grantOf(t, "dapp")
	day := authz.DayOf(f.clk.Now())
	hive := func(units int64) map[string]int64 { return map[string]int64{"HIVE": units} }

	if err := f.iss.ReserveSpending(gid, day, hive(1)); !errors.Is(err, authz.ErrAllowanceExceeded) {
		t.Fatalf("no allowance: %v", err)
	}
	if _, err := f.iss.SetAllowance("nobody", authz.Allowance{Asset: "HIVE", PerDay: 1}); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if _, err := f.iss.SetAllowance("dapp", authz.Allowance{Asset: "hive<", PerDay: 1}); err == nil {
		t.Fatal("bad symbol accepted")
	}
	// By client id: every grant of the client; by grant id: that one.
	if n, err := f.iss.SetAllowance("dapp", authz.Allowance{Asset: "HIVE", PerDay: 2000, Precision: 3}); err != nil || n != 1 {
		t.Fatalf("set: %d %v", n, err)
	}
	if n, err := f.iss.SetAllowance(gid, authz.Allowance{Asset: "HBD", PerDay: 500, Precision: 3}); err != nil || n != 1 {
		t.Fatalf("set by grant: %d %v", n, err)
	}
	g, _ := f.iss.Grant(gid)
	if len(g.Allowances) != 2 || g.Allowances[0].Asset != "HBD" || g.Allowances[1].PerDay != 2000 {
		t.Fatalf("allowances %+v", g.Allowances)
	}
	if g, _ := f.iss.Grant(f.grantOf(t, "other")); len(g.Allowances) != 0 {
		t.Fatal("another client's grant changed")
	}

	if err := f.iss.ReserveSpending(gid, day, hive(1500)); err != nil {
		t.Fatal(err)
	}
	before := f.sum(t)
	if err := f.iss.ReserveSpending(gid, day, map[string]int64{"HIVE": 501}); !errors.Is(err, authz.ErrAllowanceExceeded) {
		t.Fatalf("over the limit: %v", err)
	}
	if err := f.iss.ReserveSpending(gid, day, map[string]int64{"HIVE": 1, "VESTS": 1}); !errors.Is(err, authz.ErrAllowanceExceeded) {
		t.Fatalf("asset without allowance: %v", err)
	}
	if f.sum(t) != before {
		t.Fatal("a refused reservation changed the store")
	}
	if err := f.iss.ReserveSpending(gid, day, map[string]int64{"HIVE": 500, "HBD": 500}); err != nil {
		t.Fatalf("exactly up to the limits: %v", err)
	}
	// A refused transaction gives its reservation back.
	if err := f.iss.ReleaseSpending(gid, day, hive(500)); err != nil {
		t.Fatal(err)
	}
	if err := f.iss.ReserveSpending(gid, day, hive(500)); err != nil {
		t.Fatalf("after release: %v", err)
	}
	// A new UTC day starts from zero; a late release of yesterday is ignored.
	f.clk.Advance(24 * time.Hour)
	next := authz.DayOf(f.clk.Now())
	if err := f.iss.ReserveSpending(gid, next, hive(2000)); err != nil {
		t.Fatalf("next day: %v", err)
	}
	if err := f.iss.ReleaseSpending(gid, day, hive(2000)); err != nil {
		t.Fatal(err)
	}
	if err := f.iss.ReserveSpending(gid, next, hive(1)); !errors.Is(err, authz.ErrAllowanceExceeded) {
		t.Fatalf("yesterday's release counted today: %v", err)
	}
	// Removing the allowance.
	if _, err := f.iss.SetAllowance("dapp", authz.Allowance{Asset: "HIVE"}); err != nil {
		t.Fatal(err)
	}
	if g, _ := f.iss.Grant(gid); len(g.Allowances) != 1 || g.Allowances[0].Asset != "HBD" {
		t.Fatalf("after removal %+v", g.Allowances)
	}
	ev, _ := f.iss.Audit(0)
	n := 0
	for _, e := range ev {
		if e.Type == authz.EventAllowanceSet {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d allowance_set events, want 3", n)
	}
}

// TestAllowanceConcurrent: parallel reservations never exceed the limit
// together.
func TestAllowanceConcurrent(t *testing.T) {
	f := newFixture(t)
	f.authorize(t, "dapp", "transfer")
	gid := f.grantOf(t, "dapp")
	if _, err := f.iss.SetAllowance(gid, authz.Allowance{Asset: "HIVE", PerDay: 10, Precision: 3}); err != nil {
		t.Fatal(err)
	}
	day := authz.DayOf(f.clk.Now())
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 25 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if f.iss.ReserveSpending(gid, day, map[string]int64{"HIVE": 1}) == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 10 {
		t.Fatalf("%d reservations of 1 within a limit of 10", ok.Load())
	}
}

func TestFormatUnits(t *testing.T) {
	for _, tc := range []struct {
		units int64
		prec  uint8
		want  string
	}{{10000, 3, "10.000"}, {1, 3, "0.001"}, {0, 6, "0.000000"}, {-5, 2, "-0.05"}, {42, 0, "42"}} {
		if got := authz.FormatUnits(tc.units, tc.prec); got != tc.want {
			t.Errorf("FormatUnits(%d, %d) = %s, want %s", tc.units, tc.prec, got, tc.want)
		}
	}
}
