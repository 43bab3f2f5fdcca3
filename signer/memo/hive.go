package memo

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/mr-tron/base58"

	"localsigner/signer/keys"
)

// MaxHiveMemoLen bounds the memo strings ParseHive reads. hived refuses
// transfer memos of 2048 bytes or more; the bound leaves room for memos
// passed around off chain while keeping base58 decoding (quadratic) cheap.
const MaxHiveMemoLen = 16 << 10

// hiveHeaderLen is from (33) + to (33) + nonce (8) + check (4).
const hiveHeaderLen = 2*keys.PublicKeyLen + 8 + 4

// HiveMemo is an encrypted Hive memo, the fields of fc's memo_data as
// hived's wallet, dhive (Memo.encode) and hive-tx pack them: the sender's
// and recipient's public keys, a nonce, a 32-bit check of the key derived
// from both, and the AES-256-CBC ciphertext. On chain and in APIs it is
// written as "#" + base58 of that packing (String).
//
// The header is readable without a key, so a caller can see which of its
// keys the memo is for (From when it sent it, To when it received it) and
// ask the vault for the secret of that key and the other one.
type HiveMemo struct {
	From      keys.PublicKey
	To        keys.PublicKey
	Nonce     uint64
	Check     uint32
	Encrypted []byte
}

// ParseHive reads an encrypted memo string ("#" + base58). A string without
// the '#' gives ErrNotEncrypted (it is a plain memo); any other defect gives
// an error wrapping ErrMalformed. Unlike dhive it rejects bytes after the
// ciphertext and keys that are not curve points, which no encoder writes.
func ParseHive(s string) (*HiveMemo, error) {
	body, ok := strings.CutPrefix(s, "#")
	if !ok {
		return nil, ErrNotEncrypted
	}
	if len(s) > MaxHiveMemoLen {
		return nil, fmt.Errorf("%w: %d characters, at most %d", ErrMalformed, len(s), MaxHiveMemoLen)
	}
	if body == "" {
		return nil, fmt.Errorf("%w: nothing after '#'", ErrMalformed)
	}
	raw, err := base58.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("%w: not base58", ErrMalformed)
	}
	return unpackHive(raw)
}

func unpackHive(raw []byte) (*HiveMemo, error) {
	if len(raw) < hiveHeaderLen+1 {
		return nil, fmt.Errorf("%w: %d bytes, too short", ErrMalformed, len(raw))
	}
	var m HiveMemo
	var err error
	if m.From, err = keys.PublicKeyFromBytes(raw[:33]); err != nil {
		return nil, fmt.Errorf("%w: from key: %v", ErrMalformed, err)
	}
	if m.To, err = keys.PublicKeyFromBytes(raw[33:66]); err != nil {
		return nil, fmt.Errorf("%w: to key: %v", ErrMalformed, err)
	}
	m.Nonce = binary.LittleEndian.Uint64(raw[66:74])
	m.Check = binary.LittleEndian.Uint32(raw[74:78])
	n, size, ok := uvarint32(raw[hiveHeaderLen:])
	if !ok || size != len(binary.AppendUvarint(nil, uint64(n))) {
		return nil, fmt.Errorf("%w: bad ciphertext length", ErrMalformed)
	}
	rest := raw[hiveHeaderLen+size:]
	if uint64(n) != uint64(len(rest)) {
		return nil, fmt.Errorf("%w: ciphertext length %d, but %d bytes follow", ErrMalformed, n, len(rest))
	}
	if n == 0 || n%16 != 0 {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes is not whole AES blocks", ErrMalformed, n)
	}
	m.Encrypted = rest
	return &m, nil
}

// Bytes packs the memo as fc::raw does (without base58 or '#').
func (m *HiveMemo) Bytes() []byte {
	out := make([]byte, 0, hiveHeaderLen+binary.MaxVarintLen32+len(m.Encrypted))
	out = append(out, m.From[:]...)
	out = append(out, m.To[:]...)
	out = binary.LittleEndian.AppendUint64(out, m.Nonce)
	out = binary.LittleEndian.AppendUint32(out, m.Check)
	out = binary.AppendUvarint(out, uint64(len(m.Encrypted)))
	return append(out, m.Encrypted...)
}

