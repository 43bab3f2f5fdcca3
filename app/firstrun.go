package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/assets"
	"localsigner/internal/passphrase"
	"localsigner/signer"
)

// Network choices of the first run, as shown.
var networkChoices = []struct{ name, label string }{
	{NetworkHive, "Hive"},
	{NetworkPeerplays, "Peerplays"},
	{NetworkDevnet, "Devnet: a local test chain (nothing of value; for developers)"},
}

// firstRun walks a new user through the set-up: the network (unless the
// command line fixed it), the vault passphrase, and the first keys.
type firstRun struct {
	u       *UI
	network string
	box     *fyne.Container

	// passphrase step
	pass, confirm *widget.Entry
	meter         *strengthMeter
	strength      *widget.Label
	match         *widget.Label
	create        *widget.Button
	spinner       *widget.Activity
	busy          bool

	keys *importForm
}

func (u *UI) firstRunScreen() fyne.CanvasObject {
	f := &firstRun{u: u, network: u.network(), box: container.NewStack()}
	u.first = f
	if f.network == "" {
		f.showNetwork()
	} else {
		f.showPassphrase()
	}
	return container.NewPadded(f.box)
}

func (f *firstRun) step(title, text string, body fyne.CanvasObject, buttons ...fyne.CanvasObject) {
	icon := canvas.NewImageFromResource(assets.Mark)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(56))
	head := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameHeadingText
	intro := paragraph(text)
	top := container.NewBorder(nil, nil, icon, nil, container.NewVBox(head, intro))
	bottom := container.NewHBox(append([]fyne.CanvasObject{layout.NewSpacer()}, buttons...)...)
	f.u.win.Canvas().Unfocus()
	f.box.Objects = []fyne.CanvasObject{container.NewBorder(top, bottom, nil, nil, container.NewVScroll(body))}
	f.box.Refresh()
}

func (f *firstRun) showNetwork() {
	labels := make([]string, len(networkChoices))
	for i, c := range networkChoices {
		labels[i] = c.label
	}
	next := widget.NewButtonWithIcon("Next", theme.NavigateNextIcon(), nil)
	next.Importance = widget.HighImportance
	next.Disable()
	radio := widget.NewRadioGroup(labels, func(s string) {
		for _, c := range networkChoices {
			if c.label == s {
				f.network = c.name
			}
		}
		if s == "" {
			f.network = ""
			next.Disable()
		} else {
			next.Enable()
		}
	})
	next.OnTapped = func() {
		if f.network != "" {
			f.showPassphrase()
		}
	}
	f.step("Welcome to Localsigner",
		"Localsigner keeps your keys on this computer and lets websites (dapps) act for you only as far as you allow, in windows like this one that a website cannot fake.\n\nFirst, which network are your accounts on?",
		radio, next)
}

func (f *firstRun) showPassphrase() {
	f.pass = widget.NewPasswordEntry()
	f.pass.SetPlaceHolder("New passphrase")
	f.confirm = widget.NewPasswordEntry()
	f.confirm.SetPlaceHolder("The same passphrase again")
	f.meter = newStrengthMeter()
	f.strength = paragraph("")
	f.match = widget.NewLabel("")
	f.create = widget.NewButtonWithIcon("Create the vault", theme.ConfirmIcon(), f.createVault)
	f.create.Importance = widget.HighImportance
	f.spinner = widget.NewActivity()
	f.spinner.Hide()
	f.pass.OnChanged = func(string) { f.check() }
	f.confirm.OnChanged = func(string) { f.check() }
	f.confirm.OnSubmitted = func(string) { f.createVault() }
	f.check()

	form := widget.NewForm(
		widget.NewFormItem("Passphrase", f.pass),
		widget.NewFormItem("Strength", container.NewVBox(f.meter.content, f.strength)),
		widget.NewFormItem("Confirm", container.NewVBox(f.confirm, f.match)),
	)
	f.step("Choose the vault passphrase",
		"It encrypts your keys on this computer, and you type it to unlock Localsigner. Nobody can recover it: if you forget it, you create a new vault and import your keys again. Several random words are strong and easy to remember.",
		form, f.spinner, f.create)
	f.u.focus(f.pass)
}

