// Package app is Localsigner's desktop user interface, built with Fyne.
//
// The native window is the trust anchor: a website can imitate any web page
// but not a window of the user's own desktop app, so every decision a user
// makes (unlock, approve a dapp, confirm a transaction, revoke an app) is
// taken here.
//
// The package never creates the Fyne application itself: main.go, the only
// importer of fyne.io/fyne/v2/app, passes one in together with the parts the
// screens use, declared here as small interfaces (deps.go). That keeps this
// package buildable and testable without cgo or a display, with
// fyne.io/fyne/v2/test standing in for the real driver. Everything that
// touches widgets runs on the Fyne goroutine; work from other goroutines
// reports back through fyne.Do.
package app

import (
	"fmt"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/assets"
)

// title is the main window's title and the header shown in it.
const title = "Localsigner"

// Options configure the desktop app.
type Options struct {
	// DataDir is the folder holding the vault and the settings file.
	DataDir string
	// Network, if set, fixes the network (--devnet); otherwise the
	// settings' network is used and the first run asks for one.
	Network string
	// Listen is the dapp server's address as given on the command line;
	// empty means the settings' or the default.
	Listen string
	// DevnetDialect says which chain the devnet (Network NetworkDevnet)
	// imitates: NetworkHive (also when empty) or NetworkPeerplays, whose
	// accounts have no posting authority. Keys are filed under
	// NetworkDevnet either way.
	DevnetDialect string
	// Nodes, if set, is the node list in use that the command line fixed
	// (the embedded devnet's address); Settings shows it read-only.
	Nodes []string
	// DemoAccounts and DemoPassword are offered as a one-click import on
	// the devnet (alice, bob and carol, whose keys derive from a public
	// password). Empty: no demo import.
	DemoAccounts []string
	DemoPassword string
	// OnNetworkChosen is called (on the Fyne goroutine) when the first run
	// has created the vault on a network, so main.go can start the dapp
	// server and node client for it and Attach them. It is not called when
	// the vault already existed at start.
	OnNetworkChosen func(network string)
}

// UI is the desktop app: the main window with its screens, the approval
// and confirmation windows, the tray and the auto-lock timer. Create it with
// New; its methods must be called on the Fyne goroutine unless their doc
// says otherwise.
type UI struct {
	app      fyne.App
	vault    Vault
	opts     Options
	h        hooks
	settings Settings
	// settingsErr is a problem reading the settings file, shown once.
	settingsErr error

	win     fyne.Window
	svc     Services
	screen  screen
	body    *fyne.Container // the current screen, below the header
	badge   *widget.Label   // network
	lockBtn *widget.Button

	tabs      *container.AppTabs
	accounts  *accountsView
	apps      *appsView
	activity  *activityView
	prefsView *settingsView

	unlock *unlockView // while the unlock screen shows
	first  *firstRun   // while the first run shows

	approvals map[string]*approvalWindow
	confirms  map[string]*confirmWindow

	lastActive time.Time
	background bool // the app does not have the input focus

	// Read by the ticker goroutine to decide whether tick has work.
	wantTick    atomic.Bool  // something on screen changes every second
	lockedShown atomic.Bool  // the screen shown is for a locked vault
	lockAt      atomic.Int64 // Unix nanoseconds of the auto-lock; 0 never
	hidden      bool         // the main window was closed to the tray
	// refreshPending: a reload of the tab on screen is scheduled
	// (refreshSoon).
	refreshPending bool

	building     bool           // a screen is being built by show
	pendingFocus fyne.Focusable // to focus once the screen is shown
	stopTick     func()
	stopWatch    func()
}

type screen int

const (
	screenNone screen = iota
	screenFirstRun
	screenUnlock
	screenMain
	screenBroken
)

// New builds the app on a and its main window, without showing it. vault is
// required; the services arrive later through Attach.
func New(a fyne.App, vault Vault, opts Options) *UI {
	return newUI(a, vault, opts, realHooks())
}

