package signer

import (
	"strings"
	"testing"

	"localsigner/internal/vectors"
)

func TestContainsPrivateKey(t *testing.T) {
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	wif := kv.Login[0].WIF
	last := "a"
	if strings.HasSuffix(wif, "a") {
		last = "b"
	}
	broken := wif[:len(wif)-1] + last
	for text, want := range map[string]bool{
		"thanks for the pizza":                false,
		wif:                                   true,
		"my key is " + wif + ", keep it safe": true,
		`{"memo":"` + wif + `"}`:              true,
		"P" + wif:                             true, // a generated master password
		"password: P" + wif + " for @alice":   true,
		broken:                                false, // a checksum that fails: not a key
		"STM6LLegbAgLAy28EHrffBVuANFWcFgmqRMW13wBmTExqFE9SCkg4": false, // a public key
	} {
		if got := ContainsPrivateKey(text); got != want {
			t.Errorf("ContainsPrivateKey(%.20q…) = %v, want %v", text, got, want)
		}
	}
}
