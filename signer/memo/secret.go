package memo

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"sync/atomic"
	"time"
)

// Errors callers branch on. They name no secret and no plaintext, so the
// HTTP layer may map them to a message for the dapp.
var (
	// ErrNotEncrypted: a Hive memo string without the leading '#' that
	// marks an encrypted memo; it is plain text and needs no key.
	ErrNotEncrypted = errors.New("memo is not encrypted (no leading '#')")
	// ErrMalformed: the memo's encoding is broken (base58, lengths, keys),
	// before any key is tried.
	ErrMalformed = errors.New("malformed memo")
	// ErrWrongKey: the memo was not encrypted under this shared secret.
	// For Peerplays memos, which carry no key check, a corrupted memo looks
	// the same.
	ErrWrongKey = errors.New("memo was not encrypted for this key (or is corrupted)")
	// ErrCorrupt: a Hive memo's key check matched but its ciphertext does
	// not decrypt, so the memo was damaged after it was made.
	ErrCorrupt = errors.New("memo ciphertext is corrupted")
)

// SharedSecret is the ECDH secret of a memo's two keys, as the vault
// computes it, in the two forms peers hash it.
//
// Secret is fc's get_shared_secret: sha512 of the 32-byte x coordinate of
// priv·pub. hived's and Peerplays' wallets, hive-tx, bitsharesjs and
// peerplaysjs-lib use it; encrypt with it.
//
// Legacy is sha512 of that x with its leading zero bytes dropped, what
// dhive 1.3.6, steem-js and hive-js compute (a bug of theirs, which
// bitsharesjs keeps decrypting with its legacy flag). It equals Secret
// except for about one key pair in 256. Decryption tries Secret, then
// Legacy when it differs, so memos from either kind of peer open.
//
// The holder owns the bytes and should Clear them when done.
type SharedSecret struct {
	Secret [64]byte
	Legacy [64]byte
}

// Clear overwrites both secrets.
func (s *SharedSecret) Clear() {
	clear(s.Secret[:])
	clear(s.Legacy[:])
}

// candidates lists the distinct secrets to try, Secret first.
func (s *SharedSecret) candidates() []*[64]byte {
	if s.Legacy == s.Secret {
		return []*[64]byte{&s.Secret}
	}
	return []*[64]byte{&s.Secret, &s.Legacy}
}

// nonceCounter is the low 16 bits of NewNonce, started at a random value so
// that two processes in the same millisecond are unlikely to collide.
var nonceCounter = func() *atomic.Uint32 {
	var c atomic.Uint32
	var b [2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	c.Store(uint32(binary.LittleEndian.Uint16(b[:])))
	return &c
}()

// NewNonce returns a nonce for a new memo: the Unix time in milliseconds
// shifted left by 16 bits, or'ed with a counter that starts at a random
// value, as dhive makes them. Reusing a nonce with the same two keys
// reuses the AES key and IV, which shows where two memos' plaintexts share
// a prefix; this never repeats within a process (65536 memos per
// millisecond), and the value stays below 2^63 so JavaScript peers parsing
// it as a signed 64-bit integer read it unchanged.
func NewNonce() uint64 {
	ms := uint64(time.Now().UnixMilli()) & (1<<47 - 1)
	return ms<<16 | uint64(uint16(nonceCounter.Add(1)))
}

// cbcEncrypt encrypts plaintext with AES-256-CBC and PKCS#7 padding under
// key = material[0:32], iv = material[32:48], as fc::aes_encrypt, Node's
// aes-256-cbc and crypto-js do.
func cbcEncrypt(material *[64]byte, plaintext []byte) []byte {
	block, err := aes.NewCipher(material[:32])
	if err != nil {
		panic("memo: AES-256 rejected a 32-byte key: " + err.Error()) // cannot happen
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	buf := make([]byte, len(plaintext)+pad)
	copy(buf, plaintext)
	for i := len(plaintext); i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, material[32:48]).CryptBlocks(buf, buf)
	return buf
}

// cbcDecrypt reverses cbcEncrypt. It reports false for a ciphertext that is
// not whole blocks or whose padding is invalid, without saying which.
func cbcDecrypt(material *[64]byte, ciphertext []byte) ([]byte, bool) {
	if len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
		return nil, false
	}
	block, err := aes.NewCipher(material[:32])
	if err != nil {
		panic("memo: AES-256 rejected a 32-byte key: " + err.Error()) // cannot happen
	}
	buf := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, material[32:48]).CryptBlocks(buf, ciphertext)
	pad := int(buf[len(buf)-1])
	if pad == 0 || pad > aes.BlockSize {
		clear(buf)
		return nil, false
	}
	var bad byte
	for _, b := range buf[len(buf)-pad:] {
		bad |= b ^ byte(pad)
	}
	if bad != 0 {
		clear(buf)
		return nil, false
	}
	return buf[:len(buf)-pad], true
}
