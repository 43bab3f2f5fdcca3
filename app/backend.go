package app

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/signer"
)

// BackendMover is what the Settings tab needs to let the user change where
// the vault keeps the keys after the first run. *signer.Vault satisfies it,
// and so does a wrapper that embeds one (main.go's); Settings asserts it on
// the Vault it was given and, for a vault without it, shows the backend
// read-only. It is kept apart from Vault so that fakes need not implement
// it.
type BackendMover interface {
	// MoveToBackend moves every key to backend ("file" or "keychain"),
	// checking passphrase first; see signer.Vault.MoveToBackend for the
	// crash safety and the errors. progress is called off the Fyne
	// goroutine. It may take seconds, so the app runs it off the Fyne
	// goroutine.
	MoveToBackend(backend string, passphrase []byte, progress func(done, total int)) error
}

var _ BackendMover = (*signer.Vault)(nil)

// backendChoices are the backends the user can pick, in the order shown.
var backendChoices = []struct{ name, label string }{
	{signer.VaultBackendFile, "Encrypted files in the data folder"},
	{signer.VaultBackendKeychain, "The system keychain"},
}

func backendLabel(name string) string {
	for _, c := range backendChoices {
		if c.name == name {
			return c.label
		}
	}
	return name
}

// backendChooser is the "Key storage" row of Settings: a choice between
// the backends that, when changed, asks for the passphrase in a dialog,
// shows the move's progress there and reports the result in the tab's
// status line.
type backendChooser struct {
	u       *UI
	sv      *settingsView
	mover   BackendMover
	content fyne.CanvasObject
	sel     *widget.Select

	// The dialog of the move in progress, nil when none is shown.
	dlg    *dialog.CustomDialog
	body   *fyne.Container
	target string
	pass   *widget.Entry
	msg    *widget.Label
	bar    *widget.ProgressBar
	move   *widget.Button
	cancel *widget.Button
	busy   bool
}

// newKeyStorage returns the Settings row that shows, and if the vault can
// move, changes where the keys are kept.
func newKeyStorage(sv *settingsView) (fyne.CanvasObject, *backendChooser) {
	u := sv.u
	mover, ok := u.vault.(BackendMover)
	if !ok {
		return widget.NewLabel("Keys are kept in " + backendText(u.vault.Backend()) + ", encrypted with your passphrase."), nil
	}
	b := &backendChooser{u: u, sv: sv, mover: mover}
	var labels []string
	for _, c := range backendChoices {
		labels = append(labels, c.label)
	}
	b.sel = widget.NewSelect(labels, nil)
	b.sel.SetSelected(backendLabel(u.vault.Backend()))
	b.sel.OnChanged = b.changed
	b.content = container.NewVBox(b.sel,
		small("Either way the keys are encrypted with your passphrase. Changing this moves them, and asks for the passphrase."))
	return b.content, b
}

// backendText says where a backend keeps the keys, inside a sentence.
func backendText(name string) string {
	if name == signer.VaultBackendKeychain {
		return "the system keychain"
	}
	return "encrypted files in the data folder"
}

// changed runs when the user picks a backend.
func (b *backendChooser) changed(label string) {
	for _, c := range backendChoices {
		if c.label == label && c.name != b.u.vault.Backend() && b.dlg == nil {
			b.u.touch()
			b.ask(c.name)
		}
	}
}

// showCurrent selects the backend the vault uses, without reacting to it.
func (b *backendChooser) showCurrent() {
	b.sel.OnChanged = nil
	b.sel.SetSelected(backendLabel(b.u.vault.Backend()))
	b.sel.OnChanged = b.changed
}

// ask opens the dialog that moves the keys to backend to.
func (b *backendChooser) ask(to string) {
	b.target = to
	b.pass = widget.NewPasswordEntry()
	b.pass.SetPlaceHolder("Vault passphrase")
	b.pass.OnSubmitted = func(string) { b.submit() }
	b.msg = paragraph("")
	b.msg.Hide()
	b.bar = widget.NewProgressBar()
	b.bar.Hide()
	b.move = widget.NewButtonWithIcon("Move keys", theme.ConfirmIcon(), b.submit)
	b.move.Importance = widget.HighImportance
	b.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), b.close)
	intro := widget.NewLabel(fmt.Sprintf("Your keys will be moved from %s to %s. Each is copied and checked "+
		"before the old copy is deleted, so an interruption loses nothing.", backendText(b.u.vault.Backend()), backendText(to)))
	intro.Wrapping = fyne.TextWrapWord
	b.body = container.NewVBox(intro, b.pass, b.bar, b.msg)
	b.dlg = dialog.NewCustomWithoutButtons("Move your keys", container.NewGridWrap(fyne.NewSize(440, 220), b.body), b.u.win)
	b.dlg.SetButtons([]fyne.CanvasObject{b.cancel, b.move})
	b.dlg.Show()
	b.u.win.Canvas().Focus(b.pass)
}

// close drops the dialog and shows the backend in use.
func (b *backendChooser) close() {
	if b.busy {
		return
	}
	if b.dlg != nil {
		b.dlg.Hide()
		b.dlg = nil
	}
	b.showCurrent()
}

// submit starts the move with the passphrase typed.
func (b *backendChooser) submit() {
	if b.busy || b.pass.Text == "" {
		return
	}
	p := []byte(b.pass.Text)
	b.pass.SetText("") // a Go string cannot be wiped; drop the entry's copy at least
	b.busy = true
	b.pass.Disable()
	b.move.Disable()
	b.cancel.Disable()
	b.msg.Hide()
	b.bar.SetValue(0)
	b.bar.Show()
	b.body.Refresh()
	to := b.target
	b.u.h.async(func() {
		err := b.mover.MoveToBackend(to, p, func(done, total int) {
			fyne.Do(func() { b.bar.SetValue(float64(done) / float64(total)) })
		})
		clear(p)
		fyne.Do(func() { b.done(to, err) })
	})
}

// done shows how the move ended: a wrong passphrase keeps the dialog open
// for another try; anything else closes it and says so in the status line.
func (b *backendChooser) done(to string, err error) {
	b.busy = false
	b.u.touch()
	var bo *signer.BackoffError
	switch {
	case errors.Is(err, signer.ErrWrongPassphrase), errors.As(err, &bo):
		text := "Wrong passphrase. Nothing was moved."
		if bo != nil {
			text = fmt.Sprintf("Too many wrong passphrases: try again in %s. Nothing was moved.", waitText(bo.Wait))
		}
		b.msg.SetText(text)
		b.msg.Importance = widget.DangerImportance
		b.msg.Show()
		b.bar.Hide()
		b.body.Refresh()
		b.pass.Enable()
		b.move.Enable()
		b.cancel.Enable()
		b.u.win.Canvas().Focus(b.pass)
		return
	}
	b.close()
	switch {
	case err == nil:
		b.sv.setStatus("Your keys are now kept in "+backendText(to)+".", false)
	case errors.Is(err, signer.ErrOldCopyRemains):
		b.sv.setStatus("Your keys are now kept in "+backendText(to)+", but their old copy could not be deleted yet; "+
			"Localsigner deletes it at its next start. ("+err.Error()+")", true)
	case errors.Is(err, signer.ErrKeychainUnavailable):
		b.sv.setStatus("The system keychain cannot be used, so your keys stay in "+backendText(b.u.vault.Backend())+
			". Is a keyring service (such as GNOME Keyring or KWallet) running and unlocked? ("+err.Error()+")", true)
	default:
		b.sv.setStatus("Your keys were not moved; they stay in "+backendText(b.u.vault.Backend())+": "+err.Error(), true)
	}
}
