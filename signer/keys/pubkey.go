// Package keys holds the public half of Graphene key handling: public keys in
// the chains' prefixed base58 form, compact recoverable signatures, the
// canonical rules nodes enforce, and key recovery.
//
// Nothing here ever sees a private key, so every package may import it;
// private keys and signing live in signer/internal/privkey.
package keys

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/mr-tron/base58"
	//lint:ignore SA1019 Graphene key checksums are RIPEMD-160 by definition; nothing to choose here.
	"golang.org/x/crypto/ripemd160"
)

// Errors returned when a public key string or its bytes are rejected. They are
// checked in the order a reader would expect (prefix, alphabet, length,
// checksum, curve) so the first problem is the one reported.
var (
	ErrPrefix     = errors.New("wrong key prefix")
	ErrBase58     = errors.New("invalid base58")
	ErrLength     = errors.New("wrong key length")
	ErrChecksum   = errors.New("checksum mismatch")
	ErrNotOnCurve = errors.New("not a point on secp256k1")
)

// PublicKeyLen is the size of a compressed SEC1 public key.
const PublicKeyLen = 33

// PublicKey is a compressed secp256k1 public key (02/03 ‖ X). The zero value
// is the chain's "null key", which serializes as 33 zero bytes and can never
// verify a signature.
type PublicKey [PublicKeyLen]byte

// PublicKeyFromBytes checks that b is a compressed point on the curve, so a
// PublicKey built here is always usable for verification.
func PublicKeyFromBytes(b []byte) (PublicKey, error) {
	var k PublicKey
	if len(b) != PublicKeyLen {
		return k, fmt.Errorf("%w: %d bytes, want %d", ErrLength, len(b), PublicKeyLen)
	}
	if b[0] != 0x02 && b[0] != 0x03 {
		return k, fmt.Errorf("%w: not a compressed key", ErrNotOnCurve)
	}
	if _, err := secp256k1.ParsePubKey(b); err != nil {
		return k, fmt.Errorf("%w: %v", ErrNotOnCurve, err)
	}
	copy(k[:], b)
	return k, nil
}

// ParsePublicKey reads a key written as prefix ‖ base58(key33 ‖ ripemd160
// checksum[:4]). The prefix must be exactly the one given: a Hive key pasted
// into a Peerplays field is a user mistake worth catching, even though the
// bytes would be the same.
func ParsePublicKey(s, prefix string) (PublicKey, error) {
	var k PublicKey
	if prefix == "" || !strings.HasPrefix(s, prefix) {
		return k, fmt.Errorf("%w: want %q", ErrPrefix, prefix)
	}
	raw, err := base58.Decode(s[len(prefix):])
	if err != nil || len(s) == len(prefix) {
		return k, ErrBase58
	}
	if len(raw) != PublicKeyLen+4 {
		return k, fmt.Errorf("%w: %d bytes, want %d", ErrLength, len(raw), PublicKeyLen+4)
	}
	sum := ripemd160Sum(raw[:PublicKeyLen])
	if !bytes.Equal(sum[:4], raw[PublicKeyLen:]) {
		return k, ErrChecksum
	}
	return PublicKeyFromBytes(raw[:PublicKeyLen])
}

// Format writes the key with the given chain prefix (STM, TST, PPY, …). The
// prefix only changes the text; the key bytes are the same on every chain.
func (k PublicKey) Format(prefix string) string {
	sum := ripemd160Sum(k[:])
	buf := make([]byte, 0, PublicKeyLen+4)
	buf = append(buf, k[:]...)
	buf = append(buf, sum[:4]...)
	return prefix + base58.Encode(buf)
}

// IsZero reports whether k is the null key (33 zero bytes).
func (k PublicKey) IsZero() bool { return k == PublicKey{} }

// Compare orders keys by their 33 bytes, the order nodes use for key_auths.
func (k PublicKey) Compare(o PublicKey) int { return bytes.Compare(k[:], o[:]) }

func ripemd160Sum(b []byte) []byte {
	h := ripemd160.New()
	h.Write(b)
	return h.Sum(nil)
}
