package authz

import (
	"fmt"
	"maps"
	"slices"
)

// Authority is the account authority an operation needs: posting, active or
// owner. It mirrors tx.Role (same order and names) without importing the
// transaction code, so the OAuth core builds and tests on its own.
type Authority int

// Authorities in increasing power.
const (
	Posting Authority = iota + 1
	Active
	Owner
)

// String returns "posting", "active" or "owner", as tx.Role does.
func (a Authority) String() string {
	switch a {
	case Posting:
		return "posting"
	case Active:
		return "active"
	case Owner:
		return "owner"
	}
	return fmt.Sprintf("Authority(%d)", int(a))
}

// Catalog tells which operations a chain has and the authority each needs in
// its plain form (what tx.Operation.RequiredAuthorities returns for the
// operation's main account fields). Operations whose authority depends on
// their content are listed at their lowest level: custom_json is posting
// (active only with required_auths), account_update2 is posting (active or
// owner when keys change), account_update is active (owner when the owner
// key changes). A scope grants an operation only at that listed level; the
// wallet refuses any instance needing more, and never signs with owner.
// The wallet builds the catalog from the transaction layer's operation
// registry; this package keeps no list of its own.
type Catalog interface {
	// Authority returns the authority op needs and whether the chain has
	// an operation of that name that Localsigner can sign.
	Authority(op string) (Authority, bool)
	// Label says in a few words what op does ("send funds"), for people
	// deciding on a scope; empty if the catalog has none.
	Label(op string) string
	// Names lists the operations, sorted.
	Names() []string
}

// OpTable is a Catalog backed by a map from operation name to authority,
// without labels: for tests and tools.
type OpTable map[string]Authority

// Authority implements Catalog.
func (t OpTable) Authority(op string) (Authority, bool) {
	a, ok := t[op]
	return a, ok
}

// Label implements Catalog: OpTable has no labels.
func (t OpTable) Label(string) string { return "" }

// Names implements Catalog.
func (t OpTable) Names() []string { return slices.Sorted(maps.Keys(t)) }
