//go:build !cgo || !linux || wayland

package ontop

import "fyne.io/fyne/v2"

// KeepAbove does nothing here: only X11 has an implementation (EWMH).
// Elsewhere the prompt windows rely on RequestFocus alone.
func KeepAbove(fyne.Window) bool { return false }
