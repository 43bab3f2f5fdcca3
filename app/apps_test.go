package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/internal/daemon"
	"localsigner/internal/testkit"
	"localsigner/signer/chain"
	"localsigner/wallet"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/oauth2"

	"localsigner/authz"
	"localsigner/localapi"
	"localsigner/signer"
)

// server runs the real dapp server (bbolt store, loopback HTTP) on the
// vault of u's data directory, with the UI attached to its queue, grants
// and audit log.
type server struct {
	srv  *localapi.Server
	q    *approval.Queue
	base string
}

func startServer(t *testing.T, u *UI, v *signer.Vault, dir string) *server {
	t.Helper()
	k := testkit.Start(t, testkit.Options{NoDevnet: true, Vault: v, Dir: dir, Daemon: func(o *daemon.Options) {
		o.ApprovalTimeout, o.UnlockWait = 20*time.Second, time.Second
	}})
	u.Attach(Services{Approvals: k.Daemon.Queue(), Grants: k.Server, Audit: k.Server, Issuer: k.Server.IssuerURL(),
		Catalog: k.Wallet.Catalog(), Chain: k.Chain})
	return &server{srv: k.Server, q: k.Daemon.Queue(), base: k.Base}
}

// authorize navigates to the authorization URL like a browser and returns
// the redirect it ends with.
func (s *server) authorize(t *testing.T, authURL string) <-chan *url.URL {
	ch := make(chan *url.URL, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, authURL, nil)
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "document")
		c := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			ch <- nil
			return
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		ch <- loc
	}()
	return ch
}

