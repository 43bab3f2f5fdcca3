package authz

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrScopeWiden means a requested scope set is not a non-empty narrowing
// of a grant's current scopes: widening a grant needs a new approval.
var ErrScopeWiden = errors.New("scopes must be a non-empty subset of the grant's current scopes")

// EventGrantNarrowed is the audit event of a grant whose scopes the user
// narrowed.
const EventGrantNarrowed = "grant_narrowed"

// NarrowGrant replaces the scopes of grant grantID with scopes, which must
// be a non-empty subset of its current ones as Covers sees it ("vote" from
// the posting bundle, "custom_json:follow" from "custom_json"); anything
// else is ErrScopeWiden, and an unknown grant ErrNotFound. In the same
// storage transaction every token of the grant (codes, access and refresh
// tokens) is narrowed to the items of the new set it already covered, so
// the narrower set takes effect at once and no token gains a scope. A
// refresh token left without "offline" is deleted.
func (is *Issuer) NarrowGrant(grantID string, scopes []string) error {
	want, err := ParseScopes(strings.Join(scopes, " "), is.cat)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrScopeWiden, err)
	}
	if len(want) == 0 {
		return ErrScopeWiden
	}
	now := is.now()
	return is.update(func(tx Tx) error {
		g, err := tx.Grant(grantID)
		if err != nil {
			return err
		}
		if !g.Scopes.Covers(want) {
			return ErrScopeWiden
		}
		old := g.Scopes
		g.Scopes = want
		// A "don't ask again" entry for an operation the grant no longer
		// permits would be dead weight, and would come back to life if the
		// user widened the grant again through a new approval.
		g.NoAsk = slices.DeleteFunc(g.NoAsk, func(n NoAsk) bool { return !want.covers(n.Operation) })
		if len(g.NoAsk) == 0 {
			g.NoAsk = nil
		}
		if err := tx.PutGrant(g); err != nil {
			return err
		}
		ts, err := tx.GrantTokens(g.ID)
		if err != nil {
			return err
		}
		for i := range ts {
			t := &ts[i]
			t.Scopes = narrowed(t.Scopes, want)
			if t.Kind == KindRefresh && !t.Scopes.Has(ScopeOffline) || t.Kind != KindCode && len(t.Scopes) == 0 {
				err = tx.DeleteToken(t.Digest)
			} else {
				err = tx.PutToken(t)
			}
			if err != nil {
				return err
			}
		}
		return tx.AppendAudit(&Event{Time: now, Type: EventGrantNarrowed, ClientID: g.ClientID, Origin: g.Origin,
			Account: g.Account, GrantID: g.ID, Scopes: want, Detail: "narrowed by the user from: " + old.String()})
	})
}

// narrowed returns the items of want that have already covers, so that a
// token never gains a scope it did not hold.
func narrowed(have, want Scopes) Scopes {
	var out Scopes
	for _, item := range want {
		if have.covers(item) {
			out = append(out, item)
		}
	}
	return out
}

// lastUseEvery is how often at most a grant's LastUsed is written: a
// bearer token used many times a minute costs one write, not one each.
const lastUseEvery = time.Minute

// NoteUse records that a bearer token of grant gid was used for a request
// that succeeded, for the grant's LastUsed. Refused requests are not uses.
func (is *Issuer) NoteUse(gid string) {
	if gid != "" {
		is.noteUse(gid, is.now())
	}
}

// noteUse records that a token of grant gid was used at at, writing
// the grant's LastUsed unless this Issuer wrote it less than lastUseEvery
// before. It is best effort: a failure only loses the time.
func (is *Issuer) noteUse(gid string, at time.Time) {
	is.useMu.Lock()
	if last, ok := is.lastUse[gid]; ok && at.Sub(last) < lastUseEvery && !at.Before(last) {
		is.useMu.Unlock()
		return
	}
	if is.lastUse == nil {
		is.lastUse = make(map[string]time.Time)
	}
	if len(is.lastUse) >= 4096 {
		for k, v := range is.lastUse {
			if at.Sub(v) >= lastUseEvery {
				delete(is.lastUse, k)
			}
		}
	}
	is.lastUse[gid] = at
	is.useMu.Unlock()
	_ = is.update(func(tx Tx) error {
		g, err := tx.Grant(gid)
		if err != nil {
			return err
		}
		g.LastUsed = at
		return tx.PutGrant(g)
	})
}
