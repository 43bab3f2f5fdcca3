package cli

import (
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/golang-jwt/jwt/v5"

	"localsigner/localapi/jose"
	"localsigner/signer/devnet"
	"localsigner/signer/keys"
)

// devnetKey derives a devnet account's key as Hive wallets do:
// sha256(name ‖ role ‖ password).
func devnetKey(name, role string) *secp256k1.PrivateKey {
	sum := sha256.Sum256([]byte(name + role + devnet.DefaultPassword))
	return secp256k1.PrivKeyFromBytes(sum[:])
}

func idTokenFor(t *testing.T, priv *secp256k1.PrivateKey, account, aud, nonce string) string {
	t.Helper()
	var pub keys.PublicKey
	copy(pub[:], priv.PubKey().SerializeCompressed())
	now := time.Now()
	c := &jose.IDClaims{Nonce: nonce, Chain: "devnet", KeyRole: "posting", PublicKey: pub.Format("STM"), Origin: "https://dapp.example",
		RegisteredClaims: jwt.RegisteredClaims{Issuer: "http://127.0.0.1:7777", Subject: account,
			Audience: jwt.ClaimStrings{aud}, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute))}}
	tok, err := jose.SignIDToken(c, account+"@devnet/posting", func(d [32]byte) ([]byte, error) {
		return jose.CompactToJWS(ecdsa.SignCompact(priv, d[:], true))
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyLogin(t *testing.T) {
	url, _ := startDevnetCmd(t, "--listen", "127.0.0.1:0", "--block-interval", "1s")
	good := idTokenFor(t, devnetKey("alice", "posting"), "alice", "dapp", "n1")
	forged := idTokenFor(t, devnetKey("bob", "posting"), "alice", "dapp", "n1")
	var alicePub keys.PublicKey
	copy(alicePub[:], devnetKey("alice", "posting").PubKey().SerializeCompressed())
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"online", []string{"verify-login", good, "--node", url, "--origin", "https://dapp.example", "--aud", "dapp", "--nonce", "n1"}, exitOK, "valid id_token: @alice"},
		{"offline", []string{"verify-login", good, "--pubkey", alicePub.Format("STM"), "--origin", "https://dapp.example", "--aud", "dapp"}, exitOK, "checked against --pubkey"},
		{"signed by another account's key", []string{"verify-login", forged, "--node", url, "--origin", "https://dapp.example", "--aud", "dapp"}, exitError, "not signed by any of the account's keys"},
		{"wrong audience", []string{"verify-login", good, "--node", url, "--origin", "https://dapp.example", "--aud", "evil"}, exitError, "NOT valid"},
		{"wrong nonce", []string{"verify-login", good, "--node", url, "--origin", "https://dapp.example", "--aud", "dapp", "--nonce", "n2"}, exitError, "nonce"},
		{"tampered", []string{"verify-login", good[:len(good)-4] + "AAAA", "--node", url, "--origin", "https://dapp.example", "--aud", "dapp"}, exitError, "NOT valid"},
		{"another site's proof", []string{"verify-login", good, "--node", url, "--origin", "https://evil.example", "--aud", "dapp"}, exitError, "for another site"},
		{"no origin", []string{"verify-login", good, "--node", url, "--aud", "dapp"}, exitUsage, "--origin is required"},
		{"not a token", []string{"verify-login", "hello", "--origin", "https://dapp.example"}, exitError, "not an id_token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb lockedBuffer
			code := Main(c.args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
			if code != c.code || !strings.Contains(out.String()+errb.String(), c.want) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, c.code, out.String(), errb.String())
			}
		})
	}
}
