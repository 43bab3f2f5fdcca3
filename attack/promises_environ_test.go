package attack

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"localsigner/localapi/admin"
)

// TestPromisePassphraseNotInEnviron: "localsigner serve" started with
// $LOCALSIGNER_PASSPHRASE unlocks with it, and then no other program of
// the user can read it in /proc/PID/environ while the server runs; left
// unused for its --auto-lock time, the server locks the vault.
func TestPromisePassphraseNotInEnviron(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/PID/environ is Linux's")
	}
	t.Parallel()
	const pass = "environ passphrase: harbor juniper sextant"
	_, fe, dir, v := childSetup(t, pass)
	v.Lock()
	port := freePort(t)
	cmd, out := startChild(t, []string{"serve", "--headless", "--devnet", "--node", fe.URL(), "--listen", "127.0.0.1:" + port,
		"--data-dir", dir, "--auto-lock", "2s"}, "LOCALSIGNER_PASSPHRASE="+pass)
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if err := waitReady("http://127.0.0.1:"+port, 20*time.Second); err != nil {
		t.Fatalf("server did not start: %v\n%s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := admin.NewClient(dir).Status()
		if err == nil && !st.Locked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not unlock with the passphrase: %+v %v\n%s", st, err, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(environ, []byte("LOCALSIGNER_")) {
		t.Fatalf("read the wrong process's environment: %q", environ)
	}
	if bytes.Contains(environ, []byte(pass)) {
		t.Fatal("the passphrase is readable in /proc/PID/environ")
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		st, err := admin.NewClient(dir).Status()
		if err == nil && st.Locked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the idle server did not lock: %+v %v\n%s", st, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
