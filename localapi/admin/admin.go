// Package admin is the control channel between a running Localsigner and
// its command line: a Unix socket (mode 0600) in the data directory, never
// the TCP port, so that no web page can reach it. It carries unlocking and
// locking, the approval queue, grants, app registration and the audit log.
//
// The protocol is one JSON request per connection, answered by one JSON
// response, then the connection closes:
//
//	→ {"op":"approve","args":{"id":"1a2b3c4d","account":"alice"}}
//	← {"ok":true,"result":null}
//	← {"ok":false,"error":"no pending request with that id"}
//
// Ops and their args and results are the methods of Client. On Windows the
// socket is an AF_UNIX socket too (Windows 10 and later), not a named pipe.
package admin

import (
	"context"
	"encoding/json"
	"errors"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/hiveauth"
	"localsigner/links"
	"localsigner/localapi"
)

// SocketName is the socket's file name in the data directory.
const SocketName = "admin.sock"

// maxMessage bounds one request line, what the server reads from a
// client; maxReply what the command line reads back from the server it
// trusts, so that a power user's full audit log or ten thousand grants
// fit in one answer.
const (
	maxMessage = 1 << 20
	maxReply   = 1 << 30
)

// Backend is what the channel operates on; *localapi.Server implements it.
type Backend interface {
	Status() localapi.Status
	Unlock(passphrase []byte) error
	Lock() error
	Pending() []approval.Request
	Decide(id string, d approval.Decision) error
	// Waiting lists the requests held until unlock; RefuseWaiting ends
	// them at once and says how many.
	Waiting() []approval.Waiting
	RefuseWaiting() int
	Grants() ([]authz.GrantInfo, error)
	Clients() ([]authz.Client, error)
	RevokeClient(id string) (int, error)
	NarrowGrant(grantID string, scopes []string) error
	AddApp(spec authz.AppSpec) (*authz.Client, string, error)
	RemoveApp(id string) error
	Audit(limit int) ([]authz.Event, error)
	AuditFind(f authz.AuditFilter) ([]authz.Event, error)
	Introspect(token string) (*authz.Introspection, error)
	SetAllowance(id, asset, perDay string) (int, error)
	SetClientFlags(id string, query, cookie bool) error
	SetAppPassword(id string, off bool) (string, error)
	ForgetNoAsk(grantID, operation, to string) (int, error)
}

// LinkBackend is a Backend that also opens hive:// links (the op "open",
// which waits for the user's confirmation). Serve answers "open" only when
// its Backend is one.
type LinkBackend interface {
	Backend
	OpenLink(ctx context.Context, a links.OpenArgs) (*links.Outcome, error)
}

// HiveAuthBackend is a Backend that also takes has://auth_req links (the op
// "hiveauth", which waits for the dapp's request and the user's decision).
// Serve answers "hiveauth" only when its Backend is one.
type HiveAuthBackend interface {
	Backend
	OpenHiveAuth(ctx context.Context, uri string) (*hiveauth.LinkResult, error)
}

// HiveAuthArgs are the op "hiveauth"'s arguments.
type HiveAuthArgs struct {
	URI string `json:"uri"`
}

var _ Backend = (*localapi.Server)(nil)

// ErrNotRunning means nothing listens on the socket.
var ErrNotRunning = errors.New("localsigner is not running (start it with 'localsigner serve --headless' or the desktop app)")

// request and response are the wire messages.
type request struct {
	Op   string          `json:"op"`
	Args json.RawMessage `json:"args,omitempty"`
}

type response struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// Argument and result types of the ops.

// UnlockArgs carries the passphrase; it is never logged.
type UnlockArgs struct {
	Passphrase []byte `json:"passphrase"`
}

// DecideArgs answers a pending request: Approve false denies.
type DecideArgs struct {
	ID            string   `json:"id"`
	Approve       bool     `json:"approve"`
	Scopes        []string `json:"scopes,omitempty"`
	Account       string   `json:"account,omitempty"`
	AllowImplicit bool     `json:"allow_implicit,omitempty"`
	// RememberSeconds approves a transaction and stops asking for the same
	// operations to the same accounts for that long (Decision.RememberSeconds).
	RememberSeconds int64 `json:"remember_seconds,omitempty"`
}

// ForgetArgs removes "don't ask again" entries of a grant: all when
// Operation is empty, else those of Operation for To ("*": any).
type ForgetArgs struct {
	Grant     string `json:"grant"`
	Operation string `json:"operation,omitempty"`
	To        string `json:"to,omitempty"`
}

// ForgetResult says how many entries went.
type ForgetResult struct {
	Removed int `json:"removed"`
}

// AppPasswordArgs asks for a new app password for app ID, or with Off
// for the password grant to be turned off.
type AppPasswordArgs struct {
	ID  string `json:"id"`
	Off bool   `json:"off,omitempty"`
}

// AppPasswordResult carries a new app password, shown once.
type AppPasswordResult struct {
	Password string `json:"password,omitempty"`
}

// IDArgs names a client, app or request.
type IDArgs struct {
	ID string `json:"id"`
}

// NarrowArgs narrows grant ID to Scopes, a non-empty subset of its
// current scopes.
type NarrowArgs struct {
	ID     string   `json:"id"`
	Scopes []string `json:"scopes"`
}

// RevokeResult says how many grants a revoke ended.
type RevokeResult struct {
	Revoked int `json:"revoked"`
}

// AddAppArgs registers an app.
type AddAppArgs struct {
	Name         string   `json:"name"`
	Scopes       string   `json:"scopes"`
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	Implicit     bool     `json:"implicit,omitempty"`
	Account      string   `json:"account,omitempty"`
}

// AddAppResult is the new app and its secret, shown once.
type AddAppResult struct {
	App    authz.Client `json:"app"`
	Secret string       `json:"secret"`
}

// LogArgs asks for the newest Limit audit events (0: all), optionally of
// one client or account, or within a time range.
type LogArgs = authz.AuditFilter

// TokenArgs carries a token to introspect.
type TokenArgs struct {
	Token string `json:"token"`
}

// AllowanceArgs sets a spending limit per UTC day on a grant, or on every
// grant of a client: PerDay is an amount with the asset's decimals
// ("10.000"); "0" removes the limit.
type AllowanceArgs struct {
	ID     string `json:"id"`
	Asset  string `json:"asset"`
	PerDay string `json:"per_day"`
}

// AllowanceResult says how many grants changed.
type AllowanceResult struct {
	Grants int `json:"grants"`
}

// ClientFlagsArgs sets which token carriers besides the Authorization
// header a client may use.
type ClientFlagsArgs struct {
	ID          string `json:"id"`
	QueryToken  bool   `json:"query_token"`
	CookieToken bool   `json:"cookie_token"`
}
