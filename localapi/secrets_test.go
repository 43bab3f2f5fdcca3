package localapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"localsigner/store"
)

// forms returns the ways a secret could leak: as is, base64 (standard and
// URL, padded or not), hex, and the same for the random bytes after a
// token's prefix.
func forms(secret string) [][]byte {
	raws := [][]byte{[]byte(secret)}
	if _, rest, ok := strings.Cut(secret, "_"); ok && len(secret) > 4 && secret[3] == '_' {
		if b, err := base64.RawURLEncoding.DecodeString(rest); err == nil {
			raws = append(raws, b)
		}
	}
	var out [][]byte
	for _, r := range raws {
		out = append(out, r,
			[]byte(hex.EncodeToString(r)), []byte(strings.ToUpper(hex.EncodeToString(r))),
			[]byte(base64.StdEncoding.EncodeToString(r)), []byte(base64.RawStdEncoding.EncodeToString(r)),
			[]byte(base64.URLEncoding.EncodeToString(r)), []byte(base64.RawURLEncoding.EncodeToString(r)))
	}
	return out
}

// TestNoSecretsAtRest collects every token, code, secret, verifier and
// passphrase a session produces, then looks for each (and its encodings) in
// the bbolt file, the logs and the audit log.
func TestNoSecretsAtRest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var secrets []string
	keep := func(s ...string) {
		for _, x := range s {
			if x == "" {
				t.Fatal("empty secret collected")
			}
			secrets = append(secrets, x)
		}
	}
	keep(passphrase)

	// Lock and unlock through the admin channel: the passphrase travels.
	if err := e.admin.Lock(); err != nil {
		t.Fatal(err)
	}
	if err := e.admin.Unlock([]byte(passphrase)); err != nil {
		t.Fatal(err)
	}

	// Code flow, refresh, a code replay and a revocation.
	conf := &oauth2.Config{ClientID: "mydapp", RedirectURL: dappRedirect, Scopes: []string{"vote", "offline"},
		Endpoint: oauth2.Endpoint{AuthURL: e.base + "/oauth2/authorize", TokenURL: e.base + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	wait := e.authorize(conf.AuthCodeURL("state", oauth2.S256ChallengeOption(verifier)))
	if err := e.admin.Approve(e.pending(1)[0].ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	code := wait().location.Query().Get("code")
	keep(code, verifier)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	keep(tok.AccessToken, tok.RefreshToken)
	old := *tok
	old.Expiry = time.Now().Add(-time.Minute)
	tok2, err := conf.TokenSource(ctx, &old).Token()
	if err != nil {
		t.Fatal(err)
	}
	keep(tok2.AccessToken, tok2.RefreshToken)
	code2, verifier2 := e.code("mydapp", dappRedirect, "vote offline")
	tk3 := e.exchange("mydapp", dappRedirect, code2, verifier2)
	keep(code2, verifier2, tk3.AccessToken, tk3.RefreshToken)
	e.do(http.MethodPost, "/oauth2/token", formBody("grant_type", "authorization_code", "code", code2, "redirect_uri", dappRedirect,
		"code_verifier", verifier2, "client_id", "mydapp"), map[string]string{"Content-Type": form}) // replay
	e.do(http.MethodPost, "/oauth2/revoke", formBody("token", tok2.RefreshToken), map[string]string{"Content-Type": form})

	// A registered app with client_credentials and introspection.
	app, err := e.admin.AddApp(adminAddApp("bot", "vote custom_json:follow", "bob"))
	if err != nil {
		t.Fatal(err)
	}
	keep(app.Secret)
	st, _, body := e.do(http.MethodPost, "/oauth2/token", formBody("grant_type", "client_credentials", "client_id", app.App.ID, "client_secret", app.Secret),
		map[string]string{"Content-Type": form})
	var cc tokens
	if json.Unmarshal([]byte(body), &cc); st != http.StatusOK || cc.AccessToken == "" {
		t.Fatalf("client_credentials: %d %s", st, body)
	}
	keep(cc.AccessToken)
	e.do(http.MethodPost, "/oauth2/introspect", formBody("token", cc.AccessToken), map[string]string{"Content-Type": form,
		"Authorization": basicAuth(app.App.ID, app.Secret)})
	// Failed attempts with secrets in them.
	e.do(http.MethodPost, "/oauth2/token", formBody("grant_type", "client_credentials", "client_id", app.App.ID, "client_secret", app.Secret+"x"),
		map[string]string{"Content-Type": form})
	e.do(http.MethodPost, "/oauth2/token", formBody("grant_type", "refresh_token", "refresh_token", tok.RefreshToken, "client_id", "mydapp"),
		map[string]string{"Content-Type": form, "Origin": "https://evil.example"})

	// Implicit flow: the token travels in the redirect.
	wait = e.authorize(e.base + "/oauth2/authorize?client_id=hs&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&scope=vote")
	if err := e.admin.Approve(e.pending(1)[0].ID, nil, "alice", true); err != nil {
		t.Fatal(err)
	}
	keep(wait().location.Query().Get("access_token"))

	events, err := e.admin.Log(0)
	if err != nil {
		t.Fatal(err)
	}
	auditJSON, _ := json.Marshal(events)
	if _, err := e.srv.Issuer().Sweep(); err != nil {
		t.Fatal(err)
	}
	dbBytes, err := os.ReadFile(e.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	places := map[string][]byte{"bbolt file": dbBytes, "audit log": auditJSON}
	for _, name := range []string{"logs"} {
		places[name] = []byte(e.logs.String())
	}
	if len(places["logs"]) == 0 || len(events) < 8 {
		t.Fatalf("nothing to scan: %d log bytes, %d events", len(places["logs"]), len(events))
	}
	for _, s := range secrets {
		for _, f := range forms(s) {
			for where, data := range places {
				if bytes.Contains(data, f) {
					t.Errorf("%s contains a secret (%.12s…)", where, s)
				}
			}
		}
	}
	if _, err := store.Open(e.dir, store.Options{LockTimeout: 50 * time.Millisecond}); err == nil {
		t.Error("a second store opened while the first is held")
	}
}
