// Package layering holds a test that keeps the architecture from rotting:
// data flows door → wallet → approval → signer → node, and only the GUI
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

// rules: a package under prefix must not depend on any package under a
// forbidden path, directly or indirectly (or, with direct, by its own
// imports only: a layer may reach what it forbids through the layer below
// it, as the doors reach the vault through the wallet). A path names a
// package and the packages under it ("localsigner/app" covers
// localsigner/app/internal/ontop, not localsigner/approval); one ending in
// "/" is a plain prefix, one ending in "=" that package alone.
//
// The flow they keep is one way: door (localapi, cli) → wallet (the
// policy) → approval (answered by the GUI or the CLI) → signer → node.
var rules = []struct {
	prefix    string
	forbidden []string
	direct    bool
	why       string
}{
	{"localsigner/signer", []string{"localsigner/localapi", "localsigner/links", "localsigner/hiveauth", "localsigner/app", "localsigner/cli", "localsigner/wallet",
		"localsigner/approval", "localsigner/authz", "localsigner/store", "localsigner/internal/daemon", "fyne.io/"}, false,
		"the signer is the bottom layer: it never knows who asks, or why"},
	{"localsigner/authz", []string{"net/http"}, false,
		"the grant model is plain data and rules: the doors speak HTTP, not it"},
	{"localsigner/approval", []string{"net/http"}, false,
		"an approval request is what a person decides on: the GUI and the CLI both answer it, neither over HTTP"},
	{"localsigner/wallet", []string{"localsigner/localapi", "localsigner/links", "localsigner/hiveauth", "localsigner/app", "localsigner/cli", "localsigner/store",
		"localsigner/internal/daemon", "fyne.io/"}, false,
		"the wallet is the one policy every door goes through: it knows no door, no GUI and no storage engine"},
	{"localsigner/wallet", []string{"net/http", "localsigner/signer/internal", "localsigner/signer/devnet"}, true,
		"the wallet speaks to nodes only through the node client, and to keys only through the vault's signing calls"},
	{"localsigner/localapi", []string{"localsigner/app", "localsigner/cli", "localsigner/internal/daemon", "fyne.io/"}, false,
		"the doors are adapters the composition root wires: they never reach up into the GUI or the command line"},
	{"localsigner/localapi", []string{"localsigner/signer=", "localsigner/signer/internal", "localsigner/signer/devnet", "localsigner/store"}, true,
		"a door holds no key and no record store: it asks the wallet to sign and the issuer about grants"},
	{"localsigner/links", []string{"localsigner/localapi", "localsigner/app", "localsigner/cli", "localsigner/internal/daemon",
		"localsigner/store", "fyne.io/"}, false,
		"the link door is an adapter like the HTTP doors: it knows no server, GUI or command line"},
	{"localsigner/links", []string{"localsigner/signer=", "localsigner/signer/internal", "localsigner/signer/devnet", "net/http"}, true,
		"a link is signed only through the wallet: the door holds no key and makes no request of its own"},
	{"localsigner/hiveauth", []string{"localsigner/localapi", "localsigner/links", "localsigner/app", "localsigner/cli",
		"localsigner/internal/daemon", "localsigner/store", "fyne.io/"}, false,
		"the HiveAuth door is an adapter like the others: it knows no server, GUI, command line or record store"},
	{"localsigner/hiveauth", []string{"localsigner/signer=", "localsigner/signer/internal", "localsigner/signer/devnet",
		"localsigner/signer/memo", "localsigner/signer/node", "net/http="}, true,
		"a HiveAuth request is signed, and a proof of key made, only through the wallet: the door holds no key and no node"},
	{"localsigner=", []string{"localsigner/internal/hasrelay", "localsigner/internal/testkit"}, false,
		"the program ships no test relay and no test kit: they serve the tests alone"},
	{"localsigner/cli", []string{"localsigner/app", "fyne.io/"}, false,
		"the command line must build and run without a display"},
	{"localsigner/app", []string{"fyne.io/fyne/v2/app", "localsigner/cli", "localsigner/localapi", "localsigner/internal/daemon",
		"localsigner/store"}, false,
		"the GUI shows the wallet's requests and the grants; only main.go creates the Fyne application and wires the server"},
	{"localsigner/internal/daemon", []string{"localsigner/app", "localsigner/cli", "fyne.io/"}, false,
		"the composition root serves the desktop app and `serve --headless` alike, so it needs no display"},
}

// under reports whether package d is f or under it (see rules).
func under(d, f string) bool {
	if strings.HasSuffix(f, "/") {
		return strings.HasPrefix(d, f)
	}
	if p, ok := strings.CutSuffix(f, "="); ok {
		return d == p
	}
	return d == f || strings.HasPrefix(d, f+"/")
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
	{"localsigner/authz", []string{"localsigner/signer/chain"},
		"the grant model is plain data and rules: no transactions, keys, network, store or UI (the chain's Role is its key level)"},
	{"localsigner/internal/passphrase", nil,
		"the passphrase rule is shared by the GUI and the command line, so it needs neither"},
	{"localsigner/approval", nil,
		"an approval request is what a person decides on, and nothing else"},
	{"localsigner/internal/procenv", nil,
		"clearing the process environment needs the operating system alone"},
	{"localsigner/signer/tx", []string{"localsigner/signer/chain", "localsigner/signer/keys"},
		"transactions are pure data: never private keys, the network or a UI, so the signer, the CLI and the app can all use them"},
	{"localsigner/signer/rc", []string{"localsigner/signer/tx"},
		"resource-credit arithmetic is the same for the wallet's estimate and the devnet's charge: no node, key or UI"},
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
			if !under(p.ImportPath, r.prefix) {
				continue
			}
			deps := p.Imports
			if !r.direct {
				deps = append(p.Deps, p.Imports...)
			}
			for _, d := range deps {
				for _, f := range r.forbidden {
					if under(d, f) {
						t.Errorf("%s depends on %s: %s", p.ImportPath, d, r.why)
					}
				}
			}
		}
	}
}

// TestUnder pins the path matching the rules rely on: a rule about the GUI
// must not catch the approval package, nor one about the vault package the
// chain parameters beside it.
func TestUnder(t *testing.T) {
	for _, c := range []struct {
		d, f string
		want bool
	}{
		{"localsigner/app", "localsigner/app", true},
		{"localsigner/app/internal/ontop", "localsigner/app", true},
		{"localsigner/approval", "localsigner/app", false},
		{"fyne.io/fyne/v2", "fyne.io/", true},
		{"localsigner/signer", "localsigner/signer=", true},
		{"localsigner/signer/chain", "localsigner/signer=", false},
	} {
		if got := under(c.d, c.f); got != c.want {
			t.Errorf("under(%q, %q) = %v", c.d, c.f, got)
		}
	}
}
