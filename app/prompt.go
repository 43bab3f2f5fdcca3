package app

import (
	"errors"

	"localsigner/approval"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"localsigner/app/internal/ontop"
)

// prompt is what the approval and the confirmation windows share: one
// request from the queue, its window, and the three ways it ends: decided
// here, gone (answered elsewhere, withdrawn or timed out), or closed.
type prompt struct {
	u      *UI
	req    approval.Request
	w      fyne.Window
	guard  guard
	done   bool // decided, or the request is gone
	closed bool
	hint   *widget.Label

	forget func() // drops the window from the UI's list of open prompts
	onGone func() // shows that the request is no longer asked
}

// show puts the window up at size: centred, kept above the others where
// the window manager allows it (X11), raised, with deny focused, and the
// first-second guard armed (paused while the app is in the background).
func (p *prompt) show(size fyne.Size, deny fyne.Focusable) {
	p.w.Resize(size)
	p.w.CenterOnScreen()
	p.w.Show()
	ontop.KeepAbove(p.w)
	p.w.RequestFocus()
	p.w.Canvas().Focus(deny)
	p.guard.arm(p.u.h.now())
	if p.u.background {
		p.guard.pause()
	}
}

// decide answers the queue and closes the window, or says why it could not.
func (p *prompt) decide(d approval.Decision) {
	if p.done || p.u.svc.Approvals == nil {
		return
	}
	p.u.touch()
	err := p.u.svc.Approvals.Decide(p.req.ID, d)
	switch {
	case err == nil:
		p.done = true
		p.close()
	case errors.Is(err, approval.ErrNoSuchRequest):
		p.onGone()
	default:
		p.hint.Importance = widget.DangerImportance
		p.hint.SetText("Not accepted: " + err.Error())
	}
}

// showGone replaces the question with the news that it is no longer
// asked: timedOut once the request has expired, answered otherwise, below
// the optional header.
func (p *prompt) showGone(answered, timedOut string, height float32, header ...fyne.CanvasObject) {
	if p.done {
		return
	}
	p.done = true
	msg := answered
	if !p.req.ExpiresAt.IsZero() && !p.u.h.now().Before(p.req.ExpiresAt) {
		msg = timedOut
	}
	l := paragraph(msg)
	l.Importance = widget.WarningImportance
	rows := append(header, l, container.NewHBox(layout.NewSpacer(), widget.NewButton("Close", p.close)))
	p.w.SetContent(container.NewPadded(container.NewVBox(rows...)))
	p.w.Resize(fyne.NewSize(480, height))
}

// close closes the window once and forgets it.
func (p *prompt) close() {
	if p.closed {
		return
	}
	p.closed = true
	p.forget()
	p.w.Close()
	p.u.updateWantTick()
}
