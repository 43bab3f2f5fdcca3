package datadir

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestPrepare(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	root := t.TempDir()
	fresh := filepath.Join(root, "new", "localsigner")
	if err := Prepare(fresh); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o700 {
		t.Fatalf("created with %v", fi.Mode())
	}
	for _, mode := range []os.FileMode{0o755, 0o750, 0o701, 0o777} {
		d := filepath.Join(root, "shared"+mode.String())
		os.Mkdir(d, 0o700)
		os.Chmod(d, mode)
		err := Prepare(d)
		if !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "chmod 700") {
			t.Errorf("mode %v: %v", mode, err)
		}
		if fi, _ := os.Stat(d); fi.Mode().Perm() != mode {
			t.Errorf("mode %v was changed to %v", mode, fi.Mode().Perm())
		}
	}
	file := filepath.Join(root, "file")
	os.WriteFile(file, nil, 0o600)
	if err := Prepare(file); err == nil {
		t.Error("a file accepted as the data directory")
	}
}
