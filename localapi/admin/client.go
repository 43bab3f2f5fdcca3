package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"localsigner/approval"
	"localsigner/hiveauth"
	"localsigner/links"

	"localsigner/authz"
	"localsigner/localapi"
)

// Client talks to a running Localsigner over its admin socket. Each call is
// one connection; a Client is safe for concurrent use.
type Client struct {
	path    string
	timeout time.Duration
}

// NewClient returns a client for the socket in dataDir.
func NewClient(dataDir string) *Client {
	return &Client{path: SocketPath(dataDir), timeout: connTimeout}
}

// RemoteError is an error reported by the server (as opposed to a failure
// to reach it).
type RemoteError struct{ Msg string }

// Error returns the server's message.
func (e *RemoteError) Error() string { return e.Msg }

func (c *Client) call(op string, a any, result any) error {
	conn, err := net.DialTimeout("unix", c.path, 5*time.Second)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return ErrNotRunning
		}
		return fmt.Errorf("connect to %s: %w", c.path, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(c.timeout))
	req := request{Op: op}
	if a != nil {
		if req.Args, err = json.Marshal(a); err != nil {
			return err
		}
	}
	msg, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := conn.Write(append(msg, '\n')); err != nil {
		return fmt.Errorf("send %s: %w", op, err)
	}
	var resp response
	if err := json.NewDecoder(io.LimitReader(conn, maxReply)).Decode(&resp); err != nil {
		return fmt.Errorf("read %s reply: %w", op, err)
	}
	if !resp.OK {
		return &RemoteError{Msg: resp.Error}
	}
	if result != nil && len(resp.Result) > 0 {
		if err := json.Unmarshal(resp.Result, result); err != nil {
			return fmt.Errorf("decode %s reply: %w", op, err)
		}
	}
	return nil
}

// Status asks whether the vault is locked and how many requests wait.
func (c *Client) Status() (localapi.Status, error) {
	var s localapi.Status
	err := c.call("status", nil, &s)
	return s, err
}

// Unlock unlocks the vault of the running instance.
func (c *Client) Unlock(passphrase []byte) error {
	return c.call("unlock", UnlockArgs{Passphrase: passphrase}, nil)
}

// Lock locks the vault of the running instance.
func (c *Client) Lock() error { return c.call("lock", nil, nil) }

// Approvals lists pending authorization requests, oldest first.
func (c *Client) Approvals() ([]approval.Request, error) {
	var out []approval.Request
	err := c.call("approvals", nil, &out)
	return out, err
}

