package authz

import (
	"errors"
	"time"
)

// TokenResponse is a successful token endpoint answer (RFC 6749 §5.1), with
// Hivesigner's username member added for its clients.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
	Username     string `json:"username,omitempty"`
	// IDToken is the signed proof of a login (authorization_code with the
	// login scope); the HTTP layer signs it with the account's key.
	IDToken string `json:"id_token,omitempty"`
	// Nonce is the grant's nonce, for the id_token; not sent as such.
	Nonce string `json:"-"`
	// Origin and RedirectURI are where the user approved the grant to go,
	// for the id_token, which names them so that a sign-in proof cannot
	// be replayed at another site; not sent as such.
	Origin      string `json:"-"`
	RedirectURI string `json:"-"`
}

// Token runs a token request. Failures are *Error values. A request that
// fails changes nothing, with two deliberate exceptions (RFC 9700 §4.14,
// RFC 6749 §4.1.2): a replayed code revokes the tokens its first use
// produced, and a reused rotated refresh token revokes the whole grant.
func (is *Issuer) Token(r *TokenRequest) (*TokenResponse, error) {
	return is.inTokenTx(func(tx Tx) (resp *TokenResponse, outcome, err error) {
		c, err := authenticate(tx, r.Client)
		if err != nil {
			return nil, nil, err
		}
		now := is.now()
		switch r.GrantType {
		case GrantAuthorizationCode:
			return is.exchangeCode(tx, c, r, now)
		case GrantRefreshToken:
			return is.refresh(tx, c, r, now)
		case GrantClientCredentials:
			resp, err = is.clientCredentials(tx, c, r, now)
			return resp, nil, err
		}
		return nil, nil, oauthErr(CodeUnsupportedGrantType, "unsupported grant_type")
	})
}

