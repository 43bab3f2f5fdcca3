package privkey

import (
	"encoding/hex"
	"errors"
	"testing"

	"localsigner/internal/vectors"
	"localsigner/signer/keys"
)

func TestLoginDerivation(t *testing.T) {
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range kv.Login {
		t.Run(l.Account+"/"+l.Role, func(t *testing.T) {
			p, err := FromLogin(l.Account, l.Role, l.Password)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(p.Bytes()); got != l.PrivateKey {
				t.Errorf("private key %s, want %s", got, l.PrivateKey)
			}
			if got := p.WIF(); got != l.WIF {
				t.Errorf("WIF %s, want %s", got, l.WIF)
			}
			if got := p.PublicKey().Format("STM"); got != l.PublicKey {
				t.Errorf("public key %s, want %s", got, l.PublicKey)
			}
		})
	}
	if _, err := FromLogin("alice", "admin", "pw"); err == nil {
		t.Fatal("unknown role accepted")
	}
}

func TestSeedAndWIF(t *testing.T) {
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range kv.Seed {
		p, err := FromSeed(s.Seed)
		if err != nil {
			t.Fatal(err)
		}
		if p.WIF() != s.WIF || p.PublicKey().Format("STM") != s.PublicKey {
			t.Errorf("seed %q: got %s %s", s.Seed, p.WIF(), p.PublicKey().Format("STM"))
		}
	}
	for _, w := range kv.WIF {
		p, err := FromWIF(w.WIF)
		if err != nil {
			t.Fatalf("FromWIF(%s): %v", w.WIF, err)
		}
		if got := hex.EncodeToString(p.Bytes()); got != w.PrivateKey {
			t.Errorf("WIF %s: key %s, want %s", w.WIF, got, w.PrivateKey)
		}
		if got := p.PublicKey().Format("STM"); got != w.PublicKey {
			t.Errorf("WIF %s: public %s, want %s", w.WIF, got, w.PublicKey)
		}
	}
	for _, w := range kv.InvalidWIF {
		if _, err := FromWIF(w.WIF); err == nil {
			t.Errorf("invalid WIF accepted (%s)", w.Reason)
		}
	}
}

func TestWIFErrors(t *testing.T) {
	good := "5JaB7vFB5Pn5RWhKZpZiq2LwZGSc5HNtNx59HSnm3XMTy5VPj6E"
	// The same key as a Bitcoin "compressed" WIF (payload ends in 0x01).
	compressed := wifOf(append(mustHex("63a788848fc1157a0ece013217c6e487c51c5568a3fdeb48399dfa2c35fd5935"), 1))
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrWIFBase58},
		{"not base58", "0" + good[1:], ErrWIFBase58},
		{"truncated", good[:40], ErrWIFLength},
		{"compressed form", compressed, ErrWIFLength},
		{"checksum", good[:len(good)-1] + "a", ErrWIFChecksum},
		{"zero key", wifOf(make([]byte, 32)), ErrKeyRange},
		{"key = n", wifOf(mustHex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")), ErrKeyRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := FromWIF(tc.in); !errors.Is(err, tc.want) {
				t.Fatalf("FromWIF(%q) = %v, want %v", tc.in, err, tc.want)
			}
		})
	}
}

// TestSignReproducesDhive signs each Hive vector's digest with its keys: the
// nonce scheme is dhive's, so the bytes must equal the peer's signatures.
// Peerplays vectors come from bitsharesjs (another nonce scheme), so there
// the signature must recover to the key instead.
func TestSignReproducesDhive(t *testing.T) {
	txs, err := vectors.Transactions()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range txs {
		t.Run(v.Name, func(t *testing.T) {
			var digest [32]byte
			hex.Decode(digest[:], []byte(v.DigestHex))
			for i, sk := range v.SigningKeys {
				p, err := FromWIF(sk.WIF)
				if err != nil {
					t.Fatal(err)
				}
				sig, err := p.Sign(digest)
				if err != nil {
					t.Fatal(err)
				}
				if !sig.IsCanonical() {
					t.Fatalf("signature %d not canonical: %s", i, sig)
				}
				if err := keys.Verify(p.PublicKey(), digest, sig); err != nil {
					t.Fatalf("signature %d: %v", i, err)
				}
				if v.Chain == "hive" && sig.String() != v.Signatures[i] {
					t.Errorf("signature %d = %s, dhive made %s", i, sig, v.Signatures[i])
				}
			}
		})
	}
}

func TestSignManyDigests(t *testing.T) {
	p, _ := FromSeed("localsigner sign loop")
	pub := p.PublicKey()
	for i := 0; i < 300; i++ {
		var d [32]byte
		d[0], d[1] = byte(i), byte(i>>8)
		sig, err := p.Sign(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := keys.Verify(pub, d, sig); err != nil {
			t.Fatalf("digest %d: %v", i, err)
		}
	}
}

func TestZero(t *testing.T) {
	p, _ := FromSeed("zero me")
	p.Zero()
	for _, b := range p.Bytes() {
		if b != 0 {
			t.Fatal("key not zeroed")
		}
	}
}

func FuzzFromWIF(f *testing.F) {
	f.Add("5JaB7vFB5Pn5RWhKZpZiq2LwZGSc5HNtNx59HSnm3XMTy5VPj6E")
	f.Add("5KiWNHviLoshpXyYELKeJVdikyUPyqYeWUPSqwcHCv1vkyfdck3")
	f.Add("5LWvJ9hCvpTJZLH2UQBinLwiUP4KizDmAb9FXbUf3BMrTiByBq4")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := FromWIF(s)
		if err != nil {
			return
		}
		out := p.WIF()
		if out != s {
			t.Fatalf("WIF(FromWIF(%q)) = %q", s, out)
		}
		q, err := FromWIF(out)
		if err != nil || q.PublicKey() != p.PublicKey() {
			t.Fatalf("re-parse: %v", err)
		}
	})
}

func wifOf(key []byte) string {
	// Build a WIF around any 32 bytes, valid or not, bypassing FromBytes.
	buf := append([]byte{wifVersion}, key...)
	sum := doubleSHA256(buf)
	return b58(append(buf, sum[:4]...))
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
