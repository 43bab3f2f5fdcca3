package app

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/authz"
	"localsigner/wallet"
)

// appsView is the Apps tab: what each dapp was granted (origin, account,
// scopes, live tokens) and revoking it with one click.
type appsView struct {
	bridges []authz.Client // paired browser extensions
	u       *UI
	content fyne.CanvasObject
	// rebuilds counts refresh calls, for tests: the tab must not be
	// rebuilt for events that change no grant.
	rebuilds int
	list     *fyne.Container
	status   *widget.Label
	// revoke holds the Revoke button of each client id on screen, and
	// removeLimit the Remove button of each "grant/asset" limit, for tests.
	revoke      map[string]*widget.Button
	removeLimit map[string]*widget.Button
	// removeNoAsk holds the Remove button of each "grant/operation/to"
	// don't-ask-again entry on screen, for tests.
	removeNoAsk map[string]*widget.Button
	limitDialog *limitDialog
	// editScopes holds the "Edit scopes" button of each grant id on
	// screen, and scopeDialog the open scope editor, for tests.
	editScopes  map[string]*widget.Button
	scopeDialog *scopeDialog
	// search filters the cards; groups are the clients last read.
	search *widget.Entry
	groups []*clientGrants
}

func newAppsView(u *UI) *appsView {
	v := &appsView{u: u, list: container.NewVBox(), revoke: make(map[string]*widget.Button),
		removeLimit: make(map[string]*widget.Button), removeNoAsk: make(map[string]*widget.Button),
		editScopes: make(map[string]*widget.Button)}
	v.status = paragraph("")
	reload := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), v.refresh)
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder("Search sites, apps and accounts")
	v.search.OnChanged = func(string) { v.show() }
	v.content = container.NewBorder(container.NewVBox(v.search, container.NewBorder(nil, nil, nil, reload, v.status)), nil, nil, nil,
		container.NewVScroll(v.list))
	return v
}

// maxCards bounds the cards the tab builds at once: each costs layout
// time, and nobody reads ten thousand; the search finds the rest.
const maxCards = 200

// matches reports whether a client's card is found by the search text q
// (lower case): its id, name, origin or an account of its grants.
func (c *clientGrants) matches(q string) bool {
	if q == "" {
		return true
	}
	if strings.Contains(strings.ToLower(c.id+" "+c.name+" "+c.origin), q) {
		return true
	}
	for _, g := range c.grants {
		if strings.Contains(g.Account, q) {
			return true
		}
	}
	return false
}

// clientGrants is one client's grants, for one card.
type clientGrants struct {
	id, name, origin string
	grants           []authz.GrantInfo
}

func groupGrants(gs []authz.GrantInfo) []*clientGrants {
	var out []*clientGrants
	byID := map[string]*clientGrants{}
	for _, g := range gs {
		c := byID[g.ClientID]
		if c == nil {
			c = &clientGrants{id: g.ClientID, name: g.ClientName, origin: g.Origin}
			byID[g.ClientID] = c
			out = append(out, c)
		}
		if c.origin == "" {
			c.origin = g.Origin
		}
		c.grants = append(c.grants, g)
	}
	slices.SortFunc(out, func(a, b *clientGrants) int { return strings.Compare(a.origin+a.id, b.origin+b.id) })
	return out
}

func (v *appsView) refresh() {
	v.rebuilds++
	v.groups = nil
	v.list.RemoveAll()
	clear(v.revoke)
	clear(v.removeLimit)
	clear(v.editScopes)
	if v.u.svc.Grants == nil {
		v.list.Add(widget.NewLabel("The dapp server is not running, so no app can ask for access."))
		return
	}
	gs, err := v.u.svc.Grants.Grants()
	if err != nil {
		v.setStatus("Cannot read the grants: "+err.Error(), true)
		return
	}
	v.bridges = nil
	if bl, ok := v.u.svc.Grants.(BridgeLister); ok {
		if cs, err := bl.Clients(); err == nil {
			for _, c := range cs {
				if c.Kind == authz.Bridge {
					v.bridges = append(v.bridges, c)
				}
			}
		}
	}
	if len(gs) == 0 && len(v.bridges) == 0 {
		l := paragraph("No app has access. When a dapp asks, a window opens for you to approve or deny it; what you approve is listed here.")
		v.list.Add(l)
		return
	}
	v.groups = groupGrants(gs)
	if v.groups == nil {
		v.groups = []*clientGrants{} // bridges alone
	}
	v.show()
}

