package authz

import (
	"errors"
	"fmt"
	"time"
)

// This file: what PeerID (Peerplays) dapps need from the OAuth core. PeerID
// registers apps with a fixed list of operations that the user grants all
// or nothing, sends the user to /permissions?client_id=&redirect_uri=&state=
// (no PKCE: the code is redeemed with the app's secret), and offers a
// resource-owner password grant. Localsigner maps these onto registered
// apps: the operations are the app's registered scopes, codes without PKCE
// are for apps only, and the password grant takes an app password the user
// generated for that one app — never the vault passphrase — and is off
// until the user generates one.

// maxNonce bounds the nonce of an authorization request.
const maxNonce = 256

// validNonce accepts 1 to 256 printable ASCII characters.
func validNonce(n string) bool {
	if len(n) == 0 || len(n) > maxNonce {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < 0x21 || n[i] > 0x7e {
			return false
		}
	}
	return true
}

// PrefixAppPassword starts every app password.
const PrefixAppPassword = "lsp_"

// ParsePermissionsRequest reads PeerID's authorization page query,
// client_id, redirect_uri and optional state, into a code-flow request
// without PKCE and without scopes: the caller fills in the registered app's
// scopes and must refuse any client that is not a registered app. Errors
// have the meaning of ParseAuthorizeRequest's.
func ParsePermissionsRequest(rawQuery string) (*AuthorizeRequest, error) {
	_, r, err := parseClientRedirect(rawQuery)
	if r != nil {
		r.Type = ResponseCode
	}
	return r, err
}

// ExchangeCodeWithoutPKCE redeems a code issued by the /permissions flow
// (PeerID's /auth/exchange): the client must be a registered app presenting
// its secret, and the code must have been issued without PKCE to it. It is
// authorization_code otherwise: single use, replay revokes, same tokens.
func (is *Issuer) ExchangeCodeWithoutPKCE(creds ClientCredentials, code string) (*TokenResponse, error) {
	if creds.Method != AuthPost && creds.Method != AuthBasic {
		return nil, oauthErr(CodeInvalidClient, "client_secret is required")
	}
	return is.inTokenTx(func(tx Tx) (*TokenResponse, error, error) {
		c, err := authenticate(tx, creds)
		if err != nil {
			return nil, nil, err
		}
		t, err := lookupKind(tx, code, PrefixCode, KindCode)
		if err != nil {
			return nil, nil, err
		}
		if t.Challenge != "" && !t.Spent {
			return nil, nil, oauthErr(CodeInvalidGrant, "this code was issued with PKCE: redeem it at /oauth2/token with its code_verifier")
		}
		return is.exchangeCode(tx, c, &TokenRequest{GrantType: GrantAuthorizationCode, Code: code,
			RedirectURI: t.RedirectURI, Client: creds}, is.now())
	})
}

// SetAppPassword generates a new app password for a registered app, which
// enables PeerID's password grant for it, and returns it once; only its
// digest is stored. A previous password stops working.
func (is *Issuer) SetAppPassword(id string) (string, error) {
	pw, err := NewSecret(PrefixAppPassword)
	if err != nil {
		return "", err
	}
	err = is.update(func(tx Tx) error {
		c, err := tx.Client(id)
		if err != nil {
			return err
		}
		if c.Kind != App {
			return fmt.Errorf("%s is a dapp, not a registered app: app passwords are for registered apps", id)
		}
		if c.Account == "" {
			return fmt.Errorf("app %s has no account: register it with --account to use a password", id)
		}
		d := DigestOf(pw)
		c.PasswordDigest = &d
		if err := tx.PutClient(c); err != nil {
			return err
		}
		return tx.AppendAudit(&Event{Time: is.now(), Type: EventAppPassword, ClientID: id, Account: c.Account,
			Detail: "app password generated; password grant enabled"})
	})
	if err != nil {
		return "", err
	}
	return pw, nil
}

// ClearAppPassword turns the password grant off for an app.
func (is *Issuer) ClearAppPassword(id string) error {
	return is.update(func(tx Tx) error {
		c, err := tx.Client(id)
		if err != nil {
			return err
		}
		c.PasswordDigest = nil
		if err := tx.PutClient(c); err != nil {
			return err
		}
		return tx.AppendAudit(&Event{Time: is.now(), Type: EventAppPassword, ClientID: id, Detail: "password grant disabled"})
	})
}

// errPasswordGrant is the one answer to every failed password grant, so
// the response tells nothing about which part was wrong.
var errPasswordGrant = oauthErr(CodeInvalidGrant, "invalid login or password")

// PasswordToken is PeerID's resource-owner password grant, limited to what
// is safe locally: clientID must be a registered app with an app password,
// login its registered account, and password that app password (compared by
// digest in constant time). It issues the scopes of the app's standing
// password grant (the registered ones unless the user narrowed them) for
// that account, with a refresh token if they include offline.
func (is *Issuer) PasswordToken(clientID, login, password string) (*TokenResponse, error) {
	if !validClientID(clientID) || len(password) > maxSecretLen || len(login) > 64 {
		return nil, errPasswordGrant
	}
	var resp *TokenResponse
	err := is.update(func(tx Tx) error {
		c, err := tx.Client(clientID)
		if errors.Is(err, ErrNotFound) {
			return oauthErr(CodeInvalidClient, "unknown client")
		}
		if err != nil {
			return err
		}
		now := is.now()
		switch {
		case c.Kind != App || c.PasswordDigest == nil:
			return oauthErr(CodeUnauthorizedClient, "the password grant is off for this client (the user can enable it with 'localsigner apps password')")
		case c.Account == "" || c.Chain != is.chain:
			return oauthErr(CodeUnauthorizedClient, "this app has no account on this chain")
		case !DigestOf(password).Equal(*c.PasswordDigest) || login != c.Account:
			return errPasswordGrant
		}
		g, access, err := is.appGrant(tx, c, "pw_", "", false, now)
		if err != nil {
			return err
		}
		fam, err := newID("f_", 8)
		if err != nil {
			return err
		}
		if resp, err = is.issuePair(tx, g, fam, access, narrowed(c.Scopes, g.Scopes), now); err != nil {
			return err
		}
		return tx.AppendAudit(&Event{Time: now, Type: EventTokenIssued, ClientID: c.ID, Account: g.Account,
			GrantID: g.ID, Scopes: access, Detail: "password (app password)"})
	})
	return resp, err
}

// AccessExpiry is when an access token issued now expires, for answers
// that state a date (PeerID's "expires").
func (is *Issuer) AccessExpiry() time.Time { return is.now().Add(is.life.Access) }
