package e2e_test

import (
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/examples/dapp"
	"localsigner/signer/devnet"
)

// TestHivesignerSDKPage: the example page written against the official,
// unmodified Hivesigner SDK (from npm, served by the example's handler) and
// pointed at Localsigner with apiURL: log in, client.me(), client.vote()
// landing in a block, client.customJson(), a transfer through
// client.broadcast() with its confirmation, and client.revokeToken().
func TestHivesignerSDKPage(t *testing.T) {
	t.Parallel()
	sdk := filepath.Join(nodeModules(t), "node_modules", "hivesigner", "lib", "hivesigner.min.js")
	e := newEnv(t, envOptions{sdkFile: sdk})
	b := startBrowser(t)

	b.Goto(e.page("/hivesigner.html"))
	b.WaitState(`body[data-ready="true"]`, "attached")
	if b.Visible("#sdk-missing") {
		t.Fatal("the page says the SDK is missing")
	}
	b.Shot("sdk page before login")
	req := login(t, e, b, sdkClient, e.dapp+"/hivesigner.html", "alice")
	if req.RequestedScopes.String() != "comment custom_json:localsigner-example transfer vote" {
		t.Fatalf("requested %+v", req)
	}

	t.Run("me", func(t *testing.T) {
		b := b.in(t)
		b.Wait("#me-box")
		if me := b.Text("#me"); !strings.Contains(me, `"alice"`) {
			t.Fatalf("client.me() shows %s", me)
		}
		b.Shot("sdk logged in")
	})

	t.Run("vote", func(t *testing.T) {
		b := b.in(t)
		b.Click("#vote")
		b.WaitText("#results", "Vote (SDK)")
		id := txOfLastResult(t, b)
		waitFor(t, "the vote in a block", 10*time.Second, func() bool { return len(e.chain.TransactionBlocks(id)) == 1 })
		if !slices.ContainsFunc(e.chain.Votes(), func(v devnet.Vote) bool {
			return v.Voter == "alice" && v.Author == seedAuthor && v.Permlink == seedPermlink && v.Weight == 5000
		}) {
			t.Fatalf("votes on chain: %+v", e.chain.Votes())
		}
	})

	t.Run("customJson", func(t *testing.T) {
		b := b.in(t)
		b.Click("#custom-json")
		b.WaitText("#results", "custom_json (SDK)")
		id := txOfLastResult(t, b)
		waitFor(t, "the custom_json in a block", 10*time.Second, func() bool { return len(e.chain.TransactionBlocks(id)) == 1 })
	})

	t.Run("transfer", func(t *testing.T) {
		b := b.in(t)
		b.Click("#transfer")
		c := e.nextApproval()
		if c.Kind != approval.KindTransaction || c.ClientID != sdkClient {
			t.Fatalf("confirmation asked: %+v", c)
		}
		if err := e.admin.Approve(c.ID, nil, "", false); err != nil {
			t.Fatal(err)
		}
		b.WaitText("#results", "Transfer (SDK)")
		b.Shot("sdk voted and transferred")
		id := txOfLastResult(t, b)
		waitFor(t, "the transfer in a block", 10*time.Second, func() bool { return len(e.chain.TransactionBlocks(id)) == 1 })
	})

	t.Run("revokeToken", func(t *testing.T) {
		b := b.in(t)
		var tok string
		b.Eval(`JSON.parse(sessionStorage.getItem('localsigner-example:session:/hivesigner.html')).accessToken`, &tok)
		b.Click("#logout")
		b.Wait("#login")
		waitFor(t, "the token revoked", 5*time.Second, func() bool {
			in, err := e.admin.Introspect(tok)
			return err == nil && !in.Active
		})
		if b.Visible("#error") {
			t.Fatalf("error shown: %s", b.Text("#error"))
		}
	})
}

// TestHivesignerSDKMissing: without the SDK installed, the page says how to
// get it instead of failing silently.
func TestHivesignerSDKMissing(t *testing.T) {
	t.Parallel()
	site := httptest.NewServer(dapp.Handler(dapp.Options{SDKFile: filepath.Join(t.TempDir(), "absent.js")}))
	t.Cleanup(site.Close)
	b := startBrowser(t)
	b.Goto(site.URL + "/hivesigner.html")
	if note := b.WaitText("#sdk-missing", dapp.SDKInstallCommand); !strings.Contains(note, "not installed") {
		t.Fatalf("the page says %q", note)
	}
	b.Shot("sdk missing")
}