// show builds the cards of the clients the search finds, at most
// maxCards, and says how many there are.
func (v *appsView) show() {
	if v.groups == nil {
		return
	}
	clear(v.revoke)
	clear(v.removeLimit)
	clear(v.editScopes)
	q := strings.ToLower(strings.TrimSpace(v.search.Text))
	var found []*clientGrants
	for _, c := range v.groups {
		if c.matches(q) {
			found = append(found, c)
		}
	}
	// All cards at once: adding them one by one lays the list out again
	// after each, which grows with the square of the number of apps.
	cards := make([]fyne.CanvasObject, 0, min(len(found), maxCards)+len(v.bridges))
	for _, b := range v.bridges {
		cards = append(cards, v.bridgeCard(b))
	}
	for _, c := range found[:min(len(found), maxCards)] {
		cards = append(cards, v.clientCard(c))
	}
	switch {
	case len(found) == 0 && len(v.groups) == 0:
	case len(found) == 0:
		cards = append(cards, paragraph("No site, app or account matches “"+clean(q, 80)+"”."))
	case len(found) > maxCards:
		cards = append(cards, paragraph(fmt.Sprintf("Showing %d of %d. Search to find the others.", maxCards, len(found))))
	}
	v.list.Objects = cards
	v.list.Refresh()
}

