package authz

import (
	"strings"
	"time"
)

// App tokens are JWTs a registered app gets for its id and secret (POST
// /auth/token). The JWT is only the carrier: its jti, 256 random bits, is
// recorded as an access token of the app's client_credentials grant, by
// digest like every other token. Lookup accepts the JWT only if a verifier
// (the server's instance key) vouches for its signature and claims and the
// jti's record is still there, so removing or revoking the app, or the
// record expiring, ends the token at once; and the signing key alone, should
// it leak, cannot mint a token the store does not know.

// PrefixJTI starts the jti of every app token. It differs from PrefixAccess
// so that a jti cannot be presented as an opaque bearer token.
const PrefixJTI = "lsj_"

// GrantTypeClientCredentials is the grant_type claim of app tokens.
const GrantTypeClientCredentials = GrantClientCredentials

// SignedVerifier checks a self-contained (signed) bearer token and returns
// its jti and subject (the client id). Lookup calls it for anything that is
// not an opaque access token.
type SignedVerifier func(token string) (jti, clientID string, err error)

// AppTokenGrant is what an app token is issued for: the claims to sign.
type AppTokenGrant struct {
	JTI        string
	ClientID   string
	ClientName string
	Chain      string
	Account    string
	Scopes     Scopes
	IssuedAt   time.Time
	ExpiresAt  time.Time
}

// IssueAppToken authenticates a registered app by id and secret and records
// a new app token for the account it was registered with, as
// client_credentials does: the scopes of its standing grant (the
// registered ones unless the user narrowed them), or a narrowing of those
// (scope, if hasScope), never offline. It lasts the access token lifetime.
func (is *Issuer) IssueAppToken(creds ClientCredentials, scope string, hasScope bool) (*AppTokenGrant, error) {
	var out *AppTokenGrant
	err := is.update(func(tx Tx) error {
		c, err := authenticate(tx, creds)
		if err != nil {
			return err
		}
		if c.Kind != App {
			return oauthErr(CodeUnauthorizedClient, "app tokens are for registered apps")
		}
		if c.Account == "" || c.Chain != is.chain {
			return oauthErr(CodeUnauthorizedClient, "this app has no account on this chain (register it with --account)")
		}
		now := is.now()
		g, scopes, err := is.appGrant(tx, c, "cc_", scope, hasScope, now)
		if err != nil {
			return err
		}
		jti, err := NewSecret(PrefixJTI)
		if err != nil {
			return err
		}
		fam, err := newID("f_", 8)
		if err != nil {
			return err
		}
		exp := now.Add(is.life.Access)
		t := &Token{Digest: DigestOf(jti), Kind: KindAccess, GrantID: g.ID, ClientID: c.ID, Chain: g.Chain,
			Account: g.Account, Scopes: scopes, IssuedAt: now, ExpiresAt: exp, KeepUntil: exp, Family: fam}
		if err := tx.PutToken(t); err != nil {
			return err
		}
		out = &AppTokenGrant{JTI: jti, ClientID: c.ID, ClientName: c.Name, Chain: g.Chain, Account: g.Account,
			Scopes: scopes, IssuedAt: now, ExpiresAt: exp}
		return tx.AppendAudit(&Event{Time: now, Type: EventTokenIssued, ClientID: c.ID, Account: g.Account,
			GrantID: g.ID, Scopes: scopes, Detail: "app token (JWT)"})
	})
	return out, err
}

// looksSigned reports whether token has the shape of a compact JWS: three
// base64url parts, the first starting with '{' encoded ("eyJ").
func looksSigned(token string) bool {
	return strings.HasPrefix(token, "eyJ") && strings.Count(token, ".") == 2 && len(token) <= 8<<10
}

// signedDigest returns the storage key of a signed bearer token: the digest
// of its jti, once the verifier vouched for it.
func (is *Issuer) signedDigest(token string) (Digest, string, bool) {
	if is.verifySigned == nil || !looksSigned(token) {
		return Digest{}, "", false
	}
	jti, clientID, err := is.verifySigned(token)
	if err != nil || !wellFormed(jti, PrefixJTI) {
		return Digest{}, "", false
	}
	return DigestOf(jti), clientID, true
}
