package vault

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// Directory layout. Under <data dir>/vault (0700; every file 0600, every
// directory 0700):
//
//	backend              "file" or "keychain" and a newline, written by Init
//	                     and rewritten after a move; what counts once current
//	                     names a backend
//	backoff              wrong-passphrase counter (backoff.go)
//	lock                 empty; every operation locks it against other
//	                     processes (lockDir)
//	current              "gen-<16 hex digits>", a space, "file" or "keychain",
//	                     and a newline: names the live generation and the
//	                     backend holding it (files written before moves
//	                     existed lack the backend); replaced only by temporary
//	                     file, fsync, rename and directory fsync
//	move                 only during a move between backends (MoveTo):
//	                     "BACKEND GEN BACKEND GEN" and a newline, the
//	                     generation moved from and the one moved to ("legacy"
//	                     for the legacy generation)
//	gen-<16 hex digits>/ one generation (file backend):
//	    items/           keyring file backend, one file per item: the header
//	                     and one per key record
//	    staging/         where an item is written before its rename into items
//
// A generation is a complete vault: a header with its own random data key,
// and every key record sealed under keys derived from that data key, stored
// under names derived from it. Generations share nothing: no data key, no
// item name, no byte. Exactly one is live, the one current names; any other
// directory gen-* is garbage left by an interrupted (or finished) passphrase
// change or an interrupted Init, and is removed under the lock once current
// has been read and the live header parses, never otherwise. Names are random
// rather than counted so that data directories sharing the OS keychain never
// collide.
//
// With the keychain backend, the items of a generation are keychain items
// "gen-<hex>.header" and "gen-<hex>.<record name>", and an empty directory
// gen-<hex> records that the generation belongs to this data directory.
//
// Adding or removing a key writes or deletes one item of the live generation,
// atomically. Changing the passphrase writes a whole new generation, then
// switches current to it, then deletes the old one (see ChangePassphrase).
// Moving to the other backend copies the live generation's items, unchanged,
// into a new generation there, then switches current (generation and
// backend at once), then deletes the old one (see MoveTo); the move file
// names both until then, so that garbage is always deleted from the backend
// that holds it.
//
// Legacy layout. Vaults made before generations (unreleased builds) have no
// current file and keep items in vault/items and vault/staging, or in
// unprefixed keychain items. Such a vault is read as the legacy generation,
// with the same item format, until its first passphrase change moves it into
// a gen-* directory and deletes the old directories. The item format did not
// change, so its version stays 1.
//
// Item format, version 1. Every integer is big-endian. Two kinds of items
// exist, each stored whole as one item of the backend:
//
// The header item (name "header") wraps the data key under the passphrase:
//
//	"LSVH" | version=1 | kdf=1 (Argon2id) | memory KiB u32 | passes u32 |
//	lanes u8 | salt [16] | nonce [24] |
//	XChaCha20-Poly1305(KEK, nonce, data key [32], AD = every byte before salt's end) [48] |
//	SHA-256 of every preceding byte [32]
//
// KEK = Argon2id(passphrase, salt, passes, memory, lanes, 32). The KDF
// parameters travel with the ciphertext so later versions can raise them (a
// passphrase change writes the current parameters). The trailing checksum
// tells bit rot (ErrCorrupt) from a wrong passphrase (an AEAD failure on an
// intact header), so a damaged header never costs the user backoff time.
//
// A key record (name = hex HMAC, below) holds one private key:
//
//	"LSVR" | version=1 | nonce [24] |
//	XChaCha20-Poly1305(record key, nonce, plaintext [128], AD = "LSVR" | version | name) [144]
//	plaintext = len u8 | chain | len u8 | account | len u8 | role | private key [32] | zero padding
//
// The item name is hex(HMAC-SHA256(name key, chain 0x00 account 0x00 role)),
// so nothing on disk names an account, and the fixed plaintext size hides the
// account name's length. Because the name is a keyed hash of chain, account
// and role and is the AEAD's associated data, a record is bound to its
// identity: moved under another name it fails authentication, and after
// opening, the identity inside must hash back to the name.
//
// The record key and name key are derived from the random 32-byte data key
// with HKDF-SHA256 under distinct labels. Each generation has its own data
// key, drawn at Init or at the passphrase change that wrote it, so a new
// passphrase comes with new record keys and new item names, and an old
// header with the old passphrase opens nothing in the new generation.
const (
	headerMagic = "LSVH"
	recordMagic = "LSVR"
	formatV1    = 1
	kdfArgon2id = 1

	saltLen      = 16
	dataKeyLen   = 32
	nonceLen     = chacha20poly1305.NonceSizeX
	tagLen       = chacha20poly1305.Overhead
	headerPrefix = 4 + 1 + 1 + 4 + 4 + 1 + saltLen
	headerLen    = headerPrefix + nonceLen + dataKeyLen + tagLen + sha256.Size

	recordPlainLen = 128
	recordLen      = 4 + 1 + nonceLen + recordPlainLen + tagLen

	headerName = "header"
)

