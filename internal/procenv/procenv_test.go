package procenv

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"testing"
)

const childVar = "PROCENV_TEST_SECRET"

// TestScrubClearsProcEnviron runs the test binary again with a secret in
// its starting environment; the child scrubs it and must then find it
// neither in its environment nor in its own /proc/self/environ, which is
// what another process of the same user would read.
func TestScrubClearsProcEnviron(t *testing.T) {
	if os.Getenv(childVar) != "" {
		return // the child's part runs in TestScrubChild
	}
	if runtime.GOOS != "linux" {
		t.Skip("only Linux shows a process's starting environment to others")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestScrubChild$", "-test.v")
	cmd.Env = append(os.Environ(), childVar+"=correct horse battery staple", "PROCENV_TEST_AFTER=kept")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestScrubChild")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestScrubChild(t *testing.T) {
	secret := os.Getenv(childVar)
	if secret == "" {
		t.Skip("run by TestScrubClearsProcEnviron")
	}
	before, _ := os.ReadFile("/proc/self/environ")
	if !bytes.Contains(before, []byte(secret)) {
		t.Fatal("the secret is not in /proc/self/environ to begin with")
	}
	ok, err := Scrub(childVar)
	if err != nil || !ok {
		t.Fatalf("Scrub: %v %v", ok, err)
	}
	after, _ := os.ReadFile("/proc/self/environ")
	if bytes.Contains(after, []byte(secret)) || os.Getenv(childVar) != "" {
		t.Fatalf("the secret is still readable: %q", after)
	}
	if !bytes.Contains(after, []byte("PROCENV_TEST_AFTER=kept")) || os.Getenv("PROCENV_TEST_AFTER") != "kept" {
		t.Fatal("other variables were damaged")
	}
}
