package app

import (
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"localsigner/signer"
)

// The tests run the real vault (with a cheap KDF, in t.TempDir()) under
// fyne.io/fyne/v2/test, with a clock they move by hand and no goroutines of
// the app's own: slow work runs inline and timers tick when the test says.

const testPassphrase = "correct horse battery staple"

// cheapKDF makes Argon2id fast; production uses the strong default.
var cheapKDF = signer.VaultOptions{KDF: signer.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func testHooks(c *clock) hooks {
	return hooks{
		now:        c.now,
		async:      func(f func()) { f() },
		every:      func(time.Duration, func() bool, func()) func() { return func() {} },
		background: func(func()) {},
		after:      func(_ time.Duration, f func()) { f() },
	}
}

// newVault opens a vault in a fresh temporary directory, initialised and
// unlocked unless init is false.
func newVault(t testing.TB, init bool) (*signer.Vault, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data") // created private, as a data directory must be
	v, err := signer.OpenVault(dir, cheapKDF)
	if err != nil {
		t.Fatal(err)
	}
	if init {
		if err := v.Init([]byte(testPassphrase)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(v.Lock)
	return v, dir
}

// newTestUI builds the UI on a test app with a manual clock.
func newTestUI(t testing.TB, a fyne.App, v Vault, opts Options) (*UI, *clock) {
	t.Helper()
	c := newClock()
	u := newUI(a, v, opts, testHooks(c))
	u.win.Show()
	return u, c
}

// texts returns the text of every label, button, check and radio laid out
// under o.
func texts(o fyne.CanvasObject) []string {
	var out []string
	for _, obj := range test.LaidOutObjects(o) {
		switch w := obj.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		case *widget.Check:
			out = append(out, w.Text)
		case *canvas.Text:
			out = append(out, w.Text)
		}
	}
	return out
}

// hasText reports whether some text under o contains want.
func hasText(o fyne.CanvasObject, want string) bool {
	return slices.ContainsFunc(texts(o), func(s string) bool { return strings.Contains(s, want) })
}

func wantText(t *testing.T, o fyne.CanvasObject, want string) {
	t.Helper()
	if !hasText(o, want) {
		t.Fatalf("no text containing %q; have %q", want, texts(o))
	}
}

// button finds the visible button labelled text under o.
func button(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	for _, obj := range test.LaidOutObjects(o) {
		if b, ok := obj.(*widget.Button); ok && b.Text == text && b.Visible() {
			return b
		}
		if b, ok := obj.(*defaultButton); ok && b.Text == text && b.Visible() {
			return &b.Button
		}
	}
	t.Fatalf("no button %q; have %q", text, texts(o))
	return nil
}

// entry finds the entry with the placeholder under o.
func entry(t *testing.T, o fyne.CanvasObject, placeholder string) *widget.Entry {
	t.Helper()
	for _, obj := range test.LaidOutObjects(o) {
		if e, ok := obj.(*widget.Entry); ok && e.PlaceHolder == placeholder && e.Visible() {
			return e
		}
	}
	t.Fatalf("no entry with placeholder %q", placeholder)
	return nil
}

// overlayButton finds a button in the window's top overlay (a dialog).
func overlayButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog shown")
	}
	return button(t, top, text)
}

func keysOf(t *testing.T, v Vault) []string {
	t.Helper()
	ks, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range ks {
		out = append(out, k.Chain+"/"+k.Account+"/"+k.Role)
	}
	return out
}

// entryWithPlaceholder finds the visible entry whose placeholder is text.
func entryWithPlaceholder(t *testing.T, o fyne.CanvasObject, text string) *widget.Entry {
	t.Helper()
	for _, obj := range test.LaidOutObjects(o) {
		if e, ok := obj.(*widget.Entry); ok && e.PlaceHolder == text && e.Visible() {
			return e
		}
	}
	t.Fatalf("no entry with placeholder %q", text)
	return nil
}

// checkWithText finds the visible check box whose label starts with text.
func checkWithText(t *testing.T, o fyne.CanvasObject, text string) *widget.Check {
	t.Helper()
	for _, obj := range test.LaidOutObjects(o) {
		if c, ok := obj.(*widget.Check); ok && strings.HasPrefix(c.Text, text) && c.Visible() {
			return c
		}
	}
	t.Fatalf("no check box %q", text)
	return nil
}
