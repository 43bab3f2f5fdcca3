package devnet_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"localsigner/internal/npmtest"
	"localsigner/signer/devnet"
)

// dhive is the peer library the vectors were made with.
const dhive = "@hiveio/dhive@1.3.6"

// TestDhiveAgainstDevnet: the unmodified dhive client derives keys from a
// login, builds, signs and broadcasts a transfer, a post and a vote over
// HTTP; the devnet includes them, and refuses a transfer signed with the
// posting key with hived's message.
func TestDhiveAgainstDevnet(t *testing.T) {
	dir := npmtest.Install(t, "localsigner-dhive-1.3.6", dhive)
	script, err := filepath.Abs(filepath.Join("testdata", "dhive_flow.js"))
	if err != nil {
		t.Fatal(err)
	}
	d, fe := start(t, devnet.Config{BlockInterval: 100 * time.Millisecond})

	out := npmtest.Output(t, dir, time.Minute, script, fe.HTTPURL(), defaultChainIDHex())
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
