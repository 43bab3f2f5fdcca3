package privkey

import (
	"crypto/sha512"
	"errors"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"localsigner/internal/vectors"
	"localsigner/signer/keys"
)

// legacySeed derives a key whose ECDH x coordinate with alice's memo key
// starts with a zero byte, the case where the legacy secret differs.
const legacySeed = "localsigner memo legacy 101"

func aliceMemoKey(t *testing.T) *PrivateKey {
	t.Helper()
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range kv.Login {
		if l.Account == "alice" && l.Role == "memo" {
			p, err := FromLogin(l.Account, l.Role, l.Password)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	t.Fatal("no alice memo key in the vectors")
	return nil
}

// TestSharedSecret: both sides get the same secret, which is sha512 of the
// 32-byte x decred's ECDH computes; the legacy form drops x's leading zero
// bytes and so differs only when there are some.
func TestSharedSecret(t *testing.T) {
	alice := aliceMemoKey(t)
	for _, tc := range []struct {
		name        string
		seed        string
		legacyDiffs bool
	}{
		{"ordinary pair", "localsigner memo peer", false},
		{"x with a leading zero byte", legacySeed, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer, err := FromSeed(tc.seed)
			if err != nil {
				t.Fatal(err)
			}
			s1, l1, err := alice.SharedSecret(peer.PublicKey())
			if err != nil {
				t.Fatal(err)
			}
			s2, l2, err := peer.SharedSecret(alice.PublicKey())
			if err != nil {
				t.Fatal(err)
			}
			if s1 != s2 || l1 != l2 {
				t.Fatal("the two sides disagree")
			}
			ap := alice.PublicKey()
			pub, _ := secp256k1.ParsePubKey(ap[:])
			x := secp256k1.GenerateSharedSecret(peer.k, pub)
			if want := sha512.Sum512(x); s1 != want {
				t.Fatal("secret is not sha512 of the 32-byte x")
			}
			i := 0
			for i < len(x) && x[i] == 0 {
				i++
			}
			if want := sha512.Sum512(x[i:]); l1 != want {
				t.Fatal("legacy secret is not sha512 of the trimmed x")
			}
			if (s1 != l1) != tc.legacyDiffs {
				t.Fatalf("legacy differs = %v, want %v", s1 != l1, tc.legacyDiffs)
			}
		})
	}
}

func TestSharedSecretBadPeer(t *testing.T) {
	alice := aliceMemoKey(t)
	notOnCurve := keys.PublicKey{0x02}
	for i := 1; i < len(notOnCurve); i++ {
		notOnCurve[i] = 0xff
	}
	for name, peer := range map[string]keys.PublicKey{"null key": {}, "not on the curve": notOnCurve} {
		if _, _, err := alice.SharedSecret(peer); !errors.Is(err, ErrPeerKey) {
			t.Errorf("%s: %v, want ErrPeerKey", name, err)
		}
	}
}
