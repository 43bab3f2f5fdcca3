// Package layering holds a test that keeps the architecture from rotting:
// data flows dapp → localapi → approval → signer → node, and only the GUI
// touches Fyne.
package layering

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// rules: a package under prefix must not depend, directly or indirectly, on
// any package under a forbidden prefix.
var rules = []struct {
	prefix    string
	forbidden []string
	why       string
}{
	{"localsigner/signer", []string{"localsigner/localapi", "localsigner/app", "localsigner/cli", "fyne.io/"}, "the signer is the bottom layer: it never knows who asks"},
	{"localsigner/localapi", []string{"localsigner/app", "localsigner/cli", "fyne.io/"}, "the local API declares the Approver; the GUI implements it, not the other way round"},
	{"localsigner/cli", []string{"localsigner/app", "fyne.io/"}, "the command line must build and run without a display"},
	{"localsigner/app", []string{"fyne.io/fyne/v2/app", "localsigner/cli"}, "only main.go creates the Fyne application"},
}

// pure lists packages that may import, besides the standard library, only
// what is named: each has one job that needs no network, UI, or more of the
// signer than it says.
var pure = []struct {
	pkg     string
	allowed []string
	why     string
}{
	{"localsigner/signer/chain", nil,
		"chain parameters are the bottom of the graph: every other package may import them"},
	{"localsigner/signer/tx", []string{"localsigner/signer/chain", "localsigner/signer/keys"},
		"transactions are pure data: never private keys, the network or a UI, so the signer, the CLI and the app can all use them"},
	{"localsigner/signer/memo", []string{"github.com/mr-tron/base58", "localsigner/signer/keys"},
		"memo formats work on secrets the vault computes: never the vault or private-key code"},
	{"localsigner/signer/internal/vault", []string{"github.com/99designs/keyring", "golang.org/x/crypto/argon2",
		"golang.org/x/crypto/chacha20poly1305", "localsigner/signer/internal/privkey", "localsigner/signer/keys"},
		"the vault talks to its storage only: no network, UI or local API"},
}

// list runs go list over the module.
func list(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-e", "-json", "localsigner/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var ps []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if len(ps) < 5 {
		t.Fatalf("go list found only %d packages", len(ps))
	}
	return ps
}

// TestPureImports checks the direct imports (tests aside) of the packages
// in pure.
func TestPureImports(t *testing.T) {
	byPath := map[string]pkg{}
	for _, p := range list(t) {
		byPath[p.ImportPath] = p
	}
	for _, r := range pure {
		p, ok := byPath[r.pkg]
		if !ok {
			t.Errorf("no package %s", r.pkg)
			continue
		}
		for _, imp := range p.Imports {
			std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && !strings.HasPrefix(imp, "localsigner/")
			if !std && !slices.Contains(r.allowed, imp) {
				t.Errorf("%s imports %s: %s", r.pkg, imp, r.why)
			}
		}
	}
}

func TestLayering(t *testing.T) {
	for _, p := range list(t) {
		for _, r := range rules {
			if !strings.HasPrefix(p.ImportPath, r.prefix) {
				continue
			}
			for _, d := range append(p.Deps, p.Imports...) {
				for _, f := range r.forbidden {
					if strings.HasPrefix(d, f) {
						t.Errorf("%s depends on %s: %s", p.ImportPath, d, r.why)
					}
				}
			}
		}
	}
}
