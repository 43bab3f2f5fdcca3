package authz

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// NoAsk is a "don't ask again" entry the user ticked when confirming a
// transaction: until Expires, an operation of the grant that matches it
// (same operation, and the same value in every member Match names) no
// longer needs a confirmation. It never widens what the grant's scopes
// permit and never lifts a spending allowance: a transaction beyond the
// grant's daily limit still asks. Which operations may have entries, and
// which members their keys name, is the operation registry's to say (the
// wallet computes the keys); this package only stores and matches them.
type NoAsk struct {
	// Operation is the operation name, or "custom_json:ID" for a custom_json
	// that needs the active key.
	Operation string `json:"operation"`
	// Match holds the members a later operation must repeat exactly: every
	// counterparty, and a transfer's memo ({"to": "bob", "memo": ""}).
	// Empty for operations without any.
	Match map[string]string `json:"match,omitempty"`
	// Text says what the entry lets through, as the prompt said it:
	// "transfer to @bob, no memo, any amount".
	Text string `json:"text,omitempty"`
	// To is the one counterparty an entry made before the operation
	// registry named; such entries carry no Match and never match again
	// (they are dropped at start, see PruneNoAsk).
	To        string    `json:"to,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Expires   time.Time `json:"expires"`
}

// NoAskKey is the key of one operation for "don't ask again": what an entry
// stores and what a later operation must repeat.
type NoAskKey struct {
	Operation string
	Match     map[string]string
	Text      string
}

// Label names an entry for people: its Text, or for an old entry its
// operation and counterparty.
func (n NoAsk) Label() string {
	switch {
	case n.Text != "":
		return n.Text
	case n.To != "":
		return n.Operation + " to " + n.To
	}
	return n.Operation
}

// Counterparty is the entry's main counterparty value (the "to" member,
// else the first one by member name), for "localsigner forget GRANT OP TO".
func (n NoAsk) Counterparty() string {
	if v, ok := n.Match["to"]; ok {
		return v
	}
	for _, k := range slices.Sorted(maps.Keys(n.Match)) {
		if k != "memo" {
			return n.Match[k]
		}
	}
	return n.To
}

// MaxNoAsk is the longest a "don't ask again" entry may last: a standing
// permission to sign with the active key should run out by itself.
const MaxNoAsk = 30 * 24 * time.Hour

// ErrNoAskLimit refuses an entry beyond MaxNoAsk or of a kind that cannot
// be remembered.
var ErrNoAskLimit = errors.New("don't-ask-again entry refused")

// matches reports whether the entry covers key k at now.
func (n NoAsk) matches(k NoAskKey, now time.Time) bool {
	return n.Operation == k.Operation && n.To == "" && maps.Equal(n.Match, k.Match) && now.Before(n.Expires)
}

// NoAskCovers reports whether every key has a live "don't ask again" entry
// on g at now. False for no keys.
func (g *Grant) NoAskCovers(keys []NoAskKey, now time.Time) bool {
	if len(keys) == 0 {
		return false
	}
	for _, k := range keys {
		if !slices.ContainsFunc(g.NoAsk, func(n NoAsk) bool { return n.matches(k, now) }) {
			return false
		}
	}
	return true
}

// liveNoAsk drops the entries expired at now.
func liveNoAsk(list []NoAsk, now time.Time) []NoAsk {
	list = slices.DeleteFunc(list, func(n NoAsk) bool { return !now.Before(n.Expires) })
	if len(list) == 0 {
		return nil
	}
	return list
}

// sameKey reports whether an entry stands for key k, expired or not.
func (n NoAsk) sameKey(k NoAskKey) bool {
	return n.Operation == k.Operation && n.To == "" && maps.Equal(n.Match, k.Match)
}

// AddNoAsk records "don't ask again" entries on grant gid for each key,
// lasting d from now (at most MaxNoAsk). An entry for the same key is
// replaced, so the last choice counts. Expired entries are dropped in the
// same write. ErrNotFound: no such grant.
func (is *Issuer) AddNoAsk(gid string, keys []NoAskKey, d time.Duration) error {
	if d < time.Minute || d > MaxNoAsk {
		return fmt.Errorf("%w: it must last between a minute and %d days", ErrNoAskLimit, int(MaxNoAsk/(24*time.Hour)))
	}
	if len(keys) == 0 {
		return fmt.Errorf("%w: no operation to remember", ErrNoAskLimit)
	}
	now := is.now()
	return is.update(func(tx Tx) error {
		g, err := tx.Grant(gid)
		if err != nil {
			return err
		}
		g.NoAsk = liveNoAsk(g.NoAsk, now)
		var names []string
		for _, k := range keys {
			if k.Operation == "" {
				return fmt.Errorf("%w: no operation name", ErrNoAskLimit)
			}
			g.NoAsk = slices.DeleteFunc(g.NoAsk, func(n NoAsk) bool { return n.sameKey(k) })
			e := NoAsk{Operation: k.Operation, Match: maps.Clone(k.Match), Text: k.Text, CreatedAt: now, Expires: now.Add(d)}
			g.NoAsk = append(g.NoAsk, e)
			names = append(names, e.Label())
		}
		slices.SortFunc(g.NoAsk, func(a, b NoAsk) int {
			return strings.Compare(a.Operation+"\x00"+a.Label(), b.Operation+"\x00"+b.Label())
		})
		if err := tx.PutGrant(g); err != nil {
			return err
		}
		return tx.AppendAudit(&Event{Time: now, Type: EventNoAskSet, ClientID: g.ClientID, Origin: g.Origin,
			Account: g.Account, GrantID: g.ID,
			Detail: fmt.Sprintf("not asking until %s: %s", now.Add(d).UTC().Format(time.RFC3339), strings.Join(names, "; "))})
	})
}

// RemoveNoAsk deletes the entries of grant gid for operation (all of them
// if operation is empty; only those whose counterparty is to otherwise, or
// every counterparty when to is "*"). It returns how many live entries it
// removed; ErrNotFound if the grant does not exist.
func (is *Issuer) RemoveNoAsk(gid, operation, to string) (int, error) {
	n := 0
	now := is.now()
	err := is.update(func(tx Tx) error {
		g, err := tx.Grant(gid)
		if err != nil {
			return err
		}
		before := len(g.NoAsk)
		var gone []string
		g.NoAsk = slices.DeleteFunc(g.NoAsk, func(e NoAsk) bool {
			hit := operation == "" || e.Operation == operation && (to == "*" || e.Counterparty() == to)
			if hit && now.Before(e.Expires) {
				gone = append(gone, e.Label())
			}
			return hit
		})
		g.NoAsk = liveNoAsk(g.NoAsk, now)
		if len(g.NoAsk) == before {
			return nil
		}
		n = len(gone)
		if err := tx.PutGrant(g); err != nil {
			return err
		}
		if len(gone) == 0 {
			return nil // only expired ones went
		}
		return tx.AppendAudit(&Event{Time: now, Type: EventNoAskRemoved, ClientID: g.ClientID, Origin: g.Origin,
			Account: g.Account, GrantID: g.ID, Detail: "asking again: " + strings.Join(gone, "; ")})
	})
	return n, err
}

// PruneNoAsk drops, from every grant, the live "don't ask again" entries
// for which keep is false, with one audit event per grant saying which and
// why, and the expired ones silently. The composition root calls it at
// start with the operation registry's rule, so that an entry the rules of
// an earlier version allowed (one that named no memo, or an operation that
// can no longer be remembered) stops covering anything. It returns how many
// live entries went.
func (is *Issuer) PruneNoAsk(keep func(NoAsk) bool) (int, error) {
	now := is.now()
	n := 0
	err := is.update(func(tx Tx) error {
		gs, err := tx.Grants()
		if err != nil {
			return err
		}
		for i := range gs {
			g := &gs[i]
			if len(g.NoAsk) == 0 {
				continue
			}
			before := len(g.NoAsk)
			var gone []string
			g.NoAsk = slices.DeleteFunc(g.NoAsk, func(e NoAsk) bool {
				drop := now.Before(e.Expires) && !keep(e)
				if drop {
					gone = append(gone, e.Label())
				}
				return drop
			})
			g.NoAsk = liveNoAsk(g.NoAsk, now)
			if len(g.NoAsk) == before {
				continue
			}
			if err := tx.PutGrant(g); err != nil {
				return err
			}
			if len(gone) == 0 {
				continue
			}
			n += len(gone)
			err := tx.AppendAudit(&Event{Time: now, Type: EventNoAskRemoved, ClientID: g.ClientID, Origin: g.Origin,
				Account: g.Account, GrantID: g.ID,
				Detail: "asking again: dropped at start, no longer allowed by the don't-ask-again rules (every counterparty and a transfer's memo must be named, and changes of keys, recovery, proxy or witness votes always ask): " +
					strings.Join(gone, "; ")})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
