// Package privkey is the only code that handles raw private keys: WIF import
// and export, derivation from an account password as Hive wallets do, and
// signing with the canonical compact signatures Graphene chains require.
//
// It is internal to signer so that nothing outside the signer can obtain key
// material: other packages ask the signer to sign.
package privkey

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/mr-tron/base58"

	"localsigner/signer/keys"
)

// Errors for rejected private keys. A WIF is checked in this order: alphabet,
// length, version byte, checksum, scalar range.
var (
	ErrWIFBase58   = errors.New("invalid WIF: not base58")
	ErrWIFLength   = errors.New("invalid WIF: wrong length")
	ErrWIFVersion  = errors.New("invalid WIF: version byte is not 0x80")
	ErrWIFChecksum = errors.New("invalid WIF: checksum mismatch")
	ErrKeyRange    = errors.New("private key out of range")
)

// wifVersion is the first byte of every Graphene WIF payload.
const wifVersion = 0x80

// Roles a login-derived key is made for, in the order Hive wallets list them.
var Roles = []string{"owner", "active", "posting", "memo"}

// PrivateKey is a secp256k1 private key. Call Zero when done with it; the
// signer does so when the vault locks.
type PrivateKey struct {
	k *secp256k1.PrivateKey
}

// FromBytes makes a key from 32 big-endian bytes, rejecting 0 and values ≥ n
// rather than silently reducing them.
func FromBytes(b []byte) (*PrivateKey, error) {
	if len(b) != 32 {
		return nil, fmt.Errorf("%w: %d bytes", ErrKeyRange, len(b))
	}
	var s secp256k1.ModNScalar
	var arr [32]byte
	copy(arr[:], b)
	overflow := s.SetBytes(&arr)
	clear(arr[:])
	if overflow != 0 || s.IsZero() {
		s.Zero()
		return nil, ErrKeyRange
	}
	return &PrivateKey{k: secp256k1.NewPrivateKey(&s)}, nil
}

// FromSeed derives sha256(UTF-8(seed)), as Graphene wallets do for brain keys.
func FromSeed(seed string) (*PrivateKey, error) {
	sum := sha256.Sum256([]byte(seed))
	defer clear(sum[:])
	return FromBytes(sum[:])
}

// FromLogin derives the key for one role from an account's master password:
// sha256(account ‖ role ‖ password), the scheme Hive wallets and Hivesigner use.
func FromLogin(account, role, password string) (*PrivateKey, error) {
	if !validRole(role) {
		return nil, fmt.Errorf("unknown role %q", role)
	}
	return FromSeed(account + role + password)
}

func validRole(role string) bool {
	for _, r := range Roles {
		if r == role {
			return true
		}
	}
	return false
}

// FromWIF reads a key in wallet import format. The 33-byte "compressed"
// variant Bitcoin uses is rejected, as dhive and hive-tx reject it.
func FromWIF(wif string) (*PrivateKey, error) {
	raw, err := base58.Decode(wif)
	if err != nil || wif == "" {
		return nil, ErrWIFBase58
	}
	defer clear(raw)
	if len(raw) != 1+32+4 {
		return nil, ErrWIFLength
	}
	if raw[0] != wifVersion {
		return nil, ErrWIFVersion
	}
	sum := doubleSHA256(raw[:33])
	if !bytes.Equal(sum[:4], raw[33:]) {
		return nil, ErrWIFChecksum
	}
	return FromBytes(raw[1:33])
}

// WIF writes the key in wallet import format. The result is a secret: never
// log it.
func (p *PrivateKey) WIF() string {
	var buf [1 + 32 + 4]byte
	buf[0] = wifVersion
	p.k.Key.PutBytesUnchecked(buf[1:33])
	sum := doubleSHA256(buf[:33])
	copy(buf[33:], sum[:4])
	s := base58.Encode(buf[:])
	clear(buf[:])
	return s
}

// Bytes returns the 32-byte scalar. The caller owns the copy and must clear it.
func (p *PrivateKey) Bytes() []byte {
	b := make([]byte, 32)
	p.k.Key.PutBytesUnchecked(b)
	return b
}

// PublicKey returns the matching compressed public key.
func (p *PrivateKey) PublicKey() keys.PublicKey {
	var k keys.PublicKey
	copy(k[:], p.k.PubKey().SerializeCompressed())
	return k
}

// Zero overwrites the scalar. The key is unusable afterwards.
func (p *PrivateKey) Zero() {
	if p != nil && p.k != nil {
		p.k.Zero()
	}
}

func doubleSHA256(b []byte) [32]byte {
	first := sha256.Sum256(b)
	return sha256.Sum256(first[:])
}
