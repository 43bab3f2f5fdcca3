// Package ontop asks the window manager to keep a window above the others,
// which Fyne has no API for. Localsigner's approval and confirmation
// windows use it, so that a browser window cannot cover the question the
// user must answer. It holds the project's only cgo of its own (X11); built
// without cgo, KeepAbove does nothing, so package app still builds and tests
// without cgo.
package ontop
