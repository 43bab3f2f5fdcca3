// Package assets holds the files Localsigner ships inside its binary, such as the app icon,
// embedded at build time so the app needs nothing beside the executable at run time.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

//go:embed mark.png
var markPNG []byte

//go:embed lock.svg
var lockSVG []byte

// Icon is the 512x512 PNG app icon (a key on a shield), the same file FyneApp.toml names
// for packaging. It is shared and must not be modified.
var Icon fyne.Resource = fyne.NewStaticResource("icon.png", iconPNG)

// Mark is the same picture at 128x128, for drawing inside windows: the
// app decodes and keeps every image it shows, and the small one costs a
// sixteenth of the memory. It is shared and must not be modified.
var Mark fyne.Resource = fyne.NewStaticResource("mark.png", markPNG)

// Lock is a padlock symbol (Material Icons, Apache 2.0, as Fyne's own
// icons) for the Lock button and menu item; wrap it in
// theme.NewThemedResource to have it follow the theme's colours.
var Lock fyne.Resource = fyne.NewStaticResource("lock.svg", lockSVG)
