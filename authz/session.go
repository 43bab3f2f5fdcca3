package authz

import (
	"errors"
	"fmt"
	"time"
)

// MaxSessionLifetime bounds a session grant: HiveAuth's reference PKSA
// keeps a session a day by default, and some apps ask for longer.
const MaxSessionLifetime = 30 * 24 * time.Hour

// SessionApproval is a sign-in the user approved through a door that has
// no redirect and no browser origin (a HiveAuth request through a relay):
// the grant goes to a client made for this one session, so that another
// app claiming the same name shares nothing with it.
type SessionApproval struct {
	// ClientID is the session's own client id; it must not exist yet.
	ClientID string
	// Name is the name the app gave itself, shown in listings as such.
	Name    string
	Account string
	Scopes  Scopes
	// Door names the way in ("hiveauth", "bridge"), for the audit log.
	Door string
	// Origin is the web origin the session acts for, when a browser
	// reported one (the bridge); empty for HiveAuth.
	Origin string
	// Lifetime is how long the session's token lasts, at most
	// MaxSessionLifetime.
	Lifetime time.Duration
}

// SessionResult is the recorded session: its grant and the bearer token
// the door keeps to act under it (Lookup answers it like any access
// token, until it expires or the grant is revoked).
type SessionResult struct {
	GrantID   string
	Token     string
	ExpiresAt time.Time
}

// SessionGrant records an approved session sign-in as a new client, its
// grant and one access token lasting a.Lifetime.
func (is *Issuer) SessionGrant(a SessionApproval) (*SessionResult, error) {
	switch {
	case a.ClientID == "":
		return nil, errors.New("session grant: no client id")
	case len(a.Scopes) == 0:
		return nil, oauthErr(CodeInvalidScope, "a session needs at least one scope")
	case !validAccount(a.Account):
		return nil, oauthErr(CodeInvalidRequest, "no valid account chosen")
	case a.Lifetime <= 0 || a.Lifetime > MaxSessionLifetime:
		return nil, fmt.Errorf("session grant: lifetime %v is not between 0 and %v", a.Lifetime, MaxSessionLifetime)
	}
	now := is.now()
	var res *SessionResult
	err := is.update(func(tx Tx) error {
		if _, err := tx.Client(a.ClientID); err == nil {
			return fmt.Errorf("session grant: client %s exists", a.ClientID)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		c := &Client{ID: a.ClientID, Name: a.Name, Kind: Public, CreatedAt: now}
		if err := tx.PutClient(c); err != nil {
			return err
		}
		gid, err := newID("g_", 12)
		if err != nil {
			return err
		}
		g := &Grant{ID: gid, ClientID: c.ID, Origin: a.Origin, Chain: is.chain, Account: a.Account, Scopes: a.Scopes, CreatedAt: now}
		if err := tx.PutGrant(g); err != nil {
			return err
		}
		fam, err := newID("f_", 8)
		if err != nil {
			return err
		}
		tok, err := is.issue(tx, g, KindAccess, fam, a.Scopes, a.Lifetime, now)
		if err != nil {
			return err
		}
		res = &SessionResult{GrantID: gid, Token: tok, ExpiresAt: now.Add(a.Lifetime)}
		return tx.AppendAudit(&Event{Time: now, Type: EventApproved, Door: a.Door, ClientID: c.ID, Origin: a.Origin,
			Account: a.Account, GrantID: gid, Scopes: a.Scopes, Detail: "session of " + a.Lifetime.String()})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
