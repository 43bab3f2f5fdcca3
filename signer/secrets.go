package signer

import (
	"regexp"

	"localsigner/signer/internal/privkey"
)

// wifLike matches what could be a private key in wallet import format (51
// base58 characters starting 5H, 5J or 5K), or a Hive master password as
// wallets generate them (the same, prefixed with P).
var wifLike = regexp.MustCompile(`P?5[HJK][1-9A-HJ-NP-Za-km-z]{49}`)

// ContainsPrivateKey reports whether text holds a private key: a WIF that
// passes its checksum, bare or as a generated master password ("P5…"). A
// key in a memo, a post or a custom_json is public forever once signed,
// so the wallet refuses to sign it. Nothing found is logged or kept.
func ContainsPrivateKey(text string) bool {
	for _, m := range wifLike.FindAllString(text, -1) {
		if m[0] == 'P' {
			m = m[1:]
		}
		if k, err := privkey.FromWIF(m); err == nil {
			k.Zero()
			return true
		}
	}
	return false
}
