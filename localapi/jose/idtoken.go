package jose

import (
	"errors"
	"fmt"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/golang-jwt/jwt/v5"

	"localsigner/signer/keys"
)

// IDTokenLifetime is how long an id_token is valid: it proves a sign-in that
// just happened, so a few minutes (at most ten) are enough.
const IDTokenLifetime = 5 * time.Minute

// maxIDTokenLifetime bounds exp - iat on verification.
const maxIDTokenLifetime = 10 * time.Minute

// IDClaims are the claims of an id_token: proof, signed by one of the
// account's own keys, that the account signed in to the client. A dapp's
// backend verifies it against the keys the chain lists for the account,
// without trusting Localsigner:
//
//  1. Decode the header and payload (base64url JSON). Require alg ES256K;
//     refuse anything else, including "none" and HS256.
//  2. Check aud is your client_id, nonce is the one you sent in the
//     authorization request, iat is recent and exp has not passed.
//  3. Look the account (sub) up on the chain (claim "chain"): Hive's
//     condenser_api.get_accounts gives posting.key_auths; Peerplays'
//     get_account_by_name gives options.memo_key (claim "key_role" says
//     which). The claim "public_key" is only a hint; trust the chain.
//  4. Verify the signature: sha256(header "." payload) signed by ECDSA over
//     secp256k1, R‖S 64 bytes with low S (RFC 8812), with one of those
//     keys. A key whose weight alone is below the authority's threshold
//     still proves the holder signed; require what your dapp needs.
//
// `localsigner verify-login TOKEN` does all of this.
type IDClaims struct {
	Nonce string `json:"nonce,omitempty"`
	// Chain is the chain the account lives on ("hive", "peerplays", "devnet").
	Chain string `json:"chain"`
	// KeyRole is the account role whose key signed: "posting" on Hive
	// chains, "memo" on Peerplays (which has no posting authority).
	KeyRole string `json:"key_role"`
	// PublicKey is the signing key in the chain's text form (STM…, PPY…).
	PublicKey string `json:"public_key"`
	// Origin is the site the user approved the sign-in for (the origin of
	// the redirect URI, "https://dapp.example"), and RedirectURI the URI
	// itself. A client_id is a name any page may pick, so a backend must
	// check Origin against its own, or a proof issued to another site
	// would sign its user in.
	Origin      string `json:"origin"`
	RedirectURI string `json:"redirect_uri,omitempty"`
	// Registered claims: iss (the issuer URL), sub (the account), aud (the
	// client_id), iat, exp.
	jwt.RegisteredClaims
}

// Errors of id_token verification that callers branch on.
var (
	// ErrNoMatchingKey: the signature verifies with none of the keys given.
	ErrNoMatchingKey = errors.New("id_token is not signed by any of the account's keys")
	// ErrWrongOrigin: the token is a sign-in proof for another site.
	ErrWrongOrigin = errors.New("id_token is for another site")
)

// SignIDToken signs c with sign (a key that stays in the vault) and the
// header {"alg":"ES256K","typ":"JWT","kid":kid}; kid names the key, e.g.
// "alice@hive/posting".
func SignIDToken(c *IDClaims, kid string, sign DigestSigner) (string, error) {
	if sign == nil {
		return "", errors.New("sign id_token: no signer")
	}
	t := jwt.NewWithClaims(ES256K, c)
	t.Header["kid"] = kid
	s, err := t.SignedString(sign)
	if err != nil {
		return "", fmt.Errorf("sign id_token: %w", err)
	}
	return s, nil
}

// ParseIDTokenUnverified decodes an id_token without checking anything, to
// learn which account and chain to fetch keys for. Never trust its result
// before VerifyIDToken.
func ParseIDTokenUnverified(token string) (*IDClaims, error) {
	if len(token) > MaxTokenLen {
		return nil, errors.New("id_token too long")
	}
	c := &IDClaims{}
	if _, _, err := jwt.NewParser(jwt.WithStrictDecoding()).ParseUnverified(token, c); err != nil {
		return nil, fmt.Errorf("id_token: %w", err)
	}
	return c, nil
}

// IDCheck is what VerifyIDToken requires besides the signature.
type IDCheck struct {
	// Audience is the client_id the token must be for; empty skips the
	// check (only for showing a token, never for signing someone in).
	Audience string
	// Origin is the verifier's own origin, which the token's origin claim
	// must equal; empty skips the check (only for showing a token).
	Origin string
	// Nonce, if not empty, must equal the token's nonce.
	Nonce string
	// Issuer, if not empty, must equal the token's iss.
	Issuer string
	// Now is the time to check iat and exp at; zero means time.Now().
	Now time.Time
}

// VerifyIDToken checks an id_token against the account's public keys (from
// the chain, or given by the user): ES256K only, a signature by one of
// candidates, exp in the future, iat not in the future and at most ten
// minutes before exp, and the audience, origin, nonce and issuer asked for. It
// returns the claims and the key that signed.
func VerifyIDToken(token string, candidates []keys.PublicKey, want IDCheck) (*IDClaims, keys.PublicKey, error) {
	if len(token) > MaxTokenLen {
		return nil, keys.PublicKey{}, errors.New("id_token too long")
	}
	if len(candidates) == 0 {
		return nil, keys.PublicKey{}, errors.New("id_token: no public keys to verify against")
	}
	now := want.Now
	if now.IsZero() {
		now = time.Now()
	}
	opts := []jwt.ParserOption{jwt.WithTimeFunc(func() time.Time { return now })}
	if want.Audience != "" {
		opts = append(opts, jwt.WithAudience(want.Audience))
	}
	if want.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(want.Issuer))
	}
	var signer keys.PublicKey
	c := &IDClaims{}
	_, err := jwt.ParseWithClaims(token, c, func(*jwt.Token) (any, error) {
		set := jwt.VerificationKeySet{}
		for _, k := range candidates {
			pub, err := secp256k1.ParsePubKey(k[:])
			if err != nil {
				continue
			}
			set.Keys = append(set.Keys, pub)
		}
		return set, nil
	}, parserOptions(opts...)...)
	if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
		return nil, signer, ErrNoMatchingKey
	}
	if err != nil {
		return nil, signer, fmt.Errorf("id_token: %w", err)
	}
	if c.Subject == "" || c.IssuedAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) > maxIDTokenLifetime {
		return nil, signer, errors.New("id_token: sub and iat are required and exp may be at most 10 minutes after iat")
	}
	if want.Nonce != "" && c.Nonce != want.Nonce {
		return nil, signer, errors.New("id_token: nonce does not match")
	}
	if want.Origin != "" && c.Origin != want.Origin {
		return nil, signer, fmt.Errorf("%w: it was issued to %.80q, not %.80q", ErrWrongOrigin, c.Origin, want.Origin)
	}
	// Tell which key signed, for the caller's report.
	for _, k := range candidates {
		pub, err := secp256k1.ParsePubKey(k[:])
		if err != nil {
			continue
		}
		if _, err := jwt.ParseWithClaims(token, &IDClaims{}, func(*jwt.Token) (any, error) { return pub, nil },
			jwt.WithValidMethods([]string{Alg}), jwt.WithoutClaimsValidation()); err == nil {
			signer = k
			break
		}
	}
	return c, signer, nil
}
