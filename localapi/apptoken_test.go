package localapi_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/oauth2"

	"localsigner/localapi/admin"
	"localsigner/localapi/jose"
	"localsigner/signer/keys"
)

// appToken trades key and secret for a JWT at POST /auth/token, with the
// parameters in the query as token-issuing APIs document it.
func (e *env) appToken(key, secret string) (int, map[string]any) {
	e.t.Helper()
	q := url.Values{"key": {key}, "secret": {secret}}
	st, _, b := e.do(http.MethodPost, "/auth/token?"+q.Encode(), "", nil)
	var m map[string]any
	json.Unmarshal([]byte(b), &m)
	return st, m
}

func TestAppTokenJWT(t *testing.T) {
	e := newPeerIDEnv(t, "transfer")
	st, m := e.appToken(e.app, e.secret)
	tok, _ := m["access_token"].(string)
	if st != http.StatusOK || m["token_type"] != "bearer" || strings.Count(tok, ".") != 2 {
		t.Fatalf("/auth/token: %d %v", st, m)
	}
	// The claims, as a third party reads them.
	parts := strings.Split(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(raw, &claims)
	for _, c := range []string{"sub", "app_name", "scope", "aud", "grant_type", "iat", "exp", "jti", "iss"} {
		if claims[c] == nil {
			t.Errorf("claim %s missing: %s", c, raw)
		}
	}
	if claims["sub"] != e.app || claims["app_name"] != "PeerID dapp" || claims["grant_type"] != "client_credentials" {
		t.Errorf("claims %s", raw)
	}
	// The JWKS verifies it with nothing but decred's ECDSA.
	_, _, jwks := e.do(http.MethodGet, "/.well-known/jwks.json", "", nil)
	var set jose.JWKS
	if err := json.Unmarshal([]byte(jwks), &set); err != nil || len(set.Keys) != 1 || set.Keys[0].Crv != "secp256k1" {
		t.Fatalf("jwks %s", jwks)
	}
	x, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	y, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].Y)
	pub, err := secp256k1.ParsePubKey(append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	var r, s secp256k1.ModNScalar
	r.SetByteSlice(sig[:32])
	s.SetByteSlice(sig[32:])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if len(sig) != 64 || s.IsOverHalfOrder() || !ecdsa.NewSignature(&r, &s).Verify(digest[:], pub) {
		t.Fatal("app token does not verify against the published JWKS")
	}
	// It is a bearer token for the app's own scripts.
	done := async(t, func() int {
		st, _, _ := e.call("/api/v1/app/operations", `{"operations":[`+pidTransfer(aliceID, bobID, 100, "")+`]}`,
			map[string]string{"Authorization": "Bearer " + tok})
		return st
	})
	e.confirmNext()
	if st := done(); st != http.StatusOK {
		t.Fatalf("operations with the app token: %d", st)
	}
	// Tampered, and signed with alg none: refused.
	flipped := parts[0] + "." + parts[1] + "." + "A" + parts[2][1:]
	if parts[2][0] == 'A' {
		flipped = parts[0] + "." + parts[1] + "." + "B" + parts[2][1:]
	}
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	for name, bad := range map[string]string{"tampered": flipped, "alg none": none} {
		if st, _, _ := e.call("/api/v1/app/operations", `{"operations":[]}`, map[string]string{"Authorization": "Bearer " + bad}); st != http.StatusUnauthorized {
			t.Errorf("%s: %d", name, st)
		}
	}
	// Removing the app revokes at once.
	if err := e.admin.RemoveApp(e.app); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := e.call("/api/v1/app/operations", `{"operations":[]}`, map[string]string{"Authorization": "Bearer " + tok}); st != http.StatusUnauthorized {
		t.Fatalf("app token after the app was removed: %d", st)
	}
	if st, _ := e.appToken(e.app, e.secret); st != http.StatusUnauthorized {
		t.Fatalf("/auth/token for a removed app: %d", st)
	}
}

func TestAppTokenRefusals(t *testing.T) {
	e := newEnv(t)
	res, err := e.admin.AddApp(admin.AddAppArgs{Name: "no account", Scopes: "vote"})
	if err != nil {
		t.Fatal(err)
	}
	if st, m := e.appToken(res.App.ID, "lss_wrong"); st != http.StatusUnauthorized || m["error"] != "invalid_client" {
		t.Fatalf("wrong secret: %d %v", st, m)
	}
	if st, m := e.appToken(res.App.ID, res.Secret); st != http.StatusBadRequest || m["error"] != "unauthorized_client" {
		t.Fatalf("app without account: %d %v", st, m)
	}
	if st, _ := e.appToken("", ""); st != http.StatusUnauthorized {
		t.Fatalf("no credentials: %d", st)
	}
}

