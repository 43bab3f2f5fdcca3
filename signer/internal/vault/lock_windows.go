package vault

import (
	"errors"
	"os"
	"syscall"
	"unsafe"
)

var (
	modKernel32      = syscall.NewLazyDLL("kernel32.dll")
	procLockFileEx   = modKernel32.NewProc("LockFileEx")
	procUnlockFileEx = modKernel32.NewProc("UnlockFileEx")
)

const lockfileExclusiveLock = 0x2 // LOCKFILE_EXCLUSIVE_LOCK

// lockFile blocks until it holds an exclusive lock on f's first byte.
func lockFile(f *os.File) error {
	ol := new(syscall.Overlapped)
	r, _, err := procLockFileEx.Call(f.Fd(), lockfileExclusiveLock, 0, 1, 0, uintptr(unsafe.Pointer(ol)))
	if r != 0 {
		return nil
	}
	if errors.Is(err, syscall.Errno(1)) { // ERROR_INVALID_FUNCTION: no locks here
		return nil
	}
	return err
}

func unlockFile(f *os.File) {
	ol := new(syscall.Overlapped)
	procUnlockFileEx.Call(f.Fd(), 0, 1, 0, uintptr(unsafe.Pointer(ol)))
}
