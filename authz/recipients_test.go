package authz_test

import (
	"fmt"
	"slices"
	"testing"

	"localsigner/authz"
)

// Recipients are kept per chain and account, one sent to again moves to
// the end, and the oldest go beyond MaxRecipients.
func TestRecipients(t *testing.T) {
	f := newFixture(t)
	if got, err := f.iss.SentTo("devnet", "alice"); err != nil || len(got) != 0 {
		t.Fatalf("before any: %q %v", got, err)
	}
	for _, names := range [][]string{{"bob"}, {"carol", "zzsecretfriend"}, {"bob"}} {
		if err := f.iss.NoteSent("devnet", "alice", names); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := f.iss.SentTo("devnet", "alice"); !slices.Equal(got, []string{"carol", "zzsecretfriend", "bob"}) {
		t.Errorf("alice sent to %q", got)
	}
	if got, _ := f.iss.SentTo("hive", "alice"); len(got) != 0 {
		t.Errorf("another chain: %q", got)
	}
	var many []string
	for i := range authz.MaxRecipients + 5 {
		many = append(many, fmt.Sprintf("r%05d", i))
	}
	if err := f.iss.NoteSent("devnet", "bob", many); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.iss.SentTo("devnet", "bob"); len(got) != authz.MaxRecipients || got[0] != "r00005" {
		t.Errorf("bob keeps %d, first %q", len(got), got[0])
	}
}
