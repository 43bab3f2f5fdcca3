package cli

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/signer/devnet"
)

// TestOpenLink runs 'serve --headless --devnet' and opens hive:// links
// from the command line: a dry run prints the transaction and asks
// nothing; a real link waits in 'approvals' (from a link, with its
// callback host) until 'approve', then prints the transaction id and the
// callback with it; a bad link fails with its reason.
func TestOpenLink(t *testing.T) {
	const pass = "link test passphrase"
	newServeDataDir(t, pass, devnet.DefaultPassword)
	t.Setenv(envPassphrase, pass)
	startServe(t)
	run := expectExit(t)
	b64u := func(s string) string {
		return strings.ReplaceAll(base64.URLEncoding.EncodeToString([]byte(s)), "=", ".")
	}

	var dry struct {
		Transaction json.RawMessage `json:"transaction"`
		Authority   string          `json:"authority"`
	}
	if err := json.Unmarshal([]byte(run(exitOK, "open", "--dry-run", "--as", "alice", "hive://sign/follow/bob")), &dry); err != nil {
		t.Fatal(err)
	}
	if dry.Authority != "posting" || !strings.Contains(string(dry.Transaction), `\"follower\":\"alice\"`) {
		t.Fatalf("dry run: %+v", dry)
	}
	var msg struct {
		Message   string `json:"message"`
		Authority string `json:"authority"`
		DryRun    bool   `json:"dry_run"`
	}
	if err := json.Unmarshal([]byte(run(exitOK, "open", "--dry-run", "--as", "alice", "hive://sign/msg/"+b64u(`"hello shop"`))), &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Message != "hello shop" || msg.Authority != "posting" || !msg.DryRun {
		t.Fatalf("message dry run: %+v", msg)
	}
	if out := run(exitOK, "approvals"); !strings.Contains(out, "no pending requests") {
		t.Fatalf("a dry run left a request: %s", out)
	}

	op := `["custom_json",{"required_auths":[],"required_posting_auths":["__signer"],"id":"follow","json":"[\"follow\",{\"follower\":\"__signer\",\"following\":\"bob\",\"what\":[\"blog\"]}]"}]`
	uri := "hive://sign/op/" + b64u(op) + "?s=alice&cb=" + b64u("https://shop.example/done?tx={{id}}")
	done := make(chan string, 1)
	go func() { done <- run(exitOK, "open", "--no-callback", uri) }()
	var ps []approval.Request
	for deadline := time.Now().Add(10 * time.Second); len(ps) == 0; time.Sleep(20 * time.Millisecond) {
		if err := json.Unmarshal([]byte(run(exitOK, "approvals", "--json")), &ps); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the link's confirmation is not pending")
		}
	}
	table := run(exitOK, "approvals")
	for _, want := range []string{"from a hive:// link", "the result is sent to shop.example", "localsigner approve " + ps[0].ID} {
		if !strings.Contains(table, want) {
			t.Fatalf("approvals does not say %q:\n%s", want, table)
		}
	}
	run(exitOK, "approve", ps[0].ID)
	var out string
	select {
	case out = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("open did not finish after the approval")
	}
	m := regexp.MustCompile(`broadcast ([0-9a-f]{40}) in block (\d+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "callback: https://shop.example/done?tx="+m[1]) {
		t.Fatalf("open printed:\n%s", out)
	}

	// A message: listed with its text, signed after 'approve'.
	go func() {
		done <- run(exitOK, "open", "--as", "alice", "hive://sign/msg/"+b64u(`"sign in to shop.example"`))
	}()
	ps = nil
	for deadline := time.Now().Add(10 * time.Second); len(ps) == 0; time.Sleep(20 * time.Millisecond) {
		if err := json.Unmarshal([]byte(run(exitOK, "approvals", "--json")), &ps); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the message's confirmation is not pending")
		}
	}
	if table := run(exitOK, "approvals"); !strings.Contains(table, "to sign with the posting key of @alice (not a transaction):\n  sign in to shop.example") {
		t.Fatalf("approvals for a message:\n%s", table)
	}
	run(exitOK, "approve", ps[0].ID)
	select {
	case out = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("open did not finish after the approval")
	}
	if !regexp.MustCompile(`signed the message with [A-Z]{3}\w{50}\nsignature [0-9a-f]{130}`).MatchString(out) {
		t.Fatalf("open printed:\n%s", out)
	}

	// The audit log, filtered: the link's transaction and message are
	// alice's; bob has none; --since reads back from now.
	var evs []authz.Event
	if err := json.Unmarshal([]byte(run(exitOK, "log", "-n", "0", "--account", "alice", "--since", "1h", "--json")), &evs); err != nil {
		t.Fatal(err)
	}
	var link, message bool
	for _, e := range evs {
		link = link || e.Type == authz.EventBroadcast && e.Door == "link" && e.Outcome == "broadcast"
		message = message || e.Type == authz.EventMessageSigned && e.Outcome == "signed"
		if e.Account != "alice" {
			t.Fatalf("--account alice listed %+v", e)
		}
	}
	if !link || !message {
		t.Fatalf("alice's log lacks the link (%v) or the message (%v): %+v", link, message, evs)
	}
	if out := run(exitOK, "log", "--account", "bob", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("bob's log: %s", out)
	}
	if out := run(exitOK, "log", "--until", "2000-01-01", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("events before 2000: %s", out)
	}
	// The whole log, read page by page (one event a page here), is the
	// same as in one reply.
	var whole, paged []authz.Event
	if err := json.Unmarshal([]byte(run(exitOK, "log", "-n", "100000", "--json")), &whole); err != nil {
		t.Fatal(err)
	}
	saved := logPage
	logPage = 1
	out = run(exitOK, "log", "-n", "0", "--json")
	logPage = saved
	if err := json.Unmarshal([]byte(out), &paged); err != nil {
		t.Fatalf("paged --json is not JSON: %v\n%s", err, out)
	}
	if len(whole) < 2 || len(paged) != len(whole) || paged[0].Seq != whole[0].Seq || paged[len(paged)-1].Seq != whole[len(whole)-1].Seq {
		t.Fatalf("paged log: %d events, whole: %d\n%s", len(paged), len(whole), run(exitOK, "log", "-n", "100"))
	}
	if out := run(exitUsage, "log", "--since", "last tuesday"); !strings.Contains(out, "not a duration") {
		t.Fatalf("a bad --since: %s", out)
	}

	if out := run(exitError, "open", "hive://sign/op/***"); !strings.Contains(out, "not base64url") {
		t.Fatalf("bad link: %s", out)
	}
	// The OS starts `localsigner URI` for a clicked link: the same door.
	if out := run(exitError, "hive://sign/login/x"); !strings.Contains(out, "not a signing action") {
		t.Fatalf("a link as the first argument: %s", out)
	}
	// A has:// link goes to the HiveAuth door, which this server runs
	// without: the user is told how to turn it on.
	if out := run(exitError, "has://auth_req/x"); !strings.Contains(out, "HiveAuth is turned off: turn it on in Settings") {
		t.Fatalf("a has:// link: %s", out)
	}
}

// serve's audit retention flags are checked before anything starts.
func TestServeAuditFlags(t *testing.T) {
	for _, args := range [][]string{{"--audit-max-age", "soon"}, {"--audit-max-age", "0d"}, {"--audit-keep", "0"}} {
		code, _, stderr := run(t, "", append([]string{"serve", "--headless", "--data-dir", t.TempDir()}, args...)...)
		if code != exitUsage || !strings.Contains(stderr, "audit") {
			t.Errorf("serve %v: exit %d, %s", args, code, stderr)
		}
	}
}

// A link opened while Localsigner is not running starts it (here the
// headless server stands in for the desktop app) and then goes to it;
// --no-start says it is not running instead.
func TestOpenLinkStartsTheApp(t *testing.T) {
	const pass = "link start passphrase"
	newServeDataDir(t, pass, devnet.DefaultPassword)
	t.Setenv(envPassphrase, pass)
	uri := "hive://sign/follow/bob"
	if code, _, stderr := run(t, "", "open", "--no-start", "--dry-run", "--as", "alice", uri); code != exitError || !strings.Contains(stderr, "not running") {
		t.Fatalf("--no-start without a running app: exit %d, %s", code, stderr)
	}
	started := false
	saved := startApp
	t.Cleanup(func() { startApp = saved })
	startApp = func(string) error {
		started = true
		startServe(t)
		return nil
	}
	code, stdout, stderr := run(t, "", "open", "--dry-run", "--as", "alice", uri)
	if code != exitOK || !started || !strings.Contains(stderr, "starting it") || !strings.Contains(stdout, `"action": "follow"`) {
		t.Fatalf("open with no app running: exit %d, started %v\n%s%s", code, started, stdout, stderr)
	}
}
