package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServePeerplaysDevnet runs `serve --headless --devnet --chain
// peerplays`, registers an app with the CLI, gives it an app password and
// uses PeerID's password grant, and reads the JWKS.
func TestServePeerplaysDevnet(t *testing.T) {
	const pass = "serve peerplays passphrase"
	newServeDataDir(t, pass, "localsigner-devnet")
	t.Setenv(envPassphrase, pass)
	srv := startServe(t, "--chain", "peerplays")
	issuer, serveErr := srv.issuer, srv.log
	defer func() {
		srv.cancel()
		select {
		case <-srv.done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	if !strings.Contains(serveErr.String(), "peerplays chain") {
		t.Fatalf("devnet not in Peerplays mode:\n%s", serveErr.String())
	}
	run := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := Main(args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, VaultOptions: cheapVault}); code != exitOK {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out.String(), errOut.String())
		}
		return out.String()
	}
	var app struct {
		ID string `json:"client_id"`
	}
	if err := json.Unmarshal([]byte(run("apps", "add", "pid", "--scopes", "transfer", "--account", "alice", "--json")), &app); err != nil {
		t.Fatal(err)
	}
	pw := strings.TrimSpace(strings.TrimPrefix(run("apps", "password", app.ID), "app password:"))
	body := `{"login":"alice","password":"` + pw + `","client_id":"` + app.ID + `"}`
	resp, err := http.Post(issuer+"/api/v1/auth/token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"scope":[0]`) {
		t.Fatalf("password grant: %d %s", resp.StatusCode, b)
	}
	resp, err = http.Get(issuer + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"crv":"secp256k1"`) {
		t.Fatalf("jwks: %s", b)
	}
	if strings.Contains(serveErr.String(), pw) {
		t.Fatal("the app password appears in the server log")
	}
}
