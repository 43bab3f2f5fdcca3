package authz

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Prefixes of the bearer secrets this server issues. They carry no security
// (the 256 random bits do) but tell a human, a log scrubber or a secret
// scanner what a leaked string is.
const (
	PrefixCode    = "lsc_"
	PrefixAccess  = "lsa_"
	PrefixRefresh = "lsr_"
	PrefixSecret  = "lss_"
)

// secretBytes is the randomness in every token, code and client secret:
// 256 bits, twice the 128 RFC 9700 asks for.
const secretBytes = 32

// maxSecretLen bounds a presented token before it is hashed.
const maxSecretLen = 256

// Digest is the SHA-256 of a token, code or client secret: the only form in
// which they are stored. Lookups hash what the client presents and look the
// digest up, so the store never has anything a thief could replay.
type Digest [sha256.Size]byte

// DigestOf hashes a presented secret.
func DigestOf(secret string) Digest { return sha256.Sum256([]byte(secret)) }

// String is the hex form, for keys and JSON; a digest is not secret.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// Equal compares two digests in constant time.
func (d Digest) Equal(o Digest) bool { return subtle.ConstantTimeCompare(d[:], o[:]) == 1 }

// ParseDigest reads the hex form written by String.
func ParseDigest(s string) (Digest, error) {
	var d Digest
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(d) {
		return d, fmt.Errorf("invalid digest %q", s)
	}
	copy(d[:], b)
	return d, nil
}

// MarshalText writes the hex form so digests read well in stored JSON.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the hex form.
func (d *Digest) UnmarshalText(b []byte) error {
	p, err := ParseDigest(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// NewSecret returns prefix followed by 32 random bytes in base64url: a
// token, code or client secret. It fails only if the system's random source
// does, and then nothing must be issued.
func NewSecret(prefix string) (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// wellFormed reports whether s could be a secret issued with prefix. Checking
// the shape first keeps junk out of lookups and logs.
func wellFormed(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(s) > maxSecretLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	return err == nil && len(b) == secretBytes
}

// newID returns a random identifier for records that are not secrets (grant
// ids, token families, approval ids): n random bytes in hex after prefix.
func newID(prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return prefix + hex.EncodeToString(b), nil
}

// NewID is newID for other packages (approval ids in localapi).
func NewID(prefix string, n int) (string, error) { return newID(prefix, n) }
