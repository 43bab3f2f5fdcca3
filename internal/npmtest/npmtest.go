// Package npmtest installs pinned npm packages for tests that drive
// JavaScript peers (Playwright, OAuth and Hive client libraries) from Go.
//
// Packages go into a directory under the system temp dir named by the
// caller, reused by later runs while it holds exactly the pinned versions,
// with npm's cache beside them, so nothing touches the user's npm setup and
// a second run needs no network. Concurrent test processes installing into
// the same directory wait for each other (an flock on a lock file).
package npmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// InstallTimeout bounds one npm install.
const InstallTimeout = 4 * time.Minute

// Install makes sure dir (a name under os.TempDir()) holds node_modules
// with exactly pkgs ("name@version", versions pinned) and returns the
// directory. It skips the test when node or npm is missing and fails it
// when npm cannot install (offline on the first run, for instance).
func Install(t testing.TB, dir string, pkgs ...string) string {
	t.Helper()
	return InstallWithOverrides(t, dir, nil, pkgs...)
}

// InstallWithOverrides is Install with npm "overrides" in the package.json
// (name → version): for a package whose dependency names a source this
// machine cannot fetch (a git URL), pinned to that dependency's registry
// release instead. The packages themselves stay unmodified.
func InstallWithOverrides(t testing.TB, dir string, overrides map[string]string, pkgs ...string) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/deps.sh node installs it): cannot run the JavaScript peer test", tool)
		}
	}
	root := filepath.Join(os.TempDir(), dir)
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	unlock, err := lock(filepath.Join(root, ".lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	want := slices.Clone(pkgs)
	for name, v := range overrides {
		want = append(want, "override:"+name+"@"+v)
	}
	slices.Sort(want)
	marker := filepath.Join(root, "installed.json")
	if b, err := os.ReadFile(marker); err == nil {
		var have []string
		if json.Unmarshal(b, &have) == nil && slices.Equal(have, want) && installed(root, pkgs) {
			return root
		}
	}
	spec := map[string]any{"private": true}
	if len(overrides) > 0 {
		spec["overrides"] = overrides
	}
	pj, _ := json.Marshal(spec)
	if err := os.WriteFile(filepath.Join(root, "package.json"), append(pj, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), InstallTimeout)
	defer cancel()
	args := append([]string{"install", "--no-audit", "--no-fund", "--no-save", "--no-package-lock",
		"--cache", filepath.Join(root, ".npm-cache")}, pkgs...)
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if !installed(root, pkgs) {
		t.Fatalf("npm install in %s did not install %v", root, want)
	}
	b, _ := json.Marshal(want)
	if err := os.WriteFile(marker, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// installed checks each package's package.json for its pinned version.
func installed(root string, pkgs []string) bool {
	for _, p := range pkgs {
		at := strings.LastIndex(p, "@")
		if at <= 0 {
			return false
		}
		b, err := os.ReadFile(filepath.Join(root, "node_modules", p[:at], "package.json"))
		if err != nil {
			return false
		}
		var meta struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(b, &meta) != nil || meta.Version != p[at+1:] {
			return false
		}
	}
	return true
}

// lock takes an exclusive flock on path, waiting for other holders.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("npm lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("npm lock: %w", err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Env returns the environment for running node with dir's packages: the
// process environment plus NODE_PATH (for require) pointing at them.
func Env(dir string) []string {
	return append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
}

// Output runs `node script args...` in dir with a timeout and returns its
// stdout; stderr is logged. It fails the test when node fails.
func Output(t testing.TB, dir string, timeout time.Duration, script string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = dir
	cmd.Env = Env(dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if stderr.Len() > 0 {
		t.Logf("node %s stderr:\n%s", filepath.Base(script), stderr.String())
	}
	if err != nil {
		t.Fatalf("node %s: %v", filepath.Base(script), err)
	}
	return out
}