// inTokenTx runs fn in one store transaction. fn's outcome is an error to
// report after committing what fn changed (a revocation on replay); its
// err rolls everything back.
func (is *Issuer) inTokenTx(fn func(Tx) (resp *TokenResponse, outcome, err error)) (*TokenResponse, error) {
	var (
		resp    *TokenResponse
		outcome error
	)
	err := is.update(func(tx Tx) error {
		var err error
		resp, outcome, err = fn(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if outcome != nil {
		return nil, outcome
	}
	return resp, nil
}

var errBadGrant = oauthErr(CodeInvalidGrant, "invalid, expired or revoked grant")

// lookupKind finds a presented secret of one kind; anything else, including
// a string of the wrong shape, is errBadGrant.
func lookupKind(tx Tx, secret, prefix string, kind TokenKind) (*Token, error) {
	if !wellFormed(secret, prefix) {
		return nil, errBadGrant
	}
	t, err := tx.Token(DigestOf(secret))
	if errors.Is(err, ErrNotFound) {
		return nil, errBadGrant
	}
	if err != nil {
		return nil, err
	}
	if t.Kind != kind {
		return nil, errBadGrant
	}
	return t, nil
}

// exchangeCode redeems an authorization code (RFC 6749 §4.1.3, RFC 7636
// §4.6). The code must be unspent, unexpired, issued to this client, for
// this redirect URI, and match the verifier.
func (is *Issuer) exchangeCode(tx Tx, c *Client, r *TokenRequest, now time.Time) (*TokenResponse, error, error) {
	t, err := lookupKind(tx, r.Code, PrefixCode, KindCode)
	if err != nil {
		return nil, nil, err
	}
	if t.Spent {
		if err := revokeFamily(tx, t.GrantID, t.Family); err != nil {
			return nil, nil, err
		}
		err := tx.AppendAudit(&Event{Time: now, Type: EventCodeReplay, ClientID: t.ClientID, Account: t.Account,
			GrantID: t.GrantID, Detail: "authorization code used twice; tokens from its first use revoked"})
		return nil, errBadGrant, err
	}
	switch {
	case !now.Before(t.ExpiresAt), t.ClientID != c.ID, t.RedirectURI != r.RedirectURI:
		return nil, nil, errBadGrant
	case t.Challenge == "" && c.Kind != App:
		// Only a registered app, authenticated by its secret, may redeem a
		// code issued without PKCE (PeerID's /permissions flow).
		return nil, nil, errBadGrant
	case t.Challenge != "" && !VerifyS256(r.CodeVerifier, t.Challenge):
		return nil, nil, oauthErr(CodeInvalidGrant, "code_verifier does not match the code_challenge")
	}
	g, err := tx.Grant(t.GrantID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, errBadGrant
	}
	if err != nil {
		return nil, nil, err
	}
	fam, err := newID("f_", 8)
	if err != nil {
		return nil, nil, err
	}
	t.Spent, t.Family = true, fam
	if err := tx.PutToken(t); err != nil {
		return nil, nil, err
	}
	resp, err := is.issuePair(tx, g, fam, g.Scopes, g.Scopes, now)
	if err != nil {
		return nil, nil, err
	}
	resp.Nonce, resp.Origin, resp.RedirectURI = g.Nonce, g.Origin, g.RedirectURI
	return resp, nil, tx.AppendAudit(&Event{Time: now, Type: EventTokenIssued, ClientID: c.ID, Account: g.Account,
		GrantID: g.ID, Scopes: g.Scopes, Detail: "authorization_code"})
}

// issuePair issues an access token with accessScopes and, if the grant
// includes offline, a refresh token with refreshScopes in the same family.
func (is *Issuer) issuePair(tx Tx, g *Grant, fam string, accessScopes, refreshScopes Scopes, now time.Time) (*TokenResponse, error) {
	access, err := is.issue(tx, g, KindAccess, fam, accessScopes, is.life.Access, now)
	if err != nil {
		return nil, err
	}
	resp := &TokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(is.life.Access / time.Second),
		Scope: accessScopes.String(), Username: g.Account}
	if refreshScopes.Has(ScopeOffline) {
		if resp.RefreshToken, err = is.issue(tx, g, KindRefresh, fam, refreshScopes, is.life.Refresh, now); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// refresh rotates a refresh token (RFC 6749 §6, RFC 9700 §4.14.2): the
// presented token is spent and a new one issued with the same scopes; the
// access token may ask for fewer scopes, never more.
func (is *Issuer) refresh(tx Tx, c *Client, r *TokenRequest, now time.Time) (*TokenResponse, error, error) {
	t, err := lookupKind(tx, r.RefreshToken, PrefixRefresh, KindRefresh)
	if err != nil {
		return nil, nil, err
	}
	if t.Spent {
		if err := tx.DeleteGrant(t.GrantID); err != nil {
			return nil, nil, err
		}
		err := tx.AppendAudit(&Event{Time: now, Type: EventRefreshReuse, ClientID: t.ClientID, Account: t.Account,
			GrantID: t.GrantID, Detail: "rotated refresh token used again; grant revoked"})
		return nil, errBadGrant, err
	}
	if !now.Before(t.ExpiresAt) || t.ClientID != c.ID {
		return nil, nil, errBadGrant
	}
	accessScopes := t.Scopes
	if r.HasScope {
		s, err := ParseScopes(r.Scope, is.cat)
		if err != nil {
			return nil, nil, &Error{Code: CodeInvalidScope, Description: err.Error()}
		}
		if len(s) == 0 || !t.Scopes.Covers(s) {
			return nil, nil, oauthErr(CodeInvalidScope, "scope may only shrink on refresh")
		}
		accessScopes = s
	}
	g, err := tx.Grant(t.GrantID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, errBadGrant
	}
	if err != nil {
		return nil, nil, err
	}
	t.Spent = true // KeepUntil stays at its expiry: reuse is detected until then
	if err := tx.PutToken(t); err != nil {
		return nil, nil, err
	}
	resp, err := is.issuePair(tx, g, t.Family, accessScopes, t.Scopes, now)
	if err != nil {
		return nil, nil, err
	}
	return resp, nil, tx.AppendAudit(&Event{Time: now, Type: EventRefreshed, ClientID: c.ID, Account: g.Account,
		GrantID: g.ID, Scopes: accessScopes})
}

// clientCredentials issues an access token to a registered app for the
// account it was registered with (RFC 6749 §4.4). No refresh token.
func (is *Issuer) clientCredentials(tx Tx, c *Client, r *TokenRequest, now time.Time) (*TokenResponse, error) {
	if c.Kind != App {
		return nil, oauthErr(CodeUnauthorizedClient, "client_credentials is for registered apps")
	}
	if c.Account == "" || c.Chain != is.chain {
		return nil, oauthErr(CodeUnauthorizedClient, "this app has no account for client_credentials on this chain")
	}
	g, scopes, err := is.appGrant(tx, c, "cc_", r.Scope, r.HasScope, now)
	if err != nil {
		return nil, err
	}
	fam, err := newID("f_", 8)
	if err != nil {
		return nil, err
	}
	resp, err := is.issuePair(tx, g, fam, scopes, nil, now)
	if err != nil {
		return nil, err
	}
	return resp, tx.AppendAudit(&Event{Time: now, Type: EventTokenIssued, ClientID: c.ID, Account: g.Account,
		GrantID: g.ID, Scopes: scopes, Detail: "client_credentials"})
}

// appGrant returns the standing grant a registered app's tokens are issued
// under (id prefix+client id: "cc_" for client_credentials and app tokens,
// "pw_" for PeerID's password grant), creating it with the app's registered
// scopes the first time, and the scopes a new access token gets: the
// grant's current ones, which the user may have narrowed since, or the
// narrowing scope asks for (if hasScope), never offline. So a narrowed
// grant stays narrowed for every new token.
func (is *Issuer) appGrant(tx Tx, c *Client, prefix, scope string, hasScope bool, now time.Time) (*Grant, Scopes, error) {
	gid := prefix + c.ID
	g, err := tx.Grant(gid)
	if errors.Is(err, ErrNotFound) {
		g = &Grant{ID: gid, ClientID: c.ID, Chain: c.Chain, Account: c.Account, Scopes: c.Scopes, CreatedAt: now}
		err = tx.PutGrant(g)
	}
	if err != nil {
		return nil, nil, err
	}
	// The grant can only have been narrowed from the registration, but an
	// app re-registered narrower must not get back what it lost.
	scopes := narrowed(c.Scopes, g.Scopes)
	if hasScope {
		s, err := ParseScopes(scope, is.cat)
		if err != nil {
			return nil, nil, &Error{Code: CodeInvalidScope, Description: err.Error()}
		}
		if len(s) == 0 || !scopes.Covers(s) {
			return nil, nil, oauthErr(CodeInvalidScope, "scope exceeds what this app is granted")
		}
		scopes = s
	}
	scopes = scopes.Without(ScopeOffline)
	if len(scopes) == 0 {
		return nil, nil, oauthErr(CodeInvalidScope, "no scope left to grant")
	}
	return g, scopes, nil
}

// revokeFamily deletes the access and refresh tokens of one family of a
// grant. Codes stay, so that further replays are still recognised.
func revokeFamily(tx Tx, grantID, family string) error {
	if family == "" {
		return nil
	}
	ts, err := tx.GrantTokens(grantID)
	if err != nil {
		return err
	}
	for i := range ts {
		if ts[i].Family == family && ts[i].Kind != KindCode {
			if err := tx.DeleteToken(ts[i].Digest); err != nil {
				return err
			}
		}
	}
	return nil
}