// TestIDTokenVerifiesAgainstChain logs in with the login scope and a nonce
// and checks the id_token with the account's posting keys as the devnet
// reports them, as a dapp's backend would.
func TestIDTokenVerifiesAgainstChain(t *testing.T) {
	e := newDappEnv(t)
	verifier := oauth2.GenerateVerifier()
	wait := e.authorize(e.authURL("dapp-x", dappRedirect, "login vote", "s", oauth2.S256ChallengeFromVerifier(verifier)) + "&nonce=n-0815")
	if err := e.admin.Approve(e.pending(1)[0].ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	res := wait()
	code := res.location.Query().Get("code")
	st, _, b := e.do(http.MethodPost, "/oauth2/token", formBody("grant_type", "authorization_code", "code", code,
		"redirect_uri", dappRedirect, "code_verifier", verifier, "client_id", "dapp-x"), map[string]string{"Content-Type": form})
	var tr struct {
		IDToken string `json:"id_token"`
	}
	json.Unmarshal([]byte(b), &tr)
	if st != http.StatusOK || tr.IDToken == "" {
		t.Fatalf("token: %d %s", st, b)
	}
	accts, err := e.nc.Accounts(t.Context(), []string{"alice"})
	if err != nil {
		t.Fatal(err)
	}
	var onChain []keys.PublicKey
	for _, ka := range accts[0].Posting.KeyAuths {
		k, err := keys.ParsePublicKey(ka.Name, e.net.Chain().Prefix)
		if err != nil {
			t.Fatal(err)
		}
		onChain = append(onChain, k)
	}
	c, who, err := jose.VerifyIDToken(tr.IDToken, onChain, jose.IDCheck{Audience: "dapp-x", Origin: dappOrigin, Nonce: "n-0815", Issuer: e.base})
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "alice" || c.KeyRole != "posting" || c.PublicKey != who.Format(e.net.Chain().Prefix) ||
		c.Origin != dappOrigin || c.RedirectURI != dappRedirect {
		t.Fatalf("claims %+v", c)
	}
	if _, _, err := jose.VerifyIDToken(tr.IDToken, onChain, jose.IDCheck{Audience: "other-dapp"}); err == nil {
		t.Fatal("id_token accepted for another audience")
	}
	// Without login, no id_token.
	code, verifier = e.code("dapp-y", "https://y.example/cb", "vote")
	_, _, b = e.do(http.MethodPost, "/oauth2/token", formBody("grant_type", "authorization_code", "code", code,
		"redirect_uri", "https://y.example/cb", "code_verifier", verifier, "client_id", "dapp-y"), map[string]string{"Content-Type": form})
	if !strings.Contains(b, "access_token") || strings.Contains(b, "id_token") {
		t.Fatalf("token without login: %s", b)
	}
}

// TestIDTokenBoundToOrigin: a site approved for login that uses another
// dapp's client_id (one this user never used) with a nonce from its own
// session at that dapp gets a proof that names its own origin, so the
// dapp's backend, checking its origin as the README says, refuses it. Once
// the client_id is bound to the real dapp, another origin is refused at
// the authorization request, before anyone is asked.
func TestIDTokenBoundToOrigin(t *testing.T) {
	e := newDappEnv(t)
	const evilRedirect, evilOrigin = "https://evil.example/cb", "https://evil.example"
	verifier := oauth2.GenerateVerifier()
	wait := e.authorize(e.authURL("peakd-like", evilRedirect, "login", "s", oauth2.S256ChallengeFromVerifier(verifier)) + "&nonce=victims-nonce")
	if err := e.admin.Approve(e.pending(1)[0].ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	res := wait()
	tk := e.exchange("peakd-like", evilRedirect, res.location.Query().Get("code"), verifier)
	claims, err := jose.ParseIDTokenUnverified(tk.IDToken)
	if err != nil || claims.Origin != evilOrigin {
		t.Fatalf("the proof names %+v (%v)", claims, err)
	}
	accts, err := e.nc.Accounts(t.Context(), []string{"alice"})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := keys.ParsePublicKey(accts[0].Posting.KeyAuths[0].Name, e.net.Chain().Prefix)
	_, _, err = jose.VerifyIDToken(tk.IDToken, []keys.PublicKey{k}, jose.IDCheck{Audience: "peakd-like", Origin: dappOrigin, Nonce: "victims-nonce"})
	if !errors.Is(err, jose.ErrWrongOrigin) {
		t.Fatalf("the real dapp's backend accepted another site's proof: %v", err)
	}
	// The client_id is now bound: the real dapp's origin is refused at
	// once with a page, nothing asked.
	res = e.authorize(e.authURL("peakd-like", dappRedirect, "login", "s", oauth2.S256ChallengeFromVerifier(verifier)))()
	if res.location != nil || res.status != http.StatusBadRequest || !strings.Contains(res.body, "bound to") {
		t.Fatalf("a second origin for a bound client_id: %d %v %s", res.status, res.location, res.body)
	}
	if ps, _ := e.admin.Approvals(); len(ps) != 0 {
		t.Fatalf("prompts: %+v", ps)
	}
}
