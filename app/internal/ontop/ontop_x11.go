//go:build cgo && linux && !wayland

package ontop

/*
#cgo LDFLAGS: -lX11
#include <string.h>
#include <X11/Xlib.h>

// ls_keep_above asks the window manager, the EWMH way, to add
// _NET_WM_STATE_ABOVE to a mapped window's state. 0 if there is no display.
static int ls_keep_above(unsigned long win) {
	Display *d = XOpenDisplay(NULL);
	if (d == NULL) return 0;
	XEvent e;
	memset(&e, 0, sizeof e);
	e.xclient.type = ClientMessage;
	e.xclient.window = (Window)win;
	e.xclient.message_type = XInternAtom(d, "_NET_WM_STATE", False);
	e.xclient.format = 32;
	e.xclient.data.l[0] = 1; // _NET_WM_STATE_ADD
	e.xclient.data.l[1] = (long)XInternAtom(d, "_NET_WM_STATE_ABOVE", False);
	e.xclient.data.l[2] = 0;
	e.xclient.data.l[3] = 1; // the request comes from an application
	XSendEvent(d, DefaultRootWindow(d), False, SubstructureRedirectMask | SubstructureNotifyMask, &e);
	XSync(d, False);
	XCloseDisplay(d);
	return 1;
}
*/
import "C"

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
)

// KeepAbove asks the window manager to keep w above other windows. It
// must run on the Fyne goroutine after w.Show. Without an X11 window (the
// test driver, Wayland) it does nothing and says so.
func KeepAbove(w fyne.Window) bool {
	nw, ok := w.(driver.NativeWindow)
	if !ok {
		return false
	}
	done := false
	nw.RunNative(func(ctx any) {
		if x, ok := ctx.(driver.X11WindowContext); ok && x.WindowHandle != 0 {
			done = C.ls_keep_above(C.ulong(x.WindowHandle)) == 1
		}
	})
	return done
}
