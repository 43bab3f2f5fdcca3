// Package layering holds a test that keeps the architecture from rotting:
// data flows dapp → localapi → approval → signer → node, and only the GUI
// touches Fyne.
package layering

import (
	"bytes"
	"encoding/json"
	"os/exec"
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

func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-e", "-json", "localsigner/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	seen := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
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
	if seen < 5 {
		t.Fatalf("go list found only %d packages", seen)
	}
}
