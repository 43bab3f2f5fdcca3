package memo

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps memo pure: the standard library, base58 and the public
// key type, never the vault or private-key code (it works on secrets the
// vault computes) and nothing that does I/O beyond crypto/rand.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"github.com/mr-tron/base58": true,
		"localsigner/signer/keys":   true,
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
			if allowed[p] || !strings.Contains(p, ".") && !strings.HasPrefix(p, "localsigner/") {
				continue
			}
			t.Errorf("%s imports %s", f, p)
		}
	}
}
