package app

import (
	"context"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"time"

	"localsigner/approval"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/authz"
	"localsigner/signer"
)

// approvalTitle is the title of every approval window; the end-to-end test
// finds the window by it.
const approvalTitle = "Approve access? — Localsigner"

// watchApprovals follows the approval queue: a window opens for each new
// request and says so when a request is gone (timed out, or answered from
// the command line). It returns the function that stops watching.
func (u *UI) watchApprovals(a Approvals) func() {
	ctx, cancel := context.WithCancel(context.Background())
	ch := a.Watch(ctx)
	u.h.background(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
				fyne.Do(u.syncApprovals)
			}
		}
	})
	u.syncApprovals()
	return cancel
}

// syncApprovals opens a window for each pending request that has none (an
// approval window for an authorization, a confirmation window for a
// transaction) and marks the windows whose request is no longer pending.
func (u *UI) syncApprovals() {
	if u.svc.Approvals == nil {
		return
	}
	pending := u.svc.Approvals.Pending()
	ids := make(map[string]bool, len(pending))
	for _, r := range pending {
		ids[r.ID] = true
		_, open := u.approvals[r.ID]
		_, open2 := u.confirms[r.ID]
		switch {
		case open || open2:
		case r.Kind == approval.KindTransaction, r.Kind == approval.KindMessage, r.Kind == approval.KindPair:
			u.openConfirm(r)
		default:
			u.openApproval(r)
		}
	}
	for id, aw := range u.approvals {
		if !ids[id] {
			aw.gone()
		}
	}
	for id, cw := range u.confirms {
		if !ids[id] {
			cw.gone()
		}
	}
	if u.apps != nil && u.screen == screenMain {
		u.refreshViews() // a decision may have added a grant
	}
	if u.unlock != nil {
		u.unlock.showWaiting(u.svc.Approvals.Waiting())
	}
}

// approvalWindow asks the user about one authorization request.
type approvalWindow struct {
	prompt

	scopes   []scopeInfo
	checks   map[string]*widget.Check
	account  string
	accounts []string
	picker   *widget.Select // nil unless there are several accounts
	implicit *widget.Check  // nil unless the dapp needs the opt-in

	lifetime *widget.Label
	left     *widget.Label
	approve  *widget.Button
	deny     *defaultButton
	body     *fyne.Container
}

// openApproval shows the window for req, kept above the others where the
// window manager allows it (X11), raised, and with Deny focused.
func (u *UI) openApproval(req approval.Request) *approvalWindow {
	aw := &approvalWindow{prompt: prompt{u: u, req: req}, checks: make(map[string]*widget.Check)}
	aw.forget = func() { delete(u.approvals, req.ID) }
	aw.onGone = aw.gone
	aw.w = u.app.NewWindow(approvalTitle)
	aw.accounts = u.accountsOn(req.Chain)
	aw.build()
	aw.w.SetCloseIntercept(aw.userClosed)
	decisionKeys(aw.w, func() {
		if !aw.done {
			aw.decide(approval.Decision{Approved: false})
		}
	})
	u.approvals[req.ID] = aw
	u.touch()
	aw.show(fyne.NewSize(560, 660), aw.deny)
	aw.update()
	u.updateWantTick()
	return aw
}

// accountsOn lists the accounts with keys on chain, sorted.
func (u *UI) accountsOn(chain string) []string {
	ks, err := u.vault.List()
	if err != nil {
		return nil
	}
	return accountNames(ks, chain)
}

func accountNames(ks []signer.KeyInfo, chain string) []string {
	var out []string
	for _, k := range ks {
		if k.Chain == chain && !slices.Contains(out, k.Account) {
			out = append(out, k.Account)
		}
	}
	slices.Sort(out)
	return out
}

