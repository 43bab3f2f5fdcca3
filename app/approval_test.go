package app

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/signer/chain"
	"localsigner/wallet"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"localsigner/authz"
)

// asked is an authorization request waiting in a real approval.Queue, as
// the server puts it there; result delivers the user's answer.
type asked struct {
	result chan askResult
	cancel context.CancelFunc
}

type askResult struct {
	d   approval.Decision
	err error
}

// ask queues req like the server does and waits until it is pending.
func ask(t *testing.T, q *approval.Queue, req approval.Request) *asked {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := &asked{result: make(chan askResult, 1), cancel: cancel}
	n := len(q.Pending())
	go func() {
		d, err := q.Approve(ctx, &req)
		a.result <- askResult{d, err}
	}()
	t.Cleanup(cancel)
	deadline := time.Now().Add(5 * time.Second)
	for len(q.Pending()) == n {
		if time.Now().After(deadline) {
			t.Fatal("the request never became pending")
		}
		time.Sleep(time.Millisecond)
	}
	return a
}

func (a *asked) answer(t *testing.T) approval.Decision {
	t.Helper()
	select {
	case r := <-a.result:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.d
	case <-time.After(5 * time.Second):
		t.Fatal("no decision reached the queue")
		return approval.Decision{}
	}
}

func (a *asked) answered() bool {
	select {
	case r := <-a.result:
		a.result <- r
		return true
	default:
		return false
	}
}

// approvalSetup is a UI with accounts alice and bob on the devnet, attached
// to a fresh queue.
func approvalSetup(t *testing.T, accounts ...string) (*UI, *clock, *approval.Queue) {
	t.Helper()
	v, dir := newVault(t, true)
	for _, a := range accounts {
		if _, err := v.AddMasterPassword("devnet", a, "password of "+a); err != nil {
			t.Fatal(err)
		}
	}
	a := test.NewTempApp(t)
	u, c := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	q := approval.NewQueue(10, 10, nil)
	u.Attach(Services{Approvals: q})
	return u, c, q
}

func request(c *clock, scopes string, account string) approval.Request {
	sc, err := authz.ParseScopes(scopes, wallet.Catalog(chain.Hive))
	if err != nil {
		panic(err)
	}
	return approval.Request{ClientID: "dapp", RedirectURI: "https://dapp.example/cb", Origin: "https://dapp.example",
		ResponseType: "code", RequestedScopes: approval.Scopes(sc), Account: account, Chain: "devnet", FirstTime: true,
		CreatedAt: c.now(), ExpiresAt: c.now().Add(5 * time.Minute)}
}

// open shows the window for the newest pending request.
func open(t *testing.T, u *UI) *approvalWindow {
	t.Helper()
	u.syncApprovals()
	if len(u.approvals) != 1 {
		t.Fatalf("%d approval windows open, want 1", len(u.approvals))
	}
	for _, aw := range u.approvals {
		return aw
	}
	return nil
}

func TestApprovalScopeTogglesGrantExactly(t *testing.T) {
	tests := []struct {
		name      string
		requested string
		untick    []string
		want      authz.Scopes
	}{
		{"all as asked", "login vote comment transfer", nil, authz.Scopes{"comment", "login", "transfer", "vote"}},
		{"no transfer", "login vote comment transfer", []string{"transfer"}, authz.Scopes{"comment", "login", "vote"}},
		{"only login", "login vote comment transfer", []string{"vote", "comment", "transfer"}, authz.Scopes{"login"}},
		{"posting bundle narrowed", "posting offline", []string{"comment", "delete_comment", "account_update2", "offline"},
			authz.Scopes{"claim_reward_balance", "comment_options", "custom_json", "vote"}},
		{"custom_json id", "custom_json:follow vote", []string{"vote"}, authz.Scopes{"custom_json:follow"}},
	}
	u, c, q := approvalSetup(t, "alice")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ask(t, q, request(c, tt.requested, ""))
			aw := open(t, u)
			for _, item := range tt.untick {
				ch := aw.checks[item]
				if ch == nil {
					t.Fatalf("no toggle for %q; have %v", item, slices.Collect(mapKeys(aw.checks)))
				}
				test.Tap(ch)
			}
			c.advance(approveDelay)
			aw.update()
			test.Tap(aw.approve)
			d := req.answer(t)
			if !d.Approved || !slices.Equal([]string(d.Scopes), []string(tt.want)) || d.Account != "alice" {
				t.Fatalf("decision %+v, want approved %v for alice", d, tt.want)
			}
			if len(u.approvals) != 0 {
				t.Error("the window stays open after the decision")
			}
		})
	}
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestApprovalNothingTickedCannotApprove(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	ask(t, q, request(c, "vote", ""))
	aw := open(t, u)
	test.Tap(aw.checks["vote"])
	c.advance(2 * time.Second)
	aw.update()
	if !aw.approve.Disabled() {
		t.Fatal("Approve enabled with no permission ticked")
	}
	wantText(t, aw.w.Content(), "Tick at least one permission, or deny.")
}

