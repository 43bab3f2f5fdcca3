package wallet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"localsigner/signer"
	"localsigner/signer/node"
)

// Errors of the wallet. Each door maps them to its own wire format;
// errors.Is works on everything the wallet returns. A node's refusal is
// passed through as a *node.NodeError (errors.Is(err, node.ErrRejected)).
var (
	// ErrInsufficientScope: an operation is outside the grant (type,
	// custom_json id, acting account or authority). The error is a
	// *ScopeError naming the operation. Nothing was signed.
	ErrInsufficientScope = errors.New("insufficient scope")
	// ErrRevoked: the grant or token that authorized the request was
	// revoked, narrowed away or expired while the request waited (for the
	// vault to be unlocked or for the user). Nothing was signed.
	ErrRevoked = errors.New("the grant was revoked while the request waited")
	// ErrConfirmationDenied: the user refused.
	ErrConfirmationDenied = errors.New("the user denied the request")
	// ErrConfirmationTimeout: nobody decided in time.
	ErrConfirmationTimeout = errors.New("the request was not confirmed in time")
	// ErrLocked: the vault is locked (and was not unlocked within
	// Config.UnlockWait).
	ErrLocked = errors.New("the vault is locked")
	// ErrMissingKey: the vault holds no key of the role needed.
	ErrMissingKey = errors.New("no key for that role in the vault")
	// ErrBusy: too many prompts are waiting or were shown lately (per
	// origin or in all); try again later.
	ErrBusy = errors.New("too many requests waiting for the user")
	// ErrNodeDown: no node could be reached (or none is configured), or a
	// node took the transaction without confirming it. In the latter case
	// the error is a *TxError naming the transaction, which may still land.
	ErrNodeDown = errors.New("the node is unreachable")
	// ErrInvalidOperations: the operations cannot form a transaction (none,
	// too many, or invalid together).
	ErrInvalidOperations = errors.New("invalid operations")
	// ErrSecretInOperation: an operation carries a private key or a
	// master password in its text; it wraps ErrInvalidOperations, so every
	// door answers it as invalid operations. Nothing was asked or signed.
	ErrSecretInOperation = fmt.Errorf("%w: a private key in the operations", ErrInvalidOperations)
	// ErrInvalidRequest: the request itself is malformed (a memo that is
	// not one, a chain the wallet does not serve).
	ErrInvalidRequest = errors.New("invalid request")
	// ErrOwnerKey: the request would need the owner key, which is never
	// used for a site or app.
	ErrOwnerKey = errors.New("the owner key is never used for a site or app")
	// ErrFeeTooHigh: an operation's fee (a node's quote, or the dapp's)
	// is above the chain's MaxFee, or in an asset of unknown precision.
	// It wraps ErrInvalidOperations.
	ErrFeeTooHigh = fmt.Errorf("%w: the fee is too high", ErrInvalidOperations)
)

// ScopeError says which operation a grant does not allow, and why.
type ScopeError struct {
	Index     int    // position in the request, from 0
	Operation string // operation name
	Reason    string // for the dapp's developer; names no secret
}

// Error returns "operation 1 (transfer): not in the granted scope".
func (e *ScopeError) Error() string {
	return fmt.Sprintf("operation %d (%s): %s", e.Index, e.Operation, e.Reason)
}

// Is makes errors.Is(err, ErrInsufficientScope) true.
func (e *ScopeError) Is(target error) bool { return target == ErrInsufficientScope }

// TxError is a failure after the transaction was signed: it names the
// transaction, so the dapp (and the audit log) can check whether it landed.
type TxError struct {
	TxID string
	Err  error
}

// Error returns "transaction <id>: <cause>".
func (e *TxError) Error() string { return "transaction " + e.TxID + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *TxError) Unwrap() error { return e.Err }

// signerError maps a vault failure.
func signerError(err error, account string, role string) error {
	switch {
	case errors.Is(err, signer.ErrLocked):
		return ErrLocked
	case errors.Is(err, signer.ErrNoKey):
		return fmt.Errorf("%w: Localsigner holds no %s key for @%s", ErrMissingKey, role, account)
	}
	return fmt.Errorf("sign: %w", err)
}

// NodeError classifies a node client failure for any caller of the nodes: a refusal passes through,
// anything else means the node could not be used.
func NodeError(what string, err error) error {
	if errors.Is(err, node.ErrRejected) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrNodeDown, what, err)
}

// Outcome names how a request ended, for the audit log: "broadcast",
// "refused", "denied", "timeout", "revoked", ….
func Outcome(err error) string {
	switch {
	case err == nil:
		return "broadcast"
	case errors.Is(err, ErrInsufficientScope), errors.Is(err, ErrOwnerKey):
		return "refused"
	case errors.Is(err, ErrRevoked):
		return "revoked"
	case errors.Is(err, ErrConfirmationDenied):
		return "denied"
	case errors.Is(err, ErrConfirmationTimeout):
		return "timeout"
	case errors.Is(err, ErrLocked):
		return "locked"
	case errors.Is(err, ErrMissingKey):
		return "no_key"
	case errors.Is(err, ErrBusy):
		return "busy"
	case errors.Is(err, ErrNodeDown):
		return "node_down"
	case errors.Is(err, node.ErrRejected):
		return "rejected"
	case errors.Is(err, ErrInvalidOperations), errors.Is(err, ErrInvalidRequest):
		return "invalid"
	case errors.Is(err, context.Canceled):
		return "abandoned"
	}
	return "failed"
}

// AuditText is an error's text for the audit log, bounded.
func AuditText(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// PrintableAccount shows an account name or id from a request in an error.
func PrintableAccount(a string) string {
	if len(a) > 20 || strings.ContainsFunc(a, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-')
	}) {
		return "another account"
	}
	if strings.HasPrefix(a, "1.2.") {
		return "account " + a
	}
	return "@" + a
}

// PrintableID shows a custom_json id from a request in an error or a log.
func PrintableID(id string) string {
	if len(id) > 32 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e || r == '"' || r == '<' || r == '>' || r == '&' }) {
		return "(unprintable)"
	}
	return id
}
