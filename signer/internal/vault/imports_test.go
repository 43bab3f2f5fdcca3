package vault

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the vault's dependencies to the standard library, the
// crypto it uses, keyring, and the signer's own key packages: nothing that
// talks to a network, a UI or the local API.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"github.com/99designs/keyring":         true,
		"golang.org/x/crypto/argon2":           true,
		"golang.org/x/crypto/chacha20poly1305": true,
		"localsigner/signer/internal/privkey":  true,
		"localsigner/signer/keys":              true,
	}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.Contains(p, ".") && !strings.HasPrefix(p, "localsigner/") || allowed[p] {
				continue
			}
			t.Errorf("%s imports %s", f, p)
		}
	}
}
