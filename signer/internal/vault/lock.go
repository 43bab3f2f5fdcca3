package vault

import (
	"fmt"
	"os"
	"path/filepath"
)

// lockDir takes the vault directory's inter-process lock, an exclusive lock
// on the file "lock" (flock on Unix, LockFileEx on Windows), and returns the
// function that releases it. Every operation that reads or writes the items
// holds it, so that two processes on one vault (the app and the command
// line, say) never interleave: without it, one process's Open could remove
// as garbage the generation another is writing and about to make current,
// or a key added by one could be written to a generation another is
// replacing. The operating system releases the lock of a killed process.
//
// Where the filesystem has no locks (some network filesystems), operations
// run unlocked, as one process alone may safely do.
func lockDir(dir string) (release func(), err error) {
	p := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	return func() {
		unlockFile(f)
		f.Close()
	}, nil
}
