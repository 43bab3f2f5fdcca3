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
	"localsigner/localapi/admin"
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
	Event  string         `json:"event"`
	ID     string         `json:"id"`
	Error  string         `json:"error"`
	Answer kcAnswer       `json:"answer"`
	Result map[string]any `json:"result"`
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
	follow := `[["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"follow","json":"[\"follow\",{\"follower\":\"alice\",\"following\":\"carol\",\"what\":[\"blog\"]}]"}]]`
	ops, err := tx.DecodeOperations(k.Chain, json.RawMessage(follow))
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := k.Node.PrepareTransaction(context.Background(), ops, 0)
	if err != nil {
		t.Fatal(err)
	}
	txJSON, err := unsigned.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	profile, err := os.MkdirTemp("", "lsbridge")
	if err != nil {
		t.Fatal(err)
	}
	// Chromium's helpers may write to the profile for a moment after the
	// browser closed: removed last, and a failure to remove is no test's.
	t.Cleanup(func() { time.Sleep(200 * time.Millisecond); os.RemoveAll(profile) })
	shots, err := filepath.Abs(filepath.Join(artifactsRelPath, t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	popupShot := filepath.Join(shots, "popup.png")
	cmd := exec.CommandContext(ctx, "node", script, exe, ext, profile, strconv.Itoa(k.Port), site, string(txJSON), popupShot)
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
	defer func() {
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
		if t.Failed() {
			t.Logf("bridge.js stderr:\n%s", stderr.String())
		}
	}()
	lines := bufio.NewScanner(out)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	next := func(want string) bridgeEvent {
		t.Helper()
		for lines.Scan() {
			var e bridgeEvent
			if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
				t.Fatalf("bridge.js printed %q", lines.Text())
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
		t.Fatalf("bridge.js ended before %s: %v", want, lines.Err())
		return bridgeEvent{}
	}
	origin := strings.TrimSuffix(site, "/")

	extID := next("extension").ID
	if h := next("handshake"); !h.Answer.Success {
		t.Fatalf("handshake %+v", h.Answer)
	}

	// Sign-in: the browser is paired first, then the site approved.
	p := waitKind(t, k.Admin, approval.KindPair)
	if p.Pair == nil || p.Pair.Extension != "chrome-extension://"+extID {
		t.Fatalf("pairing request %+v %+v", p, p.Pair)
	}
	if err := k.Admin.Approve(p.ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	a := waitKind(t, k.Admin, approval.KindAuthorize)
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
	a = waitKind(t, k.Admin, approval.KindAuthorize)
	if a.Origin != origin || !strings.Contains(strings.Join(a.RequestedScopes, " "), "custom_json:follow") {
		t.Fatalf("widening %+v", a)
	}
	if err := k.Admin.Approve(a.ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	onChain(t, k, next("custom").Answer)

	a = waitKind(t, k.Admin, approval.KindAuthorize)
	if err := k.Admin.Approve(a.ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	onChain(t, k, next("post").Answer)
	a = waitKind(t, k.Admin, approval.KindAuthorize)
	if err := k.Admin.Approve(a.ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	onChain(t, k, next("vote").Answer)

	// A transfer: the grant is widened, then the transfer confirmed.
	a = waitKind(t, k.Admin, approval.KindAuthorize)
	if err := k.Admin.Approve(a.ID, nil, "alice", false); err != nil {
		t.Fatal(err)
	}
	c := waitKind(t, k.Admin, approval.KindTransaction)
	if c.Origin != origin || c.Transaction.Authority != "active" {
		t.Fatalf("transfer confirmation %+v", c)
	}
	if err := k.Admin.ApproveTransaction(c.ID, 0); err != nil {
		t.Fatal(err)
	}
	onChain(t, k, next("transfer").Answer)
	c = waitKind(t, k.Admin, approval.KindTransaction)
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

	if u := next("unsupported").Answer; u.Success || !strings.Contains(u.Message, "not supported by Localsigner yet") {
		t.Fatalf("unsupported request %+v", u)
	}
	if d := next("direct").Result; d["status"] == float64(http.StatusOK) {
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

// sitePage serves the test dapp's page on a loopback origin of its own.
func sitePage(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>Keychain dapp</title><h1>A Keychain dapp</h1>"))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

func waitKind(t *testing.T, c *admin.Client, kind string) approval.Request {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ps, err := c.Approvals()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Kind == kind {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s request (%d pending: %+v)", kind, len(ps), ps)
		}
		time.Sleep(20 * time.Millisecond)
	}
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