func (v *appsView) clientCard(c *clientGrants) fyne.CanvasObject {
	cat := v.u.svc.catalog()
	rows := container.NewVBox()
	who := "App id " + clean(c.id, 80)
	if c.name != "" {
		who = quote(c.name, 64) + " · " + who
	}
	rows.Add(widget.NewLabel(who))
	for _, g := range c.grants {
		acct := widget.NewLabelWithStyle("Account "+at(g.Account)+" on "+networkText(g.Chain), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		rows.Add(acct)
		for _, item := range g.Scopes {
			s := describeScope(item, cat)
			key := "no key"
			if s.Authority != "" {
				key = s.Authority + " key"
			}
			l := paragraph("• " + s.Line + " (" + clean(item, 64) + ", " + key + ")")
			if s.Authority == "active" {
				l.Importance = widget.WarningImportance
			}
			rows.Add(l)
		}
		tokens := "No active tokens: the app must ask again."
		if g.Tokens > 0 {
			tokens = fmt.Sprintf("Active tokens: %d, the last valid until %s.", g.Tokens, g.ExpiresAt.Local().Format("2006-01-02 15:04"))
		}
		used := "Never used."
		if !g.LastUsed.IsZero() {
			used = "Last used " + g.LastUsed.Local().Format("2006-01-02 15:04") + "."
		}
		meta := widget.NewLabel("Approved " + g.CreatedAt.Local().Format("2006-01-02 15:04") + ". " + used + " " + tokens)
		meta.SizeName = theme.SizeNameCaptionText
		meta.Wrapping = fyne.TextWrapWord
		rows.Add(meta)
		edit := widget.NewButtonWithIcon("Edit scopes", theme.DocumentCreateIcon(), func() { v.askScopes(g.Grant) })
		edit.Importance = widget.LowImportance
		v.editScopes[g.ID] = edit
		rows.Add(container.NewHBox(edit))
		if limits := v.allowanceRows(g.Grant); limits != nil {
			rows.Add(limits)
		}
		if noAsk := v.noAskRows(g.Grant); noAsk != nil {
			rows.Add(noAsk)
		}
	}
	// Revoke sits beside the site's name, where it is seen without
	// scrolling however long the card grows.
	revoke := widget.NewButtonWithIcon("Revoke", theme.CancelIcon(), func() { v.revokeClient(c) })
	revoke.Importance = widget.DangerImportance
	v.revoke[c.id] = revoke
	origin := c.origin
	if origin == "" {
		origin = "(registered app)"
	}
	title := widget.NewLabelWithStyle(clean(origin, 120), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	title.Truncation = fyne.TextTruncateEllipsis
	head := container.NewBorder(nil, nil, nil, container.NewCenter(revoke), title)
	return widget.NewCard("", "", container.NewVBox(head, rows))
}

// allowanceRows shows a grant's daily spending limits, each with a Remove
// button, and offers to set one where the grant includes an operation that
// moves funds. Nil when the grant can move nothing.
func (v *appsView) allowanceRows(g authz.Grant) fyne.CanvasObject {
	if !wallet.AllowanceApplies(v.u.svc.chain().Family, g.Scopes) {
		return nil
	}
	box := container.NewVBox()
	today := authz.DayOf(v.u.h.now())
	if len(g.Allowances) == 0 {
		box.Add(widget.NewLabel("No spending limit: every transfer asks you first."))
	}
	for _, a := range g.Allowances {
		spent := int64(0)
		if g.Spending != nil && g.Spending.Day == today {
			spent = g.Spending.Units[a.Asset]
		}
		text := fmt.Sprintf("Signed without asking: up to %s %s a day (%s spent today)",
			authz.FormatUnits(a.PerDay, a.Precision), a.Asset, authz.FormatUnits(spent, a.Precision))
		rm := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() { v.setAllowance(g, a.Asset, "0") })
		rm.Importance = widget.LowImportance
		v.removeLimit[g.ID+"/"+a.Asset] = rm
		box.Add(container.NewBorder(nil, nil, nil, rm, widget.NewLabel(text)))
	}
	if v.u.svc.Allowances != nil {
		set := widget.NewButtonWithIcon("Set a daily limit…", theme.ContentAddIcon(), func() { v.askAllowance(g) })
		box.Add(container.NewHBox(set))
	}
	return box
}

// noAskRows shows a grant's live "don't ask again" entries, each with its
// expiry and a Remove button. Nil when there are none.
func (v *appsView) noAskRows(g authz.Grant) fyne.CanvasObject {
	now := v.u.h.now()
	box := container.NewVBox()
	for _, n := range g.NoAsk {
		if !now.Before(n.Expires) {
			continue
		}
		text := fmt.Sprintf("Not asking until %s: %s", n.Expires.Local().Format("2006-01-02 15:04"),
			clean(n.Label(), 120))
		l := paragraph(text)
		l.Importance = widget.WarningImportance
		rm := widget.NewButtonWithIcon("Ask again", theme.DeleteIcon(), func() { v.forgetNoAsk(g, n) })
		rm.Importance = widget.LowImportance
		v.removeNoAsk[g.ID+"/"+n.Operation+"/"+n.Counterparty()] = rm
		box.Add(container.NewBorder(nil, nil, nil, rm, l))
	}
	if len(box.Objects) == 0 {
		return nil
	}
	return box
}

// forgetNoAsk removes one "don't ask again" entry: the next such
// transaction asks again.
func (v *appsView) forgetNoAsk(g authz.Grant, n authz.NoAsk) {
	v.u.touch()
	if _, err := v.u.svc.Grants.ForgetNoAsk(g.ID, n.Operation, n.Counterparty()); err != nil {
		v.setStatus("Not changed: "+err.Error(), true)
		return
	}
	v.refresh()
	v.setStatus(fmt.Sprintf("%s asks you again before: %s.", clean(g.Origin, 80), clean(n.Label(), 120)), false)
}

// askAllowance asks for an asset and a daily amount, saying plainly what it
// allows, and sets the limit.
func (v *appsView) askAllowance(g authz.Grant) {
	assets := wallet.AllowanceAssets(v.u.svc.chain())
	asset := widget.NewSelect(assets, nil)
	asset.SetSelected(assets[0])
	amount := widget.NewEntry()
	amount.SetPlaceHolder("10.000")
	note := widget.NewLabel(fmt.Sprintf("Transfers, power-ups, conversions and market orders by %s from %s are then signed without asking you, up to this amount per day (UTC). Anything more, and every other action with the active key, still asks.",
		clean(g.Origin, 80), at(g.Account)))
	note.Wrapping = fyne.TextWrapWord
	d := dialog.NewForm("Daily spending limit", "Set limit", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Asset", asset), widget.NewFormItem("Per day", amount), widget.NewFormItem("", note)},
		func(ok bool) {
			v.limitDialog = nil
			if ok {
				v.setAllowance(g, asset.Selected, strings.TrimSpace(amount.Text))
			}
		}, v.u.win)
	d.Resize(fyne.NewSize(460, 300))
	v.limitDialog = &limitDialog{asset: asset, amount: amount, dialog: d}
	d.Show()
}

// limitDialog is the open spending limit form, for tests.
type limitDialog struct {
	asset  *widget.Select
	amount *widget.Entry
	dialog *dialog.FormDialog
}

func (v *appsView) setAllowance(g authz.Grant, asset, perDay string) {
	v.u.touch()
	if v.u.svc.Allowances == nil {
		return
	}
	if _, err := v.u.svc.Allowances.SetAllowance(g.ID, asset, perDay); err != nil {
		v.setStatus("Limit not changed: "+err.Error(), true)
		return
	}
	v.refresh()
	if perDay == "0" {
		v.setStatus(fmt.Sprintf("Removed the %s limit of %s: its transfers ask you again.", asset, clean(g.Origin, 80)), false)
	} else {
		v.setStatus(fmt.Sprintf("%s may now send up to %s %s a day from %s without asking.", clean(g.Origin, 80), perDay, asset, at(g.Account)), false)
	}
}

// scopeDialog is the open scope editor, for tests.
type scopeDialog struct {
	checks map[string]*widget.Check // by scope item
	save   *widget.Button
	dialog dialog.Dialog
}

// askScopes opens the scope editor of grant g: one ticked check per
// current scope, which the user may only untick, since widening a grant
// takes a new approval. Save is disabled while nothing is ticked.
func (v *appsView) askScopes(g authz.Grant) {
	v.u.touch()
	cat := v.u.svc.catalog()
	sd := &scopeDialog{checks: make(map[string]*widget.Check, len(g.Scopes))}
	box := container.NewVBox()
	who := g.Origin
	if who == "" {
		who = g.ClientID
	}
	note := widget.NewLabel(fmt.Sprintf("Untick what %s may no longer do for %s. Its tokens lose it at once; giving it back takes a new approval.",
		clean(who, 80), at(g.Account)))
	note.Wrapping = fyne.TextWrapWord
	box.Add(note)
	sd.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), nil)
	sd.save.Importance = widget.HighImportance
	update := func() {
		for _, c := range sd.checks {
			if c.Checked {
				sd.save.Enable()
				return
			}
		}
		sd.save.Disable()
	}
	for _, item := range g.Scopes {
		c := widget.NewCheck(describeScope(item, cat).Line+" ("+clean(item, 64)+")", func(bool) { update() })
		c.SetChecked(true)
		sd.checks[item] = c
		box.Add(c)
	}
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), nil)
	d := dialog.NewCustomWithoutButtons("Edit scopes", container.NewVScroll(box), v.u.win)
	d.SetButtons([]fyne.CanvasObject{cancel, sd.save})
	closeIt := func() {
		v.scopeDialog = nil
		d.Hide()
	}
	cancel.OnTapped = closeIt
	sd.save.OnTapped = func() {
		var keep []string
		for _, item := range g.Scopes {
			if sd.checks[item].Checked {
				keep = append(keep, item)
			}
		}
		closeIt()
		v.narrow(g, keep)
	}
	sd.dialog = d
	v.scopeDialog = sd
	d.Resize(fyne.NewSize(480, 360))
	d.Show()
}

