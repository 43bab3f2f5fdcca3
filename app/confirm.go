package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"localsigner/approval"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/signer/chain"
)

// confirmTitle is the title of every transaction confirmation window,
// messageTitle of every message's.
const (
	confirmTitle = "Confirm transaction? — Localsigner"
	messageTitle = "Sign a message? — Localsigner"
)

// confirmWindow asks the user to confirm one transaction a dapp wants
// signed (a KindTransaction request of the approval queue): every
// operation needing the active key, and anything the grant does not
// pre-approve. It shows one sentence per operation, what leaves the
// account, and the raw JSON behind a toggle.
type confirmWindow struct {
	prompt

	left *widget.Label
	// remember and rememberFor offer "don't ask again" when the request
	// does (nil otherwise); unticked by default.
	remember    *widget.Check
	rememberFor *widget.Select
	raw         *widget.Check
	rawText     *widget.Label
	approve     *widget.Button
	deny        *defaultButton
}

// openConfirm shows the window for req, kept above the others where the
// window manager allows it (X11), raised, and with Deny focused.
func (u *UI) openConfirm(req approval.Request) *confirmWindow {
	cw := &confirmWindow{prompt: prompt{u: u, req: req}}
	cw.forget = func() { delete(u.confirms, req.ID) }
	cw.onGone = cw.gone
	title := confirmTitle
	switch req.Kind {
	case approval.KindMessage:
		title = messageTitle
	case approval.KindPair:
		title = pairTitle
	}
	cw.w = u.app.NewWindow(title)
	cw.build()
	cw.w.SetCloseIntercept(cw.userClosed)
	decisionKeys(cw.w, func() { cw.decide(false) })
	u.confirms[req.ID] = cw
	u.touch()
	cw.show(fyne.NewSize(580, 540), cw.deny)
	cw.update()
	u.updateWantTick()
	return cw
}

