package authz

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Revoke implements RFC 7009. Revoking an access token ends that token;
// revoking a refresh token (or a code) ends the whole grant, with every
// token issued under it. Unknown, expired or malformed tokens succeed
// silently, as the RFC asks. A client that identifies itself may only revoke
// its own tokens (another client's gets unauthorized_client and nothing
// changes); a request naming no client is allowed, because holding a token
// is enough to give it up (Hivesigner's SDK revokes that way), but only
// from a page of the token's own client (q.Origin) and with the
// presenter's own token (q.Presenter): one dapp cannot end another's
// session with a token it came by.
func (is *Issuer) Revoke(q *TokenQuery) error {
	return is.update(func(tx Tx) error {
		var c *Client
		if q.Client.Method != authAbsent {
			var err error
			if c, err = authenticate(tx, q.Client); err != nil {
				return err
			}
		}
		key, signedBy, ok := is.storageKey(q.Token)
		if !ok {
			return nil
		}
		t, err := tx.Token(key)
		if errors.Is(err, ErrNotFound) || err == nil && signedBy != "" && t.ClientID != signedBy {
			return nil
		}
		if err != nil {
			return err
		}
		if c != nil && t.ClientID != c.ID || q.Presenter != "" && t.ClientID != q.Presenter {
			return oauthErr(CodeUnauthorizedClient, "the token was not issued to this client")
		}
		if q.Origin != "" {
			owner, err := tx.Client(t.ClientID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			if owner == nil || !slices.Contains(owner.Origins(), q.Origin) {
				return oauthErr(CodeUnauthorizedClient, "the token was not issued to the client of this page's origin")
			}
		}
		if t.Kind == KindAccess {
			err = tx.DeleteToken(t.Digest)
		} else {
			err = tx.DeleteGrant(t.GrantID)
		}
		if err != nil {
			return err
		}
		return tx.AppendAudit(&Event{Time: is.now(), Type: EventRevoked, ClientID: t.ClientID, Account: t.Account,
			GrantID: t.GrantID, Detail: string(t.Kind) + " token revoked by the client"})
	})
}

// storageKey returns where a presented token's record is: the digest of an
// opaque token, or of a signed app token's jti once the verifier vouched
// for it. False means no record can be this token's.
// signedBy is the client a signed token names, which its record must
// name too.
func (is *Issuer) storageKey(token string) (key Digest, signedBy string, ok bool) {
	if looksSigned(token) {
		return is.signedDigest(token)
	}
	if len(token) > maxSecretLen {
		return Digest{}, "", false
	}
	return DigestOf(token), "", true
}

// Introspection is an RFC 7662 answer. Only Active is set for a token that
// is not active (or not the asker's).
type Introspection struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Username  string `json:"username,omitempty"`
	Sub       string `json:"sub,omitempty"`
	TokenType string `json:"token_type,omitempty"`
	Kind      string `json:"kind,omitempty"` // access or refresh
	Chain     string `json:"chain,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
	Iat       int64  `json:"iat,omitempty"`
	GrantID   string `json:"grant_id,omitempty"`
}

// Introspect implements RFC 7662 for registered apps: they must
// authenticate and learn only about their own tokens. Public dapps get
// invalid_client; they have no use for it and it would only widen what a
// stolen client_id can probe.
func (is *Issuer) Introspect(q *TokenQuery) (*Introspection, error) {
	var out *Introspection
	err := is.store.View(func(tx Tx) error {
		c, err := authenticate(tx, q.Client)
		if err != nil {
			return err
		}
		if c.Kind != App {
			return oauthErr(CodeInvalidClient, "introspection is for registered apps")
		}
		out, err = is.introspect(tx, q.Token, c.ID)
		return err
	})
	return out, err
}

// IntrospectAny describes any token, for the admin channel.
func (is *Issuer) IntrospectAny(token string) (*Introspection, error) {
	var out *Introspection
	err := is.store.View(func(tx Tx) error {
		var err error
		out, err = is.introspect(tx, token, "")
		return err
	})
	return out, err
}

func (is *Issuer) introspect(tx Tx, token, clientID string) (*Introspection, error) {
	inactive := &Introspection{}
	key, signedBy, ok := is.storageKey(token)
	if !ok {
		return inactive, nil
	}
	t, err := tx.Token(key)
	if errors.Is(err, ErrNotFound) || err == nil && signedBy != "" && t.ClientID != signedBy {
		return inactive, nil
	}
	if err != nil {
		return nil, err
	}
	if t.Kind == KindCode || !t.Active(is.now()) || (clientID != "" && t.ClientID != clientID) {
		return inactive, nil
	}
	out := &Introspection{Active: true, Scope: t.Scopes.String(), ClientID: t.ClientID, Username: t.Account,
		Sub: t.Account, Kind: string(t.Kind), Chain: t.Chain, Exp: t.ExpiresAt.Unix(), Iat: t.IssuedAt.Unix(), GrantID: t.GrantID}
	if t.Kind == KindAccess {
		out.TokenType = "Bearer"
	}
	return out, nil
}

// Lookup answers "what does this bearer token grant": the record of an
// active access token, in one read. Anything else (unknown, expired,
// revoked, a refresh token or code used as a bearer token) is ErrNotFound.
// A signed app token (JWT) is accepted when the configured verifier vouches
// for it and its jti is recorded for the same client. Lookup writes
// nothing: a request refused after the lookup must leave the store as it
// was, so callers note a successful use with NoteUse.
func (is *Issuer) Lookup(token string) (*Token, error) {
	key, signedBy := DigestOf(token), ""
	if !wellFormed(token, PrefixAccess) {
		var ok bool
		if key, signedBy, ok = is.signedDigest(token); !ok {
			return nil, ErrNotFound
		}
	}
	var out *Token
	err := is.store.View(func(tx Tx) error {
		t, err := tx.Token(key)
		if err != nil {
			return err
		}
		if t.Kind != KindAccess || !t.Active(is.now()) || (signedBy != "" && t.ClientID != signedBy) {
			return ErrNotFound
		}
		out = t
		return nil
	})
	return out, err
}

// Recheck re-reads what authorized a request that waited (for the vault to
// be unlocked, for the user's confirmation): the access token t as Lookup
// returned it, still active, and its grant still there. It returns the
// token as it is now (its scopes may have been narrowed meanwhile), or
// ErrNotFound if the token expired or was revoked, or its grant or client
// went.
func (is *Issuer) Recheck(t *Token) (*Token, error) {
	var out *Token
	err := is.store.View(func(tx Tx) error {
		cur, err := tx.Token(t.Digest)
		if err != nil {
			return err
		}
		if cur.Kind != KindAccess || !cur.Active(is.now()) || cur.GrantID != t.GrantID || cur.ClientID != t.ClientID {
			return ErrNotFound
		}
		if _, err := tx.Grant(cur.GrantID); err != nil {
			return err
		}
		if _, err := tx.Client(cur.ClientID); err != nil {
			return err
		}
		out = cur
		return nil
	})
	return out, err
}

// GrantInfo is a grant with a summary of its live tokens, for listings.
type GrantInfo struct {
	Grant
	ClientName string `json:"client_name,omitempty"`
	// Tokens counts the grant's active access and refresh tokens.
	Tokens int `json:"tokens"`
	// ExpiresAt is when the last of them expires; zero if none.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Grants lists every grant with its live tokens.
func (is *Issuer) Grants() ([]GrantInfo, error) {
	var out []GrantInfo
	now := is.now()
	err := is.store.View(func(tx Tx) error {
		gs, err := tx.Grants()
		if err != nil {
			return err
		}
		out = make([]GrantInfo, 0, len(gs))
		for _, g := range gs {
			info := GrantInfo{Grant: g}
			if c, err := tx.Client(g.ClientID); err == nil {
				info.ClientName = c.Name
			}
			ts, err := tx.GrantTokenStates(g.ID)
			if err != nil {
				return err
			}
			for i := range ts {
				if ts[i].Kind != KindCode && !ts[i].Spent && now.Before(ts[i].ExpiresAt) {
					info.Tokens++
					if ts[i].ExpiresAt.After(info.ExpiresAt) {
						info.ExpiresAt = ts[i].ExpiresAt
					}
				}
			}
			out = append(out, info)
		}
		return nil
	})
	return out, err
}

// Clients lists every known client.
func (is *Issuer) Clients() ([]Client, error) {
	var out []Client
	err := is.store.View(func(tx Tx) error {
		var err error
		out, err = tx.Clients()
		return err
	})
	return out, err
}

// RevokeClient ends every grant of a client. A public client is forgotten
// too, so its redirect binding is reset and its next request is a new
// first approval; an app keeps its registration (remove it with
// RemoveApp). It returns the number of grants revoked, and ErrNotFound if
// the client is unknown.
func (is *Issuer) RevokeClient(id string) (int, error) {
	n := 0
	err := is.update(func(tx Tx) error {
		c, err := tx.Client(id)
		if err != nil {
			return err
		}
		if n, err = deleteClientGrants(tx, id); err != nil {
			return err
		}
		if c.Kind == Public || c.Kind == Bridge { // unpairing forgets the bridge
			if err := tx.DeleteClient(id); err != nil {
				return err
			}
		}
		return tx.AppendAudit(&Event{Time: is.now(), Type: EventClientRevoked, ClientID: id,
			Detail: fmt.Sprintf("%d grant(s) revoked by the user", n)})
	})
	return n, err
}

func deleteClientGrants(tx Tx, clientID string) (int, error) {
	gs, err := tx.ClientGrants(clientID)
	if err != nil {
		return 0, err
	}
	for _, g := range gs {
		if err := tx.DeleteGrant(g.ID); err != nil {
			return 0, err
		}
	}
	return len(gs), nil
}

// AppSpec describes an app to register.
type AppSpec struct {
	Name         string
	Scopes       string // scope string, as in a request
	RedirectURIs []string
	Implicit     bool
	// Account is the account client_credentials acts for ("" for none).
	// The caller checks that the vault holds keys for it.
	Account string
}

// AddApp registers an app and returns it with its secret. The secret is
// returned once and stored only as a digest.
func (is *Issuer) AddApp(spec AppSpec) (*Client, string, error) {
	name := strings.TrimSpace(spec.Name)
	if name == "" || len(name) > 64 || !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, "", errors.New("app name must be 1 to 64 printable characters")
	}
	scopes, err := ParseScopes(spec.Scopes, is.cat)
	if err != nil {
		return nil, "", err
	}
	if len(scopes) == 0 {
		return nil, "", fmt.Errorf("%w: an app needs at least one scope", ErrInvalidScope)
	}
	for _, u := range spec.RedirectURIs {
		if _, err := ValidateRedirectURI(u); err != nil {
			return nil, "", err
		}
	}
	if spec.Account != "" && !validAccount(spec.Account) {
		return nil, "", fmt.Errorf("invalid account name %q", spec.Account)
	}
	if spec.Implicit && len(spec.RedirectURIs) == 0 {
		return nil, "", errors.New("--implicit needs a --redirect-uri")
	}
	id, err := newID("app_", 8)
	if err != nil {
		return nil, "", err
	}
	secret, err := NewSecret(PrefixSecret)
	if err != nil {
		return nil, "", err
	}
	d := DigestOf(secret)
	c := &Client{ID: id, Name: name, Kind: App, SecretDigest: &d, RedirectURIs: spec.RedirectURIs, Scopes: scopes,
		Implicit: spec.Implicit, CreatedAt: is.now()}
	if spec.Account != "" {
		c.Chain, c.Account = is.chain, spec.Account
	}
	err = is.update(func(tx Tx) error {
		if err := tx.PutClient(c); err != nil {
			return err
		}
		return tx.AppendAudit(&Event{Time: c.CreatedAt, Type: EventAppAdded, ClientID: id, Account: spec.Account,
			Scopes: scopes, Detail: name})
	})
	if err != nil {
		return nil, "", err
	}
	return c, secret, nil
}

// RemoveApp deletes a registered app and every grant it holds.
func (is *Issuer) RemoveApp(id string) error {
	return is.update(func(tx Tx) error {
		c, err := tx.Client(id)
		if err != nil {
			return err
		}
		if c.Kind != App {
			return fmt.Errorf("%s is a dapp, not a registered app: use revoke", id)
		}
		n, err := deleteClientGrants(tx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteClient(id); err != nil {
			return err
		}
		return tx.AppendAudit(&Event{Time: is.now(), Type: EventAppRemoved, ClientID: id,
			Detail: fmt.Sprintf("%s; %d grant(s) revoked", c.Name, n)})
	})
}

// Record appends an event to the audit log (unlock, lock, denials).
func (is *Issuer) Record(e Event) error {
	if e.Time.IsZero() {
		e.Time = is.now()
	}
	return is.update(func(tx Tx) error { return tx.AppendAudit(&e) })
}

// Audit returns the newest limit events, oldest first.
func (is *Issuer) Audit(limit int) ([]Event, error) {
	var out []Event
	err := is.store.View(func(tx Tx) error {
		var err error
		out, err = tx.Audit(limit)
		return err
	})
	return out, err
}

// Retention says how much of the audit log is kept.
type Retention struct {
	// Keep is how many of the newest events are kept at most.
	Keep int
	// MaxAge, when not zero, drops events older than that too.
	MaxAge time.Duration
	// Archive, if set, receives the events about to be pruned (oldest
	// first, at most pruneChunk at a time) before they are deleted; an
	// error keeps them, to be tried again at the next sweep.
	Archive func([]Event) error
}

// DefaultRetention keeps the newest 10,000 events, whatever their age,
// with no archive.
var DefaultRetention = Retention{Keep: 10000}

// pruneChunk bounds the events one pruning transaction deletes, so that the
// store's write lock is never held for long.
const pruneChunk = 1000

// Sweep deletes tokens past their KeepUntil, grants left without tokens
// once their codes can no longer be replayed, then prunes the audit log
// (see PruneAudit). It returns how many tokens and grants it deleted.
func (is *Issuer) Sweep() (int, error) {
	now := is.now()
	n := 0
	err := is.update(func(tx Tx) error {
		var dead []Digest
		live := make(map[string]bool)
		err := tx.ForEachToken(func(t *Token) error {
			if now.After(t.KeepUntil) {
				dead = append(dead, t.Digest)
			} else {
				live[t.GrantID] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, d := range dead {
			if err := tx.DeleteToken(d); err != nil {
				return err
			}
		}
		n = len(dead)
		gs, err := tx.Grants()
		if err != nil {
			return err
		}
		for _, g := range gs {
			if !live[g.ID] && now.Sub(g.CreatedAt) > is.life.Replay {
				if err := tx.DeleteGrant(g.ID); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	_, err = is.PruneAudit()
	return n, err
}

// PruneAudit drops the audit events beyond the retention's count and age,
// oldest first, in transactions of at most pruneChunk events, each handed
// to the archive before it is deleted. It returns how many it dropped.
func (is *Issuer) PruneAudit() (int, error) {
	r := is.retention
	total := 0
	for {
		var n int
		err := is.update(func(tx Tx) error {
			n = 0
			first, last, err := tx.AuditSpan()
			if err != nil || last == 0 {
				return err
			}
			over := int64(last-first+1) - int64(r.Keep)
			want := int(min(max(over, 0), pruneChunk))
			if r.MaxAge > 0 {
				want = pruneChunk // age is checked per event below
			}
			if want == 0 {
				return nil
			}
			old, err := tx.OldestAudit(want)
			if err != nil {
				return err
			}
			cutoff := is.now().Add(-r.MaxAge)
			for i := range old {
				byCount := int64(i) < over
				byAge := r.MaxAge > 0 && old[i].Time.Before(cutoff)
				if !byCount && !byAge {
					break
				}
				n = i + 1
			}
			if n == 0 {
				return nil
			}
			if r.Archive != nil {
				if err := r.Archive(old[:n]); err != nil {
					return fmt.Errorf("archive audit events: %w", err)
				}
			}
			return tx.DeleteAuditThrough(old[n-1].Seq)
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < pruneChunk {
			return total, nil
		}
	}
}

// AuditFind returns the newest events f selects, oldest first.
func (is *Issuer) AuditFind(f AuditFilter) ([]Event, error) {
	var out []Event
	err := is.store.View(func(tx Tx) error {
		var err error
		out, err = tx.AuditFind(f)
		return err
	})
	return out, err
}
