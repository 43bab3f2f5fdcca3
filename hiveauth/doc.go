// Package hiveauth is the HiveAuth door: Localsigner as a PKSA (the
// key-holding side of the HiveAuth protocol, docs.hiveauth.com). Dapps that
// offer "log in with HiveAuth" send encrypted requests through a relay (a
// HAS server, over websocket); the PKSA connects to the relay, registers the
// accounts the user has sessions for with a proof of key, and answers the
// requests the relay forwards: auth_req (a sign-in, with an optional
// challenge to sign), sign_req (operations to sign, broadcast or not) and
// challenge_req (a text to sign).
//
// The door holds no policy: a sign-in is an ordinary grant the user
// approves in the wallet's queue, operations are checked and confirmed by
// the wallet as for every door, and a challenge after sign-in is a message
// the user confirms. What a request says about the app behind it (its
// name, description, icon) is self-declared, and shown as such.
//
// Payloads are encrypted as the protocol's clients do it (CryptoJS's
// passphrase AES, see Encrypt) under the auth_key the dapp made and gave
// the user in a has://auth_req link; nothing else ties a request to a dapp.
package hiveauth
