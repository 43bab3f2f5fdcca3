package memo

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// FuzzParseHive: any string either fails to parse with an error or parses
// to a memo that writes back to exactly the same string; decrypting the
// result never panics.
func FuzzParseHive(f *testing.F) {
	for _, v := range loadVectors(f).Hive {
		f.Add(v.Memo)
	}
	f.Add("#")
	f.Add("plain")
	_, _, bob := pair(f, bobSeed, aliceSeed)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseHive(s)
		if err != nil {
			if m != nil {
				t.Fatal("memo and error")
			}
			return
		}
		if got := m.String(); got != s {
			t.Fatalf("round trip: %q → %q", s, got)
		}
		_, _ = m.Decrypt(&bob)
	})
}

// FuzzUnpackHive: any bytes either fail to unpack or unpack to a memo
// that packs back to exactly the same bytes.
func FuzzUnpackHive(f *testing.F) {
	for _, v := range loadVectors(f).Hive {
		m, err := ParseHive(v.Memo)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(m.Bytes())
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := unpackHive(raw)
		if err != nil {
			return
		}
		if got := m.Bytes(); !bytes.Equal(got, raw) {
			t.Fatalf("round trip: %x → %x", raw, got)
		}
	})
}

// FuzzHiveDecrypt: arbitrary ciphertext under a matching key check never
// panics, and whatever decrypts survives re-encryption.
func FuzzHiveDecrypt(f *testing.F) {
	from, to, alice := pair(f, aliceSeed, bobSeed)
	for _, v := range loadVectors(f).Hive {
		if m, err := ParseHive(v.Memo); err == nil && v.SenderSeed == aliceSeed && v.RecipientSeed == bobSeed {
			f.Add(m.Nonce, m.Encrypted)
		}
	}
	f.Fuzz(func(t *testing.T, nonce uint64, enc []byte) {
		_, check := hiveKey(&alice.Secret, nonce)
		m := &HiveMemo{From: from, To: to, Nonce: nonce, Check: check, Encrypted: enc}
		text, err := m.Decrypt(&alice)
		if err != nil {
			return
		}
		again, err := EncryptHive(&alice.Secret, from, to, nonce, text).Decrypt(&alice)
		if err != nil || again != text {
			t.Fatalf("re-encrypted %q: %q, %v", text, again, err)
		}
	})
}

// FuzzHiveText: the plaintext unwrapping never panics and returns either
// a slice of its input or all of it.
func FuzzHiveText(f *testing.F) {
	f.Add([]byte{5, 'h', 'e', 'l', 'l', 'o'})
	f.Add([]byte{0x80, 0x80, 0x80, 0x80, 0x08})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, plain []byte) {
		if got := hiveText(plain); !bytes.Contains(plain, []byte(got)) {
			t.Fatalf("%x: %q is not part of the input", plain, got)
		}
	})
}

// FuzzOpenGraphene: arbitrary messages never panic, and whatever opens
// seals back to the same message (the scheme is deterministic).
func FuzzOpenGraphene(f *testing.F) {
	_, _, alice := pair(f, aliceSeed, bobSeed)
	for _, v := range loadVectors(f).Graphene {
		if v.SenderSeed == aliceSeed && v.RecipientSeed == bobSeed {
			msg, err := hex.DecodeString(v.MessageHex)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(parseNonce(f, v.Nonce), msg)
		}
	}
	f.Add(uint64(0), []byte{})
	f.Fuzz(func(t *testing.T, nonce uint64, msg []byte) {
		text, err := OpenGraphene(&alice, nonce, msg)
		if err != nil {
			return
		}
		if resealed := SealGraphene(&alice.Secret, nonce, text); !bytes.Equal(resealed, msg) {
			t.Fatalf("open then seal changed the message")
		}
	})
}
