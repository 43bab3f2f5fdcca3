package cli

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
)

// startDevnetCmd runs `localsigner devnet args…` until the test ends and
// returns its websocket URL and log.
func startDevnetCmd(t *testing.T, args ...string) (string, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serveDevnet(ctx, env, args, func(url string) { ready <- url }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("devnet ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("devnet did not shut down")
		}
	})
	select {
	case url := <-ready:
		if !strings.Contains(stdout.String(), url) {
			t.Errorf("stdout %q does not name %s", stdout.String(), url)
		}
		return url, &stderr
	case err := <-done:
		t.Fatalf("devnet: %v\n%s", err, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("devnet did not start")
	}
	return "", nil
}

func TestDevnetCommandServes(t *testing.T) {
	url, log := startDevnetCmd(t, "--listen", "127.0.0.1:0", "--block-interval", "50ms", "--password", "other-password")
	c, _ := chain.Lookup("devnet", "")
	cl, err := node.Dial(context.Background(), []string{url}, node.Options{Chain: c, HealthInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	accts, err := cl.Accounts(ctx, []string{"alice", "bob", "carol"})
	if err != nil {
		t.Fatal(err)
	}
	if accts[0].Balance != "1000.000 HIVE" {
		t.Fatalf("alice %+v", accts[0])
	}
	for _, want := range []string{c.IDHex(), "STM", "alice", "bob", "carol", `"other-password"`, url} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

func TestDevnetCommandPeerplaysWithGenesis(t *testing.T) {
	genesis := `{"accounts":[{"name":"dave","id":"1.2.4242",
		"keys":{"owner":"PPY6n526uH2kSktRKPPMmFh9mCpL7imV4iNdCSwJHLa5G2pX2aov2","active":"PPY6n526uH2kSktRKPPMmFh9mCpL7imV4iNdCSwJHLa5G2pX2aov2",
		"memo":"PPY6n526uH2kSktRKPPMmFh9mCpL7imV4iNdCSwJHLa5G2pX2aov2"},"balance":"5.00000 PPY"}]}`
	path := filepath.Join(t.TempDir(), "genesis.json")
	if err := os.WriteFile(path, []byte(genesis), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _ := startDevnetCmd(t, "--chain", "peerplays", "--listen", "127.0.0.1:0", "--genesis", path)
	c := &chain.Chain{Name: "peerplays-devnet", ID: devnet.DefaultChainID(), Family: chain.Graphene, Prefix: "PPY", CoreSymbol: "PPY", CorePrecision: 5}
	cl, err := node.Dial(context.Background(), []string{url}, node.Options{Chain: c, HealthInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	accts, err := cl.Accounts(ctx, []string{"dave"})
	if err != nil {
		t.Fatal(err)
	}
	if accts[0].ID != "1.2.4242" || accts[0].Balance != "5.00000 PPY" {
		t.Fatalf("dave %+v", accts[0])
	}
	var raw json.RawMessage
	if err := cl.API(ctx, "database", "get_account_by_name", []any{"alice"}, &raw); err != nil || string(raw) != "null" {
		t.Fatalf("alice exists with a genesis file: %s %v", raw, err)
	}
}

func TestDevnetCommandErrors(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"public address", []string{"--listen", "0.0.0.0:8090"}, exitUsage, "loopback"},
		{"LAN address", []string{"--listen", "192.168.1.10:8090"}, exitUsage, "loopback"},
		{"no port", []string{"--listen", "127.0.0.1"}, exitUsage, "host:port"},
		{"unknown chain", []string{"--chain", "eos"}, exitUsage, "hive or peerplays"},
		{"zero interval", []string{"--block-interval", "0s"}, exitUsage, "positive"},
		{"port taken", []string{"--listen", taken.Addr().String()}, exitError, "in use"},
		{"missing genesis", []string{"--genesis", filepath.Join(t.TempDir(), "none.json")}, exitError, "genesis"},
		{"extra argument", []string{"now"}, exitUsage, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, "", append([]string{"devnet"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tc.code, tc.msg)
			}
		})
	}
}