func (cw *confirmWindow) build() {
	req := cw.req
	if req.Pair != nil {
		cw.buildPair()
		return
	}
	t := req.Transaction
	msg := req.Message
	if msg != nil {
		// A message is confirmed like a transaction, with its text where
		// the operations would be.
		t = &approval.Transaction{Authority: msg.Authority, Via: msg.Via, Source: msg.Source, Callback: msg.Callback, SignOnly: true,
			Reason: "signing a message always asks you"}
	}
	if t == nil {
		t = &approval.Transaction{}
	}
	who := req.Origin
	switch {
	case t.Via != "":
		who = t.Via
	case t.Source != "":
		// No site stands behind it (a link): say what brought it, never
		// a name the request chose.
		who = "A hive:// link"
	}
	origin := widget.NewLabelWithStyle(clean(who, 200), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	origin.SizeName = theme.SizeNameHeadingText
	origin.Wrapping = fyne.TextWrapBreak
	key := t.Authority
	if key == "" {
		key = "active"
	}
	what := "asks you to sign with the "
	if msg != nil {
		what = "asks you to sign a message (not a transaction) with the "
	}
	intro := paragraph(what + strings.ToUpper(key) + " key of " + at(req.Account) + ":")
	top := container.NewVBox(origin, intro)
	switch {
	case t.Via != "":
		top.Add(warningRow("Its name is the app's own claim (" + clean(t.Source, 200) + "): check every line below before you sign."))
	case t.Source != "":
		top.Add(warningRow("Who made this link is not known: check every line below before you sign."))
	default:
		for _, w := range originWarnings(req.Origin, knownHosts) {
			top.Add(warningRow(w))
		}
	}

	ops := container.NewVBox()
	if msg != nil {
		if msg.Binary > 0 {
			ops.Add(warningRow(fmt.Sprintf("This is binary data, not text (%d bytes), shown in hex: sign it only if you know what it is for.", msg.Binary)))
		}
		text := widget.NewLabel(clean(msg.Text, 4000))
		text.Wrapping = fyne.TextWrapBreak
		text.TextStyle.Bold = true
		ops.Add(text)
	}
	for i, op := range t.Operations {
		line := paragraph(clean(op.Summary, 400))
		line.TextStyle.Bold = true
		ops.Add(container.NewBorder(nil, nil, widget.NewLabel(itemNumber(i, len(t.Operations))), nil, line))
		// What changes authorities, keys, recovery or votes is spelled
		// out in full, one fact a line: a summary alone would let a
		// profile edit hide a new active key.
		for _, d := range op.Details {
			dl := widget.NewLabel(clean(d, 400))
			dl.Wrapping = fyne.TextWrapBreak
			dl.Importance = widget.WarningImportance
			ops.Add(container.NewBorder(nil, nil, widget.NewLabel("    "), nil, dl))
		}
	}
	facts := container.NewVBox()
	if len(t.Spending) > 0 {
		s := widget.NewLabel("Leaves your account: " + clean(strings.Join(t.Spending, ", "), 200))
		s.TextStyle.Bold = true
		s.Importance = widget.WarningImportance
		facts.Add(s)
	}
	for _, b := range t.Balances {
		facts.Add(paragraph(clean(b, 200)))
	}
	if t.RC != nil && t.RC.Text != "" {
		facts.Add(paragraph(clean(t.RC.Text, 200)))
	}
	if msg == nil {
		facts.Add(widget.NewLabel("Fee: " + cw.u.feeNote(req.Chain)))
	}
	if t.SignOnly && msg == nil {
		facts.Add(paragraph("Signed only: Localsigner does not broadcast it, but whoever receives it can."))
	}
	if t.Callback != "" {
		cb := paragraph("The result is sent to " + clean(t.Callback, 200))
		cb.TextStyle.Bold = true
		facts.Add(cb)
	}
	for _, n := range t.Notes {
		facts.Add(paragraph(clean(n, 300)))
	}
	if t.Reason != "" {
		r := paragraph("Why you are asked: " + clean(t.Reason, 200))
		facts.Add(r)
	}
	if t.Source == "" {
		app := "App id: " + clean(req.ClientID, 80)
		if req.Registered && req.ClientName != "" {
			app = "Registered app " + quote(req.ClientName, 64) + " (" + clean(req.ClientID, 80) + ")"
		}
		facts.Add(widget.NewLabel(app))
	}

	// The JSON is set in monospace type only when asked for: each text
	// style costs its own fonts in memory.
	cw.rawText = widget.NewLabel("")
	cw.rawText.Wrapping = fyne.TextWrapBreak
	cw.rawText.Hide()
	cw.raw = widget.NewCheck("Show the raw transaction (JSON)", func(on bool) {
		if on && cw.rawText.Text == "" {
			cw.rawText.TextStyle.Monospace = true
			cw.rawText.Text = rawJSON(t.Operations)
		}
		cw.rawText.Hidden = !on
		cw.rawText.Refresh()
	})

	var rememberBox fyne.CanvasObject = layout.NewSpacer()
	if len(t.Remember) > 0 {
		var labels []string
		for _, c := range rememberChoices {
			labels = append(labels, c.label)
		}
		cw.rememberFor = widget.NewSelect(labels, nil)
		cw.rememberFor.SetSelected(rememberChoices[1].label)
		cw.rememberFor.Disable()
		cw.remember = widget.NewCheck("Don't ask again from this site for:", func(on bool) {
			if on {
				cw.rememberFor.Enable()
			} else {
				cw.rememberFor.Disable()
			}
		})
		what := paragraph("That would cover: " + clean(strings.Join(t.Remember, "; "), 400))
		what.Importance = widget.WarningImportance
		rememberBox = container.NewVBox(container.NewHBox(cw.remember, cw.rememberFor), what)
	}

	cw.left = widget.NewLabel("")
	cw.hint = widget.NewLabel("")
	cw.hint.Importance = widget.WarningImportance
	cw.hint.Wrapping = fyne.TextWrapWord
	cw.deny = newDefaultButton("Deny", func() { cw.decide(false) })
	cw.deny.Icon = theme.CancelIcon()
	label := "Sign and send"
	if t.SignOnly {
		label = "Sign"
	}
	cw.approve = widget.NewButtonWithIcon(label, theme.ConfirmIcon(), func() {
		if cw.guard.ready(cw.u.h.now()) {
			cw.decide(true)
		}
	})
	buttons := container.NewHBox(cw.deny, layout.NewSpacer(), cw.approve)
	if msg != nil {
		cw.raw.Hide() // no JSON behind a message
	}
	content := container.NewVBox(top, widget.NewSeparator(), widget.NewCard("", "", ops), facts, rememberBox, cw.raw, cw.rawText)
	cw.w.SetContent(container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), cw.left, cw.hint, buttons), nil, nil,
		container.NewVScroll(content)))
}

// feeNote says what signing costs on a chain, where it is known: nothing
// on Hive (resource credits), the fee each operation names on Peerplays,
// including the devnet in its Peerplays dialect.
func (u *UI) feeNote(chainName string) string {
	if c, err := chain.Lookup(chainName, ""); err == nil && c.Family == chain.Hive && !u.peerplays(chainName) {
		return "none (Hive uses resource credits, which recharge)"
	}
	return "as shown in each operation"
}

