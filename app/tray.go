package app

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"localsigner/assets"
	"localsigner/authz"
)

// setupTray puts Localsigner in the system tray (Open, Lock, Quit) where
// the driver supports one, and makes closing the main window hide it: the
// app keeps serving dapps, and approval windows still open, until Quit.
func (u *UI) setupTray() {
	d, ok := u.app.(desktop.App)
	if !ok || !trayAvailable() {
		return // closing the window quits, or the app could not be reached again
	}
	open := fyne.NewMenuItem("Open Localsigner", u.ShowWindow)
	lock := fyne.NewMenuItem("Lock", func() {
		if u.screen == screenMain {
			u.Lock()
		}
	})
	quit := fyne.NewMenuItem("Quit", u.Quit)
	quit.IsQuit = true
	d.SetSystemTrayMenu(fyne.NewMenu("Localsigner", open, lock, fyne.NewMenuItemSeparator(), quit))
	// The 128×128 picture: the tray keeps its icon as raw pixels, and
	// the 512×512 one would hold 1 MB for a few dozen pixels on screen.
	d.SetSystemTrayIcon(assets.Mark)
	d.SetSystemTrayWindow(u.win)
	u.win.SetCloseIntercept(u.closeToTray)
}

// closeToTray is the main window's close button when there is a tray: the
// window hides and the app keeps running.
func (u *UI) closeToTray() {
	u.win.Hide()
	u.hidden = true
}

// ShowWindow shows and raises the main window, e.g. from the tray.
func (u *UI) ShowWindow() {
	u.hidden = false
	u.win.Show()
	u.win.RequestFocus()
}

// Quit locks the vault and ends the app.
func (u *UI) Quit() {
	u.vault.Lock()
	u.app.Quit()
}

// Notify shows a desktop notification. It may be called from any goroutine.
func (u *UI) Notify(title, content string) {
	u.app.SendNotification(fyne.NewNotification(title, content))
}

// AuditEvent is told about every audit event the dapp server records, as
// it is recorded; it may be called from any goroutine. A dapp transaction
// that was broadcast, or that failed on the way to the chain, shows a
// desktop notification (one the user denied or let time out does not: they
// know). The Apps and Activity tabs reload if they are showing.
func (u *UI) AuditEvent(e authz.Event) {
	fyne.Do(func() {
		if e.Type == authz.EventRecordsRejected {
			u.showRejectedRecords(e.Detail)
		}
		if e.Type == authz.EventBroadcast {
			who := e.Origin
			if who == "" {
				who = e.ClientID
			}
			what := clean(strings.Join(e.Operations, ", "), 80) + " for " + at(e.Account)
			switch e.Outcome {
			case "broadcast":
				u.Notify("Transaction sent", clean(who, 80)+": "+what+"\nid "+clean(e.TxID, 40))
			case "rejected", "node_down", "failed", "no_key":
				u.Notify("Transaction failed", clean(who, 80)+": "+what+"\n"+clean(e.Detail, 160))
			}
		}
		if u.screen == screenMain && u.tabs != nil && !u.hidden {
			switch u.tabs.SelectedIndex() {
			case 1: // Apps: only what changes a grant or a client
				if grantEvents[e.Type] {
					u.refreshSoon()
				}
			case 2: // Activity: every event
				u.refreshSoon()
			}
		}
	})
}

// grantEvents are the audit events after which the Apps tab shows
// something else: grants, clients, their tokens and standing choices.
var grantEvents = map[string]bool{
	authz.EventApproved: true, authz.EventTokenIssued: true, authz.EventRefreshed: true, authz.EventCodeReplay: true,
	authz.EventRefreshReuse: true, authz.EventRevoked: true, authz.EventClientRevoked: true, authz.EventAppAdded: true,
	authz.EventAppRemoved: true, authz.EventAllowanceSet: true, authz.EventClientFlags: true, authz.EventAppPassword: true,
	authz.EventNoAskSet: true, authz.EventNoAskRemoved: true, authz.EventGrantNarrowed: true, authz.EventRecordsRejected: true,
}

// refreshDelay gathers a burst of audit events into one reload of the tab
// on screen.
const refreshDelay = 300 * time.Millisecond

// refreshSoon reloads the tab on screen once, refreshDelay from the first
// of a burst of events. It runs on the UI goroutine.
func (u *UI) refreshSoon() {
	if u.refreshPending {
		return
	}
	u.refreshPending = true
	u.h.after(refreshDelay, func() {
		u.refreshPending = false
		u.refreshViews()
	})
}

// showRejectedRecords tells the user, in a notification and a dialog that
// stays until closed, that permission records failed their check at unlock:
// someone or something wrote them without the passphrase, and they are
// ignored.
func (u *UI) showRejectedRecords(detail string) {
	u.Notify("Permission records ignored", clean(detail, 160))
	msg := widget.NewLabel("Localsigner found permission records it did not write: added or changed " +
		"without your passphrase. It ignores them, so no site or app can use them.\n\n" + clean(detail, 600) +
		"\n\nIf you did not restore a backup or copy the data directory from another computer, another " +
		"program may have edited it. Approve the sites you use again when they ask; nothing else is needed.")
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("Permission records ignored", "Close", container.NewPadded(msg), u.win)
	d.Resize(fyne.NewSize(520, 300))
	d.Show()
}

// trayAvailable reports whether a system tray can work. On Linux and the
// BSDs the tray talks D-Bus; without a session bus Fyne's tray fails, and
// crashes the app when it quits (fyne.io/systray closes a connection it
// never opened), so the app goes without one there.
var trayAvailable = func() bool {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
			return true
		}
		_, err := exec.LookPath("dbus-launch")
		return err == nil
	}
	return true
}
