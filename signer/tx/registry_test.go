package tx

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"localsigner/signer/chain"
)

// TestRegistryComplete walks every operation package tx can sign and holds
// its spec against its wire layout, so that a new operation, or a new member
// of one, cannot be added without saying what it means: every account member
// is an actor or a counterparty, every amount a debit or untouched, every key
// or authority an effect, every memo keyed where the operation can be
// remembered; and its label, role and summary are there.
func TestRegistryComplete(t *testing.T) {
	hive, err := chain.Lookup("hive", "")
	if err != nil {
		t.Fatal(err)
	}
	pp, err := chain.Lookup("peerplays", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []struct {
		c     *chain.Chain
		table *opTable
	}{{hive, hiveOps}, {pp, grapheneOps}} {
		if len(Specs(set.c.Family)) != len(set.table.byName) {
			t.Errorf("%s: %d specs for %d operations", set.c.Name, len(Specs(set.c.Family)), len(set.table.byName))
		}
		for name, ctor := range set.table.byName {
			t.Run(set.c.Name+"/"+name, func(t *testing.T) {
				checkSpec(t, set.c, ctor(), false)
				checkSpec(t, set.c, withOptionals(ctor()), true)
			})
		}
	}
}

// withOptionals sets every optional member of op (a nil pointer field) to
// its zero value, so that the walk sees those members too.
func withOptionals(op Operation) Operation {
	v := reflect.ValueOf(op).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer && f.IsNil() && f.CanSet() {
			f.Set(reflect.New(f.Type().Elem()))
		}
	}
	return op
}

// checkSpec checks op's spec; full says every optional member is set, so
// that every member the spec names must be there.
func checkSpec(t *testing.T, c *chain.Chain, op Operation, full bool) {
	spec := SpecOf(op)
	if spec == nil {
		t.Fatal("no spec")
	}
	if spec.ID != op.code().id || spec.Family != c.Family || spec.Name != op.Name() {
		t.Errorf("spec %s/%d/%v, operation %s/%d/%v", spec.Name, spec.ID, spec.Family, op.Name(), op.code().id, c.Family)
	}
	if spec.Label == "" {
		t.Error("no label")
	}
	if s := Summary(c, op); s == "" || s == "Operation "+op.Name() {
		t.Errorf("no summary of its own: %q", s)
	}
	if spec.Role < Posting || spec.Role > Owner {
		t.Errorf("role %v", spec.Role)
	}
	// The plain form (no optional member set) needs exactly the listed role;
	// with optional members, never less.
	var plain Role
	for _, r := range op.RequiredAuthorities() {
		plain = max(plain, r.Role)
	}
	if plain != 0 && plain < spec.Role || plain > spec.Role && spec.Effects == 0 {
		t.Errorf("role %v, but the plain operation needs %v", spec.Role, plain)
	}
	if spec.Remember && spec.Effects != 0 {
		t.Error("an operation with effects is remembered")
	}

	ms := membersOf(c, op)
	paths := map[string]memberKind{}
	for _, m := range ms {
		paths[m.path] = m.kind
	}
	for _, list := range [][]string{spec.Actors, spec.Counterparties, spec.Keyed, spec.Debits, spec.Untouched} {
		for _, p := range list {
			if _, ok := paths[p]; !ok && full {
				t.Errorf("spec names %q, which the operation does not have", p)
			}
		}
	}
	for _, m := range ms {
		switch m.kind {
		case memberAccount, memberAccounts:
			if !slices.Contains(spec.Actors, m.path) && !slices.Contains(spec.Counterparties, m.path) {
				t.Errorf("account member %q is neither an actor nor a counterparty", m.path)
			}
		case memberAsset:
			if slices.Contains(spec.Debits, m.path) == slices.Contains(spec.Untouched, m.path) {
				t.Errorf("amount %q must be a debit or untouched, exactly one", m.path)
			}
		case memberKey, memberAuthority, memberVotes:
			if spec.Effects == 0 {
				t.Errorf("%q sets keys, authorities or votes, but the spec lists no effect", m.path)
			}
		case memberText:
			if spec.Remember && strings.HasSuffix(m.path, "memo") && !slices.Contains(spec.Keyed, m.path) {
				t.Errorf("rememberable, but its %q is not part of the key", m.path)
			}
		}
	}
	for _, p := range spec.Actors {
		if k := paths[p]; k != memberAccount && k != memberAccounts {
			t.Errorf("actor %q is not an account member", p)
		}
	}
	if spec.Allowance {
		if len(spec.Debits) == 0 {
			t.Error("an allowance covers it, but it debits nothing")
		}
		if spec.Effects != 0 {
			t.Error("an allowance covers an operation with effects")
		}
	}
	if spec.Rememberable() {
		want := append(slices.Clone(spec.Counterparties), spec.Keyed...)
		f := Describe(c, op)
		sealed := slices.ContainsFunc(ms, func(m member) bool { return strings.HasPrefix(m.value, "(encrypted)") })
		if f.Remember == nil && op.Name() != "custom_json" && !sealed {
			t.Fatal("rememberable, but Describe gives no key")
		}
		if f.Remember != nil {
			if len(f.Remember.Match) != len(want) || f.Remember.Text == "" {
				t.Errorf("key %+v, want members %v", f.Remember, want)
			}
			if !RememberQualifies(c.Family, f.Remember.Operation, f.Remember.Match) {
				t.Errorf("its own key %+v does not qualify", f.Remember)
			}
		}
	} else if f := Describe(c, op); f.Remember != nil {
		t.Errorf("not rememberable, but Describe gives a key %+v", f.Remember)
	}
}