// TestApprovalSaysWhereTheSignInProofGoes: a login request names the
// address the proof is issued to next to the app id the page chose; a
// request without login does not mention a proof.
func TestApprovalSaysWhereTheSignInProofGoes(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	first := ask(t, q, request(c, "login vote", ""))
	aw := open(t, u)
	wantText(t, aw.w.Content(), "for app id dapp, will be issued to https://dapp.example only.")
	aw.decide(approval.Decision{Approved: false})
	first.answer(t)
	ask(t, q, request(c, "vote", ""))
	if aw := open(t, u); hasText(aw.w.Content(), "Sign-in proof") {
		t.Fatal("a request without login mentions a sign-in proof")
	}
}

func TestApprovalDenyIsDefault(t *testing.T) {
	keys := []struct {
		name string
		key  fyne.KeyName
		// focused: the key goes to the focused Deny button; else to the
		// window with nothing focused.
		focused bool
	}{
		{"Return on Deny", fyne.KeyReturn, true},
		{"Enter on Deny", fyne.KeyEnter, true},
		{"Space on Deny", fyne.KeySpace, true},
		{"Escape on Deny", fyne.KeyEscape, true},
		{"Return in the window", fyne.KeyReturn, false},
		{"Escape in the window", fyne.KeyEscape, false},
	}
	u, c, q := approvalSetup(t, "alice")
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			req := ask(t, q, request(c, "vote", "alice"))
			aw := open(t, u)
			cv := aw.w.Canvas()
			if cv.Focused() != aw.deny {
				t.Fatalf("focused %T, want the Deny button", cv.Focused())
			}
			c.advance(time.Minute) // well past the guard: Deny is still the default
			aw.update()
			if k.focused {
				cv.Focused().TypedKey(&fyne.KeyEvent{Name: k.key})
			} else {
				cv.Unfocus()
				cv.OnTypedKey()(&fyne.KeyEvent{Name: k.key})
			}
			if d := req.answer(t); d.Approved {
				t.Fatalf("decision %+v, want denied", d)
			}
		})
	}
}

func TestApprovalClosingDenies(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	req := ask(t, q, request(c, "vote", ""))
	open(t, u).userClosed()
	if d := req.answer(t); d.Approved {
		t.Fatalf("closing the window approved: %+v", d)
	}
}

func TestApprovalFirstSecondGuard(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	req := ask(t, q, request(c, "vote", ""))
	aw := open(t, u)
	if !aw.approve.Disabled() {
		t.Fatal("Approve enabled the moment the window appears")
	}
	// A tap that reaches the handler anyway (the button was enabled by a
	// stale refresh) is dropped too.
	aw.approve.Enable()
	c.advance(approveDelay - time.Millisecond)
	test.Tap(aw.approve)
	if req.answered() {
		t.Fatal("a tap before the first second approved")
	}
	c.advance(time.Millisecond)
	aw.update()
	if aw.approve.Disabled() {
		t.Fatal("Approve still disabled after one second")
	}

	// The app loses the focus: Approve is off until it is back, and for a
	// second after that.
	u.exitedForeground()
	if !aw.approve.Disabled() {
		t.Fatal("Approve enabled while the app is in the background")
	}
	wantText(t, aw.w.Content(), "Click into this window to answer.")
	c.advance(time.Minute)
	aw.update()
	if !aw.approve.Disabled() {
		t.Fatal("Approve enabled in the background after a minute")
	}
	u.enteredForeground()
	aw.approve.Enable()
	test.Tap(aw.approve)
	if req.answered() {
		t.Fatal("a tap right after regaining the focus approved")
	}
	c.advance(approveDelay)
	aw.update()
	test.Tap(aw.approve)
	if d := req.answer(t); !d.Approved {
		t.Fatalf("decision %+v, want approved", d)
	}
}

