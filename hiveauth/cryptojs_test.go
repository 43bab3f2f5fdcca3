package hiveauth_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"localsigner/hiveauth"
	"localsigner/internal/npmtest"
)

// npmPackages are the protocol's client and what the tests run it on,
// pinned: hive-auth-wrapper as dapps use it, its crypto-js, and ws for the
// WebSocket that Node 20 does not have.
var npmPackages = []string{"hive-auth-wrapper@1.0.0", "crypto-js@4.2.0", "ws@8.18.3"}

func npmDir(t *testing.T) string {
	return npmtest.Install(t, "localsigner-hiveauth-1", npmPackages...)
}

// TestCryptoJSCompat: what Encrypt makes, CryptoJS.AES.decrypt opens, and
// what CryptoJS.AES.encrypt makes, Decrypt opens, for texts of every
// padding length, non-ASCII text and keys as dapps make them (UUIDs).
func TestCryptoJSCompat(t *testing.T) {
	dir := npmDir(t)
	texts := []string{"", "a", "0123456789abcde", "0123456789abcdef", "0123456789abcdef0", `{"key_type":"posting","ops":[]}`,
		"ünïcødé ✓ 署名", strings.Repeat("x", 1000)}
	keys := []string{"6f1f1ad3-1b4b-4c5e-9a0e-6b2a1f3c0d11", "k", "a passphrase with spaces"}
	type job struct {
		Encrypt [][2]string `json:"encrypt"`
		Decrypt [][2]string `json:"decrypt"`
	}
	var j job
	var wantDec []string
	for _, k := range keys {
		for _, tx := range texts {
			j.Encrypt = append(j.Encrypt, [2]string{tx, k})
			enc, err := hiveauth.Encrypt([]byte(tx), k)
			if err != nil {
				t.Fatal(err)
			}
			j.Decrypt = append(j.Decrypt, [2]string{enc, k})
			wantDec = append(wantDec, tx)
		}
	}
	in, _ := json.Marshal(j)
	out := npmtest.Output(t, dir, time.Minute, mustAbs(t, filepath.Join("testdata", "cryptojs.js")), string(in))
	var got struct {
		Encrypted []string  `json:"encrypted"`
		Decrypted []*string `json:"decrypted"`
	}
	if err := json.Unmarshal(out, &got); err != nil || len(got.Encrypted) != len(j.Encrypt) || len(got.Decrypted) != len(j.Decrypt) {
		t.Fatalf("node answered %s (%v)", out, err)
	}
	for i, d := range got.Decrypted {
		if d == nil || *d != wantDec[i] {
			t.Errorf("CryptoJS decrypted ours #%d to %v, want %q", i, d, wantDec[i])
		}
	}
	for i, enc := range got.Encrypted {
		plain, err := hiveauth.Decrypt(enc, j.Encrypt[i][1])
		if err != nil || string(plain) != j.Encrypt[i][0] {
			t.Errorf("we decrypted CryptoJS's #%d to %q, %v; want %q", i, plain, err, j.Encrypt[i][0])
		}
	}
}

// TestDecryptRefusals: a wrong key, a cut or altered payload, no envelope,
// not base64, oversize: all the same ErrUndecryptable, never a panic.
func TestDecryptRefusals(t *testing.T) {
	// Encrypt's salt is random, and a wrong key passes the padding check
	// about once in 256 salts: this payload is one made by Encrypt whose
	// salt does not, so the test is the same every run.
	const enc = "U2FsdGVkX18QgY/sI1VfkCa63ATycuN1PDeADaEAEzeLgEFKq8gVcL+hTyZLfv5c"
	if p, err := hiveauth.Decrypt(enc, "right key"); err != nil || string(p) != `{"hello":"world"}` {
		t.Fatalf("the fixed payload opens to %q, %v", p, err)
	}
	raw, _ := base64.StdEncoding.DecodeString(enc)
	flipped := bytes.Clone(raw)
	flipped[len(flipped)-1] ^= 0x01
	cases := map[string][2]string{
		"wrong key":      {enc, "wrong key"},
		"cut":            {base64.StdEncoding.EncodeToString(raw[:len(raw)-5]), "right key"},
		"altered":        {base64.StdEncoding.EncodeToString(flipped), "right key"},
		"no envelope":    {base64.StdEncoding.EncodeToString(raw[16:]), "right key"},
		"not base64":     {"%%%", "right key"},
		"empty":          {"", "right key"},
		"oversize":       {strings.Repeat("A", hiveauth.MaxPayload+4), "right key"},
		"envelope alone": {base64.StdEncoding.EncodeToString(raw[:16]), "right key"},
	}
	for name, c := range cases {
		if p, err := hiveauth.Decrypt(c[0], c[1]); !errors.Is(err, hiveauth.ErrUndecryptable) {
			t.Errorf("%s: %q, %v; want ErrUndecryptable", name, p, err)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
