package keys_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"localsigner/internal/vectors"
	"localsigner/signer/keys"
)

func TestPublicKeyStringsFromVectors(t *testing.T) {
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range kv.PublicKeyStrings {
		t.Run(c.Reason, func(t *testing.T) {
			k, err := keys.ParsePublicKey(c.String, c.ExpectedPrefix)
			if !c.Valid {
				if err == nil {
					t.Fatalf("ParsePublicKey(%q, %q) accepted an invalid key", c.String, c.ExpectedPrefix)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePublicKey(%q): %v", c.String, err)
			}
			if got := hex.EncodeToString(k[:]); got != c.PublicKeyHex {
				t.Fatalf("bytes = %s, want %s", got, c.PublicKeyHex)
			}
			if got := k.Format(c.ExpectedPrefix); got != c.String {
				t.Fatalf("Format = %s, want %s", got, c.String)
			}
		})
	}
}

func TestPublicKeyFormatAllPrefixes(t *testing.T) {
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range kv.Login {
		raw, _ := hex.DecodeString(l.PublicKeyHex)
		k, err := keys.PublicKeyFromBytes(raw)
		if err != nil {
			t.Fatalf("%s/%s: %v", l.Account, l.Role, err)
		}
		for prefix, want := range map[string]string{"STM": l.PublicKey, "TST": l.PublicKeyTST, "PPY": l.PublicKeyPPY} {
			if got := k.Format(prefix); got != want {
				t.Errorf("%s/%s %s: %s, want %s", l.Account, l.Role, prefix, got, want)
			}
		}
	}
}

func TestParsePublicKeyErrors(t *testing.T) {
	const valid = "STM6n526uH2kSktRKPPMmFh9mCpL7imV4iNdCSwJHLa5G2pX2aov2"
	// A 33-byte string whose first byte is 0x04 is not a compressed key.
	notCompressed := keys.PublicKey{0x04, 1, 2, 3}.Format("STM")
	// 0x02 with x = 5: no curve point has this x (x^3+7 = 132 is not a square mod p).
	offCurve := keys.PublicKey{0x02}
	offCurve[32] = 5
	tests := []struct {
		name   string
		in     string
		prefix string
		want   error
	}{
		{"empty", "", "STM", keys.ErrPrefix},
		{"prefix only", "STM", "STM", keys.ErrBase58},
		{"other chain", "PPY6n526uH2kSktRKPPMmFh9mCpL7imV4iNdCSwJHLa5G2pX2aov2", "STM", keys.ErrPrefix},
		{"longer prefix", "TEST6n526uH2kSktRKPPMmFh9mCpL7imV4iNdCSwJHLa5G2pX2aov2", "TEST", nil},
		{"not base58", "STM6n526uH2kSktRKPPMmFh9mCpL7imV4iNdCSwJHLa5G2pX2aov0", "STM", keys.ErrBase58},
		{"truncated", valid[:len(valid)-3], "STM", keys.ErrLength},
		{"checksum", valid[:len(valid)-1] + "1", "STM", keys.ErrChecksum},
		{"null key", "STM1111111111111111111111111111111114T1Anm", "STM", keys.ErrNotOnCurve},
		{"uncompressed marker", notCompressed, "STM", keys.ErrNotOnCurve},
		{"off curve", offCurve.Format("STM"), "STM", keys.ErrNotOnCurve},
		{"empty prefix", valid, "", keys.ErrPrefix},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := keys.ParsePublicKey(tc.in, tc.prefix)
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Fatalf("ParsePublicKey(%q, %q) = %v, want %v", tc.in, tc.prefix, err, tc.want)
			}
		})
	}
}

func TestNullKeyFormat(t *testing.T) {
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	var zero keys.PublicKey
	if !zero.IsZero() {
		t.Fatal("zero key not IsZero")
	}
	if got := zero.Format("STM"); got != kv.NullKey.String {
		t.Fatalf("null key = %s, want %s", got, kv.NullKey.String)
	}
}

func FuzzParsePublicKey(f *testing.F) {
	f.Add("STM6n526uH2kSktRKPPMmFh9mCpL7imV4iNdCSwJHLa5G2pX2aov2", "STM")
	f.Add("PPY8fgBx7hGZS4mXLo7j6ptL1mH6M8SPFCVfqwj9eBoz2opp3BMyX", "PPY")
	f.Add("STM1111111111111111111111111111111114T1Anm", "STM")
	f.Fuzz(func(t *testing.T, s, prefix string) {
		k, err := keys.ParsePublicKey(s, prefix)
		if err != nil {
			return
		}
		out := k.Format(prefix)
		if out != s {
			// base58 has exactly one spelling per byte string, so a key
			// that parsed must print back the same.
			t.Fatalf("Format(Parse(%q)) = %q", s, out)
		}
		again, err := keys.ParsePublicKey(out, prefix)
		if err != nil || again != k {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
	})
}
