package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/signer"
)

// Import modes of importForm.
const (
	modeMaster = "Account and master password"
	modeWIF    = "Private keys (WIF), one per role"
)

// roles are the key roles in the order they are asked for and listed.
var roles = []string{"posting", "active", "memo", "owner"}

// roleHelp says what each role's key can do, for the import form.
var roleHelp = map[string]string{
	"posting": "votes, posts, follows",
	"active":  "transfers and wallet actions",
	"memo":    "reading private memos",
	"owner":   "full control; not needed by dapps",
}

// importForm adds keys to the vault for one chain: an account's master
// password (all four roles) or private keys per role. The first run and the
// Accounts tab both use it.
type importForm struct {
	u       *UI
	chain   string
	content fyne.CanvasObject
	mode    *widget.RadioGroup
	account *widget.Entry
	master  *widget.Entry
	wifs    map[string]*widget.Entry
	addBtn  *widget.Button
	demoBtn *widget.Button
	status  *widget.Label
	// onAdded is told about every successful import.
	onAdded func([]signer.KeyInfo)
}

func newImportForm(u *UI, chain string, onAdded func([]signer.KeyInfo)) *importForm {
	f := &importForm{u: u, chain: chain, onAdded: onAdded, wifs: make(map[string]*widget.Entry)}
	f.account = widget.NewEntry()
	f.account.SetPlaceHolder("account name, e.g. alice")
	f.master = widget.NewPasswordEntry()
	f.master.SetPlaceHolder("master password")
	instead := "the posting and active keys"
	if u.peerplays(chain) {
		instead = "the active and memo keys"
	}
	masterNote := paragraph("The master password gives all four keys, including the owner key that controls the account. Dapps never get the owner key; to keep it off this computer, import " + instead + " instead.")
	masterNote.SizeName = theme.SizeNameCaptionText
	masterBox := container.NewVBox(widget.NewForm(widget.NewFormItem("Master password", f.master)), masterNote)

	wifForm := widget.NewForm()
	for _, r := range roles {
		if r == "posting" && u.peerplays(chain) {
			continue // Peerplays accounts have no posting authority
		}
		e := widget.NewPasswordEntry()
		e.SetPlaceHolder("5… (" + roleHelp[r] + ")")
		f.wifs[r] = e
		wifForm.Append(strings.ToUpper(r[:1])+r[1:]+" key", e)
	}
	wifNote := widget.NewLabel("Leave empty the roles you do not want to store.")
	wifNote.SizeName = theme.SizeNameCaptionText
	wifBox := container.NewVBox(wifForm, wifNote)
	wifBox.Hide()

	f.mode = widget.NewRadioGroup([]string{modeMaster, modeWIF}, func(m string) {
		masterBox.Hidden = m != modeMaster
		wifBox.Hidden = m != modeWIF
		masterBox.Refresh()
		wifBox.Refresh()
	})
	f.mode.Horizontal = true
	f.mode.Required = true
	f.mode.SetSelected(modeMaster)

	f.status = paragraph("")
	f.addBtn = widget.NewButtonWithIcon("Add keys", theme.ContentAddIcon(), f.submit)
	f.addBtn.Importance = widget.HighImportance

	box := container.NewVBox(
		widget.NewForm(widget.NewFormItem("Account on "+u.networkLabel(chain), f.account)),
		f.mode, masterBox, wifBox,
		container.NewBorder(nil, nil, nil, f.addBtn, f.status),
	)
	if demo := f.demoCard(); demo != nil {
		box = container.NewVBox(demo, widget.NewSeparator(), box)
	}
	f.content = box
	return f
}

// demoCard offers the devnet's demo accounts as a one-click import.
func (f *importForm) demoCard() fyne.CanvasObject {
	names := f.u.opts.DemoAccounts
	if f.chain != NetworkDevnet || len(names) == 0 || f.u.opts.DemoPassword == "" {
		return nil
	}
	ats := make([]string, len(names))
	for i, n := range names {
		ats[i] = at(n)
	}
	text := widget.NewLabel(fmt.Sprintf("The local devnet has the demo accounts %s, with coins to play with. Their keys come from the public password “%s”, so use them for testing only.",
		strings.Join(ats, ", "), f.u.opts.DemoPassword))
	text.Wrapping = fyne.TextWrapWord
	f.demoBtn = widget.NewButtonWithIcon("Import the demo accounts", theme.DownloadIcon(), f.importDemo)
	f.demoBtn.Importance = widget.HighImportance
	return widget.NewCard("Devnet demo accounts", "", container.NewVBox(text, f.demoBtn))
}

func (f *importForm) importDemo() {
	var added []signer.KeyInfo
	for _, name := range f.u.opts.DemoAccounts {
		ks, err := f.u.vault.AddMasterPassword(f.chain, name, f.u.opts.DemoPassword)
		if err != nil {
			f.fail(fmt.Errorf("%s: %w", at(name), err))
			return
		}
		added = append(added, ks...)
	}
	f.demoBtn.Disable()
	f.succeed(added)
}

func (f *importForm) submit() {
	account := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(f.account.Text), "@")))
	if account == "" {
		f.fail(fmt.Errorf("enter the account name"))
		return
	}
	var added []signer.KeyInfo
	switch f.mode.Selected {
	case modeMaster:
		if f.master.Text == "" {
			f.fail(fmt.Errorf("enter the master password"))
			return
		}
		ks, err := f.u.vault.AddMasterPassword(f.chain, account, f.master.Text)
		if err != nil {
			f.fail(err)
			return
		}
		added = ks
	default:
		for _, r := range roles {
			e := f.wifs[r]
			if e == nil || strings.TrimSpace(e.Text) == "" {
				continue
			}
			k, err := f.u.vault.AddWIF(f.chain, account, r, strings.TrimSpace(e.Text))
			if err != nil {
				f.fail(fmt.Errorf("%s key: %w", r, err))
				if len(added) > 0 {
					f.onAdded(added)
				}
				return
			}
			added = append(added, k)
		}
		if len(added) == 0 {
			f.fail(fmt.Errorf("paste at least one private key"))
			return
		}
	}
	f.account.SetText("")
	f.master.SetText("")
	for _, e := range f.wifs {
		e.SetText("")
	}
	f.succeed(added)
}

func (f *importForm) succeed(added []signer.KeyInfo) {
	byAccount := map[string][]string{}
	var order []string
	for _, k := range added {
		if _, ok := byAccount[k.Account]; !ok {
			order = append(order, k.Account)
		}
		byAccount[k.Account] = append(byAccount[k.Account], k.Role)
	}
	var parts []string
	for _, a := range order {
		parts = append(parts, at(a)+" ("+strings.Join(byAccount[a], ", ")+")")
	}
	f.status.SetText("Added the keys of " + strings.Join(parts, "; ") + ". Not yet compared with the chain.")
	f.status.Importance = widget.SuccessImportance
	f.status.Refresh()
	f.u.touch()
	if f.onAdded != nil {
		f.onAdded(added)
	}
}

func (f *importForm) fail(err error) {
	f.status.SetText("Not added: " + err.Error())
	f.status.Importance = widget.DangerImportance
	f.status.Refresh()
}