func newUI(a fyne.App, vault Vault, opts Options, h hooks) *UI {
	s, err := LoadSettings(opts.DataDir)
	u := &UI{app: a, vault: vault, opts: opts, h: h, settings: s, settingsErr: err,
		approvals: make(map[string]*approvalWindow), confirms: make(map[string]*confirmWindow)}
	u.lastActive = h.now()
	u.armAutoLock()
	a.SetIcon(assets.Icon)
	applyTheme(a, s.Theme)

	u.win = a.NewWindow(title)
	u.win.SetIcon(assets.Icon)
	u.win.SetMaster()
	u.badge = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	u.lockBtn = widget.NewButtonWithIcon("Lock", theme.NewThemedResource(assets.Lock), func() { u.Lock() })
	u.lockBtn.Hide()
	u.body = container.NewStack()
	u.win.SetContent(container.NewBorder(u.header(), nil, nil, nil, u.body))
	u.win.Resize(fyne.NewSize(860, 600))
	u.win.CenterOnScreen()

	u.setupTray()
	u.setupShortcuts()
	a.Lifecycle().SetOnEnteredForeground(u.enteredForeground)
	a.Lifecycle().SetOnExitedForeground(u.exitedForeground)
	u.refresh()
	u.stopTick = h.every(time.Second, u.due, u.tick)
	return u
}

// Window returns the main window.
func (u *UI) Window() fyne.Window { return u.win }

// Run shows the main window and blocks in the Fyne event loop until the
// app quits. It must be called from the main goroutine, as Fyne requires.
func (u *UI) Run() {
	u.win.Show()
	time.AfterFunc(2*time.Second, releaseKDFMemory) // start-up garbage: fonts, images
	u.app.Run()
	u.stop()
}

func (u *UI) stop() {
	if u.stopTick != nil {
		u.stopTick()
	}
	if u.stopWatch != nil {
		u.stopWatch()
	}
}

// Attach plugs in the services (dapp server, node client). It may be called
// from any goroutine, once or again after a restart of the services.
func (u *UI) Attach(s Services) {
	fyne.Do(func() {
		if u.stopWatch != nil {
			u.stopWatch()
			u.stopWatch = nil
		}
		u.svc = s
		if s.Approvals != nil {
			u.stopWatch = u.watchApprovals(s.Approvals)
		}
		u.refreshViews()
	})
}

// network is the chain name the app works on: fixed by the command line,
// else the settings' choice ("" before the first run picked one).
func (u *UI) network() string {
	if u.opts.Network != "" {
		return u.opts.Network
	}
	return u.settings.Network
}

func (u *UI) header() fyne.CanvasObject {
	icon := canvas.NewImageFromResource(assets.Mark)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(28))
	name := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.NewVBox(
		container.NewHBox(icon, name, u.badge, layout.NewSpacer(), u.lockBtn),
		widget.NewSeparator(),
	)
}

// networkText names the network for the header.
func networkText(network string) string {
	switch network {
	case NetworkDevnet:
		return "devnet (local test chain)"
	case NetworkHive:
		return "Hive"
	case NetworkPeerplays:
		return "Peerplays"
	case "":
		return ""
	}
	return network
}

// refresh shows the screen that fits the vault's state: first run while
// there is no vault, unlock while it is locked, the tabs otherwise.
func (u *UI) refresh() {
	u.badge.SetText(u.networkLabel(u.network()))
	if u.network() == NetworkDevnet {
		u.badge.Importance = widget.WarningImportance
	} else {
		u.badge.Importance = widget.MediumImportance
	}
	u.badge.Refresh()
	exists, err := u.vault.Exists()
	switch {
	case err != nil:
		u.show(screenBroken, func() fyne.CanvasObject { return u.brokenScreen(err) })
	case !exists:
		if u.screen != screenFirstRun {
			u.show(screenFirstRun, u.firstRunScreen)
		}
	case u.vault.Locked():
		if u.screen != screenUnlock && u.screen != screenFirstRun {
			u.show(screenUnlock, u.unlockScreen)
		}
	default:
		if u.screen != screenMain && u.screen != screenFirstRun {
			u.show(screenMain, u.mainScreen)
			u.refreshViews()
			time.AfterFunc(2*time.Second, releaseKDFMemory)
		}
	}
}

