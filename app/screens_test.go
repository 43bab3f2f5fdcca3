package app

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"localsigner/approval"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"localsigner/authz"
)

// fakeBalances answers with fixed balances.
type fakeBalances map[string][]string

func (f fakeBalances) Balances(_ context.Context, _ string, names []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, n := range names {
		if b, ok := f[n]; ok {
			out[n] = b
		}
	}
	return out, nil
}

func TestAccountsTab(t *testing.T) {
	v, dir := newVault(t, true)
	for _, a := range []string{"alice", "bob"} {
		if _, err := v.AddMasterPassword("devnet", a, "pw "+a); err != nil {
			t.Fatal(err)
		}
	}
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	content := u.win.Content()
	wantText(t, content, "@alice")
	wantText(t, content, "balance: —") // no node client yet
	wantText(t, content, "STM")

	u.Attach(Services{Balances: fakeBalances{"alice": {"1000.000 HIVE", "100.000 HBD"}}})
	wantText(t, content, "balance: 1000.000 HIVE, 100.000 HBD")

	// Removing one role asks first; Keep keeps it.
	u.accounts.askRemove("devnet", "bob", "posting")
	test.Tap(overlayButton(t, u.win, "Keep"))
	if !slices.Contains(keysOf(t, v), "devnet/bob/posting") {
		t.Fatal("Keep removed the key")
	}
	u.accounts.askRemove("devnet", "bob", "posting")
	wantText(t, u.win.Canvas().Overlays().Top(), "Remove the posting key of @bob on devnet (local test chain) from this vault?")
	test.Tap(overlayButton(t, u.win, "Remove"))
	if slices.Contains(keysOf(t, v), "devnet/bob/posting") || len(keysOf(t, v)) != 7 {
		t.Fatalf("keys after removing bob's posting key: %q", keysOf(t, v))
	}
	wantText(t, content, "Removed the posting key of @bob.")
	u.accounts.askRemove("devnet", "bob", "")
	test.Tap(overlayButton(t, u.win, "Remove"))
	if got := keysOf(t, v); len(got) != 4 {
		t.Fatalf("keys after removing bob: %q", got)
	}

	// Add keys opens the import form in a dialog.
	test.Tap(button(t, content, "Add keys"))
	wantText(t, u.win.Canvas().Overlays().Top(), "Account and master password")
}

