package app

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/approval"
	"localsigner/assets"
	"localsigner/signer"
)

// unlockView is the unlock screen: the passphrase, and what went wrong with
// the last attempt (wrong passphrase, or the wait imposed after several).
type unlockView struct {
	u       *UI
	pass    *widget.Entry
	btn     *widget.Button
	msg     *widget.Label
	spinner *widget.Activity
	busy    bool
	retryAt time.Time // zero unless the vault asked to wait

	// waitList names the requests held until unlock; refuse ends them.
	waitList *widget.Label
	refuse   *widget.Button
	shown    map[string]bool // waiting ids the user was told about
}

func (u *UI) unlockScreen() fyne.CanvasObject {
	v := &unlockView{u: u}
	v.pass = widget.NewPasswordEntry()
	v.pass.SetPlaceHolder("Vault passphrase")
	v.pass.OnSubmitted = func(string) { v.submit() }
	v.btn = widget.NewButtonWithIcon("Unlock", theme.LoginIcon(), v.submit)
	v.btn.Importance = widget.HighImportance
	v.msg = paragraph("")
	v.msg.Alignment = fyne.TextAlignCenter
	v.spinner = widget.NewActivity()
	v.spinner.Hide()

	icon := canvas.NewImageFromResource(assets.Mark)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(96))
	head := widget.NewLabelWithStyle("Localsigner is locked", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameHeadingText
	sub := widget.NewLabelWithStyle("Enter the vault passphrase to let dapps ask for signatures again.", fyne.TextAlignCenter, fyne.TextStyle{})
	sub.Wrapping = fyne.TextWrapWord
	v.waitList = paragraph("")
	v.waitList.Importance = widget.WarningImportance
	v.waitList.Hide()
	v.refuse = widget.NewButton("Not now: refuse them", func() {
		if u.svc.Approvals != nil {
			n := u.svc.Approvals.RefuseWaiting()
			v.msg.SetText(fmt.Sprintf("Refused %d waiting request(s): the sites were told Localsigner is locked.", n))
		}
	})
	v.refuse.Hide()
	v.shown = map[string]bool{}
	form := container.NewVBox(v.pass, container.NewHBox(layout.NewSpacer(), v.spinner, v.btn), v.msg,
		v.waitList, container.NewHBox(layout.NewSpacer(), v.refuse))
	u.unlock = v
	if u.svc.Approvals != nil {
		v.showWaiting(u.svc.Approvals.Waiting())
	}
	// Typing goes to the passphrase without the field holding the focus
	// while nobody types: a focused field blinks its cursor, and the
	// window redraws for it, all day long on a locked, idle app.
	c := u.win.Canvas()
	c.SetOnTypedRune(func(r rune) {
		c.Focus(v.pass)
		v.pass.TypedRune(r)
	})
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter {
			v.submit()
		}
	})
	return container.NewBorder(nil, nil, nil, nil, container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 360),
		container.NewVBox(container.NewCenter(icon), head, sub, layout.NewSpacer(), form))))
}

// showWaiting tells the user which sites wait for the unlock, and raises
// the window (with a notification) when a new one arrives: a dapp's login
// must not hang unseen behind a locked or hidden window.
func (v *unlockView) showWaiting(ws []approval.Waiting) {
	if len(ws) == 0 {
		v.waitList.Hide()
		v.refuse.Hide()
		return
	}
	var lines []string
	fresh := false
	for _, w := range ws {
		who := clean(w.Origin, 120)
		if who == "" {
			who = "a program on this computer"
			if w.ClientID != "" {
				who += " (app id " + clean(w.ClientID, 64) + ")"
			}
		}
		lines = append(lines, "• "+who+": "+clean(w.What, 40))
		if !v.shown[w.ID] {
			v.shown[w.ID], fresh = true, true
		}
	}
	v.waitList.SetText("Waiting for you to unlock:\n" + strings.Join(lines, "\n"))
	v.waitList.Show()
	v.refuse.Show()
	if fresh {
		v.u.ShowWindow()
		v.u.Notify("Localsigner is locked", lines[len(lines)-1][len("• "):]+" waits for you to unlock")
	}
}

func (v *unlockView) submit() {
	if v.busy || v.pass.Text == "" || v.waiting() {
		return
	}
	p := []byte(v.pass.Text)
	v.pass.SetText("") // the entry's copy is a Go string and cannot be wiped; drop it at least
	v.busy = true
	v.btn.Disable()
	v.spinner.Show()
	v.spinner.Start()
	v.msg.SetText("Unlocking…")
	v.msg.Importance = widget.MediumImportance
	v.u.withPassphrase(p, v.u.vault.Unlock, v.done)
}

func (v *unlockView) done(err error) {
	v.busy = false
	v.spinner.Stop()
	v.spinner.Hide()
	v.btn.Enable()
	var be *signer.BackoffError
	switch {
	case err == nil:
		v.msg.SetText("")
		v.u.unlock = nil
		v.u.touch()
		v.u.refresh()
		return
	case errors.As(err, &be):
		v.retryAt = v.u.h.now().Add(be.Wait)
		v.update()
		v.u.updateWantTick()
		return
	case errors.Is(err, signer.ErrWrongPassphrase):
		v.msg.SetText("Wrong passphrase. Try again.")
	default:
		v.msg.SetText("Cannot unlock: " + err.Error())
	}
	v.msg.Importance = widget.DangerImportance
	v.msg.Refresh()
	v.u.win.Canvas().Unfocus() // typing goes to the field again; see unlockScreen
}

func (v *unlockView) waiting() bool {
	return !v.retryAt.IsZero() && v.u.h.now().Before(v.retryAt)
}

// update shows the time left before the next attempt; called every second.
func (v *unlockView) update() {
	if v.retryAt.IsZero() || v.busy {
		return
	}
	left := v.retryAt.Sub(v.u.h.now())
	if left <= 0 {
		v.retryAt = time.Time{}
		v.btn.Enable()
		v.msg.SetText("You can try again now.")
		v.msg.Importance = widget.MediumImportance
		v.msg.Refresh()
		return
	}
	v.btn.Disable()
	v.msg.SetText(fmt.Sprintf("Too many wrong passphrases. Try again in %s.", waitText(left)))
	v.msg.Importance = widget.DangerImportance
	v.msg.Refresh()
}

// waitText is a wait in whole seconds or minutes and seconds: "12 s", "2 min 5 s".
func waitText(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	if s < 60 {
		return fmt.Sprintf("%d s", s)
	}
	if s%60 == 0 {
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d min %d s", s/60, s%60)
}

// releaseKDFMemory returns the Argon2id work area (256 MiB with the real
// work factors, garbage once Unlock or Init returns) to the operating
// system at once instead of over minutes, so the app's idle memory is not
// several times what it needs. It costs one garbage collection. The main
// screen calls it too, a moment after it is built, for the garbage left
// by loading its fonts.
func releaseKDFMemory() { debug.FreeOSMemory() }

// withPassphrase runs op (an Argon2id derivation: about a second with the
// real work factors) off the UI goroutine, then wipes p, gives the KDF's
// memory back and hands op's error to done on the UI goroutine.
func (u *UI) withPassphrase(p []byte, op func([]byte) error, done func(error)) {
	u.h.async(func() {
		err := op(p)
		clear(p)
		releaseKDFMemory()
		fyne.Do(func() { done(err) })
	})
}
