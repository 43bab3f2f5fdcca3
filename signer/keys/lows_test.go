package keys_test

import (
	"testing"

	"localsigner/signer/keys"
)

// BIP-62 alone (Hive since HF28) takes a low S whatever r looks like; the
// fc rule (Graphene) also wants r and s without a high first bit or a
// needless zero byte.
func TestIsLowS(t *testing.T) {
	var sig keys.Signature
	sig[0] = keys.CompactHeaderBase + 1
	sig[1], sig[2] = 0x91, 0x22 // r with its high bit set
	sig[33], sig[34] = 0x12, 0x34
	if !sig.IsLowS() || sig.IsCanonical() {
		t.Errorf("high-bit r, low s: low-S %v, fc-canonical %v", sig.IsLowS(), sig.IsCanonical())
	}
	high := sig
	high[33] = 0xf0 // s above half the order
	if high.IsLowS() || high.IsCanonical() {
		t.Error("a high s passed")
	}
	bad := sig
	bad[0] = 27
	if bad.IsLowS() {
		t.Error("a header outside 31..34 passed")
	}
}