func TestSettingsTab(t *testing.T) {
	v, dir := newVault(t, true)
	a := test.NewTempApp(t)
	u, c := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	u.tabs.SelectIndex(3)
	sv := u.prefsView
	wantText(t, u.win.Content(), dir)
	wantText(t, u.win.Content(), "No node client is running.")
	if !sv.network.Disabled() {
		t.Error("the network can be changed although --devnet fixes it")
	}
	sv.autoLock.SetSelected("After 1 minute")
	s, err := LoadSettings(dir)
	if err != nil || s.AutoLockMinutes != 1 {
		t.Fatalf("saved %+v, %v", s, err)
	}
	c.advance(time.Minute)
	u.tick()
	if !v.Locked() {
		t.Fatal("the new auto-lock time is not in force")
	}

	if err := v.Unlock([]byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	u.touch()
	u.tick()
	u.tabs.SelectIndex(3)
	sv = u.prefsView
	sv.listen.SetText("0.0.0.0:80")
	test.Tap(button(t, u.win.Content(), "Save"))
	wantText(t, u.win.Content(), "only this computer")
	sv.listen.SetText("127.0.0.1:7788")
	test.Tap(button(t, u.win.Content(), "Save"))
	if s, _ := LoadSettings(dir); s.Listen != "127.0.0.1:7788" {
		t.Fatalf("listen not saved: %+v", s)
	}
	sv.theme.SetSelected("Dark")
	if s, _ := LoadSettings(dir); s.Theme != ThemeDark {
		t.Fatalf("theme not saved: %+v", s)
	}
}

// trayApp is a test app with a system tray, as desktop drivers have.
type trayApp struct {
	fyne.App
	menu *fyne.Menu
}

func (a *trayApp) SetSystemTrayMenu(m *fyne.Menu)    { a.menu = m }
func (a *trayApp) SetSystemTrayIcon(fyne.Resource)   {}
func (a *trayApp) SetSystemTrayWindow(w fyne.Window) {}

func TestTrayAndCloseToTray(t *testing.T) {
	v, dir := newVault(t, true)
	was := trayAvailable
	trayAvailable = func() bool { return true }
	defer func() { trayAvailable = was }()
	a := &trayApp{App: test.NewTempApp(t)}
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	if a.menu == nil {
		t.Fatal("no tray menu")
	}
	var labels []string
	for _, it := range a.menu.Items {
		labels = append(labels, it.Label)
	}
	if !slices.Equal(labels, []string{"Open Localsigner", "Lock", "", "Quit"}) {
		t.Fatalf("tray menu %q", labels)
	}
	u.closeToTray()
	if !u.hidden || u.screen != screenMain {
		t.Fatal("closing the window did not hide it to the tray")
	}
	a.menu.Items[1].Action() // Lock
	if !v.Locked() || u.screen != screenUnlock {
		t.Fatal("tray Lock did not lock")
	}
	a.menu.Items[0].Action() // Open
	if u.hidden {
		t.Fatal("tray Open did not show the window")
	}
	test.AssertNotificationSent(t, fyne.NewNotification("Transaction sent", "https://dapp.example: transfer for @alice\nid abc"), func() {
		u.AuditEvent(authz.Event{Type: authz.EventBroadcast, Origin: "https://dapp.example", Account: "alice",
			Operations: []string{"transfer"}, TxID: "abc", Outcome: "broadcast"})
	})
	test.AssertNotificationSent(t, fyne.NewNotification("Transaction failed", "mydapp: vote for @alice\nnode refused: missing authority"), func() {
		u.AuditEvent(authz.Event{Type: authz.EventBroadcast, ClientID: "mydapp", Account: "alice",
			Operations: []string{"vote"}, Outcome: "rejected", Detail: "node refused: missing authority"})
	})
	test.AssertNotificationSent(t, nil, func() {
		u.AuditEvent(authz.Event{Type: authz.EventBroadcast, ClientID: "mydapp", Account: "alice", Outcome: "denied"})
	})
	// Records that failed their check at unlock: a notification, and a
	// dialog that names them and stays until closed.
	detail := "2 records failed their check and are ignored: grant forged (not sealed), token 0011223344556677 (fails its check)"
	test.AssertNotificationSent(t, fyne.NewNotification("Permission records ignored", detail), func() {
		u.AuditEvent(authz.Event{Type: authz.EventRecordsRejected, Detail: detail})
	})
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog for the ignored records")
	}
	wantText(t, top, "grant forged (not sealed)")
	test.Tap(overlayButton(t, u.win, "Close"))
	if u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("the dialog did not close")
	}
}

func TestConfirmWindow(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	r := request(c, "", "alice")
	r.Kind = approval.KindTransaction
	r.Transaction = &approval.Transaction{Authority: "active", Reason: "transfers need your active key",
		Spending: []string{"10.000 HIVE"},
		Operations: []approval.Operation{{Name: "transfer",
			Summary: "Transfer 10.000 HIVE from @alice to @bob, memo “thanks”",
			JSON:    json.RawMessage(`["transfer",{"from":"alice","to":"bob","amount":"10.000 HIVE","memo":"thanks"}]`)}}}
	req := ask(t, q, r)
	u.syncApprovals()
	if len(u.confirms) != 1 || len(u.approvals) != 0 {
		t.Fatalf("%d confirmation and %d approval windows, want 1 and 0", len(u.confirms), len(u.approvals))
	}
	var cw *confirmWindow
	for _, w := range u.confirms {
		cw = w
	}
	content := cw.w.Content()
	for _, want := range []string{"https://dapp.example", "ACTIVE key of @alice", "Transfer 10.000 HIVE from @alice to @bob, memo “thanks”",
		"Leaves your account: 10.000 HIVE", "Fee: none", "Why you are asked: transfers need your active key", "Answer within 5:00"} {
		wantText(t, content, want)
	}
	if cw.w.Canvas().Focused() != cw.deny {
		t.Fatal("Deny is not focused")
	}
	if cw.rawText.Visible() {
		t.Error("raw JSON shown before the toggle")
	}
	test.Tap(cw.raw)
	if !cw.rawText.Visible() || !hasText(content, `"amount": "10.000 HIVE"`) {
		t.Fatalf("raw JSON after the toggle: visible %v, text %q", cw.rawText.Visible(), cw.rawText.Text)
	}
	test.Tap(cw.approve)
	if req.answered() || !cw.approve.Disabled() {
		t.Fatal("Sign and send worked in the first second")
	}
	c.advance(approveDelay)
	cw.update()
	test.Tap(cw.approve)
	if d := req.answer(t); !d.Approved {
		t.Fatalf("decision %+v", d)
	}

	// Return on the focused Deny refuses.
	req = ask(t, q, r)
	u.syncApprovals()
	for _, w := range u.confirms {
		cw = w
	}
	c.advance(time.Hour / 60)
	cw.update()
	cw.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if d := req.answer(t); d.Approved {
		t.Fatal("Return approved the transaction")
	}
}

