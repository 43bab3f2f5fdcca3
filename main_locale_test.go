package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIQuietUnderCLocale: the command line prints nothing of the GUI
// toolkit's under LANG=C.UTF-8 (a server's or container's usual locale)
// with LANGUAGE unset.
func TestCLIQuietUnderCLocale(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "localsigner")
	if out, err := exec.Command(goTool(), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "LANG" && k != "LANGUAGE" && k != "LC_ALL" && k != "LC_MESSAGES" {
			env = append(env, kv)
		}
	}
	for _, lang := range []string{"C.UTF-8", "POSIX.UTF-8", "C"} {
		cmd := exec.Command(bin, "version")
		cmd.Env = append(env, "LANG="+lang)
		out, err := cmd.CombinedOutput()
		if err != nil || strings.Contains(string(out), "Fyne") || !strings.HasPrefix(string(out), "localsigner ") {
			t.Errorf("LANG=%s: %v\n%s", lang, err, out)
		}
	}
}
