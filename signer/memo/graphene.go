package memo

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"strconv"
)

// grapheneKey derives a Peerplays memo's AES material as memo_data does
// (graphene memo.cpp, bitsharesjs Aes.fromSeed): sha512 of the nonce in
// decimal followed by the 128 lowercase hex digits of the shared secret.
func grapheneKey(secret *[64]byte, nonce uint64) [64]byte {
	seed := make([]byte, 0, 20+128)
	seed = strconv.AppendUint(seed, nonce, 10)
	seed = hex.AppendEncode(seed, secret[:])
	material := sha512.Sum512(seed)
	clear(seed)
	return material
}

// SealGraphene encrypts text for the message field of a Peerplays transfer's
// memo_data, as memo_data::set_message and bitsharesjs'
// Aes.encrypt_with_checksum do: AES-256-CBC of (the first 4 bytes of
// sha256(text) ‖ text) under the key grapheneKey derives from secret and
// nonce. The memo_data's from and to keys are those secret was computed
// for and nonce is its nonce; nonce must not repeat for the same two keys
// (use NewNonce). secret is normally SharedSecret.Secret, the form every
// Peerplays peer encrypts with.
func SealGraphene(secret *[64]byte, nonce uint64, text string) []byte {
	sum := sha256.Sum256([]byte(text))
	payload := make([]byte, 0, 4+len(text))
	payload = append(payload, sum[:4]...)
	payload = append(payload, text...)
	material := grapheneKey(secret, nonce)
	out := cbcEncrypt(&material, payload)
	clear(material[:])
	clear(payload)
	return out
}

// OpenGraphene decrypts a memo_data message sealed with nonce, as
// memo_data::get_message does, and checks its checksum. It tries s.Secret,
// then s.Legacy (bitsharesjs' legacy decryption; see SharedSecret). The
// format has no key check, so a wrong key and a corrupted message both give
// ErrWrongKey. The text is returned as decrypted, even if it is not valid
// UTF-8.
func OpenGraphene(s *SharedSecret, nonce uint64, message []byte) (string, error) {
	for _, secret := range s.candidates() {
		material := grapheneKey(secret, nonce)
		plain, ok := cbcDecrypt(&material, message)
		clear(material[:])
		if !ok || len(plain) < 4 {
			clear(plain)
			continue
		}
		sum := sha256.Sum256(plain[4:])
		if !bytes.Equal(sum[:4], plain[:4]) {
			clear(plain)
			continue
		}
		text := string(plain[4:])
		clear(plain)
		return text, nil
	}
	return "", ErrWrongKey
}
