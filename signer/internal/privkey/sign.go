package privkey

import (
	"crypto/sha256"
	"errors"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"localsigner/signer/keys"
)

// maxSignAttempts bounds the canonical-signature loop. Each attempt succeeds
// with probability about 1/2, so reaching the bound means something is
// broken, not unlucky.
const maxSignAttempts = 256

// ErrSignFailed means no canonical signature was found within the attempt
// bound; it cannot happen with a valid key and digest.
var ErrSignFailed = errors.New("could not produce a canonical signature")

// Sign signs a 32-byte digest and returns a compact signature that is both
// BIP-62 low-S and fc canonical, so every Hive and Peerplays node accepts it.
//
// Nonces are RFC 6979 with extra data sha256(digest ‖ attempt) for attempt =
// 1, 2, …, the scheme of libsecp256k1 as used by dhive, so for the same key
// and digest the result is byte-identical to dhive's. An attempt whose r is
// not canonical is abandoned before s is computed, which saves the modular
// inverse and multiplications on about half of all attempts.
func (p *PrivateKey) Sign(digest [32]byte) (keys.Signature, error) {
	sig, _, err := p.sign(digest)
	return sig, err
}

// sign is Sign that also reports how many nonces it tried, for benchmarks.
func (p *PrivateKey) sign(digest [32]byte) (sig keys.Signature, attempts int, err error) {
	var keyBytes [32]byte
	p.k.Key.PutBytesUnchecked(keyBytes[:])
	defer clear(keyBytes[:])

	var e secp256k1.ModNScalar
	e.SetBytes(&digest) // reduces mod n, as ECDSA requires

	var extraIn [33]byte
	copy(extraIn[:32], digest[:])
	for attempt := 1; attempt <= maxSignAttempts; attempt++ {
		extraIn[32] = byte(attempt)
		extra := sha256.Sum256(extraIn[:])
		k := secp256k1.NonceRFC6979(keyBytes[:], digest[:], extra[:], nil, 0)
		ok := signWithNonce(&sig, &p.k.Key, k, &e)
		k.Zero()
		if ok {
			return sig, attempt, nil
		}
	}
	return sig, maxSignAttempts, ErrSignFailed
}

// signWithNonce computes one ECDSA signature with nonce k and writes it to
// sig if it is canonical; it reports false, leaving sig unspecified, when this
// nonce must be discarded.
func signWithNonce(sig *keys.Signature, d, k, e *secp256k1.ModNScalar) bool {
	var kG secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(k, &kG)
	kG.ToAffine()

	var rBytes [32]byte
	kG.X.PutBytes(&rBytes)
	var r secp256k1.ModNScalar
	overflow := r.SetBytes(&rBytes)
	if r.IsZero() {
		return false
	}
	if overflow != 0 {
		r.PutBytes(&rBytes) // r is kG.x mod n
	}
	// Check r first: the fc rule fails on r about half the time, and r alone
	// decides it, so the expensive half of the signature is skipped.
	if !keys.CanonicalComponent(&rBytes) {
		return false
	}
	recID := byte(overflow<<1) | byte(kG.Y.IsOddBit())

	var kInv secp256k1.ModNScalar
	kInv.InverseValNonConst(k)
	var s secp256k1.ModNScalar
	s.Mul2(d, &r).Add(e).Mul(&kInv)
	kInv.Zero()
	if s.IsZero() {
		return false
	}
	if s.IsOverHalfOrder() {
		s.Negate()
		recID ^= 1
	}
	var sBytes [32]byte
	s.PutBytes(&sBytes)
	if !keys.CanonicalComponent(&sBytes) {
		return false
	}
	sig[0] = keys.CompactHeaderBase + recID
	copy(sig[1:33], rBytes[:])
	copy(sig[33:], sBytes[:])
	return true
}
