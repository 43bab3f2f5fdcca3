package app

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// approveDelay is how long Approve stays inert after a decision window
// appears or the app regains the focus. A window that pops up under the
// pointer (or a page that makes the user double-click) must not turn a
// click meant for something else into a grant.
const approveDelay = time.Second

// guard is the Approve button's clock: ready only approveDelay after it
// was last armed, and never while paused (the app is in the background).
type guard struct {
	notBefore time.Time
	paused    bool
}

func (g *guard) arm(now time.Time) {
	g.notBefore = now.Add(approveDelay)
	g.paused = false
}

func (g *guard) pause() { g.paused = true }

func (g *guard) ready(now time.Time) bool { return !g.paused && !now.Before(g.notBefore) }

// defaultButton is the safe answer of a decision window (Deny): it has the
// focus when the window opens, and Return, Enter or Escape press it, not
// only the space bar as for other buttons.
type defaultButton struct {
	widget.Button
}

func newDefaultButton(label string, tapped func()) *defaultButton {
	b := &defaultButton{}
	b.Text = label
	b.OnTapped = tapped
	b.Importance = widget.HighImportance
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey presses the button on Space, Return, Enter or Escape.
func (b *defaultButton) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyEscape:
		b.Tapped(nil)
	default:
		b.Button.TypedKey(ev)
	}
}

// decisionKeys makes Return, Enter and Escape answer with the safe choice
// when no widget has the focus.
func decisionKeys(w fyne.Window, safe func()) {
	w.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyEscape:
			safe()
		}
	})
}

// countdown formats the time left to decide: "4:59".
func countdown(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// lifetimeText says how long a token lasts, in words: "1 hour", "30 days".
func lifetimeText(d time.Duration) string {
	unit := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return unit(int(d/(24*time.Hour)), "day", "days")
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int(d/time.Hour), "hour", "hours")
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int(d/time.Minute), "minute", "minutes")
	}
	return d.String()
}
