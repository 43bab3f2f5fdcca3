// Package authz is the OAuth 2.0 core of Localsigner's local authorization
// server, in plain Go without net/http so that every rule is a function a
// test can call: redirect URI validation (RFC 8252 §7.3, §8.3; exact string
// match, RFC 9700 §4.1), PKCE S256 (RFC 7636; plain is refused), scope
// parsing and narrowing, request parsing, and the lifecycle of codes,
// access tokens and rotating refresh tokens (Issuer).
//
// Secrets (codes, tokens, client secrets) are 256 random bits, handed out
// once and stored only as SHA-256 digests (Digest). The Store interface is
// transactional, so a code is redeemed and a refresh token rotated exactly
// once however many requests race; package store implements it on bbolt.
//
// Deliberate differences from the systems Localsigner replaces: tokens
// expire (access tokens after an hour), revocation revokes, codes are single
// use and bound to client, redirect URI and PKCE challenge, and a replayed
// code or reused refresh token revokes what it had produced.
package authz
