package keys

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// SignatureLen is the size of a compact recoverable signature: header ‖ r ‖ s.
const SignatureLen = 65

// Errors for signatures that nodes would refuse.
var (
	ErrSignatureFormat    = errors.New("malformed signature")
	ErrSignatureNotCanon  = errors.New("signature is not canonical")
	ErrSignatureRecovery  = errors.New("cannot recover a public key from the signature")
	ErrSignatureWrongKey  = errors.New("signature does not match the public key")
	errSignatureHexLength = fmt.Errorf("%w: want %d hex characters", ErrSignatureFormat, 2*SignatureLen)
)

// CompactHeaderBase is added to the recovery id (0..3) in the first byte of a
// signature: 27 for recoverable signatures plus 4 for a compressed key. Every
// Graphene peer writes headers 31..34.
const CompactHeaderBase = 27 + 4

// Signature is a compact recoverable ECDSA signature as Graphene chains carry
// it: one header byte (31 + recovery id), then r and s, 32 bytes each, big
// endian. In JSON it is 130 hex characters.
type Signature [SignatureLen]byte

// ParseSignature reads a signature from hex.
func ParseSignature(s string) (Signature, error) {
	var sig Signature
	if len(s) != 2*SignatureLen {
		return sig, errSignatureHexLength
	}
	if _, err := hex.Decode(sig[:], []byte(s)); err != nil {
		return sig, fmt.Errorf("%w: %v", ErrSignatureFormat, err)
	}
	return sig, nil
}

// String returns the signature as lower-case hex.
func (s Signature) String() string { return hex.EncodeToString(s[:]) }

// MarshalText writes the hex form, so signatures appear in JSON as the chains
// expect.
func (s Signature) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the hex form.
func (s *Signature) UnmarshalText(b []byte) error {
	v, err := ParseSignature(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// IsFCCanonical reports whether r and s each DER-encode in exactly 32 bytes:
// the rule Peerplays enforces on every signature (fc's is_canonical).
func IsFCCanonical(r, s *[32]byte) bool {
	return CanonicalComponent(r) && CanonicalComponent(s)
}

// CanonicalComponent applies the fc rule to r or s alone, so a signer can
// discard a nonce as soon as r is known.
func CanonicalComponent(v *[32]byte) bool {
	return v[0]&0x80 == 0 && !(v[0] == 0 && v[1]&0x80 == 0)
}

// IsCanonical reports whether the signature satisfies both rules a node may
// apply: fc canonical (Peerplays) and BIP-62 low S (Hive since HF20), with a
// header in 31..34. Signatures Localsigner produces always do.
func (s Signature) IsCanonical() bool {
	if s[0] < CompactHeaderBase || s[0] > CompactHeaderBase+3 {
		return false
	}
	var r, sv [32]byte
	copy(r[:], s[1:33])
	copy(sv[:], s[33:])
	if !IsFCCanonical(&r, &sv) {
		return false
	}
	var n secp256k1.ModNScalar
	if overflow := n.SetBytes(&sv); overflow != 0 {
		return false
	}
	return !n.IsOverHalfOrder()
}

// IsLowS reports whether the signature satisfies BIP-62 alone (low S, a
// header in 31..34): the only rule hived applies since HF28
// (full_transaction.cpp: "only one mode (bip_0062)"). Libraries that do not
// retry nonces for the fc rule (wax with beekeeper) sign such signatures.
func (s Signature) IsLowS() bool {
	if s[0] < CompactHeaderBase || s[0] > CompactHeaderBase+3 {
		return false
	}
	var sv [32]byte
	copy(sv[:], s[33:])
	var n secp256k1.ModNScalar
	if overflow := n.SetBytes(&sv); overflow != 0 {
		return false
	}
	return !n.IsOverHalfOrder()
}

// Recover returns the public key that produced sig over digest. It does not
// check canonicity (IsCanonical does); it fails on a malformed signature or
// one from which no key can be recovered.
func Recover(digest [32]byte, sig Signature) (PublicKey, error) {
	var k PublicKey
	if sig[0] < 27 || sig[0] > 34 {
		return k, fmt.Errorf("%w: header %d", ErrSignatureFormat, sig[0])
	}
	pub, _, err := ecdsa.RecoverCompact(sig[:], digest[:])
	if err != nil {
		return k, fmt.Errorf("%w: %v", ErrSignatureRecovery, err)
	}
	copy(k[:], pub.SerializeCompressed())
	return k, nil
}

// Verify checks that sig is a canonical signature of digest by pub. Graphene
// nodes authenticate by recovery, so this recovers and compares rather than
// running a separate verification.
func Verify(pub PublicKey, digest [32]byte, sig Signature) error {
	if !sig.IsCanonical() {
		return ErrSignatureNotCanon
	}
	got, err := Recover(digest, sig)
	if err != nil {
		return err
	}
	if got != pub {
		return ErrSignatureWrongKey
	}
	return nil
}
