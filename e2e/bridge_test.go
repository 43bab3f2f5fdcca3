package e2e_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/internal/npmtest"
	"localsigner/internal/testkit"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
)

// kcAnswer is Hive Keychain's answer shape.
type kcAnswer struct {
	Success   bool            `json:"success"`
	Error     any             `json:"error"`
	Result    json.RawMessage `json:"result"`
	Message   string          `json:"message"`
	PublicKey string          `json:"publicKey"`
	RequestID int             `json:"request_id"`
	Data      json.RawMessage `json:"data"`
}

type bridgeEvent struct {
	Event  string   `json:"event"`
	OK     bool     `json:"ok"`
	URL    string   `json:"url"`
	ID     string   `json:"id"`
	Error  string   `json:"error"`
	Answer kcAnswer `json:"answer"`
	Result any      `json:"result"`
}

// TestKeychainBridge loads the extension (extension/, unpacked, as a user
// loads it) into headless Chromium and has a page call window.hive_keychain
// as Keychain dapps do, against the devnet. The first call pairs the
// browser (approved in Localsigner); a sign-in with requestSignBuffer is an
// approval for the page's origin as the browser reports it, and its
// signature verifies against alice's posting key; a custom_json and a post
// widen the site's grant (each asked); a vote on the post goes through; a
// transfer is confirmed, a second denied with Keychain's user_cancel; a
// sign-only transaction comes back signed and the devnet accepts it; an
// unsupported request gets Keychain's error shape; and the page calling the
// bridge endpoint itself gets nothing.
func TestKeychainBridge(t *testing.T) {
	exe := chromiumPath(t)
	dir := nodeModules(t)
	k := testkit.Start(t, testkit.Options{})
	site := sitePage(t)
	ext, err := filepath.Abs(filepath.Join("..", "extension"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "bridge.js"))
	if err != nil {
		t.Fatal(err)
	}
	txJSON := unsignedFollow(t, k)

	shots, err := filepath.Abs(filepath.Join(artifactsRelPath, t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	popupShot := filepath.Join(shots, "popup.png")
	ctx := context.Background()
	next, lines := runScript(t, dir, script, exe, ext, "PROFILE", strconv.Itoa(k.Port), site, txJSON, popupShot)
	origin := strings.TrimSuffix(site, "/")

	extID := next("extension").ID
	if h := next("handshake"); !h.Answer.Success {
		t.Fatalf("handshake %+v", h.Answer)
	}

	// Sign-in: the browser is paired first, then the site approved.
	p := k.WaitApproval(approval.KindPair)
	if p.Pair == nil || p.Pair.Extension != "chrome-extension://"+extID {
		t.Fatalf("pairing request %+v %+v", p, p.Pair)
	}
	if err := k.Admin.Approve(p.ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	a := k.WaitApproval(approval.KindAuthorize)
	if a.Origin != origin || len(a.RequestedScopes) != 1 || a.RequestedScopes[0] != "login" {
		t.Fatalf("site approval %+v", a)
	}
	if err := k.Admin.Approve(a.ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	login := next("login").Answer
	var sig string
	if !login.Success || json.Unmarshal(login.Result, &sig) != nil || login.RequestID == 0 {
		t.Fatalf("login answer %+v", login)
	}
	checkSignature(t, k, login.PublicKey, "Log in to the test dapp: 8f3a", sig)

	// A custom_json the grant does not cover: the site asks again, for
	// login and custom_json:follow; then it is signed at once.
	a = k.WaitApproval(approval.KindAuthorize)
	if a.Origin != origin || !strings.Contains(strings.Join(a.RequestedScopes, " "), "custom_json:follow") {
		t.Fatalf("widening %+v", a)
	}
	if err := k.Admin.Approve(a.ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	onChain(t, k, next("custom").Answer)

	a = k.WaitApproval(approval.KindAuthorize)
	if err := k.Admin.Approve(a.ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	onChain(t, k, next("post").Answer)
	a = k.WaitApproval(approval.KindAuthorize)
	if err := k.Admin.Approve(a.ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	onChain(t, k, next("vote").Answer)

	// A transfer: the grant is widened, then the transfer confirmed.
	a = k.WaitApproval(approval.KindAuthorize)
	if err := k.Admin.Approve(a.ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	c := k.WaitApproval(approval.KindTransaction)
	if c.Origin != origin || c.Transaction.Authority != "active" {
		t.Fatalf("transfer confirmation %+v", c)
	}
	if err := k.Admin.ApproveTransaction(c.ID, 0); err != nil {
		t.Fatal(err)
	}
	onChain(t, k, next("transfer").Answer)
	c = k.WaitApproval(approval.KindTransaction)
	if err := k.Admin.Deny(c.ID); err != nil {
		t.Fatal(err)
	}
	if d := next("transfer2").Answer; d.Success || d.Error != "user_cancel" || d.Message != "Request was canceled by the user." {
		t.Fatalf("denied transfer %+v", d)
	}

	// Sign only: within the grant (custom_json:follow, posting), signed
	// at once; the devnet accepts the signed transaction.
	st := next("signTx").Answer
	if !st.Success {
		t.Fatalf("signTx %+v", st)
	}
	signed, err := tx.Decode(k.Chain, st.Result)
	if err != nil {
		t.Fatalf("signed transaction %s: %v", st.Result, err)
	}
	if _, err := k.Node.Broadcast(ctx, signed); err != nil {
		t.Fatalf("the devnet refuses the signed transaction: %v", err)
	}

	// A memo encrypted for the site, and read back: the memo scope is
	// asked for first.
	a = k.WaitApproval(approval.KindAuthorize)
	if !strings.Contains(strings.Join(a.RequestedScopes, " "), "memo") {
		t.Fatalf("memo widening %+v", a)
	}
	if err := k.Admin.Approve(a.ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	var memoText string
	if e := next("encode").Answer; !e.Success || json.Unmarshal(e.Result, &memoText) != nil || !strings.HasPrefix(memoText, "#") || strings.Contains(memoText, "note to self") {
		t.Fatalf("encode %+v", e)
	}
	var plain string
	if d := next("decode").Answer; !d.Success || json.Unmarshal(d.Result, &plain) != nil || plain != "#a note to self" {
		t.Fatalf("decode %+v", d)
	}
	// Requests that depend on the chain's state: HP converted at the
	// node's rate, the posting authority as it is with @bob added, then
	// removed. Each widens the grant, then is confirmed (active key), the
	// authority change with its new authority spelled out.
	widenAndConfirm := func(op string) approval.Request {
		t.Helper()
		a := k.WaitApproval(approval.KindAuthorize)
		if !strings.Contains(strings.Join(a.RequestedScopes, " "), op) {
			t.Fatalf("widening for %s: %+v", op, a.RequestedScopes)
		}
		if err := k.Admin.Approve(a.ID, nil, "alice", false); err != nil {
			t.Fatal(err)
		}
		c := k.WaitApproval(approval.KindTransaction)
		if err := k.Admin.ApproveTransaction(c.ID, 0); err != nil {
			t.Fatal(err)
		}
		return c
	}
	widenAndConfirm("withdraw_vesting")
	onChain(t, k, next("powerDown").Answer)
	widenAndConfirm("delegate_vesting_shares")
	onChain(t, k, next("delegateHP").Answer)
	c = widenAndConfirm("account_update")
	if ds := strings.Join(c.Transaction.Operations[0].Details, "\n"); !strings.Contains(ds, "bob") {
		t.Fatalf("the authority change's confirmation does not name @bob: %q", ds)
	}
	onChain(t, k, next("addAuthority").Answer)
	accts, err := k.Node.Accounts(ctx, []string{"alice"})
	if err != nil || len(accts[0].Posting.AccountAuths) != 1 || accts[0].Posting.AccountAuths[0].Name != "bob" {
		t.Fatalf("alice's posting authority after the change: %+v %v", accts, err)
	}
	c = k.WaitApproval(approval.KindTransaction)
	if err := k.Admin.ApproveTransaction(c.ID, 0); err != nil {
		t.Fatal(err)
	}
	onChain(t, k, next("removeAuthority").Answer)
	if accts, err := k.Node.Accounts(ctx, []string{"alice"}); err != nil || len(accts[0].Posting.AccountAuths) != 0 {
		t.Fatalf("alice's posting authority after the removal: %+v %v", accts, err)
	}
	if u := next("unsupported").Answer; u.Success || !strings.Contains(u.Message, "owner key") {
		t.Fatalf("an active authority change %+v", u)
	}
	if d, _ := next("direct").Result.(map[string]any); d == nil || d["status"] == float64(http.StatusOK) {
		t.Fatalf("the page called the bridge itself and got %v", d)
	}
	var popup struct {
		Text string `json:"text"`
	}
	if !lines.Scan() || json.Unmarshal(lines.Bytes(), &popup) != nil || !strings.Contains(popup.Text, "Paired and unlocked") {
		t.Fatalf("the popup says %q", lines.Text())
	}
	if blank, err := testkit.Blank(popupShot); err != nil || blank {
		t.Fatalf("the popup's screenshot is blank (%v)", err)
	}
	if ps, err := k.Admin.Approvals(); err != nil || len(ps) != 0 {
		t.Fatalf("left pending: %+v %v", ps, err)
	}
}

// runScript runs a browser scenario (node SCRIPT ARGS…, "PROFILE" standing
// for a fresh Chromium profile) and returns a reader of its JSON events:
// next(want) fails the test unless the next event is want.
func runScript(t *testing.T, dir, script string, args ...string) (func(string) bridgeEvent, *bufio.Scanner) {
	t.Helper()
	profile, err := os.MkdirTemp("", "lsbridge")
	if err != nil {
		t.Fatal(err)
	}
	// Chromium's helpers may write to the profile for a moment after the
	// browser closed: removed last, and a failure to remove is no test's.
	t.Cleanup(func() { time.Sleep(200 * time.Millisecond); os.RemoveAll(profile) })
	for i, a := range args {
		if a == "PROFILE" {
			args[i] = profile
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(npmtest.Env(dir), "TMPDIR="+t.TempDir())
	stderr := &testkit.SyncBuffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The script closes the browser at its end; wait for that, so
		// that the profile is not removed under a running Chromium.
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cancel()
			<-done
		}
		cancel()
		if t.Failed() {
			t.Logf("%s stderr:\n%s", filepath.Base(script), stderr.String())
		}
	})
	lines := bufio.NewScanner(out)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	next := func(want string) bridgeEvent {
		t.Helper()
		for lines.Scan() {
			var e bridgeEvent
			if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
				t.Fatalf("%s printed %q", filepath.Base(script), lines.Text())
			}
			if e.Event == "pageerror" {
				t.Logf("page error: %s", e.Error)
				continue
			}
			if e.Event != want {
				t.Fatalf("event %+v, want %s", e, want)
			}
			return e
		}
		t.Fatalf("%s ended before %s: %v", filepath.Base(script), want, lines.Err())
		return bridgeEvent{}
	}
	return next, lines
}

// sitePage serves the test dapp's page on a loopback origin of its own;
// files, when given, are served by path instead (name → file on disk).
func sitePage(t *testing.T, files ...map[string]string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(files) > 0 {
			if f, ok := files[0][r.URL.Path]; ok {
				http.ServeFile(w, r, f)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>Keychain dapp</title><h1>A Keychain dapp</h1>"))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

// onChain checks a broadcast answer: success, and its transaction in a
// devnet block.
func onChain(t *testing.T, k *testkit.Kit, a kcAnswer) {
	t.Helper()
	var r struct {
		ID string `json:"id"`
	}
	if !a.Success || json.Unmarshal(a.Result, &r) != nil || r.ID == "" || len(k.Devnet.Net.TransactionBlocks(r.ID)) != 1 {
		t.Fatalf("broadcast answer %+v", a)
	}
}

// checkSignature verifies a signBuffer signature as a dapp does: over
// SHA-256 of the message, by the account's posting key on chain.
func checkSignature(t *testing.T, k *testkit.Kit, pubText, message, sigHex string) {
	t.Helper()
	want, err := k.Vault.PublicKey(k.Chain.Name, "alice", "posting")
	if err != nil {
		t.Fatal(err)
	}
	if pubText != want.Format(k.Chain.Prefix) {
		t.Fatalf("signed by %s, want alice's posting key", pubText)
	}
	sig, err := keys.ParseSignature(sigHex)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Verify(want, sha256.Sum256([]byte(message)), sig); err != nil {
		t.Fatalf("the signature does not verify: %v", err)
	}
	accts, err := k.Node.Accounts(context.Background(), []string{"alice"})
	if err != nil || len(accts) != 1 || accts[0].Posting == nil || len(accts[0].Posting.KeyAuths) == 0 ||
		accts[0].Posting.KeyAuths[0].Name != pubText {
		t.Fatalf("the devnet's posting key of alice is not %s (%v)", pubText, err)
	}
}

// keychainSDKPackages are the unmodified npm keychain-sdk and what the test
// bundles it with; its hive-keychain-commons names hive-tx by a git URL
// this machine cannot fetch, so hive-tx is pinned to its registry release.
var keychainSDKPackages = []string{playwrightCore, "keychain-sdk@0.11.1", "esbuild@0.24.0", "buffer@6.0.3"}

// TestKeychainSDK: the unmodified npm keychain-sdk, as dapps use it, on a
// page in headless Chromium with the extension loaded, against the devnet:
// isKeychainInstalled, a login whose signature the SDK itself verifies
// against the chain (its mainnet nodes answered by the devnet), a post and
// a vote, a custom_json, a transfer after a confirmation, a denied one
// (Keychain's error shape), and a signTx whose transaction the devnet
// accepts.
func TestKeychainSDK(t *testing.T) {
	exe := chromiumPath(t)
	dir := npmtest.InstallWithOverrides(t, "localsigner-e2e-keychain-sdk", map[string]string{"hive-tx": "6.0.6"}, keychainSDKPackages...)
	k := testkit.Start(t, testkit.Options{})
	site := sitePage(t)
	ext, err := filepath.Abs(filepath.Join("..", "extension"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "keychain_sdk.js"))
	if err != nil {
		t.Fatal(err)
	}
	txJSON := unsignedFollow(t, k)
	devnetHTTP := "http" + strings.TrimPrefix(k.Devnet.URL, "ws")
	next, _ := runScript(t, dir, script, exe, ext, "PROFILE", strconv.Itoa(k.Port), site, devnetHTTP, txJSON)
	origin := strings.TrimSuffix(site, "/")
	approve := func(kind string) approval.Request {
		t.Helper()
		p := k.WaitApproval(kind)
		var err error
		if kind == approval.KindTransaction {
			err = k.Admin.ApproveTransaction(p.ID, 0)
		} else {
			err = k.Admin.Approve(p.ID, nil, "", false)
		}
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	if e := next("installed"); e.Result != true {
		t.Fatalf("installed %+v", e)
	}
	approve(approval.KindPair)
	if a := approve(approval.KindAuthorize); a.Origin != origin {
		t.Fatalf("the site approval shows %q", a.Origin)
	}
	if e := next("login"); !e.OK || !e.Answer.Success {
		t.Fatalf("keychain-sdk login: %+v", e)
	}
	approve(approval.KindAuthorize) // comment
	if e := next("post"); !e.OK {
		t.Fatalf("post %+v", e)
	} else {
		onChain(t, k, e.Answer)
	}
	approve(approval.KindAuthorize) // vote
	if e := next("vote"); !e.OK {
		t.Fatalf("vote %+v", e)
	} else {
		onChain(t, k, e.Answer)
	}
	approve(approval.KindAuthorize) // custom_json:follow
	if e := next("custom"); !e.OK {
		t.Fatalf("custom %+v", e)
	} else {
		onChain(t, k, e.Answer)
	}
	approve(approval.KindAuthorize) // transfer
	if c := approve(approval.KindTransaction); c.Transaction.Authority != "active" {
		t.Fatalf("transfer confirmation %+v", c.Transaction)
	}
	if e := next("transfer"); !e.OK {
		t.Fatalf("transfer %+v", e)
	} else {
		onChain(t, k, e.Answer)
	}
	c := k.WaitApproval(approval.KindTransaction)
	if err := k.Admin.Deny(c.ID); err != nil {
		t.Fatal(err)
	}
	if e := next("denied"); e.OK || e.Answer.Success || e.Answer.Error != "user_cancel" {
		t.Fatalf("denied transfer %+v", e)
	}
	e := next("signTx")
	if !e.OK || !e.Answer.Success {
		t.Fatalf("signTx %+v", e)
	}
	signed, err := tx.Decode(k.Chain, e.Answer.Result)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Node.Broadcast(context.Background(), signed); err != nil {
		t.Fatalf("the devnet refuses keychain-sdk's signed transaction: %v", err)
	}
}

// TestHivesignerDefaults: a dapp using the unmodified hivesigner SDK with
// its defaults (login and API at hivesigner.com), in headless Chromium
// with the extension: its login opens Localsigner's approval for the
// page's real origin, and its API calls (me, a post, a vote) are answered
// by the local API, landing on the devnet.
func TestHivesignerDefaults(t *testing.T) {
	exe := chromiumPath(t)
	dir := nodeModules(t)
	k := testkit.Start(t, testkit.Options{})
	pages := t.TempDir()
	html := `<!doctype html><title>Hivesigner dapp</title><script src="/hivesigner.min.js"></script><h1>A Hivesigner dapp</h1>`
	for _, name := range []string{"hs.html", "cb.html"} {
		if err := os.WriteFile(filepath.Join(pages, name), []byte(html), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	site := sitePage(t, map[string]string{"/hs.html": filepath.Join(pages, "hs.html"), "/cb.html": filepath.Join(pages, "cb.html"),
		"/hivesigner.min.js": filepath.Join(dir, "node_modules", "hivesigner", "lib", "hivesigner.min.js")})
	ext, err := filepath.Abs(filepath.Join("..", "extension"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "hivesigner_defaults.js"))
	if err != nil {
		t.Fatal(err)
	}
	next, _ := runScript(t, dir, script, exe, ext, "PROFILE", strconv.Itoa(k.Port), site)
	next("ready")
	a := k.WaitApproval(approval.KindAuthorize)
	origin := strings.TrimSuffix(site, "/")
	if a.Origin != origin || a.ClientID != "hs-defaults" || a.RedirectURI != origin+"/cb.html" || !a.NeedsImplicitOptIn {
		t.Fatalf("the sign-in Localsigner shows: %+v", a)
	}
	if err := k.Admin.Approve(a.ID, nil, "alice", true); err != nil {
		t.Fatal(err)
	}
	if cb := next("callback"); !strings.Contains(cb.URL, "access_token=") || !strings.Contains(cb.URL, "username=alice") {
		t.Fatalf("the callback: %s", cb.URL)
	}
	done := next("done")
	r, _ := done.Result.(map[string]any)
	post, _ := r["post"].(string)
	vote, _ := r["vote"].(string)
	if r["me"] != "alice" || len(k.Devnet.Net.TransactionBlocks(post)) != 1 || len(k.Devnet.Net.TransactionBlocks(vote)) != 1 {
		t.Fatalf("the SDK's calls: %+v", done.Result)
	}
	// Turned off for the site in the popup: the login goes to
	// hivesigner.com, and Localsigner is not asked.
	if off := next("off"); !strings.HasPrefix(off.URL, "https://hivesigner.com/oauth2/authorize?client_id=hs-defaults") {
		t.Fatalf("with the site turned off, the login went to %q", off.URL)
	}
	if ps, err := k.Admin.Approvals(); err != nil || len(ps) != 0 {
		t.Fatalf("Localsigner was asked: %+v %v", ps, err)
	}
}

// unsignedFollow is a transaction for requestSignTx: alice follows carol,
// with the devnet's head block as reference, unsigned, in the chain's JSON.
func unsignedFollow(t *testing.T, k *testkit.Kit) string {
	t.Helper()
	follow := `[["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"follow","json":"[\"follow\",{\"follower\":\"alice\",\"following\":\"carol\",\"what\":[\"blog\"]}]"}]]`
	ops, err := tx.DecodeOperations(k.Chain, json.RawMessage(follow))
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := k.Node.PrepareTransaction(context.Background(), ops, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := unsigned.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
