package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Backoff after wrong passphrases: the first freeAttempts-1 failures cost
// nothing; from the freeAttempts-th on, the next attempt must wait
// min(2^(n-1) s, maxBackoff) after the n-th consecutive failure (4 s, 8 s,
// 16 s, … 5 min). The state lives in a file so that restarting the program
// does not reset it.
//
// This only slows guessing through Localsigner itself. Someone holding a
// copy of the vault files guesses offline and is slowed by Argon2 alone; the
// file is not authenticated, and deleting it (which needs write access to the
// data directory) resets the count. A corrupt file counts as no failures
// rather than locking the user out.
const (
	freeAttempts = 3
	maxBackoff   = 5 * time.Minute
)

// backoffDelay is the wait imposed after the n-th consecutive failure.
func backoffDelay(n int) time.Duration {
	if n < freeAttempts {
		return 0
	}
	if n-1 >= 9 { // 2^9 s > maxBackoff
		return maxBackoff
	}
	return min(time.Duration(1<<(n-1))*time.Second, maxBackoff)
}

// backoffState is the file's content.
type backoffState struct {
	Version  int   `json:"v"`
	Failures int   `json:"failures"`
	NextMs   int64 `json:"next_unix_ms"` // earliest next attempt
}

// backoff reads and writes the state file. Callers serialize access (the
// vault's opMu).
type backoff struct {
	dir string
	now func() time.Time
}

func (b *backoff) path() string { return filepath.Join(b.dir, backoffFile) }

func (b *backoff) load() backoffState {
	data, err := os.ReadFile(b.path())
	if err != nil {
		return backoffState{}
	}
	var st backoffState
	if json.Unmarshal(data, &st) != nil || st.Version != 1 || st.Failures < 0 {
		return backoffState{}
	}
	return st
}

// check returns a *BackoffError if an attempt now is too early.
func (b *backoff) check() error {
	st := b.load()
	if st.NextMs == 0 {
		return nil
	}
	now := b.now()
	next := time.UnixMilli(st.NextMs)
	// A clock set back, or a file edited to lock the user out forever, must
	// not wait longer than the policy's maximum.
	if limit := now.Add(maxBackoff); next.After(limit) {
		next = limit
	}
	if wait := next.Sub(now); wait > 0 {
		return &BackoffError{Wait: wait.Round(time.Millisecond), Failures: st.Failures}
	}
	return nil
}

// fail records one more wrong passphrase and returns the wait it imposes.
func (b *backoff) fail() (time.Duration, error) {
	st := b.load()
	st.Version = 1
	st.Failures++
	d := backoffDelay(st.Failures)
	st.NextMs = 0
	if d > 0 {
		st.NextMs = b.now().Add(d).UnixMilli()
	}
	data, err := json.Marshal(st)
	if err != nil {
		return d, err
	}
	if err := writeFileAtomic(b.dir, backoffFile, data); err != nil {
		return d, fmt.Errorf("record failed attempt: %w", err)
	}
	return d, nil
}

// reset forgets past failures after a right passphrase.
func (b *backoff) reset() error {
	err := os.Remove(b.path())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