// show builds a screen with build and puts it in the window.
func (u *UI) show(s screen, build func() fyne.CanvasObject) {
	// The old screen's focused widget (the passphrase entry) would keep
	// its cursor blinking, and the window redrawing, after it is gone.
	u.win.Canvas().Unfocus()
	u.win.Canvas().SetOnTypedRune(nil) // screens that take typing set their own
	u.win.Canvas().SetOnTypedKey(nil)
	u.building = true
	content := build()
	u.building = false
	u.screen = s
	u.lockBtn.Hidden = s != screenMain
	u.lockBtn.Refresh()
	u.body.Objects = []fyne.CanvasObject{content}
	u.body.Refresh()
	u.lockedShown.Store(u.vault.Locked())
	u.updateWantTick()
	if f := u.pendingFocus; f != nil {
		u.pendingFocus = nil
		u.win.Canvas().Focus(f)
	}
}

// focus gives f the keyboard focus, once it is in the window if the
// screen is being built.
func (u *UI) focus(f fyne.Focusable) {
	if u.building {
		u.pendingFocus = f
		return
	}
	u.win.Canvas().Focus(f)
}

func (u *UI) brokenScreen(err error) fyne.CanvasObject {
	msg := paragraph(fmt.Sprintf("The key vault in %s cannot be opened:\n%v", u.opts.DataDir, err))
	msg.Importance = widget.DangerImportance
	return container.NewPadded(container.NewVBox(msg))
}

// mainScreen is the unlocked app: the tabs.
func (u *UI) mainScreen() fyne.CanvasObject {
	u.accounts = newAccountsView(u)
	u.apps = newAppsView(u)
	u.activity = newActivityView(u)
	u.prefsView = newSettingsView(u)
	u.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Accounts", theme.AccountIcon(), u.accounts.content),
		container.NewTabItemWithIcon("Apps", theme.GridIcon(), u.apps.content),
		container.NewTabItemWithIcon("Activity", theme.HistoryIcon(), u.activity.content),
		container.NewTabItemWithIcon("Settings", theme.SettingsIcon(), u.prefsView.content),
	)
	u.tabs.OnSelected = func(*container.TabItem) {
		u.touch()
		u.refreshViews()
		u.updateWantTick()
	}
	if u.settingsErr != nil {
		err := u.settingsErr
		u.settingsErr = nil
		u.prefsView.setStatus("The settings file could not be read, so the defaults are in use: "+err.Error(), true)
	}
	return u.tabs
}

// setupShortcuts binds Ctrl+1 … Ctrl+4 (Cmd on macOS) to the tabs and
// Ctrl+L to Lock.
func (u *UI) setupShortcuts() {
	for i, k := range []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4} {
		u.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
			if u.screen == screenMain && u.tabs != nil {
				u.tabs.SelectIndex(i)
			}
		})
	}
	u.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		if u.screen == screenMain {
			u.Lock()
		}
	})
}

// refreshViews reloads what the visible tab shows.
func (u *UI) refreshViews() {
	if u.screen != screenMain || u.tabs == nil {
		return
	}
	switch u.tabs.SelectedIndex() {
	case 0:
		u.accounts.refresh()
	case 1:
		u.apps.refresh()
	case 2:
		u.activity.refresh()
	case 3:
		u.prefsView.refresh()
	}
}

// Lock locks the vault and shows the unlock screen. Windows waiting for a
// decision stay open; deciding them needs the vault unlocked again.
func (u *UI) Lock() {
	u.vault.Lock()
	u.tabs = nil
	u.refresh()
}

