package jose_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/golang-jwt/jwt/v5"

	"localsigner/localapi/jose"
	"localsigner/signer/keys"
)

const iss = "http://127.0.0.1:7777"

func newKey(t *testing.T) *jose.InstanceKey {
	t.Helper()
	raw, err := jose.NewInstanceKeyBytes()
	if err != nil {
		t.Fatal(err)
	}
	k, err := jose.NewInstanceKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func appClaims(now time.Time, ttl time.Duration) *jose.AppClaims {
	return &jose.AppClaims{AppName: "script", Scope: []string{"transfer"}, GrantType: "client_credentials",
		Account: "alice", Chain: "devnet", RegisteredClaims: jwt.RegisteredClaims{Issuer: iss, Subject: "app_01",
			Audience: jwt.ClaimStrings{iss}, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			ID: "lsj_x"}}
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestAppTokenRoundTripAndRejections(t *testing.T) {
	k := newKey(t)
	if err := k.SelfTest(); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := k.SignAppToken(appClaims(now, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.VerifyAppToken(tok, iss, now)
	if err != nil {
		t.Fatalf("round trip: %v", err)
	}
	if c.Subject != "app_01" || c.AppName != "script" || c.Account != "alice" || c.ID != "lsj_x" {
		t.Fatalf("claims: %+v", c)
	}
	parts := strings.Split(tok, ".")
	payload := parts[1]
	pubRaw := k.PublicKey().SerializeCompressed()
	hs := func(secret []byte) string {
		in := b64(map[string]string{"alg": "HS256", "typ": "JWT", "kid": k.Kid()}) + "." + payload
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[5] ^= 1
	cases := map[string]string{
		"tampered signature":                  parts[0] + "." + payload + "." + base64.RawURLEncoding.EncodeToString(sig),
		"tampered payload":                    parts[0] + "." + b64(map[string]any{"sub": "app_02", "iss": iss, "aud": iss, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "jti": "x"}) + "." + parts[2],
		"alg none":                            b64(map[string]string{"alg": "none", "typ": "JWT"}) + "." + payload + ".",
		"HS256 with the public key as secret": hs(pubRaw),
		"HS256 with the JWK x as secret":      hs([]byte(k.JWKS().Keys[0].X)),
		"wrong kid":                           b64(map[string]string{"alg": "ES256K", "typ": "JWT", "kid": "other"}) + "." + payload + "." + parts[2],
		"another key":                         mustSign(t, newKey(t), appClaims(now, time.Hour)),
		"expired":                             mustSign(t, k, appClaims(now.Add(-2*time.Hour), time.Hour)),
		"garbage":                             "not.a.jwt",
		"too long":                            strings.Repeat("a", jose.MaxTokenLen+1),
	}
	for name, bad := range cases {
		if _, err := k.VerifyAppToken(bad, iss, now); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := k.VerifyAppToken(tok, "http://127.0.0.1:9999", now); err == nil {
		t.Error("token for another issuer/audience accepted")
	}
}

func mustSign(t *testing.T, k *jose.InstanceKey, c *jose.AppClaims) string {
	t.Helper()
	s, err := k.SignAppToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestJWKSVerifiesIndependently checks an app token with nothing but the
// published JWK and decred's ECDSA, as a third party would.
func TestJWKSVerifiesIndependently(t *testing.T) {
	k := newKey(t)
	now := time.Now()
	tok := mustSign(t, k, appClaims(now, time.Hour))
	doc, _ := json.Marshal(k.JWKS())
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks %s: %v", doc, err)
	}
	j := set.Keys[0]
	for m, want := range map[string]string{"kty": "EC", "crv": "secp256k1", "alg": "ES256K", "use": "sig", "kid": k.Kid()} {
		if j[m] != want {
			t.Errorf("jwk %s = %q, want %q", m, j[m], want)
		}
	}
	x, _ := base64.RawURLEncoding.DecodeString(j["x"])
	y, _ := base64.RawURLEncoding.DecodeString(j["y"])
	pub, err := secp256k1.ParsePubKey(append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	var hdr map[string]string
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	json.Unmarshal(h, &hdr)
	if hdr["alg"] != "ES256K" || hdr["kid"] != j["kid"] {
		t.Fatalf("header %v", hdr)
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	if len(sig) != 64 {
		t.Fatalf("signature of %d bytes", len(sig))
	}
	var r, s secp256k1.ModNScalar
	r.SetByteSlice(sig[:32])
	s.SetByteSlice(sig[32:])
	if s.IsOverHalfOrder() {
		t.Fatal("high S")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.NewSignature(&r, &s).Verify(digest[:], pub) {
		t.Fatal("signature does not verify with the published key")
	}
}

func TestHighSRejected(t *testing.T) {
	k := newKey(t)
	now := time.Now()
	tok := mustSign(t, k, appClaims(now, time.Hour))
	parts := strings.Split(tok, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	var s secp256k1.ModNScalar
	s.SetByteSlice(sig[32:])
	s.Negate() // N - s: the same signature, high-S
	s.PutBytesUnchecked(sig[32:])
	high := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	if _, err := k.VerifyAppToken(high, iss, now); err == nil || !errors.Is(err, jose.ErrBadSignature) {
		t.Fatalf("high-S signature: %v", err)
	}
	// A signer returning high S is refused at signing time too.
	bad := jose.DigestSigner(func([32]byte) ([]byte, error) { return sig, nil })
	if _, err := jose.SignIDToken(&jose.IDClaims{}, "x", bad); err == nil {
		t.Fatal("high-S signature from a DigestSigner accepted")
	}
}

// vaultLike signs like the vault: a compact recoverable signature.
func vaultLike(priv *secp256k1.PrivateKey) jose.DigestSigner {
	return func(d [32]byte) ([]byte, error) {
		return jose.CompactToJWS(ecdsa.SignCompact(priv, d[:], true))
	}
}

func TestIDToken(t *testing.T) {
	priv, _ := secp256k1.GeneratePrivateKey()
	other, _ := secp256k1.GeneratePrivateKey()
	var pub, otherPub keys.PublicKey
	copy(pub[:], priv.PubKey().SerializeCompressed())
	copy(otherPub[:], other.PubKey().SerializeCompressed())
	now := time.Now()
	claims := func(nonce string, iat time.Time, ttl time.Duration) *jose.IDClaims {
		return &jose.IDClaims{Nonce: nonce, Chain: "devnet", KeyRole: "posting", PublicKey: pub.Format("STM"),
			RegisteredClaims: jwt.RegisteredClaims{Issuer: iss, Subject: "alice", Audience: jwt.ClaimStrings{"dapp"},
				IssuedAt: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(iat.Add(ttl))}}
	}
	tok, err := jose.SignIDToken(claims("n-1", now, jose.IDTokenLifetime), "alice@devnet/posting", vaultLike(priv))
	if err != nil {
		t.Fatal(err)
	}
	c, who, err := jose.VerifyIDToken(tok, []keys.PublicKey{otherPub, pub}, jose.IDCheck{Audience: "dapp", Nonce: "n-1", Issuer: iss, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "alice" || who != pub {
		t.Fatalf("claims %+v signer %v", c, who)
	}
	if _, _, err := jose.VerifyIDToken(tok, []keys.PublicKey{otherPub}, jose.IDCheck{Audience: "dapp", Now: now}); !errors.Is(err, jose.ErrNoMatchingKey) {
		t.Errorf("wrong key: %v", err)
	}
	for name, check := range map[string]jose.IDCheck{
		"wrong audience": {Audience: "evil", Now: now},
		"wrong nonce":    {Audience: "dapp", Nonce: "n-2", Now: now},
		"wrong issuer":   {Audience: "dapp", Issuer: "http://127.0.0.1:1", Now: now},
		"expired":        {Audience: "dapp", Now: now.Add(time.Hour)},
	} {
		if _, _, err := jose.VerifyIDToken(tok, []keys.PublicKey{pub}, check); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	long, _ := jose.SignIDToken(claims("", now, time.Hour), "k", vaultLike(priv))
	if _, _, err := jose.VerifyIDToken(long, []keys.PublicKey{pub}, jose.IDCheck{Audience: "dapp", Now: now}); err == nil {
		t.Error("id_token valid for an hour accepted")
	}
	u, err := jose.ParseIDTokenUnverified(tok)
	if err != nil || u.Subject != "alice" || u.Chain != "devnet" {
		t.Fatalf("unverified parse: %+v %v", u, err)
	}
}
