package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/oauth2"

	"localsigner/approval"
	"localsigner/internal/daemon"
	"localsigner/internal/testkit"
	"localsigner/localapi"
	"localsigner/signer/devnet"
)

// chainEnv is the real server on the embedded devnet (a block every 50 ms)
// with the UI attached, and a dapp holding a token for alice.
type chainEnv struct {
	u     *UI
	c     *clock
	srv   *localapi.Server
	q     *approval.Queue
	net   *devnet.Devnet
	base  string
	token string
}

func newChainEnv(t *testing.T, scopes ...string) *chainEnv {
	t.Helper()
	v, dir := newVault(t, true)
	for _, a := range []string{"alice", "bob"} {
		if _, err := v.AddMasterPassword("devnet", a, devnet.DefaultPassword); err != nil {
			t.Fatal(err)
		}
	}
	u, c := newTestUI(t, test.NewTempApp(t), v, Options{DataDir: dir, Network: NetworkDevnet})
	k := testkit.Start(t, testkit.Options{Vault: v, Dir: dir, Daemon: func(o *daemon.Options) {
		o.ApprovalTimeout, o.ConfirmTimeout = 20*time.Second, 20*time.Second
	}})
	srv, d, q := k.Server, k.Devnet.Net, k.Daemon.Queue()
	u.Attach(Services{Approvals: q, Grants: srv, Audit: srv, Allowances: srv, Catalog: k.Wallet.Catalog(), Chain: k.Chain})
	e := &chainEnv{u: u, c: c, srv: srv, q: q, net: d, base: k.Base}

	// The dapp logs in for alice; the approval window grants it.
	conf := &oauth2.Config{ClientID: "wallet-dapp", RedirectURL: "https://wallet.example/cb", Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: e.base + "/oauth2/authorize", TokenURL: e.base + "/oauth2/token"}}
	verifier := oauth2.GenerateVerifier()
	s := &server{srv: srv, q: q, base: e.base}
	redirect := s.authorize(t, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("account", "alice")))
	waitPending(t, q, 1)
	aw := open(t, u)
	c.advance(approveDelay)
	aw.update()
	test.Tap(aw.approve)
	loc := <-redirect
	tok, err := conf.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	e.token = tok.AccessToken
	return e
}

type broadcastAnswer struct {
	status int
	id     string
	body   string
}

// broadcast posts operations to /api/broadcast in the background, as the
// dapp's page would, and returns the channel its answer arrives on.
func (e *chainEnv) broadcast(ops string) <-chan broadcastAnswer {
	ch := make(chan broadcastAnswer, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, e.base+"/api/broadcast", strings.NewReader(`{"operations":`+ops+`}`))
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			ch <- broadcastAnswer{status: -1, body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var r struct {
			Result struct {
				ID string `json:"id"`
			} `json:"result"`
		}
		json.Unmarshal(b, &r)
		ch <- broadcastAnswer{status: resp.StatusCode, id: r.Result.ID, body: string(b)}
	}()
	return ch
}

func answer(t *testing.T, ch <-chan broadcastAnswer) broadcastAnswer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(30 * time.Second):
		t.Fatal("the broadcast never answered")
		return broadcastAnswer{}
	}
}

func transfer(amount, memo string) string {
	return `[["transfer",{"from":"alice","to":"bob","amount":"` + amount + ` HIVE","memo":"` + memo + `"}]]`
}

