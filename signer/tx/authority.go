package tx

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

// Role is the authority level an operation needs from an account. The
// signer uses it to pick which of the account's keys may sign.
type Role = chain.Role

// The roles, in increasing power.
const (
	Posting = chain.Posting
	Active  = chain.Active
	Owner   = chain.Owner
)

// Requirement says that Account must authorize with Role. Account is a Hive
// account name, or a Graphene account id such as "1.2.1234".
type Requirement struct {
	Account string
	Role    Role
}

func require(role Role, accounts ...string) []Requirement {
	r := make([]Requirement, len(accounts))
	for i, a := range accounts {
		r[i] = Requirement{Account: a, Role: role}
	}
	return r
}

// AccountWeight is one entry of a Hive authority's account_auths.
type AccountWeight struct {
	Account string
	Weight  uint16
}

// KeyWeight is one entry of an authority's key_auths.
type KeyWeight struct {
	Key    keys.PublicKey
	Weight uint16
}

// Authority is a Hive authority: a weight threshold met by the summed weights
// of accounts and keys that signed. Entries are kept sorted and unique, the
// order the node serializes them in (flat_map); Decode sorts them.
type Authority struct {
	WeightThreshold uint32
	AccountAuths    []AccountWeight
	KeyAuths        []KeyWeight
}

func (a *Authority) fields(v visitor) {
	v.u32("weight_threshold", &a.WeightThreshold)
	v.accountWeights("account_auths", &a.AccountAuths)
	v.keyWeights("key_auths", &a.KeyAuths)
}

func compareAccountWeight(a, b AccountWeight) int { return strings.Compare(a.Account, b.Account) }
func compareKeyWeight(a, b KeyWeight) int         { return a.Key.Compare(b.Key) }

// sortedSet returns items in ascending order without duplicates, as a node
// builds a flat_set or flat_map. Already sorted input is returned as is,
// without allocating. Two entries with the same key but different contents
// (the same account listed with two weights) are an error: the node would
// keep the first one, which is not something to decide silently for a user.
func sortedSet[T comparable](items []T, compare func(a, b T) int) ([]T, error) {
	sorted := true
	for i := 1; i < len(items); i++ {
		if compare(items[i-1], items[i]) >= 0 {
			sorted = false
			break
		}
	}
	if sorted {
		return items, nil
	}
	out := slices.Clone(items)
	slices.SortStableFunc(out, compare)
	n := 0
	for i, it := range out {
		if i > 0 && compare(out[n-1], it) == 0 {
			if out[n-1] != it {
				return nil, errors.New("duplicate entry: the same key is listed twice with different values")
			}
			continue
		}
		out[n] = it
		n++
	}
	return out[:n], nil
}

func compareOrdered[T cmp.Ordered](a, b T) int { return cmp.Compare(a, b) }

// ownerOrActive serves account_update-like operations: owner if a new owner
// authority is set, active otherwise.
func ownerOrActive(account string, ownerSet bool) []Requirement {
	if ownerSet {
		return require(Owner, account)
	}
	return require(Active, account)
}