func (aw *approvalWindow) build() {
	req := aw.req
	intro := widget.NewLabel("A site asks to use your account. Check its address:")
	origin := widget.NewLabelWithStyle(clean(req.Origin, 200), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	origin.SizeName = theme.SizeNameHeadingText
	origin.Wrapping = fyne.TextWrapBreak
	redirect := widget.NewLabel("The answer goes to " + clean(req.RedirectURI, 200))
	redirect.Wrapping = fyne.TextWrapBreak
	redirect.SizeName = theme.SizeNameCaptionText
	top := container.NewVBox(intro, origin, redirect)
	if req.Via != "" {
		// No browser origin stands behind it (HiveAuth): show what the
		// request claims, as a claim.
		intro.SetText("An app asks to use your account, through a relay:")
		origin.SetText(clean(req.Via, 200))
		redirect.SetText("No web address stands behind this request: the app's name is its own claim, and anyone can use it.")
		top.Add(warningRow("Approve only if you just started this sign-in yourself, in the app you mean."))
	} else {
		for _, w := range originWarnings(req.Origin, knownHosts) {
			top.Add(warningRow(w))
		}
	}

	who := "App id: " + clean(req.ClientID, 80)
	if req.Registered && req.ClientName != "" {
		who = "Registered app " + quote(req.ClientName, 64) + " (" + clean(req.ClientID, 80) + ")"
	}
	first := "You approved this site before."
	switch {
	case req.Via != "":
		first = "A new session: approving lets this app act within what you tick below."
	case req.FirstTime:
		first = "First request from this site: approving ties this app id to the address above."
	}
	facts := container.NewVBox(widget.NewLabel(who), widget.NewLabel(first))
	if slices.Contains(req.RequestedScopes, "login") && req.Via == "" {
		// The app id is a name the page chose; the proof names the
		// address, which is what a dapp's server checks.
		facts.Add(paragraph("Sign-in proof: a proof that you are this account, for app id " + clean(req.ClientID, 80) +
			", will be issued to " + clean(req.Origin, 200) + " only."))
	}

	acct := aw.accountRow()

	cat := aw.u.svc.catalog()
	for _, item := range req.RequestedScopes {
		aw.scopes = append(aw.scopes, describeScope(item, cat))
	}
	rank := map[string]int{"": 0, "posting": 1, "memo": 2, "active": 3}
	slices.SortStableFunc(aw.scopes, func(a, b scopeInfo) int { return rank[a.Authority] - rank[b.Authority] })
	perms := container.NewVBox()
	for _, s := range aw.scopes {
		perms.Add(aw.scopeRow(s))
	}
	aw.lifetime = paragraph("")
	perms.Add(aw.lifetime)
	if req.NeedsImplicitOptIn {
		aw.implicit = widget.NewCheck("Allow the token in the browser's address bar (the \"implicit\" flow; less safe, the site asks for it)", func(bool) { aw.update() })
		perms.Add(aw.implicit)
	}

	aw.left = widget.NewLabel("")
	aw.hint = widget.NewLabel("")
	aw.hint.Importance = widget.WarningImportance
	aw.hint.Wrapping = fyne.TextWrapWord
	aw.deny = newDefaultButton("Deny", func() { aw.decide(approval.Decision{Approved: false}) })
	aw.deny.Icon = theme.CancelIcon()
	aw.approve = widget.NewButtonWithIcon("Approve", theme.ConfirmIcon(), aw.approveTapped)
	aw.approve.Importance = widget.MediumImportance
	buttons := container.NewHBox(aw.deny, layout.NewSpacer(), aw.approve)

	form := container.NewVBox(top, widget.NewSeparator(), facts, acct,
		widget.NewCard("", "Permissions (untick what you do not want to give)", perms))
	aw.body = container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), aw.left, aw.hint, buttons), nil, nil,
		container.NewVScroll(form))
	aw.w.SetContent(aw.body)
}

