// Package datadir makes sure Localsigner's data directory is private
// before anything is stored in it: the grant store, the admin socket and
// the vault live there, and a directory other users can enter or list
// gives them at least the names of the user's accounts and dapps, and the
// socket's path to connect to.
package datadir

import (
	"errors"
	"fmt"
	"os"
)

// ErrNotPrivate: the data directory is open to other users or owned by
// another one. Localsigner does not correct it silently: something (a
// sync tool, a restored backup, a shared home) made it so, and the user
// should know.
var ErrNotPrivate = errors.New("the data directory is not private")

// Prepare creates dir with mode 0700 if it does not exist, and otherwise
// requires that it is a directory of this user that no one else may read,
// write or enter.
func Prepare(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data directory %s is not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o, open to other users; run: chmod 700 %q", ErrNotPrivate, dir, perm, dir)
	}
	if err := ownedByMe(fi); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNotPrivate, dir, err)
	}
	return nil
}
