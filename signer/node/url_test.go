package node_test

import (
	"errors"
	"testing"

	"localsigner/signer/node"
)

// TestPlainNodeOnlyOnLoopback: an unencrypted node URL is accepted for
// this computer only; a remote node needs wss:// (https:// is mapped to
// it), and Dial refuses what CheckURL refuses.
func TestPlainNodeOnlyOnLoopback(t *testing.T) {
	for raw, want := range map[string]string{
		"ws://127.0.0.1:8090":       "ws://127.0.0.1:8090",
		"http://localhost:8090":     "ws://localhost:8090",
		"ws://[::1]:8090":           "ws://[::1]:8090",
		"wss://api.hive.blog":       "wss://api.hive.blog",
		"https://api.deathwing.me/": "wss://api.deathwing.me/",
	} {
		if got, err := node.CheckURL(raw); err != nil || got != want {
			t.Errorf("CheckURL(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"ws://api.hive.blog", "http://api.hive.blog", "ws://192.168.1.20:8090", "ws://localhost.evil.example",
		"ws://127.0.0.1.nip.io:8090"} {
		if _, err := node.CheckURL(raw); !errors.Is(err, node.ErrPlainRemoteNode) {
			t.Errorf("CheckURL(%q): %v, want ErrPlainRemoteNode", raw, err)
		}
		if _, err := node.Dial(testContext(t), []string{raw}, node.Options{}); !errors.Is(err, node.ErrPlainRemoteNode) {
			t.Errorf("Dial(%q): %v, want ErrPlainRemoteNode", raw, err)
		}
	}
}
