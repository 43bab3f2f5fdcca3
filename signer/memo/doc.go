// Package memo encrypts and decrypts the memos Graphene chains carry in
// transfers: Hive's "#…" memo strings (the format of hived's wallet, dhive
// and hive-tx) and Peerplays' memo_data messages (the format of the
// Peerplays wallet, bitsharesjs and peerplaysjs-lib).
//
// Both schemes derive an AES-256-CBC key from the ECDH secret of the
// sender's and recipient's memo keys and a per-memo nonce. This package
// only ever sees that secret (a SharedSecret, which the vault computes
// without handing out a private key), so it has no key material to guard
// beyond the secret and the plaintext, and no I/O: every function is pure
// and safe for concurrent use.
//
// Every parser rejects malformed input with an error and never panics; the
// fuzz tests hold it to that. Errors never contain a secret or plaintext.
package memo
