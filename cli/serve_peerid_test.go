package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"localsigner/signer"
)

// TestServePeerplaysDevnet runs `serve --headless --devnet --chain
// peerplays`, registers an app with the CLI, gives it an app password and
// uses PeerID's password grant, and reads the JWKS.
func TestServePeerplaysDevnet(t *testing.T) {
	dir, err := os.MkdirTemp("", "lsp")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	const pass = "serve peerplays passphrase"
	v, err := signer.OpenVault(dir, cheapVault)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Init([]byte(pass)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddMasterPassword("devnet", "alice", "localsigner-devnet"); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	t.Setenv(envPassphrase, pass)
	t.Setenv(envDataDir, dir)
	ctx, cancel := context.WithCancel(context.Background())
	oldSignal := signalContext
	t.Cleanup(func() { signalContext = oldSignal })
	signalContext = func() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }
	serveErr := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Main([]string{"serve", "--headless", "--devnet", "--chain", "peerplays", "--listen", "127.0.0.1:0"},
			Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: serveErr, VaultOptions: cheapVault})
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	issuerRE := regexp.MustCompile(`issuer=(http://127\.0\.0\.1:\d+)`)
	var issuer string
	for deadline := time.Now().Add(10 * time.Second); issuer == ""; time.Sleep(20 * time.Millisecond) {
		if m := issuerRE.FindStringSubmatch(serveErr.String()); m != nil {
			issuer = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", serveErr.String())
		}
	}
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
