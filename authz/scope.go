package authz

import (
	"fmt"
	"slices"
	"strings"

	"localsigner/signer/chain"
)

// Scope names that are not operations.
const (
	// ScopeLogin grants the account name only: who the user is.
	ScopeLogin = "login"
	// ScopeOffline allows refresh tokens, so a dapp keeps access after the
	// access token expires.
	ScopeOffline = "offline"
	// ScopePosting is Hivesigner's bundle; it expands to PostingBundle.
	ScopePosting = "posting"
	// ScopeMemo lets a dapp have encrypted memos sent to the account
	// decrypted (Hivesigner's /api/decode). It signs nothing, but it reads
	// private messages, so it is granted only when asked for and approved.
	ScopeMemo = "memo"
)

// PostingBundle is what Hivesigner's "posting" scope allows: its
// authorized_operations list. Parsing expands "posting" into these.
var PostingBundle = []string{
	"account_update2", "claim_reward_balance", "comment", "comment_options",
	"custom_json", "delete_comment", "vote",
}

// narrowable is the operation whose scope can be narrowed by id
// ("custom_json:follow").
const narrowable = "custom_json"

// Limits on a scope string; a legitimate request is far below them.
const (
	maxScopeItems = 64
	maxScopeItem  = 64
	maxCustomID   = 32 // HIVE_CUSTOM_OP_ID_MAX_LENGTH
)

// Scopes is a canonical scope set: sorted, without duplicates, with
// "posting" expanded. The zero value is the empty set. Use ParseScopes to
// build one from a request; a Scopes from storage is trusted to be canonical.
type Scopes []string

// ParseScopes reads a scope parameter: items separated by spaces (RFC 6749
// §3.3) or commas (Hivesigner). Items are "login", "offline", "memo", "posting", an
// operation name the catalog knows, or "custom_json:ID" for one custom_json
// id. Unknown items and owner-authority operations are errors wrapping
// ErrInvalidScope. An empty string gives an empty set.
func ParseScopes(s string, cat Catalog) (Scopes, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
	if len(fields) > maxScopeItems {
		return nil, fmt.Errorf("%w: more than %d items", ErrInvalidScope, maxScopeItems)
	}
	var out Scopes
	for _, f := range fields {
		if len(f) > maxScopeItem {
			return nil, fmt.Errorf("%w: item longer than %d bytes", ErrInvalidScope, maxScopeItem)
		}
		switch {
		case f == ScopeLogin || f == ScopeOffline || f == ScopeMemo:
			out = append(out, f)
		case f == ScopePosting:
			for _, op := range PostingBundle {
				if _, ok := cat.Authority(op); ok {
					out = append(out, op)
				}
			}
		case strings.HasPrefix(f, narrowable+":"):
			id := f[len(narrowable)+1:]
			if !validCustomID(id) {
				return nil, fmt.Errorf("%w: %q: custom_json id must be 1 to %d characters from A-Z a-z 0-9 . _ -", ErrInvalidScope, f, maxCustomID)
			}
			if _, ok := cat.Authority(narrowable); !ok {
				return nil, fmt.Errorf("%w: this chain has no custom_json", ErrInvalidScope)
			}
			out = append(out, f)
		default:
			a, ok := cat.Authority(f)
			if !ok {
				return nil, fmt.Errorf("%w: unknown scope %q", ErrInvalidScope, printable(f))
			}
			if a >= chain.Owner {
				return nil, fmt.Errorf("%w: %s needs the owner key and is never granted to a dapp", ErrInvalidScope, f)
			}
			out = append(out, f)
		}
	}
	return canonical(out), nil
}

func canonical(s Scopes) Scopes {
	if len(s) == 0 {
		return nil
	}
	slices.Sort(s)
	return slices.Compact(s)
}

func validCustomID(id string) bool { return idChars(id, maxCustomID) }

// printable returns s if it is short printable ASCII, else a placeholder, so
// error messages never carry attacker-chosen bytes into a page or a log.
func printable(s string) string {
	if len(s) > maxScopeItem {
		return "(too long)"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == '<' || s[i] == '>' || s[i] == '&' || s[i] == '"' || s[i] == '\'' {
			return "(unprintable)"
		}
	}
	return s
}

// String returns the set space-separated, the form of RFC 6749's scope
// parameter.
func (s Scopes) String() string { return strings.Join(s, " ") }

// Has reports whether item is in the set literally.
func (s Scopes) Has(item string) bool {
	_, ok := slices.BinarySearch(s, item)
	return ok
}

// covers reports whether item is in s or implied by it: "custom_json"
// implies every "custom_json:ID".
func (s Scopes) covers(item string) bool {
	if s.Has(item) {
		return true
	}
	if strings.HasPrefix(item, narrowable+":") {
		return s.Has(narrowable)
	}
	return false
}

// Covers reports whether every item of t is granted by s, so that t is a
// narrowing of s. The empty set is covered by anything.
func (s Scopes) Covers(t Scopes) bool {
	for _, item := range t {
		if !s.covers(item) {
			return false
		}
	}
	return true
}

// Without returns the set minus item.
func (s Scopes) Without(item string) Scopes {
	out := make(Scopes, 0, len(s))
	for _, x := range s {
		if x != item {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Permits reports whether the set allows signing operation op with
// authority need: the operation (or, for custom_json, its id) is in the set,
// need is no more than the operation's plain authority in cat, and never
// owner. The dapp API calls it for every operation of a transaction with the
// authority tx computed for it.
func (s Scopes) Permits(cat Catalog, op, customID string, need Authority) bool {
	if need >= chain.Owner || need < chain.Posting {
		return false
	}
	base, ok := cat.Authority(op)
	if !ok || base >= chain.Owner || need > base {
		return false
	}
	if s.Has(op) {
		return true
	}
	return op == narrowable && customID != "" && s.Has(narrowable+":"+customID)
}

// Describe lists the set for a person deciding on it: each item with the
// authority it uses, "login"/"offline" explained.
func (s Scopes) Describe(cat Catalog) []string {
	out := make([]string, 0, len(s))
	for _, item := range s {
		switch {
		case item == ScopeLogin:
			out = append(out, "login: learn your account name")
		case item == ScopeOffline:
			out = append(out, "offline: keep access while you are away (refresh tokens)")
		case item == ScopeMemo:
			out = append(out, "memo: read encrypted memos sent to you (memo key)")
		case strings.HasPrefix(item, narrowable+":"):
			out = append(out, fmt.Sprintf("%s (posting key, only id %s)", narrowable, item[len(narrowable)+1:]))
		default:
			a, _ := cat.Authority(item)
			if label := cat.Label(item); label != "" {
				out = append(out, fmt.Sprintf("%s: %s (%s key)", item, label, a))
			} else {
				out = append(out, fmt.Sprintf("%s (%s key)", item, a))
			}
		}
	}
	return out
}