// check updates the meter and whether the vault can be created.
func (f *firstRun) check() {
	s := passphrase.Estimate(f.pass.Text)
	f.meter.set(s.Score, f.pass.Text != "")
	text := "Strength: " + s.Label
	if s.Hint != "" {
		text += ". " + s.Hint
	}
	if f.pass.Text == "" {
		text = "At least “fair” is needed."
	}
	f.strength.SetText(text)
	switch {
	case f.pass.Text == "":
		f.strength.Importance = widget.MediumImportance
	case s.Score < passphrase.MinScore:
		f.strength.Importance = widget.DangerImportance
	case s.Score == passphrase.MinScore:
		f.strength.Importance = widget.WarningImportance
	default:
		f.strength.Importance = widget.SuccessImportance
	}
	f.strength.Refresh()
	switch {
	case f.confirm.Text == "":
		f.match.SetText("")
	case f.confirm.Text != f.pass.Text:
		f.match.SetText("The two passphrases differ.")
		f.match.Importance = widget.DangerImportance
	default:
		f.match.SetText("The passphrases match.")
		f.match.Importance = widget.SuccessImportance
	}
	f.match.Refresh()
	if !f.busy && s.Score >= passphrase.MinScore && f.confirm.Text == f.pass.Text {
		f.create.Enable()
	} else {
		f.create.Disable()
	}
}

func (f *firstRun) createVault() {
	if f.busy || f.create.Disabled() {
		return
	}
	p := []byte(f.pass.Text)
	f.pass.SetText("")
	f.confirm.SetText("")
	f.busy = true
	f.create.Disable()
	f.spinner.Show()
	f.spinner.Start()
	f.u.withPassphrase(p, f.u.vault.Init, f.created)
}

func (f *firstRun) created(err error) {
	f.busy = false
	f.spinner.Stop()
	f.spinner.Hide()
	if err != nil {
		f.strength.SetText("The vault could not be created: " + err.Error())
		f.strength.Importance = widget.DangerImportance
		f.strength.Refresh()
		return
	}
	u := f.u
	u.touch()
	if u.opts.Network == "" && u.settings.Network != f.network {
		u.settings.Network = f.network
		if err := SaveSettings(u.opts.DataDir, u.settings); err != nil {
			u.Notify("Settings not saved", err.Error())
		}
	}
	u.refresh() // the header names the network now
	if u.opts.OnNetworkChosen != nil {
		u.opts.OnNetworkChosen(f.network)
	}
	f.showKeys()
}

func (f *firstRun) showKeys() {
	done := widget.NewButtonWithIcon("Done", theme.ConfirmIcon(), f.finish)
	done.Importance = widget.HighImportance
	skip := widget.NewButton("Later", f.finish)
	f.keys = newImportForm(f.u, f.network, func([]signer.KeyInfo) {
		skip.Hide()
	})
	f.step("Add your keys",
		"Add the keys of the accounts dapps may use. They are encrypted with your passphrase and never leave this computer. You can add more later in the Accounts tab.",
		f.keys.content, skip, done)
}

func (f *firstRun) finish() {
	f.u.first = nil
	f.u.screen = screenNone
	f.u.refresh()
}

// strengthMeter is four bars that fill and change colour with the score:
// red for weak, orange for fair, green for good and strong.
type strengthMeter struct {
	content *fyne.Container
	bars    []*canvas.Rectangle
}

func newStrengthMeter() *strengthMeter {
	m := &strengthMeter{content: container.NewGridWithColumns(4)}
	for range 4 {
		r := canvas.NewRectangle(theme.Color(theme.ColorNameInputBorder))
		r.SetMinSize(fyne.NewSize(40, 8))
		r.CornerRadius = 3
		m.bars = append(m.bars, r)
		m.content.Add(r)
	}
	return m
}

// set shows score (0–4); with typed false the bars are all empty.
func (m *strengthMeter) set(score int, typed bool) {
	filled := score
	if typed && filled == 0 {
		filled = 1 // something typed shows one red bar
	}
	if !typed {
		filled = 0
	}
	c := theme.Color(theme.ColorNameError)
	switch {
	case score >= 3:
		c = theme.Color(theme.ColorNameSuccess)
	case score == passphrase.MinScore:
		c = theme.Color(theme.ColorNameWarning)
	}
	for i, r := range m.bars {
		if i < filled {
			r.FillColor = c
		} else {
			r.FillColor = theme.Color(theme.ColorNameInputBorder)
		}
		r.Refresh()
	}
}
