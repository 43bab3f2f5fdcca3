package admin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"localsigner/approval"
	"localsigner/internal/datadir"
	"localsigner/links"

	"localsigner/authz"
)

// connTimeout bounds one exchange on the socket; linkTimeout one "open",
// which waits for the user to confirm.
const (
	connTimeout = 30 * time.Second
	linkTimeout = 30 * time.Minute
)

// SocketPath returns the socket's path in dataDir.
func SocketPath(dataDir string) string { return filepath.Join(dataDir, SocketName) }

// Listen creates the socket in dataDir with mode 0600. A socket file left by
// a dead instance is removed first; call Listen only while holding the
// store's lock (store.Open succeeded), which proves no live instance owns
// it. Anything at that path that is not a socket is left alone and is an
// error.
func Listen(dataDir string) (net.Listener, error) {
	if err := datadir.Prepare(dataDir); err != nil {
		return nil, err
	}
	path := SocketPath(dataDir)
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("%s exists and is not a socket; remove it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove stale socket: %w", err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("restrict admin socket: %w", err)
	}
	return ln, nil
}

// Serve answers requests on ln until ctx ends, then closes ln (which
// removes the socket file) and waits for open exchanges to finish.
func Serve(ctx context.Context, ln net.Listener, b Backend, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("admin socket: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			if err := peerAllowed(conn); err != nil {
				log.Warn("admin connection refused", "err", err)
				return
			}
			handle(ctx, conn, b, log)
		}()
	}
}

func handle(ctx context.Context, conn net.Conn, b Backend, log *slog.Logger) {
	conn.SetDeadline(time.Now().Add(connTimeout))
	line, err := bufio.NewReader(io.LimitReader(conn, maxMessage)).ReadBytes('\n')
	var resp response
	var req request
	if err == nil {
		err = strictUnmarshal(line, &req)
	}
	if err != nil {
		resp.Error = "malformed request"
	} else {
		var result any
		lb, isLink := b.(LinkBackend)
		hb, isHiveAuth := b.(HiveAuthBackend)
		switch {
		case isLink && req.Op == "open":
			result, err = long(ctx, conn, func(ctx context.Context) (any, error) {
				a, err := args[links.OpenArgs](req.Args)
				if err != nil {
					return nil, err
				}
				return lb.OpenLink(ctx, a)
			})
		case isHiveAuth && req.Op == "hiveauth":
			result, err = long(ctx, conn, func(ctx context.Context) (any, error) {
				a, err := args[HiveAuthArgs](req.Args)
				if err != nil {
					return nil, err
				}
				return hb.OpenHiveAuth(ctx, a.URI)
			})
		default:
			result, err = dispatch(b, req)
		}
		if err != nil {
			resp.Error = err.Error()
			log.Debug("admin request failed", "op", req.Op, "err", err)
		} else {
			resp.OK = true
			resp.Result, err = json.Marshal(result)
			if err != nil {
				resp = response{Error: "internal error"}
			}
		}
	}
	out, _ := json.Marshal(resp)
	conn.Write(append(out, '\n'))
}

// long runs "open" and "hiveauth": they may wait for the user for
// minutes, so the exchange gets linkTimeout, and ends early if the command
// line hangs up (its context is cancelled, which withdraws the
// confirmation).
func long(ctx context.Context, conn net.Conn, run func(context.Context) (any, error)) (any, error) {
	conn.SetDeadline(time.Now().Add(linkTimeout))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		var b [1]byte
		conn.Read(b[:]) // the client sends nothing more: this returns when it leaves
		cancel()
	}()
	return run(ctx)
}

// strictUnmarshal decodes one JSON value, refusing unknown fields and
// anything after it.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

func args[T any](raw json.RawMessage) (T, error) {
	var v T
	if len(raw) == 0 {
		return v, nil
	}
	if err := strictUnmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("bad arguments: %w", err)
	}
	return v, nil
}

func dispatch(b Backend, req request) (any, error) {
	switch req.Op {
	case "status":
		return b.Status(), nil
	case "unlock":
		a, err := args[UnlockArgs](req.Args)
		if err != nil {
			return nil, err
		}
		defer clear(a.Passphrase)
		return nil, b.Unlock(a.Passphrase)
	case "lock":
		return nil, b.Lock()
	case "approvals":
		return b.Pending(), nil
	case "waiting":
		return b.Waiting(), nil
	case "refuse_waiting":
		return RevokeResult{Revoked: b.RefuseWaiting()}, nil
	case "decide":
		a, err := args[DecideArgs](req.Args)
		if err != nil {
			return nil, err
		}
		d := approval.Decision{Approved: a.Approve, Account: a.Account, AllowImplicit: a.AllowImplicit,
			RememberSeconds: a.RememberSeconds}
		if len(a.Scopes) > 0 {
			d.Scopes = approval.Scopes(a.Scopes)
		}
		return nil, b.Decide(a.ID, d)
	case "grants":
		return b.Grants()
	case "clients":
		return b.Clients()
	case "revoke":
		a, err := args[IDArgs](req.Args)
		if err != nil {
			return nil, err
		}
		n, err := b.RevokeClient(a.ID)
		return RevokeResult{Revoked: n}, err
	case "narrow":
		a, err := args[NarrowArgs](req.Args)
		if err != nil {
			return nil, err
		}
		return nil, b.NarrowGrant(a.ID, a.Scopes)
	case "apps_add":
		a, err := args[AddAppArgs](req.Args)
		if err != nil {
			return nil, err
		}
		c, secret, err := b.AddApp(authz.AppSpec{Name: a.Name, Scopes: a.Scopes, RedirectURIs: a.RedirectURIs,
			Implicit: a.Implicit, Account: a.Account})
		if err != nil {
			return nil, err
		}
		return AddAppResult{App: *c, Secret: secret}, nil
	case "apps_rm":
		a, err := args[IDArgs](req.Args)
		if err != nil {
			return nil, err
		}
		return nil, b.RemoveApp(a.ID)
	case "log":
		a, err := args[LogArgs](req.Args)
		if err != nil {
			return nil, err
		}
		return b.AuditFind(a)
	case "introspect":
		a, err := args[TokenArgs](req.Args)
		if err != nil {
			return nil, err
		}
		return b.Introspect(a.Token)
	case "forget":
		a, err := args[ForgetArgs](req.Args)
		if err != nil {
			return nil, err
		}
		n, err := b.ForgetNoAsk(a.Grant, a.Operation, a.To)
		return ForgetResult{Removed: n}, err
	case "allowance":
		a, err := args[AllowanceArgs](req.Args)
		if err != nil {
			return nil, err
		}
		n, err := b.SetAllowance(a.ID, a.Asset, a.PerDay)
		return AllowanceResult{Grants: n}, err
	case "app_password":
		a, err := args[AppPasswordArgs](req.Args)
		if err != nil {
			return nil, err
		}
		pw, err := b.SetAppPassword(a.ID, a.Off)
		return AppPasswordResult{Password: pw}, err
	case "client_flags":
		a, err := args[ClientFlagsArgs](req.Args)
		if err != nil {
			return nil, err
		}
		return nil, b.SetClientFlags(a.ID, a.QueryToken, a.CookieToken)
	}
	return nil, fmt.Errorf("unknown op %q", req.Op)
}
