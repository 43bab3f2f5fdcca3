package devnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"localsigner/signer/devnet"
)

// dhiveVersion is the peer library the vectors were made with.
const dhiveVersion = "1.3.6"

// installDhive installs @hiveio/dhive into a directory under the system
// temp dir, reused by later runs, and returns it. npm's cache lives there
// too, so nothing touches the user's npm setup.
func installDhive(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: cannot run the dhive peer test", tool)
		}
	}
	dir := filepath.Join(os.TempDir(), "localsigner-dhive-"+dhiveVersion)
	pkg := filepath.Join(dir, "node_modules", "@hiveio", "dhive", "package.json")
	if b, err := os.ReadFile(pkg); err == nil && bytes.Contains(b, []byte(`"version": "`+dhiveVersion+`"`)) {
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"private": true}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--no-save",
		"--cache", filepath.Join(dir, ".npm-cache"), "@hiveio/dhive@"+dhiveVersion)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install @hiveio/dhive@%s: %v\n%s", dhiveVersion, err, out)
	}
	return dir
}

// TestDhiveAgainstDevnet: the unmodified dhive client derives keys from a
// login, builds, signs and broadcasts a transfer, a post and a vote over
// HTTP; the devnet includes them, and refuses a transfer signed with the
// posting key with hived's message.
func TestDhiveAgainstDevnet(t *testing.T) {
	dir := installDhive(t)
	script, err := filepath.Abs(filepath.Join("testdata", "dhive_flow.js"))
	if err != nil {
		t.Fatal(err)
	}
	d, fe := start(t, devnet.Config{BlockInterval: 100 * time.Millisecond})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, fe.HTTPURL(), defaultChainIDHex())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dhive script: %v\n%s", err, stderr.String())
	}
	var res struct {
		Head     uint32 `json:"head"`
		Transfer string `json:"transfer"`
		Comment  string `json:"comment"`
		Vote     string `json:"vote"`
		Refused  string `json:"refused"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("script output %q: %v", out, err)
	}
	if res.Head == 0 || !strings.Contains(res.Refused, "Missing Active Authority alice") {
		t.Fatalf("dhive saw %+v", res)
	}

	// dhive broadcasts asynchronously: wait for the blocks.
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range []string{res.Transfer, res.Comment, res.Vote} {
		for len(d.TransactionBlocks(id)) != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("transaction %s never landed", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if bal, _ := d.Balance("bob", "HIVE"); bal != 1001234 {
		t.Fatalf("bob has %d units, want 1001234", bal)
	}
	posts := d.Posts()
	if len(posts) != 1 || posts[0].Title != "Posted by dhive" {
		t.Fatalf("posts %+v", posts)
	}
	if v := d.Votes(); len(v) != 1 || v[0].Voter != "alice" || v[0].Weight != 10000 {
		t.Fatalf("votes %+v", v)
	}
}
