package vault

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors callers branch on.
var (
	ErrWrongPassphrase    = errors.New("wrong passphrase")
	ErrBackoff            = errors.New("too many wrong passphrases")
	ErrLocked             = errors.New("vault is locked")
	ErrNotInitialized     = errors.New("vault is not initialized")
	ErrAlreadyInitialized = errors.New("vault is already initialized")
	ErrNoKey              = errors.New("no such key in the vault")
	ErrCorrupt            = errors.New("vault data is corrupt")
	ErrEmptyPassphrase    = errors.New("passphrase is empty")
	ErrInvalidAccount     = errors.New("invalid account name")
	ErrInvalidRole        = errors.New("invalid role")
	ErrUnknownChain       = errors.New("unknown chain")
	ErrBackendMismatch    = errors.New("vault was created with another backend")
	// ErrKeychainUnavailable: the OS keychain cannot be reached or refuses
	// to store items (on Linux: no Secret Service on the session bus, or a
	// locked keyring whose unlock prompt cannot be shown). Callers offer
	// the file backend instead.
	ErrKeychainUnavailable = errors.New("the OS keychain is not available")
	// ErrCopyMismatch: a moved item did not read back from the new backend
	// as it was written; the move stopped before switching, so the vault
	// still uses the old backend, complete.
	ErrCopyMismatch = errors.New("the copy in the new backend does not read back as written")
	// ErrOldCopyRemains: a move between backends is done (the vault uses
	// the new one) but its old copy could not be deleted yet; the next Open
	// or move deletes it.
	ErrOldCopyRemains = errors.New("the keys were moved, but their old copy could not be deleted yet")
)

// CorruptError names an item whose bytes cannot be read as vault data. The
// vault never rewrites or deletes such an item by itself: the bytes stay as
// found, for the user to restore or remove.
type CorruptError struct {
	Path string // file path, or keychain item description
	Err  error  // what is wrong, without secrets
}

func (e *CorruptError) Error() string { return fmt.Sprintf("%s: %v: %v", e.Path, ErrCorrupt, e.Err) }

// Unwrap makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// BackoffError refuses an unlock attempt that comes too soon after repeated
// wrong passphrases; no key derivation was run.
type BackoffError struct {
	Wait     time.Duration // until the next attempt is allowed
	Failures int           // consecutive wrong passphrases so far
}

func (e *BackoffError) Error() string {
	return fmt.Sprintf("%v (%d in a row): try again in %s", ErrBackoff, e.Failures, e.Wait.Round(time.Second))
}

// Unwrap makes errors.Is(err, ErrBackoff) true.
func (e *BackoffError) Unwrap() error { return ErrBackoff }