// OpenLink hands a hive:// link to the running Localsigner and waits until
// it is signed (after the user's confirmation), refused, or resolved only
// (a.DryRun).
func (c *Client) OpenLink(a links.OpenArgs) (*links.Outcome, error) {
	long := *c
	long.timeout = linkTimeout + time.Minute
	var out links.Outcome
	if err := long.call("open", a, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// OpenHiveAuth hands a has://auth_req link to the running Localsigner and
// waits until the dapp's sign-in it announces was decided.
func (c *Client) OpenHiveAuth(uri string) (*hiveauth.LinkResult, error) {
	long := *c
	long.timeout = linkTimeout + time.Minute
	var out hiveauth.LinkResult
	if err := long.call("hiveauth", HiveAuthArgs{URI: uri}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Waiting lists the requests held until the vault is unlocked.
func (c *Client) Waiting() ([]approval.Waiting, error) {
	var out []approval.Waiting
	err := c.call("waiting", nil, &out)
	return out, err
}

// RefuseWaiting ends every request held until unlock; their sites are told
// at once that Localsigner is locked. It returns how many there were.
func (c *Client) RefuseWaiting() (int, error) {
	var r RevokeResult
	err := c.call("refuse_waiting", nil, &r)
	return r.Revoked, err
}

// Approve approves request id, optionally narrowing scopes and choosing the
// account; allowImplicit enables the implicit flow for the dapp.
func (c *Client) Approve(id string, scopes []string, account string, allowImplicit bool) error {
	return c.call("decide", DecideArgs{ID: id, Approve: true, Scopes: scopes, Account: account, AllowImplicit: allowImplicit}, nil)
}

// ApproveTransaction confirms transaction request id; a remember of a
// minute or more also stops asking for the same operations to the same
// accounts from that grant for that long, where the request offers it.
func (c *Client) ApproveTransaction(id string, remember time.Duration) error {
	return c.call("decide", DecideArgs{ID: id, Approve: true, RememberSeconds: int64(remember / time.Second)}, nil)
}

// ForgetNoAsk removes "don't ask again" entries of a grant (all when
// operation is empty; to "*" for every counterparty) and returns how many
// went.
func (c *Client) ForgetNoAsk(grant, operation, to string) (int, error) {
	var r ForgetResult
	err := c.call("forget", ForgetArgs{Grant: grant, Operation: operation, To: to}, &r)
	return r.Removed, err
}

// Deny denies request id.
func (c *Client) Deny(id string) error { return c.call("decide", DecideArgs{ID: id}, nil) }

// Grants lists grants with their live tokens.
func (c *Client) Grants() ([]authz.GrantInfo, error) {
	var out []authz.GrantInfo
	err := c.call("grants", nil, &out)
	return out, err
}

// Clients lists known dapps and registered apps.
func (c *Client) Clients() ([]authz.Client, error) {
	var out []authz.Client
	err := c.call("clients", nil, &out)
	return out, err
}

// Revoke ends every grant of a client and returns how many there were.
func (c *Client) Revoke(clientID string) (int, error) {
	var r RevokeResult
	err := c.call("revoke", IDArgs{ID: clientID}, &r)
	return r.Revoked, err
}

// NarrowGrant narrows a grant to scopes, a non-empty subset of its
// current scopes; its live tokens are narrowed at once.
func (c *Client) NarrowGrant(grantID string, scopes []string) error {
	return c.call("narrow", NarrowArgs{ID: grantID, Scopes: scopes}, nil)
}

// AddApp registers an app; the result carries its secret, shown once.
func (c *Client) AddApp(a AddAppArgs) (AddAppResult, error) {
	var r AddAppResult
	err := c.call("apps_add", a, &r)
	return r, err
}

// AppPassword generates a new app password for a registered app (PeerID's
// password grant), returned once; off turns the grant off instead.
func (c *Client) AppPassword(id string, off bool) (string, error) {
	var r AppPasswordResult
	err := c.call("app_password", AppPasswordArgs{ID: id, Off: off}, &r)
	return r.Password, err
}

// RemoveApp deletes a registered app and its grants.
func (c *Client) RemoveApp(id string) error { return c.call("apps_rm", IDArgs{ID: id}, nil) }

// Log returns the newest limit audit events (0: all), oldest first.
func (c *Client) Log(limit int) ([]authz.Event, error) {
	var out []authz.Event
	err := c.call("log", LogArgs{Limit: limit}, &out)
	return out, err
}

// FindLog returns the newest audit events f selects, oldest first.
func (c *Client) FindLog(f authz.AuditFilter) ([]authz.Event, error) {
	var out []authz.Event
	err := c.call("log", f, &out)
	return out, err
}

// Introspect describes a token, whoever holds it.
func (c *Client) Introspect(token string) (*authz.Introspection, error) {
	var out authz.Introspection
	err := c.call("introspect", TokenArgs{Token: token}, &out)
	return &out, err
}

// SetAllowance sets a spending limit per UTC day on a grant, or on every
// grant of a client, and returns how many grants changed; perDay "0"
// removes it.
func (c *Client) SetAllowance(id, asset, perDay string) (int, error) {
	var r AllowanceResult
	err := c.call("allowance", AllowanceArgs{ID: id, Asset: asset, PerDay: perDay}, &r)
	return r.Grants, err
}

// SetClientFlags sets whether a client may send its token as
// ?bearer_token= (query) and as a bearer_token cookie (cookie).
func (c *Client) SetClientFlags(id string, query, cookie bool) error {
	return c.call("client_flags", ClientFlagsArgs{ID: id, QueryToken: query, CookieToken: cookie}, nil)
}
