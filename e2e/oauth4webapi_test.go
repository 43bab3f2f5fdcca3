package e2e_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"localsigner/internal/npmtest"
)

// TestOAuth4WebAPI: oauth4webapi, the strict spec-following OAuth client
// for JavaScript, runs the code + PKCE flow against the server from Node
// (discovery, iss and state checks, token, the dapp API with the bearer
// token, refresh with rotation, revocation), with the user approving
// through the admin channel. golang.org/x/oauth2 does the same in Go in
// localapi's TestOAuthClientFlow.
func TestOAuth4WebAPI(t *testing.T) {
	t.Parallel()
	dir := nodeModules(t)
	e := newEnv(t, envOptions{})
	script, err := filepath.Abs(filepath.Join("testdata", "oauth4webapi.js"))
	if err != nil {
		t.Fatal(err)
	}
	redirect := e.dapp + "/callback"
	approved := make(chan error, 1)
	go func() {
		// The user, deciding in Localsigner while the "browser" waits.
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			ps, err := e.admin.Approvals()
			if err != nil {
				approved <- err
				return
			}
			if len(ps) > 0 {
				if ps[0].ClientID != "node-oauth4webapi" || ps[0].RedirectURI != redirect {
					approved <- fmt.Errorf("unexpected request %+v", ps[0])
					return
				}
				approved <- e.admin.Approve(ps[0].ID, nil, "alice", false)
				return
			}
		}
		approved <- errors.New("no authorization request arrived")
	}()
	out := npmtest.Output(t, dir, time.Minute, script, e.signer, redirect)
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
	var res struct {
		Issuer               string `json:"issuer"`
		Username             string `json:"username"`
		Scope                string `json:"scope"`
		TokenType            string `json:"token_type"`
		AccessToken          string `json:"access_token"`
		RefreshedAccessToken string `json:"refreshed_access_token"`
		Rotated              bool   `json:"rotated"`
		MeStatus             int    `json:"me_status"`
		MeName               string `json:"me_name"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("script output %q: %v", out, err)
	}
	if res.Issuer != e.signer || res.Username != "alice" || res.Scope != "offline vote" ||
		!strings.EqualFold(res.TokenType, "bearer") || !res.Rotated || res.MeStatus != 200 || res.MeName != "alice" {
		t.Fatalf("oauth4webapi saw %s", out)
	}
	for _, tok := range []string{res.AccessToken, res.RefreshedAccessToken} {
		if in, err := e.admin.Introspect(tok); err != nil || in.Active {
			t.Fatalf("token after revocation: %+v %v", in, err)
		}
	}
	if got := strings.Join(e.auditTypes(), ","); got != "approved,token_issued,refreshed,revoked" {
		t.Fatalf("audit log %s", got)
	}
}