// String writes the memo as it goes into a transfer: "#" + base58.
func (m *HiveMemo) String() string { return "#" + base58.Encode(m.Bytes()) }

// hiveKey derives the memo's AES material and check from a shared secret:
// sha512(nonce as 8 bytes LE ‖ secret), and the first 4 bytes of its sha256
// read as a little-endian uint32 (fc's sha256::_hash[0] truncated).
func hiveKey(secret *[64]byte, nonce uint64) (material [64]byte, check uint32) {
	var in [8 + 64]byte
	binary.LittleEndian.PutUint64(in[:8], nonce)
	copy(in[8:], secret[:])
	material = sha512.Sum512(in[:])
	clear(in[:])
	sum := sha256.Sum256(material[:])
	return material, binary.LittleEndian.Uint32(sum[:4])
}

// Decrypt returns the memo's text, without the '#' dhive puts back in
// front of it. It tries s.Secret and then s.Legacy (see SharedSecret),
// choosing by the memo's check: ErrWrongKey when neither matches, ErrCorrupt
// when one matches but the ciphertext does not decrypt. All failures after
// the key check are the same ErrCorrupt, so callers cannot serve as a
// padding oracle by reporting which.
//
// The text is the length-prefixed string hived's wallet and dhive encrypt;
// like dhive, a plaintext whose prefix does not fit is taken whole (senders
// that did not prefix), and bytes after a fitting prefix are ignored. The
// text is returned as decrypted, even if it is not valid UTF-8.
func (m *HiveMemo) Decrypt(s *SharedSecret) (string, error) {
	for _, secret := range s.candidates() {
		material, check := hiveKey(secret, m.Nonce)
		if check != m.Check {
			clear(material[:])
			continue
		}
		plain, ok := cbcDecrypt(&material, m.Encrypted)
		clear(material[:])
		if !ok {
			return "", ErrCorrupt
		}
		text := hiveText(plain)
		clear(plain)
		return text, nil
	}
	return "", ErrWrongKey
}

// hiveText unwraps fc's string packing (varint length ‖ bytes) the way
// dhive's Memo.decode does with ByteBuffer.readVString, falling back to the
// whole plaintext when the prefix is not a varint or runs past the end.
// (For lengths of 2^31 and more, which no encoder writes, dhive returns ""
// instead.)
func hiveText(plain []byte) string {
	if n, size, ok := uvarint32(plain); ok && uint64(n) <= uint64(len(plain)-size) {
		return string(plain[size : size+int(n)])
	}
	return string(plain)
}

// EncryptHive makes the memo from's owner sends to: message (the text
// without the '#' that asks wallets to encrypt it) packed as fc packs a
// string and encrypted under secret and nonce. secret is normally
// SharedSecret.Secret, the form hived's wallet and hive-tx decrypt; dhive
// 1.3.6 decrypts only SharedSecret.Legacy, which differs for about one key
// pair in 256. nonce must not repeat for the same two keys: use NewNonce.
//
// The result's String is what goes into the transfer; hived refuses memos
// of 2048 characters or more.
func EncryptHive(secret *[64]byte, from, to keys.PublicKey, nonce uint64, message string) *HiveMemo {
	plain := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen32+len(message)), uint64(len(message)))
	plain = append(plain, message...)
	material, check := hiveKey(secret, nonce)
	enc := cbcEncrypt(&material, plain)
	clear(material[:])
	clear(plain)
	return &HiveMemo{From: from, To: to, Nonce: nonce, Check: check, Encrypted: enc}
}

// uvarint32 reads fc's unsigned_int (LEB128, at most 5 bytes, value below
// 2^32). size is the number of bytes read.
func uvarint32(b []byte) (v uint32, size int, ok bool) {
	var x uint64
	for i := 0; i < len(b) && i < 5; i++ {
		x |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			if x > 1<<32-1 {
				return 0, 0, false
			}
			return uint32(x), i + 1, true
		}
	}
	return 0, 0, false
}
