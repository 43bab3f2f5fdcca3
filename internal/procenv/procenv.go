// Package procenv takes a secret out of the process environment for good.
// os.Unsetenv removes it from Go's copy only: on Linux the environment the
// process started with stays in its memory, and any program of the same
// user reads it in /proc/PID/environ for as long as the process lives.
package procenv

import "os"

// Scrub removes name from the environment and, where the system keeps the
// starting environment readable by others (Linux), overwrites its value
// there. It reports whether the starting environment was cleared (false
// where there is nothing to clear, or it could not be done; the variable
// is unset in any case).
func Scrub(name string) (bool, error) {
	ok, err := scrubInitial(name)
	os.Unsetenv(name)
	return ok, err
}