func (aw *approvalWindow) accountRow() fyne.CanvasObject {
	hint := aw.req.Account
	switch {
	case slices.Contains(aw.accounts, hint):
		aw.account = hint
	case len(aw.accounts) == 1:
		aw.account = aw.accounts[0]
	}
	row := container.NewVBox()
	if hint != "" && !slices.Contains(aw.accounts, hint) {
		row.Add(warningRow(fmt.Sprintf("The site asked for %s, which has no keys in this vault.", at(hint))))
	}
	switch len(aw.accounts) {
	case 0:
		row.Add(warningRow("This vault holds no keys for " + networkText(aw.req.Chain) + ". Add some in the Accounts tab, then try again."))
	case 1:
		row.Add(widget.NewLabelWithStyle("Account: "+at(aw.account), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	default:
		opts := make([]string, len(aw.accounts))
		for i, a := range aw.accounts {
			opts[i] = at(a)
		}
		aw.picker = widget.NewSelect(opts, nil)
		aw.picker.PlaceHolder = "Choose the account"
		if aw.account != "" {
			aw.picker.SetSelected(at(aw.account))
		}
		aw.picker.OnChanged = func(s string) {
			aw.account = strings.TrimPrefix(s, "@")
			aw.update()
		}
		row.Add(container.NewBorder(nil, nil, widget.NewLabel("Account:"), nil, aw.picker))
	}
	return row
}

func (aw *approvalWindow) scopeRow(s scopeInfo) fyne.CanvasObject {
	c := widget.NewCheck(s.Line, func(bool) { aw.update() })
	c.Checked = true
	aw.checks[s.Item] = c
	badge := widget.NewLabel("no key")
	switch s.Authority {
	case "active":
		badge.SetText("ACTIVE key: funds")
		badge.Importance = widget.DangerImportance
		badge.TextStyle.Bold = true
	case "posting":
		badge.SetText("posting key")
	case "memo":
		badge.SetText("memo key: private messages")
		badge.Importance = widget.WarningImportance
	}
	// The technical name goes under the line, small and without padding,
	// so a row is no wider than its sentence and its badge.
	name := canvas.NewText(clean(s.Item, 64), theme.Color(theme.ColorNamePlaceHolder))
	name.TextSize = theme.CaptionTextSize()
	indent := canvas.NewRectangle(color.Transparent)
	indent.SetMinSize(fyne.NewSize(44, 1))
	return container.NewBorder(nil, nil, nil, badge,
		container.NewVBox(c, container.NewHBox(indent, name)))
}

func warningRow(text string) fyne.CanvasObject {
	l := paragraph(text)
	l.Importance = widget.DangerImportance
	l.TextStyle.Bold = true
	return container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, l)
}

// granted is the scope set the ticked boxes grant, in canonical order.
func (aw *approvalWindow) granted() authz.Scopes {
	var out authz.Scopes
	for _, s := range aw.scopes {
		if aw.checks[s.Item].Checked {
			out = append(out, s.Item)
		}
	}
	slices.Sort(out)
	return out
}

// blocked says why Approve cannot be pressed now; "" when it can.
func (aw *approvalWindow) blocked() string {
	switch {
	case aw.done:
		return "answered"
	case aw.account == "":
		return "Choose the account to use."
	case len(aw.granted()) == 0:
		return "Tick at least one permission, or deny."
	case aw.implicit != nil && !aw.implicit.Checked:
		return "This site only works with the implicit flow: tick the box above to allow it, or deny."
	case aw.guard.paused:
		return "Click into this window to answer."
	case !aw.guard.ready(aw.u.h.now()):
		return " " // the one-second guard: nothing to explain
	}
	return ""
}

// update refreshes the countdown, the lifetime text and whether Approve
// can be pressed.
func (aw *approvalWindow) update() {
	if aw.done {
		return
	}
	now := aw.u.h.now()
	if !aw.req.ExpiresAt.IsZero() {
		left := aw.req.ExpiresAt.Sub(now)
		if left <= 0 {
			aw.gone()
			return
		}
		aw.left.SetText("Answer within " + countdown(left) + "; after that the site is told no.")
	}
	life := aw.u.svc.lifetimes()
	switch {
	case aw.req.SessionSeconds > 0:
		aw.lifetime.SetText("This lasts " + lifetimeText(time.Duration(aw.req.SessionSeconds)*time.Second) + "; then the site asks again. Revoke it any time in the Apps tab.")
	case aw.req.ResponseType == "token":
		aw.lifetime.SetText("The site gets a token valid for " + lifetimeText(life.Implicit) + ", which it cannot renew.")
	case aw.checks[authz.ScopeOffline] != nil && aw.checks[authz.ScopeOffline].Checked:
		aw.lifetime.SetText("The site gets access for " + lifetimeText(life.Access) + " at a time and can renew it without asking for up to " + lifetimeText(life.Refresh) + ", until you revoke it in the Apps tab.")
	default:
		aw.lifetime.SetText("The site gets access for " + lifetimeText(life.Access) + "; then it must ask again.")
	}
	if why := aw.blocked(); why != "" {
		aw.approve.Disable()
		aw.hint.SetText(why)
	} else {
		aw.approve.Enable()
		aw.hint.SetText("")
	}
}

func (aw *approvalWindow) approveTapped() {
	if aw.blocked() != "" {
		return // also when the guard's second is not over: the tap is dropped
	}
	d := approval.Decision{Approved: true, Scopes: approval.Scopes(aw.granted()), Account: aw.account}
	if aw.implicit != nil {
		d.AllowImplicit = aw.implicit.Checked
	}
	aw.decide(d)
}

// gone replaces the question with the news that it is no longer asked.
func (aw *approvalWindow) gone() {
	origin := widget.NewLabelWithStyle(clean(aw.req.Origin, 200), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	origin.Wrapping = fyne.TextWrapBreak
	aw.showGone("This request was answered elsewhere (from the command line) or withdrawn by the site.",
		"This request timed out. The site was told that you did not answer in time; it can ask again.", 200, origin)
}

// userClosed is the window's close button: an unanswered request is
// denied.
func (aw *approvalWindow) userClosed() {
	if !aw.done {
		aw.decide(approval.Decision{Approved: false})
	}
	aw.close()
}