// TestConfirmTransferOnDevnet: a transfer needs the active key, so the
// confirmation window opens with the server's summary; Sign and send puts
// it on the chain. A daily limit set in the Apps tab lets smaller transfers
// through without asking, and removing it makes them ask again.
func TestConfirmTransferOnDevnet(t *testing.T) {
	e := newChainEnv(t, "transfer", "vote")
	bob0, _ := e.net.Balance("bob", "HIVE")

	pending := e.broadcast(transfer("1.000", "thanks"))
	waitPending(t, e.q, 1)
	e.u.syncApprovals()
	if len(e.u.confirms) != 1 {
		t.Fatalf("%d confirmation windows", len(e.u.confirms))
	}
	var cw *confirmWindow
	for _, w := range e.u.confirms {
		cw = w
	}
	content := cw.w.Content()
	for _, want := range []string{"https://wallet.example", "ACTIVE key of @alice", "Transfer 1.000 HIVE from @alice to @bob", "thanks"} {
		wantText(t, content, want)
	}
	e.c.advance(approveDelay)
	cw.update()
	test.Tap(cw.approve)
	if a := answer(t, pending); a.status != http.StatusOK || len(a.id) != 40 {
		t.Fatalf("broadcast answered %d %s", a.status, a.body)
	}
	if bob, _ := e.net.Balance("bob", "HIVE"); bob != bob0+1000 {
		t.Fatalf("bob has %d, want %d", bob, bob0+1000)
	}

	// A limit of 5 HIVE a day, set in the Apps tab.
	e.u.tabs.SelectIndex(1)
	test.Tap(button(t, e.u.win.Content(), "Set a daily limit…"))
	ld := e.u.apps.limitDialog
	if ld == nil {
		t.Fatal("no limit dialog")
	}
	wantText(t, e.u.win.Canvas().Overlays().Top(), "signed without asking you")
	ld.amount.SetText("5.000")
	ld.dialog.Submit()
	wantText(t, e.u.win.Content(), "Signed without asking: up to 5.000 HIVE a day (0.000 spent today)")

	if a := answer(t, e.broadcast(transfer("2.000", "within the limit"))); a.status != http.StatusOK {
		t.Fatalf("a transfer within the limit answered %d %s", a.status, a.body)
	}
	if n := len(e.q.Pending()); n != 0 {
		t.Fatalf("%d requests pending for a transfer within the limit", n)
	}
	e.u.apps.refresh()
	wantText(t, e.u.win.Content(), "(2.000 spent today)")

	// Removed: the next transfer asks again, and Return denies it.
	for key, b := range e.u.apps.removeLimit {
		if strings.HasSuffix(key, "/HIVE") {
			test.Tap(b)
		}
	}
	wantText(t, e.u.win.Content(), "No spending limit: every transfer asks you first.")
	pending = e.broadcast(transfer("0.500", ""))
	waitPending(t, e.q, 1)
	e.u.syncApprovals()
	for _, w := range e.u.confirms {
		cw = w
	}
	cw.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if a := answer(t, pending); a.status == http.StatusOK {
		t.Fatalf("a denied transfer was broadcast: %s", a.body)
	}
}

// TestConfirmDontAskAgain: ticking "don't ask again" for a day when
// signing a transfer lets the next transfer to the same account with the
// same memo through without a window (another memo asks); the Apps tab lists the entry with its expiry, and
// "Ask again" there brings the window back.
func TestConfirmDontAskAgain(t *testing.T) {
	e := newChainEnv(t, "transfer")
	confirm := func() *confirmWindow {
		t.Helper()
		waitPending(t, e.q, 1)
		e.u.syncApprovals()
		for _, w := range e.u.confirms {
			return w
		}
		t.Fatal("no confirmation window")
		return nil
	}

	pending := e.broadcast(transfer("1.000", "rent"))
	cw := confirm()
	if cw.remember == nil || cw.remember.Checked || !cw.rememberFor.Disabled() {
		t.Fatal("don't ask again is not offered unticked")
	}
	wantText(t, cw.w.Content(), "transfer to @bob, memo “rent”, any amount")
	cw.remember.SetChecked(true)
	if cw.rememberFor.Disabled() || cw.rememberFor.Selected != "1 day" {
		t.Fatalf("duration %q disabled=%v", cw.rememberFor.Selected, cw.rememberFor.Disabled())
	}
	e.c.advance(approveDelay)
	cw.update()
	test.Tap(cw.approve)
	if a := answer(t, pending); a.status != http.StatusOK {
		t.Fatalf("broadcast answered %d %s", a.status, a.body)
	}

	if a := answer(t, e.broadcast(transfer("2.000", "rent"))); a.status != http.StatusOK {
		t.Fatalf("remembered transfer answered %d %s", a.status, a.body)
	}
	if n := len(e.q.Pending()); n != 0 {
		t.Fatalf("%d requests pending for a remembered transfer", n)
	}
	// The memo is part of what was remembered: a deposit into another
	// account at the same exchange is a different payment, and asks.
	pending = e.broadcast(transfer("2.000", "another deposit"))
	cw = confirm()
	cw.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if a := answer(t, pending); a.status == http.StatusOK {
		t.Fatalf("a transfer with another memo went through on the remembered one: %s", a.body)
	}

	e.u.tabs.SelectIndex(1)
	e.u.apps.refresh()
	wantText(t, e.u.win.Content(), "Not asking until ")
	wantText(t, e.u.win.Content(), ": transfer to @bob, memo “rent”")
	var ask *widget.Button
	for key, b := range e.u.apps.removeNoAsk {
		if strings.HasSuffix(key, "/transfer/bob") {
			ask = b
		}
	}
	if ask == nil {
		t.Fatalf("no Ask again button: %v", e.u.apps.removeNoAsk)
	}
	test.Tap(ask)
	if hasText(e.u.win.Content(), "Not asking until ") {
		t.Fatal("the entry is still listed")
	}
	wantText(t, e.u.win.Content(), "asks you again before: transfer to @bob, memo “rent”")

	pending = e.broadcast(transfer("0.500", "rent"))
	cw = confirm()
	cw.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if a := answer(t, pending); a.status == http.StatusOK {
		t.Fatalf("a denied transfer was broadcast: %s", a.body)
	}
}
