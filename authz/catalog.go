package authz

import (
	"maps"
	"slices"

	"localsigner/signer/chain"
)

// Authority is the account authority an operation needs: posting, active or
// owner (chain.Posting, chain.Active, chain.Owner). It is the chain's Role,
// the one the transaction layer picks keys by, so a scope and a signature
// can never disagree about a level.
type Authority = chain.Role

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
