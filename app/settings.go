package app

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/hiveauth"
	"localsigner/signer/node"
)

// autoLockChoices are the auto-lock options, in minutes (0: never).
var autoLockChoices = []int{0, 1, 5, 10, 15, 30, 60, 120}

func autoLockText(m int) string {
	switch m {
	case 0:
		return "Never"
	case 1:
		return "After 1 minute"
	}
	return fmt.Sprintf("After %d minutes", m)
}

var themeChoices = []struct{ name, label string }{{ThemeSystem, "System"}, {ThemeLight, "Light"}, {ThemeDark, "Dark"}}

// settingsView is the Settings tab. Each change is saved at once; what the
// running services were built from (network, nodes, address) applies at the
// next start, and the tab says so.
type settingsView struct {
	u        *UI
	content  fyne.CanvasObject
	status   *widget.Label
	network  *widget.Select
	nodes    *widget.Entry
	health   *fyne.Container
	listen   *widget.Entry
	autoLock *widget.Select
	theme    *widget.RadioGroup
	storage  *backendChooser // nil if the vault cannot move between backends

	hiveAuthBox   *fyne.Container
	hiveAuthState *widget.Label
	hiveAuthLink  *widget.Entry // set once the PKSA runs
	hiveAuthOpen  *widget.Button
}

func newSettingsView(u *UI) *settingsView {
	v := &settingsView{u: u, health: container.NewVBox()}
	v.status = paragraph("")

	var netLabels []string
	for _, c := range networkChoices {
		netLabels = append(netLabels, networkText(c.name))
	}
	v.network = widget.NewSelect(netLabels, nil)
	v.network.SetSelected(networkText(u.network()))
	v.network.OnChanged = func(s string) {
		for _, c := range networkChoices {
			if networkText(c.name) == s && c.name != u.settings.Network {
				v.save(func(st *Settings) { st.Network = c.name }, "The network changes at the next start of Localsigner.")
			}
		}
	}
	netNote := ""
	if u.opts.Network != "" {
		v.network.Disable()
		netNote = "Set by the command line (--devnet)."
	}

	v.nodes = widget.NewMultiLineEntry()
	v.nodes.SetMinRowsVisible(3)
	v.nodes.SetText(strings.Join(u.settings.NodesFor(u.network()), "\n"))
	saveNodes := widget.NewButton("Save nodes", func() {
		var urls []string
		for _, l := range strings.Split(v.nodes.Text, "\n") {
			if l = strings.TrimSpace(l); l == "" {
				continue
			}
			if _, err := node.CheckURL(l); err != nil {
				v.setStatus(clean(err.Error(), 300), true)
				return
			}
			urls = append(urls, l)
		}
		network := u.network()
		v.save(func(st *Settings) {
			if st.Nodes == nil {
				st.Nodes = map[string][]string{}
			}
			st.Nodes[network] = urls
		}, "The node list applies at the next start.")
	})
	if len(u.opts.Nodes) > 0 {
		// The embedded devnet's address, which may be a fallback port:
		// shown as it is, not editable, and never saved over the list.
		v.nodes.SetText(strings.Join(u.opts.Nodes, "\n"))
		v.nodes.Disable()
		saveNodes.Disable()
	}

	v.listen = widget.NewEntry()
	v.listen.SetText(u.listenAddr())
	saveListen := widget.NewButton("Save", func() {
		addr := strings.TrimSpace(v.listen.Text)
		if err := CheckListen(addr); err != nil {
			v.setStatus(err.Error(), true)
			return
		}
		v.save(func(st *Settings) { st.Listen = addr }, "Dapps must use the new address after the next start.")
	})
	issuer := "not running"
	if u.svc.Issuer != "" {
		issuer = u.svc.Issuer
	}

	var lockLabels []string
	for _, m := range autoLockChoices {
		lockLabels = append(lockLabels, autoLockText(m))
	}
	v.autoLock = widget.NewSelect(lockLabels, nil)
	v.autoLock.SetSelected(autoLockText(u.settings.AutoLockMinutes))
	v.autoLock.OnChanged = func(s string) {
		for _, m := range autoLockChoices {
			if autoLockText(m) == s && m != u.settings.AutoLockMinutes {
				u.touch()
				v.save(func(st *Settings) { st.AutoLockMinutes = m }, "Saved.")
			}
		}
	}

	var themeLabels []string
	for _, c := range themeChoices {
		themeLabels = append(themeLabels, c.label)
	}
	v.theme = widget.NewRadioGroup(themeLabels, nil)
	v.theme.Horizontal = true
	for _, c := range themeChoices {
		if c.name == u.settings.Theme {
			v.theme.SetSelected(c.label)
		}
	}
	v.theme.OnChanged = func(s string) {
		for _, c := range themeChoices {
			if c.label == s && c.name != u.settings.Theme {
				v.save(func(st *Settings) { st.Theme = c.name }, "Saved.")
				if c.name == ThemeSystem {
					u.app.Settings().SetTheme(theme.DefaultTheme())
				} else {
					applyTheme(u.app, c.name)
				}
			}
		}
	}

	hiveAuth := v.hiveAuthRow()
	storage, chooser := newKeyStorage(v)
	v.storage = chooser
	dataDir := widget.NewLabel(u.opts.DataDir)
	dataDir.Selectable = true
	quit := widget.NewButtonWithIcon("Quit Localsigner", theme.LogoutIcon(), u.Quit)

	form := widget.NewForm(
		widget.NewFormItem("Network", container.NewVBox(v.network, small(netNote))),
		widget.NewFormItem("Nodes", container.NewVBox(v.nodes, container.NewBorder(nil, nil, nil, saveNodes, v.health))),
		widget.NewFormItem("Dapp server", container.NewVBox(container.NewBorder(nil, nil, nil, saveListen, v.listen), small("Running at "+issuer))),
		widget.NewFormItem("Auto-lock", v.autoLock),
		widget.NewFormItem("HiveAuth", hiveAuth),
		widget.NewFormItem("Key storage", storage),
		widget.NewFormItem("Theme", v.theme),
		widget.NewFormItem("Data folder", dataDir),
	)
	v.content = container.NewBorder(v.status, container.NewHBox(quit), nil, nil, container.NewVScroll(form))
	return v
}

