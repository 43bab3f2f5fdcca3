package memo

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/mr-tron/base58"
)

const (
	aliceSeed  = "alicememoP5KLocalsignerTestVectorsAliceDoNotUse0000000000001"
	bobSeed    = "bobmemoP5KLocalsignerTestVectorsBobDoNotUse00000000000002"
	carolSeed  = "localsigner memo peer"
	legacySeed = "localsigner memo legacy 101" // x of alice·legacy starts with 0x00
)

// reencode base58-encodes raw after '#', for hand-damaged memos.
func reencode(raw []byte) string { return "#" + base58.Encode(raw) }

func TestHiveErrors(t *testing.T) {
	from, to, sender := pair(t, aliceSeed, bobSeed)
	_, _, bob := pair(t, bobSeed, aliceSeed)
	_, _, carol := pair(t, carolSeed, aliceSeed)
	good := EncryptHive(&sender.Secret, from, to, 42, "the text")
	raw := good.Bytes()

	badCheck := *good
	badCheck.Check ^= 1

	// Flipping the last ciphertext byte ruins the padding (or, rarely, the
	// text), but not the key check.
	flipped := *good
	flipped.Encrypted = append([]byte(nil), good.Encrypted...)
	flipped.Encrypted[len(flipped.Encrypted)-1] ^= 0xff

	for _, tc := range []struct {
		name   string
		memo   string
		secret *SharedSecret
		want   error
	}{
		{"plain memo", "hello", &bob, ErrNotEncrypted},
		{"empty", "", &bob, ErrNotEncrypted},
		{"only '#'", "#", &bob, ErrMalformed},
		{"not base58", "#0OIl", &bob, ErrMalformed},
		{"too long", "#" + strings.Repeat("z", MaxHiveMemoLen), &bob, ErrMalformed},
		{"truncated header", reencode(raw[:70]), &bob, ErrMalformed},
		{"truncated ciphertext", reencode(raw[:len(raw)-1]), &bob, ErrMalformed},
		{"trailing byte", reencode(append(raw[:len(raw):len(raw)], 0)), &bob, ErrMalformed},
		{"length not whole blocks", reencode(append(append(raw[:hiveHeaderLen:hiveHeaderLen], 3), 1, 2, 3)), &bob, ErrMalformed},
		{"zero-length ciphertext", reencode(append(raw[:hiveHeaderLen:hiveHeaderLen], 0)), &bob, ErrMalformed},
		{"non-minimal length", reencode(append(append(raw[:hiveHeaderLen:hiveHeaderLen], 0x90, 0x00), good.Encrypted...)), &bob, ErrMalformed},
		{"from not a key", reencode(append([]byte{0x05}, raw[1:]...)), &bob, ErrMalformed},
		{"to not a key", reencode(append(append(raw[:33:33], 0x00), raw[34:]...)), &bob, ErrMalformed},
		{"wrong key", good.String(), &carol, ErrWrongKey},
		{"bad check", badCheck.String(), &bob, ErrWrongKey},
		{"corrupt ciphertext", flipped.String(), &bob, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseHive(tc.memo)
			if err == nil {
				_, err = m.Decrypt(tc.secret)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "the text") {
				t.Fatal("error shows the plaintext")
			}
		})
	}
}

// TestHiveText: the plaintext is unwrapped as dhive's Memo.decode does
// (results recorded from dhive 1.3.6 with ByteBuffer.readVString).
func TestHiveText(t *testing.T) {
	for _, tc := range []struct{ plainHex, want string }{
		{"0568656c6c6f", "hello"},
		{"0568656c6c6f7878", "hello"},          // bytes after the string are ignored
		{"0668656c6c6f", "\x06hello"},          // prefix runs past the end: whole text
		{"68656c6c6f", "hello"},                // unprefixed (old senders)
		{"03e282ac", "€"},                      // multi-byte UTF-8
		{"02ff41", "\xffA"},                    // invalid UTF-8 is returned as is (dhive: U+FFFD)
		{"00", ""},                             // empty memo
		{"808001", "\x80\x80\x01"},             // length 16384 does not fit
		{"8080808080", "\x80\x80\x80\x80\x80"}, // not a varint within 5 bytes
	} {
		plain, _ := hex.DecodeString(tc.plainHex)
		if got := hiveText(plain); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.plainHex, got, tc.want)
		}
	}
}

