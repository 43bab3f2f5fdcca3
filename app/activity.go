package app

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/authz"
)

// auditLimit is how many of the newest matching events the tab shows; the
// filters and the export search the whole log.
const auditLimit = 2000

// allFilter is the filter choice that keeps every row.
const allFilter = "All"

// eventText names audit event types in plain words.
var eventText = map[string]string{
	authz.EventApproved:      "Approved",
	authz.EventDenied:        "Denied",
	authz.EventTokenIssued:   "Token issued",
	authz.EventRefreshed:     "Token renewed",
	authz.EventCodeReplay:    "Code reused (attack?)",
	authz.EventRefreshReuse:  "Old token reused (attack?)",
	authz.EventRevoked:       "Revoked by the app",
	authz.EventClientRevoked: "Revoked by you",
	authz.EventAppAdded:      "App registered",
	authz.EventAppRemoved:    "App removed",
	authz.EventUnlocked:      "Unlocked",
	authz.EventUnlockFailed:  "Wrong passphrase",
	authz.EventLocked:        "Locked",
	authz.EventBroadcast:     "Transaction",
	authz.EventAllowanceSet:  "Spending limit changed",
	authz.EventClientFlags:   "Token carriers changed",
	authz.EventAppPassword:   "App password changed",
}

// activityColumns are the table's columns.
var activityColumns = []string{"Time", "Event", "App", "Account", "Operations", "Tx id", "Status"}

// csvColumns are the export's columns: every field of an event.
var csvColumns = []string{"time", "event", "client_id", "origin", "account", "operations", "scopes", "tx_id", "outcome", "detail"}

func eventKind(e authz.Event) string {
	if k := eventText[e.Type]; k != "" {
		return k
	}
	return e.Type
}

// eventRow is an event as the table shows it.
func eventRow(e authz.Event) []string {
	app := e.Origin
	if app == "" {
		app = e.ClientID
	}
	ops := strings.Join(e.Operations, ", ")
	if ops == "" && len(e.Scopes) > 0 {
		ops = "scopes: " + e.Scopes.String()
	}
	status := e.Outcome
	switch {
	case status == "":
		status = e.Detail
	case e.Detail != "":
		status += ": " + e.Detail
	}
	return []string{e.Time.Local().Format("2006-01-02 15:04:05"), eventKind(e), app, e.Account, ops, e.TxID, status}
}

// writeAuditCSV writes events as CSV with a header row. Cells that a
// spreadsheet would run as a formula are prefixed with a quote.
func writeAuditCSV(w io.Writer, events []authz.Event) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return err
	}
	for _, e := range events {
		row := []string{e.Time.UTC().Format(time.RFC3339), e.Type, e.ClientID, e.Origin, e.Account,
			strings.Join(e.Operations, " "), e.Scopes.String(), e.TxID, e.Outcome, e.Detail}
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				row[i] = "'" + cell
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// activityView is the Activity tab: the audit log, newest first, filtered
// by app and account, exportable as CSV.
type activityView struct {
	u        *UI
	content  fyne.CanvasObject
	all      []authz.Event
	shown    []authz.Event
	app      *widget.Select
	account  *widget.Select
	table    *widget.Table
	status   *widget.Label
	exporter func(events []authz.Event) // the Export button; tests replace it
	// search narrows the rows to those with the text in any column.
	search *widget.Entry
	// eventDialog is the open entry (showEvent), for tests.
	eventDialog *dialog.CustomDialog
}

func newActivityView(u *UI) *activityView {
	v := &activityView{u: u}
	v.app = widget.NewSelect([]string{allFilter}, func(string) { v.filter() })
	v.app.SetSelected(allFilter)
	v.account = widget.NewSelect([]string{allFilter}, func(string) { v.filter() })
	v.account.SetSelected(allFilter)
	v.status = widget.NewLabel("")
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder("Search")
	v.search.OnChanged = func(string) { v.filter() }
	v.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(v.shown), len(activityColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(v.shown) {
				o.(*widget.Label).SetText(clean(eventRow(v.shown[id.Row])[id.Col], 200))
			}
		})
	v.table.ShowHeaderColumn = false
	v.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(activityColumns[id.Col])
		}
	}
	for i, w := range []float32{150, 130, 170, 80, 160, 110, 260} {
		v.table.SetColumnWidth(i, w)
	}
	// Cells are cut to fit; a row opens whole.
	v.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(v.shown) {
			v.showEvent(v.shown[id.Row])
		}
		v.table.UnselectAll()
	}
	v.exporter = v.exportDialog
	export := widget.NewButtonWithIcon("Export CSV", theme.DocumentSaveIcon(), v.export)
	reload := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), v.refresh)
	filters := container.NewBorder(nil, nil, container.NewHBox(widget.NewLabel("App"), v.app, widget.NewLabel("Account"), v.account),
		container.NewHBox(reload, export), v.search)
	v.content = container.NewBorder(container.NewVBox(filters, v.status), nil, nil, nil, v.table)
	return v
}