// Labels for HKDF: each derived key has one job.
const (
	labelRecordKey = "localsigner/vault/v1/record-key"
	labelNameKey   = "localsigner/vault/v1/item-name-key"
)

// KDFParams are the Argon2id work factors that turn a passphrase into the key
// that wraps the data key. The zero value means DefaultKDF.
type KDFParams struct {
	MemoryKiB uint32 // memory in KiB
	Time      uint32 // passes over the memory
	Threads   uint8  // lanes; Argon2 computes them in parallel
}

// DefaultKDF costs about 0.35 s and 256 MiB on a 2-core machine: slow enough
// that an offline guesser with the vault files pays dearly per guess, fast
// enough for an unlock (see BENCHMARKS.md).
var DefaultKDF = KDFParams{MemoryKiB: 256 << 10, Time: 3, Threads: 4}

// Bounds on KDF parameters: a header asking for more is treated as corrupt
// rather than letting a damaged or hostile file make us allocate terabytes.
const (
	maxKDFMemoryKiB = 4 << 20 // 4 GiB
	maxKDFTime      = 100
)

// errBadKDF is wrapped by every rejection of KDF parameters.
var errBadKDF = errors.New("invalid KDF parameters")

func (p KDFParams) orDefault() (KDFParams, error) {
	if p == (KDFParams{}) {
		return DefaultKDF, nil
	}
	return p, p.check()
}

func (p KDFParams) check() error {
	switch {
	case p.Threads == 0:
		return fmt.Errorf("%w: Threads must be at least 1", errBadKDF)
	case p.Time == 0 || p.Time > maxKDFTime:
		return fmt.Errorf("%w: Time must be 1…%d", errBadKDF, maxKDFTime)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxKDFMemoryKiB:
		return fmt.Errorf("%w: MemoryKiB must be 8×Threads…%d", errBadKDF, maxKDFMemoryKiB)
	}
	return nil
}

func deriveKEK(passphrase []byte, p KDFParams, salt []byte) []byte {
	return argon2.IDKey(passphrase, salt, p.Time, p.MemoryKiB, p.Threads, 32)
}

// header is the parsed header item.
type header struct {
	kdf    KDFParams
	salt   [saltLen]byte
	nonce  [nonceLen]byte
	sealed [dataKeyLen + tagLen]byte
}

// newHeader wraps dataKey under passphrase with fresh salt and nonce.
func newHeader(passphrase, dataKey []byte, p KDFParams) (*header, error) {
	h := &header{kdf: p}
	if _, err := rand.Read(h.salt[:]); err != nil {
		return nil, err
	}
	if _, err := rand.Read(h.nonce[:]); err != nil {
		return nil, err
	}
	kek := deriveKEK(passphrase, p, h.salt[:])
	defer clear(kek)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, err
	}
	aead.Seal(h.sealed[:0], h.nonce[:], dataKey, h.prefix())
	return h, nil
}

// prefix is the header's authenticated, unencrypted part.
func (h *header) prefix() []byte {
	b := make([]byte, 0, headerPrefix)
	b = append(b, headerMagic...)
	b = append(b, formatV1, kdfArgon2id)
	b = binary.BigEndian.AppendUint32(b, h.kdf.MemoryKiB)
	b = binary.BigEndian.AppendUint32(b, h.kdf.Time)
	b = append(b, h.kdf.Threads)
	return append(b, h.salt[:]...)
}

func (h *header) marshal() []byte {
	b := make([]byte, 0, headerLen)
	b = append(b, h.prefix()...)
	b = append(b, h.nonce[:]...)
	b = append(b, h.sealed[:]...)
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// parseHeader checks the header's shape, checksum and parameters; it says
// nothing about the passphrase.
func parseHeader(b []byte) (*header, error) {
	if len(b) < 5 || string(b[:4]) != headerMagic {
		return nil, errors.New("not a vault header")
	}
	if b[4] != formatV1 {
		return nil, fmt.Errorf("unsupported header version %d", b[4])
	}
	if len(b) != headerLen {
		return nil, fmt.Errorf("header is %d bytes, want %d (truncated?)", len(b), headerLen)
	}
	sum := sha256.Sum256(b[:headerLen-sha256.Size])
	if !bytes.Equal(sum[:], b[headerLen-sha256.Size:]) {
		return nil, errors.New("header checksum mismatch")
	}
	if b[5] != kdfArgon2id {
		return nil, fmt.Errorf("unknown KDF %d", b[5])
	}
	h := &header{kdf: KDFParams{
		MemoryKiB: binary.BigEndian.Uint32(b[6:10]),
		Time:      binary.BigEndian.Uint32(b[10:14]),
		Threads:   b[14],
	}}
	if err := h.kdf.check(); err != nil {
		return nil, err
	}
	off := 15
	off += copy(h.salt[:], b[off:])
	off += copy(h.nonce[:], b[off:])
	copy(h.sealed[:], b[off:])
	return h, nil
}

// openDataKey runs the KDF and unwraps the data key; an AEAD failure means
// the passphrase is wrong, since the checksum already vouched for the bytes.
func (h *header) openDataKey(passphrase []byte) ([]byte, error) {
	kek := deriveKEK(passphrase, h.kdf, h.salt[:])
	defer clear(kek)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, err
	}
	dk, err := aead.Open(nil, h.nonce[:], h.sealed[:], h.prefix())
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return dk, nil
}