func waitPending(t *testing.T, q *approval.Queue, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(q.Pending()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests pending, want %d", len(q.Pending()), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRevokeInAppsTabEndsTokens plays a dapp with golang.org/x/oauth2
// against the real server: the approval window grants it, the token works,
// and one click on Revoke in the Apps tab ends the access and refresh
// tokens.
func TestRevokeInAppsTabEndsTokens(t *testing.T) {
	v, dir := newVault(t, true)
	if _, err := v.AddMasterPassword("devnet", "alice", "password of alice"); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	u, c := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	s := startServer(t, u, v, dir)

	conf := &oauth2.Config{ClientID: "mydapp", RedirectURL: "https://dapp.example/cb", Scopes: []string{"vote", "transfer", "offline"},
		Endpoint: oauth2.Endpoint{AuthURL: s.base + "/oauth2/authorize", TokenURL: s.base + "/oauth2/token"}}
	verifier := oauth2.GenerateVerifier()
	redirect := s.authorize(t, conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	waitPending(t, s.q, 1)
	aw := open(t, u)
	wantText(t, aw.w.Content(), "https://dapp.example")
	test.Tap(aw.checks["transfer"]) // the user keeps transfers to themselves
	c.advance(approveDelay)
	aw.update()
	test.Tap(aw.approve)
	loc := <-redirect
	if loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %v", loc)
	}
	tok, err := conf.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Extra("scope"); got != "offline vote" {
		t.Fatalf("granted %q, want exactly what was left ticked", got)
	}
	if rec, err := s.srv.Issuer().Lookup(tok.AccessToken); err != nil || rec.Account != "alice" {
		t.Fatalf("token lookup %+v, %v", rec, err)
	}

	u.tabs.SelectIndex(1) // Apps
	content := u.win.Content()
	wantText(t, content, "https://dapp.example")
	wantText(t, content, "Vote on posts and comments")
	wantText(t, content, "Active tokens: 2")
	rv := u.apps.revoke["mydapp"]
	if rv == nil {
		t.Fatal("no Revoke button for mydapp")
	}
	test.Tap(rv)
	wantText(t, content, "Revoked https://dapp.example (1 grant(s))")
	wantText(t, content, "No app has access")

	if _, err := s.srv.Issuer().Lookup(tok.AccessToken); !errors.Is(err, authz.ErrNotFound) {
		t.Fatalf("access token after revoke: %v, want ErrNotFound", err)
	}
	old := *tok
	old.Expiry = time.Now().Add(-time.Minute)
	if _, err := conf.TokenSource(context.Background(), &old).Token(); err == nil {
		t.Fatal("the refresh token still works after revoke")
	}

	// The Activity tab shows what happened, filters by app, exports CSV.
	u.tabs.SelectIndex(2)
	av := u.activity
	if len(av.shown) < 3 {
		t.Fatalf("%d events shown", len(av.shown))
	}
	if av.shown[0].Type != authz.EventClientRevoked {
		t.Errorf("newest event %q, want client_revoked", av.shown[0].Type)
	}
	av.app.SetSelected("mydapp")
	for _, e := range av.shown {
		if e.ClientID != "mydapp" {
			t.Errorf("app filter shows %+v", e)
		}
	}
	all := len(av.shown)
	av.account.SetSelected("alice")
	for _, e := range av.shown {
		if e.Account != "alice" {
			t.Errorf("account filter shows %+v", e)
		}
	}
	if len(av.shown) == 0 || len(av.shown) == all {
		t.Errorf("account filter shows %d of %d events", len(av.shown), all)
	}
	av.account.SetSelected(allFilter)
	// A row opens whole, with what the table's cells cut short.
	av.table.Select(widget.TableCellID{Row: 0, Col: 6})
	if av.eventDialog == nil {
		t.Fatal("selecting a row opened nothing")
	}
	top := u.win.Canvas().Overlays().Top()
	wantText(t, top, "Activity entry")
	if av.shown[0].Detail == "" || av.shown[0].ClientID == "" {
		t.Fatalf("the newest event has nothing to show: %+v", av.shown[0])
	}
	wantText(t, top, av.shown[0].Detail)
	wantText(t, top, av.shown[0].ClientID)
	av.eventDialog.Hide()
	var exported []authz.Event
	av.exporter = func(es []authz.Event) { exported = es }
	test.Tap(button(t, u.win.Content(), "Export CSV"))
	var buf bytes.Buffer
	if err := writeAuditCSV(&buf, exported); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != len(exported)+1 || strings.Join(rows[0], ",") != strings.Join(csvColumns, ",") {
		t.Fatalf("CSV %d rows, %v: %q", len(rows), err, rows)
	}
}

// TestEditScopesNarrowsGrant: in the Apps tab the user unticks a scope of
// a grant and saves; the grant lists the narrower set and its live token
// no longer permits the removed operation. The card shows the last use.
func TestEditScopesNarrowsGrant(t *testing.T) {
	v, dir := newVault(t, true)
	if _, err := v.AddMasterPassword("devnet", "alice", "password of alice"); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	u, c := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	s := startServer(t, u, v, dir)

	conf := &oauth2.Config{ClientID: "mydapp", RedirectURL: "https://dapp.example/cb", Scopes: []string{"vote", "comment", "offline"},
		Endpoint: oauth2.Endpoint{AuthURL: s.base + "/oauth2/authorize", TokenURL: s.base + "/oauth2/token"}}
	verifier := oauth2.GenerateVerifier()
	redirect := s.authorize(t, conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	waitPending(t, s.q, 1)
	aw := open(t, u)
	c.advance(approveDelay)
	aw.update()
	test.Tap(aw.approve)
	loc := <-redirect
	if loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %v", loc)
	}
	tok, err := conf.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.srv.Issuer().Lookup(tok.AccessToken)
	if err != nil || !rec.Scopes.Permits(wallet.Catalog(chain.Hive), "comment", "", chain.Posting) {
		t.Fatalf("token lookup %+v, %v", rec, err)
	}
	s.srv.Issuer().NoteUse(rec.GrantID) // as a served request does

	u.tabs.SelectIndex(1) // Apps
	content := u.win.Content()
	wantText(t, content, "Last used ")
	gs, err := s.srv.Grants()
	if err != nil || len(gs) != 1 || gs[0].Scopes.String() != "comment offline vote" || gs[0].LastUsed.IsZero() {
		t.Fatalf("grants %+v %v", gs, err)
	}
	edit := u.apps.editScopes[gs[0].ID]
	if edit == nil {
		t.Fatal("no Edit scopes button")
	}
	test.Tap(edit)
	sd := u.apps.scopeDialog
	if sd == nil || len(sd.checks) != 3 {
		t.Fatalf("scope dialog %+v", sd)
	}
	for item, ch := range sd.checks {
		if !ch.Checked {
			t.Errorf("%s not ticked at first", item)
		}
	}
	// Nothing ticked: Save is disabled.
	for _, ch := range sd.checks {
		ch.SetChecked(false)
	}
	if !sd.save.Disabled() {
		t.Fatal("Save enabled with nothing ticked")
	}
	sd.checks["vote"].SetChecked(true)
	sd.checks["offline"].SetChecked(true)
	if sd.save.Disabled() {
		t.Fatal("Save disabled with scopes ticked")
	}
	test.Tap(sd.save)
	if u.apps.scopeDialog != nil {
		t.Fatal("the dialog stayed open")
	}
	wantText(t, content, "may now only: offline, vote")

	gs, err = s.srv.Grants()
	if err != nil || len(gs) != 1 || gs[0].Scopes.String() != "offline vote" {
		t.Fatalf("grants after narrowing %+v %v", gs, err)
	}
	rec, err = s.srv.Issuer().Lookup(tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Scopes.Permits(wallet.Catalog(chain.Hive), "comment", "", chain.Posting) || !rec.Scopes.Permits(wallet.Catalog(chain.Hive), "vote", "", chain.Posting) {
		t.Fatalf("live token scopes %v after narrowing", rec.Scopes)
	}
	// The refresh token was narrowed too: a refreshed token has no comment.
	old := *tok
	old.Expiry = time.Now().Add(-time.Minute)
	next, err := conf.TokenSource(context.Background(), &old).Token()
	if err != nil || next.Extra("scope") != "offline vote" {
		t.Fatalf("refreshed %v, scope %v", err, next.Extra("scope"))
	}
}

func TestAuditCSVDefusesFormulas(t *testing.T) {
	var buf bytes.Buffer
	err := writeAuditCSV(&buf, []authz.Event{{Time: time.Unix(0, 0), Type: "denied", ClientID: "=HYPERLINK(\"x\")", Detail: "+1", Origin: "https://a"}})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(&buf).ReadAll()
	if rows[1][2] != `'=HYPERLINK("x")` || rows[1][9] != "'+1" || rows[1][3] != "https://a" {
		t.Fatalf("row %q", rows[1])
	}
}

// The Activity tab's filters and export search the whole log, not only the
// newest events it reads: with more events than it shows, an app's early
// events are still found, and the export holds every match.
func TestActivityFiltersSearchTheWholeLog(t *testing.T) {
	v, dir := newVault(t, true)
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	s := startServer(t, u, v, dir)
	iss := s.srv.Issuer()
	rec := func(client string, n int) {
		for i := range n {
			if err := iss.Record(authz.Event{Time: time.Now(), Type: authz.EventBroadcast, ClientID: client, Account: "alice",
				Outcome: "broadcast", Detail: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	rec("early-dapp", 5)
	rec("busy-dapp", auditLimit+100)
	rec("early-dapp", 1)

	u.tabs.SelectIndex(2) // Activity
	av := u.activity
	av.refresh()
	if len(av.shown) != auditLimit {
		t.Fatalf("%d events shown unfiltered, want the newest %d", len(av.shown), auditLimit)
	}
	av.app.SetSelected("early-dapp")
	if len(av.shown) != 6 {
		t.Fatalf("early-dapp: %d events shown, want all 6 of the log", len(av.shown))
	}
	var exported []authz.Event
	av.exporter = func(es []authz.Event) { exported = es }
	av.app.SetSelected(allFilter)
	av.account.SetSelected("alice")
	av.export()
	if len(exported) < auditLimit+106 {
		t.Fatalf("exported %d events, want every one of alice's (%d at least)", len(exported), auditLimit+106)
	}
}

// The Apps tab is rebuilt for events that change a grant or a client,
// never for the stream of transactions and unlocks.
func TestAppsTabIgnoresUnrelatedEvents(t *testing.T) {
	v, dir := newVault(t, true)
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	startServer(t, u, v, dir)
	u.tabs.SelectIndex(1) // Apps
	before := u.apps.rebuilds
	for range 50 {
		u.AuditEvent(authz.Event{Type: authz.EventBroadcast, ClientID: "mydapp", Outcome: "denied"})
		u.AuditEvent(authz.Event{Type: authz.EventUnlocked})
	}
	if u.apps.rebuilds != before {
		t.Fatalf("the Apps tab was rebuilt %d times for transactions and unlocks", u.apps.rebuilds-before)
	}
	u.AuditEvent(authz.Event{Type: authz.EventClientRevoked, ClientID: "mydapp"})
	if u.apps.rebuilds != before+1 {
		t.Fatalf("a revocation rebuilt the Apps tab %d times, want once", u.apps.rebuilds-before)
	}
}

// The Apps tab builds at most maxCards cards and finds the others by
// search: site, app id or account.
func TestAppsTabSearch(t *testing.T) {
	v, dir := newVault(t, true)
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	s := startServer(t, u, v, dir)
	iss := s.srv.Issuer()
	for i := range maxCards + 20 {
		if _, _, err := iss.AddApp(authz.AppSpec{Name: fmt.Sprintf("bot %03d", i), Scopes: "vote",
			RedirectURIs: []string{fmt.Sprintf("https://bot%03d.example/cb", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range mustClients(t, s) {
		if _, err := iss.Authorize(authz.Approval{Request: &authz.AuthorizeRequest{ClientID: c.ID, RedirectURI: c.RedirectURIs[0],
			Origin: authz.OriginOf(c.RedirectURIs[0]), Type: authz.ResponseCode, Scopes: authz.Scopes{"vote"},
			Challenge: strings.Repeat("A", 43)}, Account: "alice", Scopes: authz.Scopes{"vote"}}); err != nil {
			t.Fatal(err)
		}
	}
	if gs, _ := iss.Grants(); len(gs) != maxCards+20 {
		t.Fatalf("%d grants", len(gs))
	}
	u.tabs.SelectIndex(1)
	u.apps.refresh()
	content := u.win.Content()
	wantText(t, content, fmt.Sprintf("Showing %d of %d. Search to find the others.", maxCards, maxCards+20))
	u.apps.search.SetText("BOT219.example")
	if len(u.apps.revoke) != 1 {
		t.Fatalf("search found %d cards, want bot219's", len(u.apps.revoke))
	}
	wantText(t, content, "https://bot219.example")
	u.apps.search.SetText("nobody-here")
	wantText(t, content, "No site, app or account matches")
}

func mustClients(t *testing.T, s *server) []authz.Client {
	t.Helper()
	cs, err := s.srv.Issuer().Clients()
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// A paired browser bridge is listed in the Apps tab, even with no site
// approved yet, and Unpair forgets it: its credential stops working.
func TestAppsTabUnpairsBridge(t *testing.T) {
	v, dir := newVault(t, true)
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	s := startServer(t, u, v, dir)
	_, cred, err := s.srv.Issuer().PairBridge("Browser bridge: Chromium 131 at chrome-extension://abcdefghijklmnopabcdefghijklmnop",
		"chrome-extension://abcdefghijklmnopabcdefghijklmnop")
	if err != nil {
		t.Fatal(err)
	}
	u.tabs.SelectIndex(1) // Apps
	u.apps.refresh()
	content := u.win.Content()
	wantText(t, content, "Browser bridge: Chromium 131 at chrome-extension://abcdefghijklmnopabcdefghijklmnop")
	test.Tap(button(t, content, "Unpair"))
	wantText(t, content, "Unpaired Browser bridge: Chromium 131")
	if _, err := s.srv.Issuer().Bridge(cred); err == nil {
		t.Fatal("the credential still works after Unpair")
	}
	if hasText(content, "Passes on the Hive Keychain requests") {
		t.Fatal("the bridge is still listed")
	}
}
