// Package assets holds the files Localsigner ships inside its binary, such as the app icon,
// embedded at build time so the app needs nothing beside the executable at run time.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the 512x512 PNG app icon (a key on a shield), the same file FyneApp.toml names
// for packaging. It is shared and must not be modified.
var Icon fyne.Resource = fyne.NewStaticResource("icon.png", iconPNG)
