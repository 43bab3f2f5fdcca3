//go:build !(darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || windows)

package vault

import "os"

// lockFile does nothing where the standard library offers no file lock:
// operations run unlocked, as one process alone may safely do.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
