// Package app is Localsigner's desktop user interface, built with Fyne.
//
// It never creates the Fyne application itself: main.go, the only importer of
// fyne.io/fyne/v2/app, passes one in. That keeps this package buildable and testable
// without cgo or a display, with fyne.io/fyne/v2/test standing in for the real driver.
package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/assets"
)

// title is the main window's title and the header shown in it.
const title = "Localsigner"

// tagline is the one-line promise shown under the header.
const tagline = "Keys stay on this machine."

// Options configures the desktop app.
type Options struct {
	// DataDir is the folder holding the vault and settings.
	DataDir string
	// Devnet selects the local development chains instead of the public networks.
	Devnet bool
	// Listen is the loopback host:port the dapp server listens on.
	Listen string
}

// Run builds the main window on a, shows it and blocks in a.Run() until the app quits.
// It must be called from the main goroutine, as Fyne requires.
func Run(a fyne.App, opts Options) error {
	a.SetIcon(assets.Icon)
	w := NewMainWindow(a, opts)
	w.Show()
	a.Run()
	return nil
}

// NewMainWindow builds, but does not show, Localsigner's main window on a. Closing it
// quits the app.
func NewMainWindow(a fyne.App, opts Options) fyne.Window {
	w := a.NewWindow(title)
	w.SetIcon(assets.Icon)
	w.SetMaster()
	w.SetContent(mainContent(opts))
	w.Resize(fyne.NewSize(460, 400))
	w.CenterOnScreen()
	return w
}

// networkText is the status line naming the network the app signs for.
func networkText(devnet bool) string {
	if devnet {
		return "Network: devnet (local test chains)"
	}
	return "Network: mainnet (Hive, Peerplays)"
}

// comingText says what the placeholder window does not do yet.
const comingText = "The key vault and the dapp server arrive in later versions."

func mainContent(opts Options) fyne.CanvasObject {
	icon := canvas.NewImageFromResource(assets.Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(96))

	header := widget.NewLabelWithStyle(title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	header.SizeName = theme.SizeNameHeadingText

	promise := widget.NewLabelWithStyle(tagline, fyne.TextAlignCenter, fyne.TextStyle{})

	network := widget.NewLabelWithStyle(networkText(opts.Devnet), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	if opts.Devnet {
		network.Importance = widget.WarningImportance
	}
	coming := widget.NewLabelWithStyle(comingText, fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	coming.Wrapping = fyne.TextWrapWord

	status := widget.NewCard("", "", container.NewVBox(network, coming))

	return container.NewPadded(container.NewVBox(
		layout.NewSpacer(),
		container.NewCenter(icon),
		header,
		promise,
		layout.NewSpacer(),
		status,
	))
}
