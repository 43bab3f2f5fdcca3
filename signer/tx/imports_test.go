package tx

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps tx a pure data package: the standard library, chain
// parameters and public keys. It must never see private keys, the network or
// a UI, so the signer, the CLI and the app can all use it.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"localsigner/signer/chain": true,
		"localsigner/signer/keys":  true,
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			isStd := !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") && !strings.HasPrefix(p, "localsigner/")
			if !isStd && !allowed[p] {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}