// touch records user activity for the auto-lock.
func (u *UI) touch() {
	u.lastActive = u.h.now()
	u.armAutoLock()
}

// armAutoLock sets when the idle vault locks, for the ticker.
func (u *UI) armAutoLock() {
	if m := u.settings.AutoLockMinutes; m > 0 {
		u.lockAt.Store(u.lastActive.Add(time.Duration(m) * time.Minute).UnixNano())
	} else {
		u.lockAt.Store(0)
	}
}

// due reports, off the Fyne goroutine, whether tick has work: a countdown
// or live status on screen, a lock or unlock made elsewhere, or the
// auto-lock time reached.
func (u *UI) due() bool {
	if u.wantTick.Load() || u.vault.Locked() != u.lockedShown.Load() {
		return true
	}
	at := u.lockAt.Load()
	return at != 0 && u.h.now().UnixNano() >= at
}

// updateWantTick records whether something on screen needs the tick.
func (u *UI) updateWantTick() {
	want := len(u.approvals)+len(u.confirms) > 0 ||
		(u.unlock != nil && !u.unlock.retryAt.IsZero()) ||
		(u.screen == screenMain && u.tabs != nil && u.tabs.SelectedIndex() == 3)
	u.wantTick.Store(want)
}

// tick runs every second: it locks after the idle time, follows locks and
// unlocks made elsewhere (the command line, the vault's own timer), and
// updates countdowns in open windows.
func (u *UI) tick() {
	now := u.h.now()
	if u.screen == screenMain {
		// A prompt on screen is use: locking under it would make the
		// user's answer fail to sign.
		if len(u.approvals)+len(u.confirms) > 0 {
			u.lastActive = now
		}
		if m := u.settings.AutoLockMinutes; m > 0 && now.Sub(u.lastActive) >= time.Duration(m)*time.Minute {
			u.Lock()
			u.Notify("Localsigner locked", fmt.Sprintf("Locked after %d minutes without use.", m))
		} else if u.vault.Locked() {
			u.tabs = nil
			u.refresh()
		}
	} else if u.screen == screenUnlock {
		if !u.vault.Locked() { // unlocked from the command line
			u.touch()
			u.unlock = nil
			u.refresh()
			u.h.async(releaseKDFMemory)
		} else if u.unlock != nil {
			u.unlock.update()
		}
	}
	if u.screen == screenMain && u.tabs != nil && u.tabs.SelectedIndex() == 3 && !u.hidden {
		u.prefsView.refresh()
	}
	for _, aw := range u.approvals {
		aw.update()
	}
	for _, cw := range u.confirms {
		cw.update()
	}
	if u.screen != screenMain && u.screen != screenUnlock {
		u.lockedShown.Store(u.vault.Locked()) // the first run unlocks as it creates
	}
	u.updateWantTick()
}

// enteredForeground is the app getting the input focus back: every window
// waiting for a decision starts its one-second guard again, so a click
// meant for another window cannot land on Approve.
func (u *UI) enteredForeground() {
	u.background = false
	u.touch()
	now := u.h.now()
	for _, aw := range u.approvals {
		aw.guard.arm(now)
		aw.update()
	}
	for _, cw := range u.confirms {
		cw.guard.arm(now)
		cw.update()
	}
}

// exitedForeground is the app losing the input focus: Approve buttons are
// disabled until it comes back.
func (u *UI) exitedForeground() {
	u.background = true
	for _, aw := range u.approvals {
		aw.guard.pause()
		aw.update()
	}
	for _, cw := range u.confirms {
		cw.guard.pause()
		cw.update()
	}
}

// everyTicker is hooks.every for the real app.
func everyTicker(d time.Duration, due func() bool, f func()) func() {
	t := time.NewTicker(d)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.C:
				if due() {
					fyne.Do(f)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		t.Stop()
		close(done)
	}
}
