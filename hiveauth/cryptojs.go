package hiveauth

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5" //nolint:gosec // CryptoJS's key derivation, which the protocol fixes; see Encrypt.
	"crypto/rand"
	"encoding/base64"
	"errors"
)

// MaxPayload bounds one encrypted payload (base64) the PKSA reads; a
// request of 100 operations is far below it.
const MaxPayload = 512 << 10

// ErrUndecryptable is a payload that does not open under the key tried:
// another session's, another PKSA's, or garbage. Callers try the next key
// and answer nothing, as the reference PKSA does.
var ErrUndecryptable = errors.New("hiveauth: payload does not decrypt under this key")

var saltedMagic = []byte("Salted__")

// Encrypt encrypts plain under passphrase exactly as the protocol's
// clients do with CryptoJS.AES.encrypt(text, passphrase).toString(): a
// random 8-byte salt, OpenSSL's EVP_BytesToKey with MD5 and one iteration
// to derive an AES-256 key and CBC IV, PKCS#7 padding, and the OpenSSL
// "Salted__" envelope in base64. The scheme has no MAC and a weak key
// derivation; its strength is the random auth_key the dapp chose, and
// everything decrypted is treated as hostile input.
func Encrypt(plain []byte, passphrase string) (string, error) {
	var salt [8]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return "", err
	}
	key, iv := evpBytesToKey([]byte(passphrase), salt[:])
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return "", err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	buf := make([]byte, 0, len(saltedMagic)+len(salt)+len(plain)+pad)
	buf = append(buf, saltedMagic...)
	buf = append(buf, salt[:]...)
	body := append(append([]byte{}, plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(body, body)
	buf = append(buf, body...)
	clear(key[:])
	return base64.StdEncoding.EncodeToString(buf), nil
}

// Decrypt opens what Encrypt (or CryptoJS.AES.encrypt) made. Every
// failure is ErrUndecryptable: the caller cannot tell a wrong key from a
// bad padding, so it cannot serve as a padding oracle.
func Decrypt(payload, passphrase string) ([]byte, error) {
	if len(payload) > MaxPayload {
		return nil, ErrUndecryptable
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil || len(raw) < 16+aes.BlockSize || !bytes.Equal(raw[:8], saltedMagic) || (len(raw)-16)%aes.BlockSize != 0 {
		return nil, ErrUndecryptable
	}
	key, iv := evpBytesToKey([]byte(passphrase), raw[8:16])
	block, err := aes.NewCipher(key[:])
	clear(key[:])
	if err != nil {
		return nil, ErrUndecryptable
	}
	body := append([]byte{}, raw[16:]...)
	cipher.NewCBCDecrypter(block, iv[:]).CryptBlocks(body, body)
	pad := int(body[len(body)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, ErrUndecryptable
	}
	var bad byte
	for _, b := range body[len(body)-pad:] {
		bad |= b ^ byte(pad)
	}
	if bad != 0 {
		return nil, ErrUndecryptable
	}
	return body[:len(body)-pad], nil
}

// evpBytesToKey is OpenSSL's EVP_BytesToKey(EVP_aes_256_cbc, EVP_md5, salt,
// pass, 1): D1 = MD5(pass‖salt), Di = MD5(Di-1‖pass‖salt), key‖iv = D1‖D2‖….
func evpBytesToKey(pass, salt []byte) (key [32]byte, iv [16]byte) {
	var out []byte
	var prev []byte
	for len(out) < len(key)+len(iv) {
		h := md5.New() //nolint:gosec // see Encrypt.
		h.Write(prev)
		h.Write(pass)
		h.Write(salt)
		prev = h.Sum(nil)
		out = append(out, prev...)
	}
	copy(key[:], out[:32])
	copy(iv[:], out[32:48])
	clear(out)
	return key, iv
}
