package authz

import (
	"errors"
	"fmt"
)

// OAuth 2.0 error codes (RFC 6749 §4.1.2.1, §5.2; RFC 7009 §2.2.1). They are
// the only error values a client ever sees; internal detail stays in logs.
const (
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeInvalidGrant            = "invalid_grant"
	CodeUnauthorizedClient      = "unauthorized_client"
	CodeUnsupportedGrantType    = "unsupported_grant_type"
	CodeUnsupportedResponseType = "unsupported_response_type"
	CodeInvalidScope            = "invalid_scope"
	CodeAccessDenied            = "access_denied"
	CodeServerError             = "server_error"
	CodeTemporarilyUnavailable  = "temporarily_unavailable"
	CodeUnsupportedTokenType    = "unsupported_token_type"
)

// Error is an OAuth 2.0 error as a client receives it. Description is meant
// for the dapp's developer: it never contains a token, code or secret, and
// only repeats request values that were checked to be harmless.
type Error struct {
	Code        string // one of the Code* constants
	Description string
}

// Error returns "code: description".
func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// Is lets errors.Is match two *Error values by code alone, so callers can
// test errors.Is(err, &Error{Code: CodeInvalidGrant}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func oauthErr(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error. Anything else (a storage failure, a bug)
// becomes server_error without its text: internal messages may name paths
// or state a client has no business seeing.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, ErrSealed) {
		return &Error{Code: CodeTemporarilyUnavailable, Description: sealedDescription}
	}
	return &Error{Code: CodeServerError, Description: "internal error"}
}

// Sentinel errors for storage and administration; the HTTP and admin layers
// branch on them.
var (
	// ErrNotFound: no record with that key exists (or it has expired).
	ErrNotFound = errors.New("not found")
	// ErrInvalidScope: a scope string names something that does not exist
	// or may never be granted (owner-authority operations).
	ErrInvalidScope = errors.New("invalid scope")
	// ErrInvalidRedirect: a redirect URI breaks the rules of RFC 8252 §7.3,
	// §8.3 and RFC 9700 §4.1 (https or http on a loopback host, no fragment,
	// no userinfo).
	ErrInvalidRedirect = errors.New("invalid redirect_uri")
	// ErrSealed: the store cannot read or write standing permissions yet.
	// They are authenticated under a key kept in the vault, which has not
	// been unlocked since the process started; until then no record can be
	// checked, so none is used. AsError makes it temporarily_unavailable.
	ErrSealed = errors.New("permission records are sealed until the first unlock")
)

const sealedDescription = "Localsigner has not been unlocked since it started; ask the user to unlock it, then try again"
