package localapi_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"localsigner/internal/npmtest"
)

// hivesignerSDK is the SDK release the compatibility promise is about.
const hivesignerSDK = "hivesigner@3.3.5"

// runNode runs testdata/hivesigner_flow.js with args and returns stdout.
func runNode(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "hivesigner_flow.js"))
	if err != nil {
		t.Fatal(err)
	}
	return npmtest.Output(t, dir, time.Minute, script, args...)
}

// sdkAnswer is what one SDK call resolved to (ok) or rejected with (err).
type sdkAnswer struct {
	OK  json.RawMessage `json:"ok"`
	Err json.RawMessage `json:"err"`
}

// TestHivesignerSDK drives the real hivesigner npm SDK in Node against the
// server on the devnet: the login URL the README shows (the SDK's own, with
// the host replaced) goes through the authorization server's implicit flow,
// then every SDK method runs with apiURL set to the server. Each
// transaction must be in a devnet block; the out-of-scope transfer must
// come back through the SDK's error path with nothing broadcast; revoking
// must really revoke.
func TestHivesignerSDK(t *testing.T) {
	dir := npmtest.Install(t, "localsigner-hivesigner-3.3.5", hivesignerSDK)
	e := newDappEnv(t)

	loginURL := strings.TrimSpace(string(runNode(t, dir, "login-url", e.base)))
	if !strings.HasPrefix(loginURL, e.base+"/oauth2/authorize?client_id=hsdapp&") {
		t.Fatalf("login URL %s", loginURL)
	}
	wait := e.authorize(loginURL)
	p := e.pending(1)[0]
	if p.Kind != "authorize" || p.ResponseType != "token" || p.Account != "alice" {
		t.Fatalf("pending %+v", p)
	}
	if err := e.admin.Approve(p.ID, nil, "", true); err != nil {
		t.Fatal(err)
	}
	res := wait()
	if res.location == nil || res.location.Query().Get("access_token") == "" || res.location.Query().Get("state") != "st4te" {
		t.Fatalf("authorize: %d %s %v", res.status, res.body, res.location)
	}
	token := res.location.Query().Get("access_token")

	const secret = "meet at the usual place"
	var out map[string]sdkAnswer
	raw := runNode(t, dir, "run", e.base, token, hiveMemo(t, e, "bob", devnetMemoKey(t, "alice"), secret))
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("script output %s: %v", raw, err)
	}
	var me struct {
		User    string         `json:"user"`
		Scope   []string       `json:"scope"`
		Account map[string]any `json:"account"`
	}
	if err := json.Unmarshal(out["me"].OK, &me); err != nil || me.User != "alice" || me.Account["name"] != "alice" || len(me.Scope) != 7 {
		t.Fatalf("me: %s %s %v", out["me"].OK, out["me"].Err, err)
	}
	var decoded struct {
		MemoDecoded string `json:"memoDecoded"`
		Username    string `json:"username"`
	}
	if err := json.Unmarshal(out["decode"].OK, &decoded); err != nil || decoded.MemoDecoded != "#"+secret || decoded.Username != "alice" {
		t.Fatalf("decode: %s %s %v", out["decode"].OK, out["decode"].Err, err)
	}

	methods := []string{"comment", "comment2", "vote", "deleteComment", "customJson", "reblog", "follow", "unfollow",
		"ignore", "claimRewardBalance", "broadcast"}
	for _, m := range methods {
		var ans struct {
			Result struct {
				ID       string `json:"id"`
				BlockNum uint32 `json:"block_num"`
			} `json:"result"`
		}
		if err := json.Unmarshal(out[m].OK, &ans); err != nil || len(ans.Result.ID) != 40 {
			t.Fatalf("%s: %s %s", m, out[m].OK, out[m].Err)
		}
		if b := e.net.TransactionBlocks(ans.Result.ID); len(b) != 1 || b[0] != ans.Result.BlockNum {
			t.Fatalf("%s: transaction %s in blocks %v, SDK was told %d", m, ans.Result.ID, b, ans.Result.BlockNum)
		}
	}
	// Every transaction on the chain is one of those: the refused transfer
	// added none.
	if n := e.txsSince(0); n != len(methods) {
		t.Fatalf("%d transactions on chain, want %d", n, len(methods))
	}
	if bal, _ := e.net.Balance("bob", "HIVE"); bal != 1000000 {
		t.Fatalf("bob's balance changed: %d", bal)
	}
	var refusal struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(out["outOfScope"].Err, &refusal); err != nil || refusal.Error != "insufficient_scope" ||
		!strings.Contains(refusal.Description, "transfer") || string(out["outOfScope"].OK) != "null" {
		t.Fatalf("out of scope: %+v", out["outOfScope"])
	}

	// What the devnet recorded.
	posts := e.net.Posts()
	if len(posts) != 2 || posts[0].Permlink != "hs-post" || posts[0].JSONMetadata != `{"app":"hivesigner"}` || posts[1].Permlink != "re-hs-post" {
		t.Fatalf("posts %+v", posts)
	}
	if v := e.net.Votes(); len(v) != 1 || v[0].Weight != 7500 || v[0].Voter != "alice" {
		t.Fatalf("votes %+v", v)
	}
	var ids []string
	for _, c := range e.net.CustomJSONs() {
		ids = append(ids, c.ID+":"+strings.Join(c.RequiredPostingAuths, ","))
	}
	if got := strings.Join(ids, " "); got != "localsigner-test:alice follow:alice follow:alice follow:alice follow:alice" {
		t.Fatalf("custom_json %s", got)
	}

	// revokeToken resolves; the token is dead afterwards.
	if len(out["revokeToken"].Err) != 0 || !strings.Contains(string(out["revokeToken"].OK), `"tokenAfter":null`) {
		t.Fatalf("revokeToken %+v", out["revokeToken"])
	}
	if err := json.Unmarshal(out["meAfterRevoke"].Err, &refusal); err != nil || refusal.Error != "invalid_token" {
		t.Fatalf("me after revoke %+v", out["meAfterRevoke"])
	}
	if r := e.api(http.MethodPost, "/api/me", token, "{}"); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", r.status)
	}
	// The audit log has every call, the refusal included.
	ev, err := e.admin.Log(0)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, x := range ev {
		if x.Type == "broadcast" {
			outcomes[x.Outcome]++
		}
	}
	if outcomes["broadcast"] != len(methods) || outcomes["refused"] != 1 {
		t.Fatalf("audit outcomes %v", outcomes)
	}
}