// subkeys are what the data key is used for, derived once per unlock.
type subkeys struct {
	record [32]byte // XChaCha20-Poly1305 key for records
	name   [32]byte // HMAC key for item names
}

func deriveSubkeys(dataKey []byte) (*subkeys, error) {
	s := &subkeys{}
	for _, d := range []struct {
		label string
		out   *[32]byte
	}{{labelRecordKey, &s.record}, {labelNameKey, &s.name}} {
		k, err := hkdf.Key(sha256.New, dataKey, nil, d.label, 32)
		if err != nil {
			return nil, err
		}
		copy(d.out[:], k)
		clear(k)
	}
	return s, nil
}

func (s *subkeys) zero() {
	if s != nil {
		clear(s.record[:])
		clear(s.name[:])
	}
}

// itemName is the opaque name a record is stored under.
func (s *subkeys) itemName(id identity) string {
	m := hmac.New(sha256.New, s.name[:])
	m.Write([]byte(id.Chain + "\x00" + id.Account + "\x00" + id.Role))
	return hex.EncodeToString(m.Sum(nil))
}

// identity says whose key a record holds.
type identity struct {
	Chain, Account, Role string
}

func recordAD(name string) []byte {
	return append([]byte{'L', 'S', 'V', 'R', formatV1}, name...)
}

// sealRecord encrypts one key under the record key. key is 32 bytes and is
// not retained.
func (s *subkeys) sealRecord(name string, id identity, key []byte) ([]byte, error) {
	if len(key) != 32 {
		return nil, errors.New("private key must be 32 bytes")
	}
	plain := make([]byte, 0, recordPlainLen)
	for _, f := range []string{id.Chain, id.Account, id.Role} {
		plain = append(plain, byte(len(f)))
		plain = append(plain, f...)
	}
	plain = append(plain, key...)
	if len(plain) > recordPlainLen {
		return nil, errors.New("identity too long for a record")
	}
	plain = plain[:recordPlainLen] // zero padding; capacity was recordPlainLen
	defer clear(plain)

	aead, err := chacha20poly1305.NewX(s.record[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, recordLen)
	out = append(out, recordMagic...)
	out = append(out, formatV1)
	var nonce [nonceLen]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	out = append(out, nonce[:]...)
	return aead.Seal(out, nonce[:], plain, recordAD(name)), nil
}

// openRecord decrypts a record stored under name and checks that its identity
// hashes to that name. The returned key is the caller's to clear.
func (s *subkeys) openRecord(name string, b []byte) (identity, []byte, error) {
	if len(b) < 5 || string(b[:4]) != recordMagic {
		return identity{}, nil, errors.New("not a vault record")
	}
	if b[4] != formatV1 {
		return identity{}, nil, fmt.Errorf("unsupported record version %d", b[4])
	}
	if len(b) != recordLen {
		return identity{}, nil, fmt.Errorf("record is %d bytes, want %d (truncated?)", len(b), recordLen)
	}
	aead, err := chacha20poly1305.NewX(s.record[:])
	if err != nil {
		return identity{}, nil, err
	}
	plain, err := aead.Open(nil, b[5:5+nonceLen], b[5+nonceLen:], recordAD(name))
	if err != nil {
		return identity{}, nil, errors.New("record fails authentication (damaged, or from another vault)")
	}
	defer clear(plain)
	var fields [3]string
	rest := plain
	for i := range fields {
		if len(rest) == 0 {
			return identity{}, nil, errors.New("record identity malformed")
		}
		n := int(rest[0])
		if 1+n > len(rest) {
			return identity{}, nil, errors.New("record identity malformed")
		}
		fields[i], rest = string(rest[1:1+n]), rest[1+n:]
	}
	if len(rest) < 32 {
		return identity{}, nil, errors.New("record identity malformed")
	}
	id := identity{Chain: fields[0], Account: fields[1], Role: fields[2]}
	if s.itemName(id) != name {
		return identity{}, nil, errors.New("record stored under another identity's name")
	}
	key := bytes.Clone(rest[:32])
	return id, key, nil
}
