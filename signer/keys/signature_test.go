package keys_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"localsigner/internal/vectors"
	"localsigner/signer/keys"
)

// TestPeerSignaturesRecover checks every signature the peer libraries made:
// it must be canonical and recover to the public key the vector names.
func TestPeerSignaturesRecover(t *testing.T) {
	txs, err := vectors.Transactions()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range txs {
		t.Run(v.Name, func(t *testing.T) {
			var digest [32]byte
			if _, err := hex.Decode(digest[:], []byte(v.DigestHex)); err != nil {
				t.Fatal(err)
			}
			if len(v.Signatures) == 0 || len(v.Signatures) != len(v.SignatureChecks) {
				t.Fatalf("vector has %d signatures and %d checks", len(v.Signatures), len(v.SignatureChecks))
			}
			for i, s := range v.Signatures {
				sig, err := keys.ParseSignature(s)
				if err != nil {
					t.Fatal(err)
				}
				if !sig.IsCanonical() {
					t.Errorf("signature %d not canonical", i)
				}
				want, err := keys.ParsePublicKey(v.SignatureChecks[i].PublicKey, v.AddressPrefix)
				if err != nil {
					t.Fatal(err)
				}
				if err := keys.Verify(want, digest, sig); err != nil {
					t.Errorf("signature %d: %v", i, err)
				}
				if int(sig[0]) != v.SignatureChecks[i].RecoveryHeader {
					t.Errorf("header %d, vector says %d", sig[0], v.SignatureChecks[i].RecoveryHeader)
				}
			}
		})
	}
}

func TestSignatureRules(t *testing.T) {
	const good = "1f58450664ca36a7a3683afce1ee3186fbb06439f840b747cf204ffe32320a7c5f22781eb500f4aa6f46d84148fe367207b5e666154aba760624c8fde1c09cc0d2"
	sig, err := keys.ParseSignature(good)
	if err != nil {
		t.Fatal(err)
	}
	mut := func(f func(s *keys.Signature)) keys.Signature { s := sig; f(&s); return s }
	tests := []struct {
		name string
		sig  keys.Signature
		want bool
	}{
		{"dhive signature", sig, true},
		{"header 27 (uncompressed)", mut(func(s *keys.Signature) { s[0] = 27 }), false},
		{"header 35", mut(func(s *keys.Signature) { s[0] = 35 }), false},
		{"r top bit", mut(func(s *keys.Signature) { s[1] |= 0x80 }), false},
		{"r short DER", mut(func(s *keys.Signature) { s[1], s[2] = 0, 0x10 }), false},
		{"r leading zero ok", mut(func(s *keys.Signature) { s[1], s[2] = 0, 0x90 }), true},
		{"s = n/2 + 1", mut(func(s *keys.Signature) { copy(s[33:], halfOrderPlusOne) }), false},
		{"s = n/2", mut(func(s *keys.Signature) { copy(s[33:], halfOrder) }), true},
		{"s short DER", mut(func(s *keys.Signature) { s[33], s[34] = 0, 0x01 }), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.sig.IsCanonical(); got != tc.want {
				t.Fatalf("IsCanonical = %v, want %v", got, tc.want)
			}
		})
	}
}

var (
	halfOrder, _        = hex.DecodeString("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")
	halfOrderPlusOne, _ = hex.DecodeString("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a1")
)

func TestParseSignatureErrors(t *testing.T) {
	for _, in := range []string{"", "00", string(make([]byte, 130)), "zz" + string(make([]byte, 128))} {
		if _, err := keys.ParseSignature(in); !errors.Is(err, keys.ErrSignatureFormat) {
			t.Errorf("ParseSignature(%q) = %v", in, err)
		}
	}
}

func TestVerifyWrongDigest(t *testing.T) {
	txs, err := vectors.Transactions()
	if err != nil {
		t.Fatal(err)
	}
	v := txs[0]
	sig, _ := keys.ParseSignature(v.Signatures[0])
	pub, _ := keys.ParsePublicKey(v.SignatureChecks[0].PublicKey, v.AddressPrefix)
	var other [32]byte
	other[0] = 1
	if err := keys.Verify(pub, other, sig); !errors.Is(err, keys.ErrSignatureWrongKey) && !errors.Is(err, keys.ErrSignatureRecovery) {
		t.Fatalf("Verify over another digest = %v", err)
	}
}
