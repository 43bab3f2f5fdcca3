//go:build linux

package admin

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

const peerChildEnv = "LOCALSIGNER_ADMIN_PEER_CHILD"

// TestPeerOfAnotherUserRefused: even with the socket and its directory
// opened to everyone (as a careless chmod would), a process of another
// user gets no answer, and the backend is not touched. It needs root to
// run the other user's process.
func TestPeerOfAnotherUserRefused(t *testing.T) {
	if dir := os.Getenv(peerChildEnv); dir != "" {
		return // the child's part is TestPeerChild
	}
	if os.Getuid() != 0 {
		t.Skip("needs root to start a process as another user")
	}
	dir := shortDir(t)
	b := &fakeBackend{}
	serve(t, dir, b)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(SocketPath(dir), 0o666); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary must be reachable by the other user too.
	bin := dir + "/admin.test"
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestPeerChild$", "-test.v")
	cmd.Env = append(os.Environ(), peerChildEnv+"="+dir)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestPeerChild") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if b.unlocked != nil {
		t.Fatal("the other user's request reached the backend")
	}
}

func TestPeerChild(t *testing.T) {
	dir := os.Getenv(peerChildEnv)
	if dir == "" {
		t.Skip("run by TestPeerOfAnotherUserRefused")
	}
	if err := NewClient(dir).Unlock([]byte("guess")); err == nil {
		t.Fatal("another user's unlock request was answered")
	}
	if _, err := NewClient(dir).Status(); err == nil {
		t.Fatal("another user's status request was answered")
	}
}