func small(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.SizeName = theme.SizeNameCaptionText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// listenAddr is the dapp server address in force.
func (u *UI) listenAddr() string {
	switch {
	case u.opts.Listen != "":
		return u.opts.Listen
	case u.settings.Listen != "":
		return u.settings.Listen
	}
	return "127.0.0.1:7777"
}

// save changes the settings with change and writes them.
func (v *settingsView) save(change func(*Settings), ok string) {
	next := v.u.settings
	if next.Nodes != nil {
		next.Nodes = make(map[string][]string, len(v.u.settings.Nodes))
		for k, list := range v.u.settings.Nodes {
			next.Nodes[k] = append([]string(nil), list...)
		}
	}
	change(&next)
	if err := SaveSettings(v.u.opts.DataDir, next); err != nil {
		v.setStatus("Not saved: "+err.Error(), true)
		return
	}
	v.u.settings = next
	v.u.armAutoLock()
	v.setStatus(ok, false)
}

func (v *settingsView) setStatus(text string, bad bool) { showStatus(v.status, text, bad) }

// refresh shows the nodes' health now; the tick calls it while the tab is
// visible.
func (v *settingsView) refresh() {
	v.refreshHiveAuth()
	v.health.RemoveAll()
	if v.u.svc.Nodes == nil {
		v.health.Add(small("No node client is running."))
		return
	}
	st := v.u.svc.Nodes.Status()
	for _, n := range st.Nodes {
		v.health.Add(nodeRow(n, v.u.h.now()))
	}
}

func nodeRow(n node.NodeStatus, now time.Time) fyne.CanvasObject {
	text := n.State.String()
	imp := widget.MediumImportance
	switch n.State {
	case node.Live, node.Healthy:
		imp = widget.SuccessImportance
		text += fmt.Sprintf(", %d ms", n.Latency.Milliseconds())
		if n.HeadBlock > 0 {
			text += fmt.Sprintf(", block %d", n.HeadBlock)
		}
	case node.Down:
		imp = widget.DangerImportance
		if n.LastError != "" {
			text += ": " + clean(n.LastError, 80)
		}
		if left := n.RetryAt.Sub(now); left > 0 {
			text += ", retry in " + waitText(left)
		}
	}
	state := widget.NewLabel(text)
	state.Importance = imp
	state.Truncation = fyne.TextTruncateEllipsis
	url := widget.NewLabel(clean(n.URL, 80))
	return container.NewGridWithColumns(2, url, state)
}

// forcedVariant is the default theme in one variant, light or dark,
// whatever the system prefers.
type forcedVariant struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

// Color implements fyne.Theme.
func (t forcedVariant) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

func applyTheme(a fyne.App, name string) {
	switch name {
	case ThemeLight:
		a.Settings().SetTheme(forcedVariant{theme.DefaultTheme(), theme.VariantLight})
	case ThemeDark:
		a.Settings().SetTheme(forcedVariant{theme.DefaultTheme(), theme.VariantDark})
	}
}

// hiveAuthRow is HiveAuth's part of Settings: on or off (off by default:
// it connects to a relay on the network), the relay, and, once the PKSA
// runs, the connection's state and where a has:// link copied from a
// dapp is pasted (refreshHiveAuth adds them: the services may come after
// the tab).
func (v *settingsView) hiveAuthRow() fyne.CanvasObject {
	u := v.u
	on := widget.NewCheck("Answer HiveAuth sign-ins and requests (connects to the relay below)", nil)
	on.SetChecked(u.settings.HiveAuth)
	relay := widget.NewEntry()
	relay.SetPlaceHolder(hiveauth.DefaultRelay)
	relay.SetText(u.settings.HiveAuthRelay)
	save := widget.NewButton("Save", nil)
	save.OnTapped = func() {
		r := strings.TrimSpace(relay.Text)
		if r != "" {
			if _, err := hiveauth.NormalizeRelay(r); err != nil {
				v.setStatus("HiveAuth relay: "+clean(err.Error(), 200), true)
				return
			}
		}
		v.save(func(st *Settings) { st.HiveAuth, st.HiveAuthRelay = on.Checked, r }, "HiveAuth changes at the next start of Localsigner.")
	}
	on.OnChanged = func(bool) { save.OnTapped() }
	v.hiveAuthState = small("Off.")
	v.hiveAuthBox = container.NewVBox(on, container.NewBorder(nil, nil, nil, save, relay), v.hiveAuthState)
	v.refreshHiveAuth()
	return v.hiveAuthBox
}

// refreshHiveAuth shows the PKSA's state, and the link field once it runs.
func (v *settingsView) refreshHiveAuth() {
	h := v.u.svc.HiveAuth
	if h == nil {
		return
	}
	st := h.Status()
	state := "Not connected to " + clean(st.Relay, 120) + " (retrying)."
	if st.Connected {
		state = fmt.Sprintf("Connected to %s; %d signed-in apps.", clean(st.Relay, 120), st.Sessions)
	}
	if v.hiveAuthState.Text != state {
		v.hiveAuthState.SetText(state)
	}
	if v.hiveAuthLink != nil {
		return
	}
	v.hiveAuthLink = widget.NewEntry()
	v.hiveAuthLink.SetPlaceHolder("has://auth_req/… (paste the link a dapp shows)")
	var open *widget.Button
	open = widget.NewButton("Open", func() {
		uri := strings.TrimSpace(v.hiveAuthLink.Text)
		open.Disable()
		v.setStatus("Waiting for the dapp's sign-in request from the relay…", false)
		v.u.h.async(func() {
			r, err := h.OpenLink(context.Background(), uri)
			fyne.Do(func() {
				open.Enable()
				switch {
				case err != nil:
					v.setStatus("HiveAuth: "+clean(err.Error(), 300), true)
				case r.Approved:
					v.hiveAuthLink.SetText("")
					v.setStatus(fmt.Sprintf("Signed in %s to HiveAuth app “%s” (its own name, not verified).", at(r.Account), clean(r.App, 64)), false)
				case r.Error == "denied":
					v.setStatus("You denied the sign-in.", false)
				default:
					v.setStatus("HiveAuth sign-in failed: "+clean(r.Error, 200), true)
				}
			})
		})
	})
	v.hiveAuthOpen = open
	v.hiveAuthBox.Add(container.NewBorder(nil, nil, nil, open, v.hiveAuthLink))
}
