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