func TestApprovalAccountPicker(t *testing.T) {
	u, c, q := approvalSetup(t, "alice", "bob")
	req := ask(t, q, request(c, "vote", ""))
	aw := open(t, u)
	c.advance(approveDelay)
	aw.update()
	if aw.picker == nil || !aw.approve.Disabled() {
		t.Fatalf("picker %v, approve disabled %v: want a picker and no approval before choosing", aw.picker, aw.approve.Disabled())
	}
	wantText(t, aw.w.Content(), "Choose the account to use.")
	aw.picker.SetSelected("@bob")
	test.Tap(aw.approve)
	if d := req.answer(t); d.Account != "bob" {
		t.Fatalf("decision %+v, want bob", d)
	}

	// The dapp's hint preselects; a hint the vault lacks is pointed out.
	ask(t, q, request(c, "vote", "alice"))
	aw = open(t, u)
	if aw.picker.Selected != "@alice" {
		t.Errorf("hint alice: picker shows %q", aw.picker.Selected)
	}
	aw.userClosed()
	ask(t, q, request(c, "vote", "mallory"))
	aw = open(t, u)
	wantText(t, aw.w.Content(), "The site asked for @mallory, which has no keys in this vault.")
}

func TestApprovalShowsOriginWarningsAndLifetime(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	r := request(c, "vote transfer offline", "")
	r.Origin, r.RedirectURI = "http://peakd.co", "http://peakd.co/cb"
	ask(t, q, r)
	aw := open(t, u)
	content := aw.w.Content()
	for _, want := range []string{"http://peakd.co", "plain http", "looks like peakd.com", "App id: dapp",
		"First request from this site", "ACTIVE key: funds", "Send money from your account",
		"renew it without asking for up to 30 days", "Answer within 5:00"} {
		wantText(t, content, want)
	}
	test.Tap(aw.checks["offline"])
	wantText(t, content, "access for 1 hour; then it must ask again")
}

func TestApprovalTimesOut(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	req := ask(t, q, request(c, "vote", ""))
	aw := open(t, u)
	c.advance(4*time.Minute + 30*time.Second)
	u.tick()
	wantText(t, aw.w.Content(), "Answer within 0:30")
	c.advance(30 * time.Second)
	u.tick()
	wantText(t, aw.w.Content(), "This request timed out. The site was told that you did not answer in time")
	// The server ends the wait on its own clock; here the test does.
	req.cancel()
	<-req.result
	u.syncApprovals()
	test.Tap(button(t, aw.w.Content(), "Close"))
	if len(u.approvals) != 0 {
		t.Error("the timed-out window stays registered")
	}
}

func TestApprovalAnsweredElsewhere(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	r := request(c, "vote", "")
	req := ask(t, q, r)
	aw := open(t, u)
	id := q.Pending()[0].ID
	if err := q.Decide(id, approval.Decision{Approved: false}); err != nil {
		t.Fatal(err)
	}
	req.answer(t)
	u.syncApprovals()
	wantText(t, aw.w.Content(), "answered elsewhere")
}

func TestApprovalShowsRefusedDecision(t *testing.T) {
	v, dir := newVault(t, true)
	if _, err := v.AddMasterPassword("devnet", "alice", "pw"); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	u, c := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	q := approval.NewQueue(10, 10, func(*approval.Request, *approval.Decision) error {
		return errors.New("the vault is locked")
	})
	u.Attach(Services{Approvals: q})
	req := ask(t, q, request(c, "vote", ""))
	aw := open(t, u)
	c.advance(approveDelay)
	aw.update()
	test.Tap(aw.approve)
	wantText(t, aw.w.Content(), "Not accepted: the vault is locked")
	if req.answered() {
		t.Fatal("a refused approval reached the dapp")
	}
	test.Tap(aw.deny)
	if d := req.answer(t); d.Approved {
		t.Fatal("deny after a refused approval approved")
	}
}

