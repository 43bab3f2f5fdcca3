package wallet

import (
	"errors"
	"strings"
	"testing"
)

// TestMessageNotATransaction: a message to sign whose bytes begin with the
// chain id is refused, since its SHA-256 would be the digest of a
// transaction serialized after the id; so are empty, oversize and binary
// messages. The chain id here is text, the case where a message could
// carry it (Hive's own begins with bytes that are not UTF-8, which the
// text check refuses already).
func TestMessageNotATransaction(t *testing.T) {
	var id [32]byte
	copy(id[:], "0123456789abcdef0123456789abcdef")
	refused := map[string]string{
		string(id[:]) + "\x00\x01\x02 a transaction": "begins with the chain id",
		"":                                "empty",
		strings.Repeat("x", MaxMessage+1): "at most",
		"\xbe\xea\xb0\xde":                "not text",
	}
	for text, want := range refused {
		if err := checkMessage(id, text, false); !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), want) {
			t.Errorf("%.20q: %v; want ErrInvalidRequest saying %q", text, err, want)
		}
	}
	for _, ok := range []string{"hello", string(id[:31]), "login to example.com at 12:00"} {
		if err := checkMessage(id, ok, false); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}
