package app

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"localsigner/assets"
)

// labelTexts returns the text of every label laid out under o, in tree order.
func labelTexts(o fyne.CanvasObject) []string {
	var texts []string
	for _, obj := range test.LaidOutObjects(o) {
		if l, ok := obj.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}
	return texts
}

// showsIcon reports whether an image of assets.Icon is laid out under o.
func showsIcon(o fyne.CanvasObject) bool {
	for _, obj := range test.LaidOutObjects(o) {
		if img, ok := obj.(*canvas.Image); ok && img.Resource == assets.Icon {
			return true
		}
	}
	return false
}

func TestNewMainWindow(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		network string
	}{
		{"devnet", Options{Devnet: true, DataDir: t.TempDir(), Listen: "127.0.0.1:0"}, "Network: devnet (local test chains)"},
		{"mainnet", Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0"}, "Network: mainnet (Hive, Peerplays)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := test.NewTempApp(t)
			w := NewMainWindow(a, tt.opts)
			defer w.Close()
			w.Show()

			if got := w.Title(); got != "Localsigner" {
				t.Errorf("Title() = %q, want %q", got, "Localsigner")
			}
			if !showsIcon(w.Content()) {
				t.Error("window does not show assets.Icon")
			}
			texts := labelTexts(w.Content())
			for _, want := range []string{"Localsigner", "Keys stay on this machine.", tt.network, comingText} {
				if !slices.Contains(texts, want) {
					t.Errorf("window has no label %q; labels: %q", want, texts)
				}
			}
			if got := networkText(tt.opts.Devnet); got != tt.network {
				t.Errorf("networkText(%v) = %q, want %q", tt.opts.Devnet, got, tt.network)
			}
		})
	}
}