// A HiveAuth sign-in has no web origin: the window shows what the app
// claims, as a claim, in the origin's place, never a site warning or a
// sign-in proof "issued to" an address; Approve grants it.
func TestApprovalWindowForHiveAuth(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	r := request(c, "login vote transfer", "alice")
	r.Origin, r.RedirectURI, r.ClientID = "", "", "hiveauth-0a1b2c"
	r.ClientName, r.Via = "peakd.com (HiveAuth)", "HiveAuth app “peakd.com” (name not verified)"
	r.SessionSeconds = 24 * 3600
	req := ask(t, q, r)
	aw := open(t, u)
	content := aw.w.Content()
	for _, want := range []string{"through a relay", "HiveAuth app “peakd.com” (name not verified)",
		"No web address stands behind this request", "only if you just started this sign-in yourself",
		"A new session", "Account: @alice", "ACTIVE key: funds", "This lasts 1 day; then the site asks again"} {
		wantText(t, content, want)
	}
	for _, never := range []string{"Check its address", "will be issued to", "First request from this site"} {
		if hasText(content, never) {
			t.Errorf("the HiveAuth sign-in window says %q: %q", never, texts(content))
		}
	}
	c.advance(approveDelay)
	aw.update()
	test.Tap(aw.approve)
	if d := req.answer(t); !d.Approved || d.Account != "alice" {
		t.Fatalf("decision %+v", d)
	}
}

// A HiveAuth request's confirmation names the app by its claim, says it is
// one, and shows no app id line of a site.
func TestConfirmWindowForHiveAuth(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	r := request(c, "", "alice")
	r.Kind, r.Origin, r.ClientID = approval.KindTransaction, "", "hiveauth-0a1b2c"
	r.Transaction = &approval.Transaction{Authority: "active", Reason: "active-key operations always ask",
		Via: "HiveAuth app “Test dapp” (name not verified)", Source: "a HiveAuth request through relay.example; the app's name is its own claim",
		Balances: []string{"HIVE: 1000.000 → 999.000 (as the node reports it)"},
		RC:       &approval.RC{Account: "alice", Cost: 13_000_000, Current: 20e12, Max: 20e12, Text: "Resource credits: about 13 million RC, under 0.01% of the 20 trillion @alice has now."},
		Operations: []approval.Operation{{Name: "transfer", Summary: "Transfer 1.000 HIVE from @alice to @bob",
			JSON: json.RawMessage(`["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":""}]`)}}}
	req := ask(t, q, r)
	cw := openConfirmation(t, u)
	content := cw.w.Content()
	for _, want := range []string{"HiveAuth app “Test dapp” (name not verified)", "the app's name is its own claim",
		"Transfer 1.000 HIVE from @alice to @bob", "HIVE: 1000.000 → 999.000 (as the node reports it)",
		"Resource credits: about 13 million RC"} {
		wantText(t, content, want)
	}
	if hasText(content, "A hive:// link") || hasText(content, "App id:") {
		t.Errorf("the confirmation speaks of a link or an app id: %q", texts(content))
	}
	cw.deny.OnTapped()
	if d := req.answer(t); d.Approved {
		t.Fatal("Deny approved")
	}
}

// Pairing a browser has its own window: which browser and extension ask,
// that pairing grants nothing by itself, and Pair / Deny.
func TestConfirmWindowForPairing(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	r := request(c, "", "")
	r.Kind, r.Origin, r.ClientID, r.RequestedScopes = approval.KindPair, "chrome-extension://abcdefghijklmnopabcdefghijklmnop", "", nil
	r.Pair = &approval.Pair{Browser: "Chromium 131", Extension: r.Origin}
	req := ask(t, q, r)
	cw := openConfirmation(t, u)
	if cw.w.Title() != pairTitle {
		t.Fatalf("the window is %q", cw.w.Title())
	}
	content := cw.w.Content()
	for _, want := range []string{"asks to be paired", "Browser: Chromium 131", "Extension: chrome-extension://abcdefghijklmnopabcdefghijklmnop",
		"It grants nothing by itself: every site asks you on its own", "localsigner revoke"} {
		wantText(t, content, want)
	}
	if cw.approve.Text != "Pair" {
		t.Errorf("the button says %q", cw.approve.Text)
	}
	c.advance(approveDelay)
	cw.update()
	test.Tap(cw.approve)
	if d := req.answer(t); !d.Approved {
		t.Fatal("Pair did not approve")
	}
}

// openConfirmation shows the window of the one pending confirmation
// (transaction, message or pairing).
func openConfirmation(t *testing.T, u *UI) *confirmWindow {
	t.Helper()
	u.syncApprovals()
	if len(u.confirms) != 1 {
		t.Fatalf("%d confirmation windows open, want 1", len(u.confirms))
	}
	for _, w := range u.confirms {
		return w
	}
	return nil
}
