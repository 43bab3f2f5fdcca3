// Package signer turns transactions into signed transactions. It is the one
// door to private keys: callers hand it a transaction and say which keys to
// use, and get signatures back, never key material.
package signer

import (
	"errors"
	"fmt"

	"localsigner/signer/internal/privkey"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
)

// ErrDuplicateKey means the same key was given twice; nodes reject a
// transaction carrying two signatures by one key.
var ErrDuplicateKey = errors.New("the same key is given twice")

// WIFError says which of several WIFs was rejected without repeating the
// secret itself.
type WIFError struct {
	Index int // 0-based position in the list given
	Err   error
}

func (e *WIFError) Error() string { return fmt.Sprintf("key %d: %v", e.Index+1, e.Err) }
func (e *WIFError) Unwrap() error { return e.Err }

// SignWithWIFs signs t with every key in wifs (cold signing) and appends the
// signatures to t.Signatures in the order given. All keys are parsed before
// anything is signed, so a bad key leaves t unchanged. The parsed keys are
// zeroed before returning.
func SignWithWIFs(t *tx.Transaction, wifs []string) error {
	s, err := newKeySigner(wifs)
	if err != nil {
		return err
	}
	defer s.zero()
	return s.sign(t)
}

// keySigner holds parsed private keys for the duration of one signing job.
type keySigner struct {
	keys []*privkey.PrivateKey
}

func newKeySigner(wifs []string) (*keySigner, error) {
	if len(wifs) == 0 {
		return nil, errors.New("no keys to sign with")
	}
	s := &keySigner{keys: make([]*privkey.PrivateKey, 0, len(wifs))}
	seen := make(map[keys.PublicKey]bool, len(wifs))
	for i, w := range wifs {
		k, err := privkey.FromWIF(w)
		if err != nil {
			s.zero()
			return nil, &WIFError{Index: i, Err: err}
		}
		s.keys = append(s.keys, k)
		pub := k.PublicKey()
		if seen[pub] {
			s.zero()
			return nil, &WIFError{Index: i, Err: ErrDuplicateKey}
		}
		seen[pub] = true
	}
	return s, nil
}

// sign appends one signature per key; on error t is left unchanged.
func (s *keySigner) sign(t *tx.Transaction) error {
	digest, err := t.Digest()
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	sigs := make([]keys.Signature, 0, len(s.keys))
	for _, k := range s.keys {
		sig, err := k.Sign(digest)
		if err != nil {
			return err
		}
		sigs = append(sigs, sig)
	}
	t.Signatures = append(t.Signatures, sigs...)
	return nil
}

func (s *keySigner) zero() {
	for _, k := range s.keys {
		k.Zero()
	}
}
