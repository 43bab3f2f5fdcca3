// Package jose is Localsigner's use of JSON Web Signatures with ES256K
// (ECDSA over secp256k1 with SHA-256, RFC 8812): the signing method it
// registers with github.com/golang-jwt/jwt/v5, JSON Web Keys for the
// instance key published at /.well-known/jwks.json, and the id_token a dapp's
// backend verifies against an account's key on chain.
//
// Signatures are made by decred's ecdsa.Sign (RFC 6979 nonces, constant
// time, low S) and written as R‖S, 32 bytes each (RFC 7515 §3.4). Verify
// accepts only that form and rejects high-S signatures, so a signature has
// exactly one valid encoding. Parsing is always pinned to ES256K: "none",
// HS256 and every other algorithm are refused whatever the header says.
package jose

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/golang-jwt/jwt/v5"
)

// Alg is the JWS algorithm name of ECDSA over secp256k1 with SHA-256.
const Alg = "ES256K"

// SignatureLen is the size of a JWS ES256K signature: R‖S.
const SignatureLen = 64

// Errors of the ES256K method.
var (
	// ErrBadSignature: the signature is not 64 bytes, not a valid scalar
	// pair, high-S, or does not verify.
	ErrBadSignature = errors.New("invalid ES256K signature")
	// ErrKeyType: Sign or Verify was given a key of the wrong type.
	ErrKeyType = errors.New("ES256K needs a secp256k1 key")
)

// DigestSigner signs a 32-byte SHA-256 digest and returns R‖S, 64 bytes,
// with low S. It lets a key that never leaves its owner (the vault) sign a
// JWT: pass it to SigningMethodES256K.Sign instead of a private key.
type DigestSigner func(digest [32]byte) ([]byte, error)

// SigningMethodES256K implements jwt.SigningMethod for ES256K. Sign takes a
// *secp256k1.PrivateKey or a DigestSigner; Verify takes a
// *secp256k1.PublicKey.
type SigningMethodES256K struct{}

// ES256K is the registered method; use it with jwt.NewWithClaims.
var ES256K = &SigningMethodES256K{}

var _ jwt.SigningMethod = ES256K

func init() {
	jwt.RegisterSigningMethod(Alg, func() jwt.SigningMethod { return ES256K })
}

// Alg returns "ES256K".
func (*SigningMethodES256K) Alg() string { return Alg }

// Sign signs sha256(signingString). The result is R‖S with low S.
func (*SigningMethodES256K) Sign(signingString string, key any) ([]byte, error) {
	digest := sha256.Sum256([]byte(signingString))
	switch k := key.(type) {
	case *secp256k1.PrivateKey:
		sig := ecdsa.Sign(k, digest[:])
		r, s := sig.R(), sig.S()
		out := make([]byte, SignatureLen)
		r.PutBytesUnchecked(out[:32])
		s.PutBytesUnchecked(out[32:])
		return out, nil
	case DigestSigner:
		out, err := k(digest)
		if err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
		if _, err := parseSignature(out); err != nil {
			return nil, fmt.Errorf("sign: the signer returned an unusable signature: %w", err)
		}
		return out, nil
	}
	return nil, ErrKeyType
}

// Verify checks sig (R‖S, low S) over sha256(signingString) with a
// *secp256k1.PublicKey.
func (*SigningMethodES256K) Verify(signingString string, sig []byte, key any) error {
	pub, ok := key.(*secp256k1.PublicKey)
	if !ok || pub == nil {
		return ErrKeyType
	}
	s, err := parseSignature(sig)
	if err != nil {
		return err
	}
	digest := sha256.Sum256([]byte(signingString))
	if !s.Verify(digest[:], pub) {
		return ErrBadSignature
	}
	return nil
}

// parseSignature reads R‖S: 64 bytes, both scalars in [1, N-1], S at most
// N/2 (the low-S rule of BIP 62 and Hive, which makes signatures
// non-malleable).
func parseSignature(sig []byte) (*ecdsa.Signature, error) {
	if len(sig) != SignatureLen {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrBadSignature, len(sig), SignatureLen)
	}
	var r, s secp256k1.ModNScalar
	if overflow := r.SetByteSlice(sig[:32]); overflow || r.IsZero() {
		return nil, fmt.Errorf("%w: R out of range", ErrBadSignature)
	}
	if overflow := s.SetByteSlice(sig[32:]); overflow || s.IsZero() {
		return nil, fmt.Errorf("%w: S out of range", ErrBadSignature)
	}
	if s.IsOverHalfOrder() {
		return nil, fmt.Errorf("%w: high S", ErrBadSignature)
	}
	return ecdsa.NewSignature(&r, &s), nil
}

// CompactToJWS turns a compact recoverable signature (header ‖ R ‖ S, 65
// bytes, as Graphene chains and the vault produce) into the JWS form R‖S,
// checking low S. The recovery header is dropped: a JWS verifier knows the
// key.
func CompactToJWS(compact []byte) ([]byte, error) {
	if len(compact) != SignatureLen+1 {
		return nil, fmt.Errorf("%w: compact signature of %d bytes, want 65", ErrBadSignature, len(compact))
	}
	out := append([]byte(nil), compact[1:]...)
	if _, err := parseSignature(out); err != nil {
		return nil, err
	}
	return out, nil
}

// parserOptions are the options every parse in this package uses: ES256K
// only, expiry required, issued-at checked.
func parserOptions(extra ...jwt.ParserOption) []jwt.ParserOption {
	return append([]jwt.ParserOption{jwt.WithValidMethods([]string{Alg}), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithStrictDecoding()}, extra...)
}