func itemNumber(i, n int) string {
	if n == 1 {
		return "•"
	}
	return strconv.Itoa(i+1) + "."
}

// rawJSON is the operations' JSON, indented, cleaned of invisible
// characters.
func rawJSON(ops []approval.Operation) string {
	var parts []string
	for _, op := range ops {
		var buf bytes.Buffer
		if json.Indent(&buf, op.JSON, "", "  ") != nil {
			parts = append(parts, clean(string(op.JSON), 4000))
			continue
		}
		parts = append(parts, strings.ReplaceAll(clean(buf.String(), 4000), `\n`, "\n"))
	}
	return strings.Join(parts, "\n")
}

func (cw *confirmWindow) update() {
	if cw.done {
		return
	}
	now := cw.u.h.now()
	if !cw.req.ExpiresAt.IsZero() {
		left := cw.req.ExpiresAt.Sub(now)
		if left <= 0 {
			cw.gone()
			return
		}
		cw.left.SetText("Answer within " + countdown(left) + "; after that nothing is signed.")
	}
	switch {
	case cw.guard.paused:
		cw.approve.Disable()
		cw.hint.SetText("Click into this window to answer.")
	case !cw.guard.ready(now):
		cw.approve.Disable()
		cw.hint.SetText("")
	default:
		cw.approve.Enable()
		cw.hint.SetText("")
	}
}

// rememberChoices are how long "don't ask again" may last, the second
// the default: long enough to be useful, short enough to run out by itself.
var rememberChoices = []struct {
	label string
	d     time.Duration
}{{"1 hour", time.Hour}, {"1 day", 24 * time.Hour}, {"7 days", 7 * 24 * time.Hour}, {"30 days", 30 * 24 * time.Hour}}

// decide answers the queue and closes the window, or says why it could not.
// An approval with "don't ask again" ticked carries its duration.
func (cw *confirmWindow) decide(ok bool) {
	d := approval.Decision{Approved: ok}
	if ok && cw.remember != nil && cw.remember.Checked {
		for _, c := range rememberChoices {
			if c.label == cw.rememberFor.Selected {
				d.RememberSeconds = int64(c.d / time.Second)
			}
		}
	}
	cw.prompt.decide(d)
}

// gone replaces the question with the news that it is no longer asked.
func (cw *confirmWindow) gone() {
	cw.showGone("This transaction was answered elsewhere (from the command line) or withdrawn by the site. Nothing was signed here.",
		"This transaction timed out and was not signed. The site was told.", 180)
}

// userClosed is the window's close button: an unanswered transaction is
// denied.
func (cw *confirmWindow) userClosed() {
	cw.decide(false)
	cw.close()
}

// pairTitle is the window that asks to pair a browser extension.
const pairTitle = "Pair a browser?"

// buildPair asks whether a browser extension may pass its sites' Keychain
// requests on: what pairing allows, and what it does not (each site is
// still asked on its own).
func (cw *confirmWindow) buildPair() {
	p := cw.req.Pair
	head := widget.NewLabelWithStyle("The Localsigner browser extension asks to be paired", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameHeadingText
	head.Wrapping = fyne.TextWrapWord
	facts := container.NewVBox(
		widget.NewLabel("Browser: "+clean(p.Browser, 120)),
		widget.NewLabel("Extension: "+clean(p.Extension, 120)),
		paragraph("Pairing lets this extension pass on the Hive Keychain requests of the sites you visit, with each site's address as the browser reports it. It grants nothing by itself: every site asks you on its own, and active-key operations are confirmed as always."),
		warningRow("Pair only if you just installed or reset the Localsigner extension in this browser."),
		paragraph("Unpair it any time in the Apps tab, or with localsigner revoke ID (the bridge is listed in localsigner apps)."),
	)
	cw.left = widget.NewLabel("")
	cw.hint = widget.NewLabel("")
	cw.hint.Importance = widget.WarningImportance
	cw.hint.Wrapping = fyne.TextWrapWord
	cw.deny = newDefaultButton("Deny", func() { cw.decide(false) })
	cw.deny.Icon = theme.CancelIcon()
	cw.approve = widget.NewButtonWithIcon("Pair", theme.ConfirmIcon(), func() {
		if cw.guard.ready(cw.u.h.now()) {
			cw.decide(true)
		}
	})
	buttons := container.NewHBox(cw.deny, layout.NewSpacer(), cw.approve)
	cw.w.SetContent(container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), cw.left, cw.hint, buttons), nil, nil,
		container.NewVScroll(container.NewVBox(head, widget.NewSeparator(), facts))))
}