// narrow keeps only the scopes keep of grant g.
func (v *appsView) narrow(g authz.Grant, keep []string) {
	v.u.touch()
	if len(keep) == len(g.Scopes) {
		return
	}
	if err := v.u.svc.Grants.NarrowGrant(g.ID, keep); err != nil {
		v.setStatus("Scopes not changed: "+err.Error(), true)
		return
	}
	v.refresh()
	who := g.Origin
	if who == "" {
		who = g.ClientID
	}
	v.setStatus(fmt.Sprintf("%s may now only: %s.", clean(who, 80), clean(strings.Join(keep, ", "), 400)), false)
}

// revokeClient ends all of a client's grants at once: its tokens stop
// working, and a dapp must ask (and be approved) again.
func (v *appsView) revokeClient(c *clientGrants) {
	v.u.touch()
	n, err := v.u.svc.Grants.RevokeClient(c.id)
	if err != nil {
		v.setStatus("Not revoked: "+err.Error(), true)
		return
	}
	what := c.origin
	if what == "" {
		what = c.id
	}
	v.refresh()
	v.setStatus(fmt.Sprintf("Revoked %s (%d grant(s)). Its tokens no longer work.", clean(what, 120), n), false)
}

func (v *appsView) setStatus(text string, bad bool) { showStatus(v.status, text, bad) }

// BridgeLister lists the known clients, for the paired browser bridges;
// the local API server satisfies it. The Apps tab shows the bridges when
// its Grants service is one.
type BridgeLister interface {
	Clients() ([]authz.Client, error)
}

// bridgeCard is a paired browser extension, with the button that unpairs
// it: the extension must be paired again, and its sites keep their own
// grants (listed below it) until those are revoked.
func (v *appsView) bridgeCard(c authz.Client) fyne.CanvasObject {
	unpair := widget.NewButtonWithIcon("Unpair", theme.DeleteIcon(), nil)
	unpair.OnTapped = func() {
		if _, err := v.u.svc.Grants.RevokeClient(c.ID); err != nil {
			v.setStatus("Not unpaired: "+err.Error(), true)
			return
		}
		v.setStatus("Unpaired "+clean(c.Name, 120)+". Its next request asks you to pair it again.", false)
		v.refresh()
	}
	v.revoke[c.ID] = unpair
	rows := container.NewVBox(widget.NewLabelWithStyle(clean(c.Name, 160), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		small("Passes on the Hive Keychain requests of the sites this browser shows; each site is approved on its own. Paired "+
			c.CreatedAt.Local().Format("2006-01-02 15:04")+"."),
		container.NewHBox(layout.NewSpacer(), unpair))
	return widget.NewCard("", "", rows)
}
