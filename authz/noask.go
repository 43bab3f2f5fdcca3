package authz

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// NoAsk is a "don't ask again" entry the user ticked when confirming a
// transaction: until Expires, an operation of the grant that matches it
// (same operation, same counterparty) no longer needs a confirmation. It
// never widens what the grant's scopes permit and never lifts a spending
// allowance: a transaction beyond the grant's daily limit still asks.
type NoAsk struct {
	// Operation is the operation name, or "custom_json:ID" for a custom_json
	// that needs the active key.
	Operation string `json:"operation"`
	// To is the account the operation sends to or acts on ("bob", or
	// "1.2.17" on Graphene chains); empty for operations without one, where
	// the entry covers the operation whatever its arguments.
	To        string    `json:"to,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Expires   time.Time `json:"expires"`
}

// MaxNoAsk is the longest a "don't ask again" entry may last: a standing
// permission to sign with the active key should run out by itself.
const MaxNoAsk = 30 * 24 * time.Hour

// ErrNoAskLimit refuses an entry beyond MaxNoAsk or of a kind that cannot
// be remembered.
var ErrNoAskLimit = errors.New("don't-ask-again entry refused")

// matches reports whether the entry covers the operation key (op, to) at now.
func (n NoAsk) matches(op, to string, now time.Time) bool {
	return n.Operation == op && n.To == to && now.Before(n.Expires)
}

// NoAskCovers reports whether every key (operation, counterparty) has a
// live "don't ask again" entry on g at now. False for no keys.
func (g *Grant) NoAskCovers(keys [][2]string, now time.Time) bool {
	if len(keys) == 0 {
		return false
	}
	for _, k := range keys {
		if !slices.ContainsFunc(g.NoAsk, func(n NoAsk) bool { return n.matches(k[0], k[1], now) }) {
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

// AddNoAsk records "don't ask again" entries on grant gid for each key
// (operation, counterparty), lasting d from now (at most MaxNoAsk). An
// entry for the same key is replaced, so the last choice counts. Expired
// entries are dropped in the same write. ErrNotFound: no such grant.
func (is *Issuer) AddNoAsk(gid string, keys [][2]string, d time.Duration) error {
	if d < time.Minute || d > MaxNoAsk {
		return fmt.Errorf("%w: it must last between a minute and %d days", ErrNoAskLimit, int(MaxNoAsk/(24*time.Hour)))
	}
	if len(keys) == 0 {
		return fmt.Errorf("%w: no operation to remember", ErrNoAskLimit)
	}
	now := is.now()
	return is.store.Update(func(tx Tx) error {
		g, err := tx.Grant(gid)
		if err != nil {
			return err
		}
		g.NoAsk = liveNoAsk(g.NoAsk, now)
		var names []string
		for _, k := range keys {
			if k[0] == "" {
				return fmt.Errorf("%w: no operation name", ErrNoAskLimit)
			}
			g.NoAsk = slices.DeleteFunc(g.NoAsk, func(n NoAsk) bool { return n.Operation == k[0] && n.To == k[1] })
			g.NoAsk = append(g.NoAsk, NoAsk{Operation: k[0], To: k[1], CreatedAt: now, Expires: now.Add(d)})
			names = append(names, NoAskText(k[0], k[1]))
		}
		slices.SortFunc(g.NoAsk, func(a, b NoAsk) int {
			return strings.Compare(a.Operation+"\x00"+a.To, b.Operation+"\x00"+b.To)
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
// if operation is empty; only the one for counterparty to otherwise, or
// every counterparty when to is "*"). It returns how many it removed;
// ErrNotFound if the grant does not exist.
func (is *Issuer) RemoveNoAsk(gid, operation, to string) (int, error) {
	n := 0
	now := is.now()
	err := is.store.Update(func(tx Tx) error {
		g, err := tx.Grant(gid)
		if err != nil {
			return err
		}
		before := len(g.NoAsk)
		var gone []string
		g.NoAsk = slices.DeleteFunc(g.NoAsk, func(e NoAsk) bool {
			hit := operation == "" || e.Operation == operation && (to == "*" || e.To == to)
			if hit && now.Before(e.Expires) {
				gone = append(gone, NoAskText(e.Operation, e.To))
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

// NoAskText names an entry's key for people: "transfer to bob",
// "account_witness_vote".
func NoAskText(operation, to string) string {
	if to == "" {
		return operation
	}
	return operation + " to " + to
}