// TestHiveRoundTrip: encrypted memos decrypt for both sides, whether made
// with the fc or the legacy secret, for every block-boundary length.
func TestHiveRoundTrip(t *testing.T) {
	from, to, sender := pair(t, aliceSeed, legacySeed)
	_, _, recipient := pair(t, legacySeed, aliceSeed)
	if sender.Secret == sender.Legacy {
		t.Fatal("legacySeed no longer gives a pair whose legacy secret differs")
	}
	for n := range 40 {
		text := strings.Repeat("é", n/2) + strings.Repeat("a", n%2)
		for name, secret := range map[string]*[64]byte{"fc": &sender.Secret, "legacy": &sender.Legacy} {
			m, err := ParseHive(EncryptHive(secret, from, to, NewNonce(), text).String())
			if err != nil {
				t.Fatalf("%s %d: %v", name, n, err)
			}
			for _, s := range []*SharedSecret{&sender, &recipient} {
				if got, err := m.Decrypt(s); err != nil || got != text {
					t.Fatalf("%s %d: %q, %v", name, n, got, err)
				}
			}
		}
	}
}

func TestGrapheneErrors(t *testing.T) {
	_, _, sender := pair(t, aliceSeed, bobSeed)
	_, _, bob := pair(t, bobSeed, aliceSeed)
	_, _, carol := pair(t, carolSeed, aliceSeed)
	sealed := SealGraphene(&sender.Secret, 7, "the text")
	flipped := append([]byte(nil), sealed...)
	flipped[0] ^= 1 // garbles the first block: the checksum fails

	for _, tc := range []struct {
		name    string
		secret  *SharedSecret
		nonce   uint64
		message []byte
	}{
		{"wrong key", &carol, 7, sealed},
		{"wrong nonce", &bob, 8, sealed},
		{"truncated", &bob, 7, sealed[:len(sealed)-1]},
		{"one block short", &bob, 7, sealed[:len(sealed)-16]},
		{"empty", &bob, 7, nil},
		{"corrupt", &bob, 7, flipped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := OpenGraphene(tc.secret, tc.nonce, tc.message); !errors.Is(err, ErrWrongKey) {
				t.Fatalf("got %v, want ErrWrongKey", err)
			}
		})
	}
	// A block holding only 3 plaintext bytes is too short for the checksum.
	key := grapheneKey(&bob.Secret, 7)
	short := cbcEncrypt(&key, []byte{1, 2, 3})
	if _, err := OpenGraphene(&bob, 7, short); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("3-byte plaintext: %v", err)
	}
}

// TestGrapheneLegacy: a message sealed with the legacy secret (bitsharesjs
// decrypts those with legacy=true) opens, after the fc secret fails.
func TestGrapheneLegacy(t *testing.T) {
	_, _, sender := pair(t, aliceSeed, legacySeed)
	_, _, recipient := pair(t, legacySeed, aliceSeed)
	for name, secret := range map[string]*[64]byte{"fc": &sender.Secret, "legacy": &sender.Legacy} {
		got, err := OpenGraphene(&recipient, 99, SealGraphene(secret, 99, "ppy memo"))
		if err != nil || got != "ppy memo" {
			t.Fatalf("%s: %q, %v", name, got, err)
		}
	}
}

func TestNewNonce(t *testing.T) {
	seen := map[uint64]bool{}
	for range 1000 {
		n := NewNonce()
		if seen[n] {
			t.Fatalf("nonce %d repeated", n)
		}
		seen[n] = true
		if n >= 1<<63 {
			t.Fatalf("nonce %d does not fit a signed 64-bit integer", n)
		}
	}
}

func TestSharedSecretClear(t *testing.T) {
	_, _, s := pair(t, aliceSeed, bobSeed)
	s.Clear()
	if s != (SharedSecret{}) {
		t.Fatal("Clear left bytes")
	}
}