// A link's confirmation names no site: it says a hive:// link asks, that
// its maker is unknown, whether it is only signed, and where the result
// goes, before the user decides.
func TestConfirmWindowForLink(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	r := request(c, "", "alice")
	r.Kind, r.Origin, r.ClientID = approval.KindTransaction, "", ""
	r.Transaction = &approval.Transaction{Authority: "active", Reason: "this request holds no standing permission, so every transaction asks you",
		Source: "a hive:// link (who made it is not known)", Callback: "shop.example", SignOnly: true,
		Notes: []string{"The link prefers @bob; you chose to sign as @alice."},
		Operations: []approval.Operation{{Name: "transfer", Summary: "Transfer 5.000 HBD from @alice to @shop, memo “order 7”",
			JSON: json.RawMessage(`["transfer",{"from":"alice","to":"shop","amount":"5.000 HBD","memo":"order 7"}]`)}}}
	req := ask(t, q, r)
	u.syncApprovals()
	var cw *confirmWindow
	for _, w := range u.confirms {
		cw = w
	}
	if cw == nil {
		t.Fatal("no confirmation window for the link")
	}
	content := cw.w.Content()
	for _, want := range []string{"A hive:// link", "Who made this link is not known", "Signed only", "The result is sent to shop.example",
		"The link prefers @bob", "Transfer 5.000 HBD from @alice to @shop"} {
		wantText(t, content, want)
	}
	if hasText(content, "App id:") || hasText(content, "address cannot be read") {
		t.Errorf("a link's confirmation speaks of a site or an app id: %q", texts(content))
	}
	if cw.approve.Text != "Sign" {
		t.Errorf("a sign-only link's button says %q", cw.approve.Text)
	}
	cw.deny.OnTapped()
	if d := req.answer(t); d.Approved {
		t.Fatal("Deny approved the link")
	}
}

// A message to sign opens the confirmation window with its own title, the
// text where operations would be, no fee and no JSON toggle, and a Sign
// button.
func TestConfirmWindowForMessage(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	r := request(c, "", "alice")
	r.Kind, r.Origin, r.ClientID = approval.KindMessage, "", ""
	r.Message = &approval.Message{Authority: "posting", Text: "Log in to shop.example, nonce 8f3a",
		Source: "a hive:// link (who made it is not known)", Callback: "shop.example"}
	req := ask(t, q, r)
	u.syncApprovals()
	var cw *confirmWindow
	for _, w := range u.confirms {
		cw = w
	}
	if cw == nil || cw.w.Title() != messageTitle {
		t.Fatalf("no message window (%v)", cw)
	}
	content := cw.w.Content()
	for _, want := range []string{"A hive:// link", "sign a message (not a transaction) with the POSTING key of @alice",
		"Log in to shop.example, nonce 8f3a", "The result is sent to shop.example"} {
		wantText(t, content, want)
	}
	if hasText(content, "Fee:") || cw.raw.Visible() || cw.approve.Text != "Sign" {
		t.Errorf("a message window shows a fee, a JSON toggle or %q", cw.approve.Text)
	}
	c.advance(approveDelay)
	cw.update()
	test.Tap(cw.approve)
	if d := req.answer(t); !d.Approved {
		t.Fatalf("decision %+v", d)
	}
}
