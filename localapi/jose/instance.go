package jose

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenLen bounds a presented JWT before it is parsed.
const MaxTokenLen = 8 << 10

// InstanceKeyLen is the size of a stored instance key.
const InstanceKeyLen = 32

// AppClaims are the claims of an app token: a JWT that a registered app gets
// for its key and secret (POST /auth/token) and presents as a bearer token.
// The token is only a carrier: every use also checks the store, where its
// jti is recorded (as a digest) under the app's grant.
type AppClaims struct {
	// AppName is the app's registered name.
	AppName string `json:"app_name"`
	// Scope lists what the token allows (scope items, as granted).
	Scope []string `json:"scope"`
	// GrantType is "client_credentials".
	GrantType string `json:"grant_type"`
	// Account and Chain the app acts for.
	Account string `json:"account,omitempty"`
	Chain   string `json:"chain,omitempty"`
	// Registered claims: iss (the local issuer URL), sub (the app id), aud
	// (the issuer URL: the tokens are for this server only), iat, exp, jti.
	jwt.RegisteredClaims
}

// InstanceKey is this installation's token-signing key: a secp256k1 key
// that signs app tokens only, never a chain transaction. Safe for
// concurrent use.
type InstanceKey struct {
	priv *secp256k1.PrivateKey
	pub  *secp256k1.PublicKey
	jwk  JWK
}

// NewInstanceKeyBytes returns 32 random bytes that make a valid key.
func NewInstanceKeyBytes() ([]byte, error) {
	k, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		return nil, fmt.Errorf("generate instance key: %w", err)
	}
	defer k.Zero()
	return k.Serialize(), nil
}

// NewInstanceKey loads a key stored as 32 bytes (a scalar in [1, N-1]).
func NewInstanceKey(raw []byte) (*InstanceKey, error) {
	if len(raw) != InstanceKeyLen {
		return nil, fmt.Errorf("instance key: %d bytes, want %d", len(raw), InstanceKeyLen)
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(raw); overflow || s.IsZero() {
		return nil, errors.New("instance key: not a valid secp256k1 scalar")
	}
	priv := secp256k1.NewPrivateKey(&s)
	pub := priv.PubKey()
	return &InstanceKey{priv: priv, pub: pub, jwk: PublicJWK(pub)}, nil
}

// Kid returns the key id (its RFC 7638 thumbprint).
func (k *InstanceKey) Kid() string { return k.jwk.Kid }

// JWKS returns the public key set to publish.
func (k *InstanceKey) JWKS() JWKS { return JWKS{Keys: []JWK{k.jwk}} }

// PublicKey returns the public key.
func (k *InstanceKey) PublicKey() *secp256k1.PublicKey { return k.pub }

// SignAppToken signs c with the header {"alg":"ES256K","typ":"JWT","kid":…}.
func (k *InstanceKey) SignAppToken(c *AppClaims) (string, error) {
	t := jwt.NewWithClaims(ES256K, c)
	t.Header["kid"] = k.jwk.Kid
	s, err := t.SignedString(k.priv)
	if err != nil {
		return "", fmt.Errorf("sign app token: %w", err)
	}
	return s, nil
}

// VerifyAppToken checks an app token's signature (ES256K with this key
// only), kid, issuer, audience, iat and exp at now, and returns its claims.
// It does not consult the store; the caller must (see authz.Issuer.Lookup).
func (k *InstanceKey) VerifyAppToken(token, issuer string, now time.Time) (*AppClaims, error) {
	if len(token) > MaxTokenLen {
		return nil, errors.New("app token too long")
	}
	c := &AppClaims{}
	_, err := jwt.ParseWithClaims(token, c, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != k.jwk.Kid {
			return nil, errors.New("unknown kid")
		}
		return k.pub, nil
	}, parserOptions(jwt.WithIssuer(issuer), jwt.WithAudience(issuer), jwt.WithTimeFunc(func() time.Time { return now }))...)
	if err != nil {
		return nil, fmt.Errorf("app token: %w", err)
	}
	if c.ID == "" || c.Subject == "" {
		return nil, errors.New("app token: jti and sub are required")
	}
	return c, nil
}

// SelfTest signs a token with the key and verifies it, through the same
// code paths as real tokens, and checks that a tampered one fails. Start-up
// calls it so a binary whose ES256K does not work never serves.
func (k *InstanceKey) SelfTest() error {
	const iss = "http://127.0.0.1:0"
	now := time.Now()
	c := &AppClaims{AppName: "self-test", Scope: []string{"login"}, GrantType: "client_credentials",
		RegisteredClaims: jwt.RegisteredClaims{Issuer: iss, Subject: "self-test", Audience: jwt.ClaimStrings{iss},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)), ID: "self-test"}}
	tok, err := k.SignAppToken(c)
	if err != nil {
		return fmt.Errorf("ES256K self-test: %w", err)
	}
	got, err := k.VerifyAppToken(tok, iss, now)
	if err != nil {
		return fmt.Errorf("ES256K self-test: a freshly signed token does not verify: %w", err)
	}
	if got.Subject != c.Subject || got.ID != c.ID {
		return errors.New("ES256K self-test: claims changed in a round trip")
	}
	i := strings.LastIndexByte(tok, '.')
	tampered := tok[:i+1] + flipFirst(tok[i+1:])
	if _, err := k.VerifyAppToken(tampered, iss, now); err == nil {
		return errors.New("ES256K self-test: a tampered signature verifies")
	}
	return nil
}

// flipFirst changes the first character of a base64url string.
func flipFirst(s string) string {
	if s == "" {
		return "A"
	}
	c := byte('A')
	if s[0] == 'A' {
		c = 'B'
	}
	return string(c) + s[1:]
}