// showEvent shows one audit event whole, every field wrapped: the table
// cuts long operations and statuses short.
func (v *activityView) showEvent(e authz.Event) {
	row := eventRow(e)
	fields := container.NewVBox()
	add := func(name, value string) {
		if value == "" {
			return
		}
		l := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		val := widget.NewLabel(clean(value, 4000))
		val.Wrapping = fyne.TextWrapBreak
		fields.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(110, l.MinSize().Height), l), nil, val))
	}
	add("Time", row[0])
	add("Event", row[1])
	add("Site", e.Origin)
	add("App id", e.ClientID)
	add("Account", e.Account)
	add("Operations", strings.Join(e.Operations, ", "))
	add("Scopes", e.Scopes.String())
	add("Tx id", e.TxID)
	add("Outcome", e.Outcome)
	add("Detail", e.Detail)
	add("Grant", e.GrantID)
	v.eventDialog = dialog.NewCustom("Activity entry", "Close", container.NewGridWrap(fyne.NewSize(560, 380), container.NewVScroll(fields)), v.u.win)
	v.eventDialog.Show()
}

func (v *activityView) refresh() {
	if v.u.svc.Audit == nil {
		v.all = nil
		v.status.SetText("The dapp server is not running; there is no activity to show.")
		v.filter()
		return
	}
	events, err := v.u.svc.Audit.Audit(auditLimit)
	if err != nil {
		v.status.SetText("Cannot read the activity log: " + err.Error())
		return
	}
	slices.Reverse(events) // newest first
	v.all = events
	apps, accounts := []string{allFilter}, []string{allFilter}
	for _, e := range events {
		if e.ClientID != "" && !slices.Contains(apps, e.ClientID) {
			apps = append(apps, e.ClientID)
		}
		if e.Account != "" && !slices.Contains(accounts, e.Account) {
			accounts = append(accounts, e.Account)
		}
	}
	slices.Sort(apps[1:])
	slices.Sort(accounts[1:])
	v.app.SetOptions(apps)
	v.account.SetOptions(accounts)
	v.filter()
}

// selection is the filter the app and account choices make.
func (v *activityView) selection() authz.AuditFilter {
	var f authz.AuditFilter
	if s := v.app.Selected; s != "" && s != allFilter {
		f.ClientID = s
	}
	if s := v.account.Selected; s != "" && s != allFilter {
		f.Account = s
	}
	return f
}

// filter shows the newest events matching the chosen app and account,
// searched in the whole log, not only in the newest events read.
func (v *activityView) filter() {
	if v.table == nil {
		return
	}
	f := v.selection()
	switch {
	case v.u.svc.Audit == nil:
		v.shown = nil
	case f == authz.AuditFilter{}:
		v.shown = v.all
	default:
		f.Limit = auditLimit
		events, err := v.u.svc.Audit.AuditFind(f)
		if err != nil {
			v.status.SetText("Cannot read the activity log: " + err.Error())
			return
		}
		slices.Reverse(events)
		v.shown = events
	}
	if q := strings.ToLower(strings.TrimSpace(v.search.Text)); q != "" {
		var hits []authz.Event
		for _, e := range v.shown {
			if strings.Contains(strings.ToLower(strings.Join(eventRow(e), " ")+" "+e.Origin+" "+e.Detail), q) {
				hits = append(hits, e)
			}
		}
		v.shown = hits
	}
	if v.u.svc.Audit != nil {
		more := ""
		if len(v.shown) == auditLimit {
			more = fmt.Sprintf(" (the newest %d; Export CSV writes every one)", auditLimit)
		}
		v.status.SetText(fmt.Sprintf("%d events%s. Click a row to read it whole.", len(v.shown), more))
	}
	v.table.Refresh()
}

// export writes every event of the log that the filters select, oldest
// first, not only those on screen.
func (v *activityView) export() {
	if v.u.svc.Audit == nil {
		return
	}
	events, err := v.u.svc.Audit.AuditFind(v.selection())
	if err != nil {
		dialog.ShowError(err, v.u.win)
		return
	}
	v.exporter(events)
}

func (v *activityView) exportDialog(events []authz.Event) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		defer w.Close()
		if err := writeAuditCSV(w, events); err != nil {
			dialog.ShowError(err, v.u.win)
			return
		}
		v.status.SetText(fmt.Sprintf("Exported %d events to %s", len(events), w.URI().Path()))
	}, v.u.win)
	d.SetFileName("localsigner-activity-" + v.u.h.now().Format("2006-01-02") + ".csv")
	d.Show()
}
