package authz

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// PKCE (RFC 7636) with S256 only. "plain" gives no protection against a code
// intercepted on the way back, so it is refused, and so is a challenge sent
// without a method (which RFC 7636 would read as plain).

// MethodS256 is the only code_challenge_method accepted.
const MethodS256 = "S256"

// s256Len is the length of base64url(SHA-256(x)) without padding.
const s256Len = 43

// ValidChallenge reports whether c has the shape of an S256 challenge: 43
// base64url characters, no padding.
func ValidChallenge(c string) bool {
	if len(c) != s256Len {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(c)
	return err == nil
}

// ValidVerifier reports whether v is a code_verifier as RFC 7636 §4.1 defines
// it: 43 to 128 characters from [A-Za-z0-9-._~].
func ValidVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// S256Challenge returns the S256 challenge of a verifier.
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// VerifyS256 reports whether verifier matches challenge. The comparison is
// constant-time so response timing tells nothing about how close a guess was.
func VerifyS256(verifier, challenge string) bool {
	if !ValidVerifier(verifier) || !ValidChallenge(challenge) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(S256Challenge(verifier)), []byte(challenge)) == 1
}
