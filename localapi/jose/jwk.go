package jose

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// JWK is a public secp256k1 key as a JSON Web Key (RFC 7517, RFC 8812 §3.1).
type JWK struct {
	Kty string `json:"kty"` // "EC"
	Crv string `json:"crv"` // "secp256k1"
	X   string `json:"x"`   // base64url, 32 bytes
	Y   string `json:"y"`   // base64url, 32 bytes
	Kid string `json:"kid,omitempty"`
	Alg string `json:"alg,omitempty"` // "ES256K"
	Use string `json:"use,omitempty"` // "sig"
}

// JWKS is a JSON Web Key Set, the document at /.well-known/jwks.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// PublicJWK describes pub as a signing JWK whose kid is its RFC 7638
// thumbprint.
func PublicJWK(pub *secp256k1.PublicKey) JWK {
	raw := pub.SerializeUncompressed() // 04 ‖ X ‖ Y
	enc := base64.RawURLEncoding
	k := JWK{Kty: "EC", Crv: "secp256k1", X: enc.EncodeToString(raw[1:33]), Y: enc.EncodeToString(raw[33:65]),
		Alg: Alg, Use: "sig"}
	k.Kid = k.Thumbprint()
	return k
}

// Thumbprint is the RFC 7638 thumbprint of the key: base64url(SHA-256) of
// the required members in lexicographic order.
func (k JWK) Thumbprint() string {
	canon := `{"crv":"` + k.Crv + `","kty":"` + k.Kty + `","x":"` + k.X + `","y":"` + k.Y + `"}`
	sum := sha256.Sum256([]byte(canon))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// PublicKey checks the JWK (EC, secp256k1, 32-byte coordinates of a point
// on the curve) and returns its key.
func (k JWK) PublicKey() (*secp256k1.PublicKey, error) {
	if k.Kty != "EC" || k.Crv != "secp256k1" {
		return nil, fmt.Errorf("jwk: kty %q crv %q, want EC secp256k1", k.Kty, k.Crv)
	}
	if k.Alg != "" && k.Alg != Alg {
		return nil, fmt.Errorf("jwk: alg %q, want %s", k.Alg, Alg)
	}
	x, errX := base64.RawURLEncoding.Strict().DecodeString(k.X)
	y, errY := base64.RawURLEncoding.Strict().DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return nil, errors.New("jwk: x and y must be 32 bytes in base64url")
	}
	raw := append(append([]byte{4}, x...), y...)
	pub, err := secp256k1.ParsePubKey(raw)
	if err != nil {
		return nil, fmt.Errorf("jwk: %w", err)
	}
	return pub, nil
}
