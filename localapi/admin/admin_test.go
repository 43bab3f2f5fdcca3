package admin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"localsigner/approval"

	"localsigner/authz"
	"localsigner/localapi"
)

// fakeBackend records what the channel asks of it.
type fakeBackend struct {
	unlocked   []byte
	decided    approval.Decision
	decidedID  string
	pending    []approval.Request
	failUnlock bool
	narrowed   string
	forgot     string
	grants     int // Grants answers this many, if set
}

func (f *fakeBackend) Status() localapi.Status {
	return localapi.Status{Locked: f.unlocked == nil, Chain: "devnet"}
}
func (f *fakeBackend) Unlock(p []byte) error {
	if f.failUnlock {
		return errors.New("wrong passphrase")
	}
	f.unlocked = append([]byte(nil), p...)
	return nil
}
func (f *fakeBackend) Lock() error                 { f.unlocked = nil; return nil }
func (f *fakeBackend) Pending() []approval.Request { return f.pending }
func (f *fakeBackend) Waiting() []approval.Waiting {
	return []approval.Waiting{{ID: "w1", Origin: "https://a.example", What: "sign-in"}}
}
func (f *fakeBackend) RefuseWaiting() int { return 1 }
func (f *fakeBackend) Decide(id string, d approval.Decision) error {
	f.decidedID, f.decided = id, d
	return nil
}
func (f *fakeBackend) Grants() ([]authz.GrantInfo, error) {
	if f.grants > 0 {
		out := make([]authz.GrantInfo, f.grants)
		for i := range out {
			out[i] = authz.GrantInfo{Grant: authz.Grant{ID: fmt.Sprintf("g_%024d", i), ClientID: fmt.Sprintf("client-%d", i),
				Origin: "https://dapp.example", Account: "alice", Scopes: authz.Scopes{"login", "vote", "comment", "custom_json:follow"}}}
		}
		return out, nil
	}
	return []authz.GrantInfo{{Grant: authz.Grant{ID: "g1", ClientID: "c"}}}, nil
}
func (f *fakeBackend) Clients() ([]authz.Client, error) { return nil, nil }
func (f *fakeBackend) RevokeClient(string) (int, error) { return 2, nil }
func (f *fakeBackend) RemoveApp(string) error           { return nil }
func (f *fakeBackend) NarrowGrant(id string, scopes []string) error {
	f.narrowed = id + ":" + strings.Join(scopes, ",")
	return nil
}
func (f *fakeBackend) Audit(int) ([]authz.Event, error) {
	return []authz.Event{{Seq: 1, Type: "x"}}, nil
}
func (f *fakeBackend) AuditFind(authz.AuditFilter) ([]authz.Event, error) {
	return []authz.Event{{Seq: 1, Type: "x"}}, nil
}
func (f *fakeBackend) Introspect(string) (*authz.Introspection, error) {
	return &authz.Introspection{Active: true}, nil
}
func (f *fakeBackend) SetAllowance(id, asset, perDay string) (int, error) { return 1, nil }
func (f *fakeBackend) SetClientFlags(string, bool, bool) error            { return nil }
func (f *fakeBackend) SetAppPassword(string, bool) (string, error)        { return "lsp_x", nil }
func (f *fakeBackend) ForgetNoAsk(grant, op, to string) (int, error) {
	f.forgot = grant + ":" + op + ":" + to
	return 1, nil
}
func (f *fakeBackend) AddApp(s authz.AppSpec) (*authz.Client, string, error) {
	return &authz.Client{ID: "app_1", Name: s.Name}, "lss_secret", nil
}

func shortDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "lsa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func serve(t *testing.T, dir string, b Backend) {
	ln, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { Serve(ctx, ln, b, nil); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestChannel(t *testing.T) {
	dir := shortDir(t)
	c := NewClient(dir)
	if _, err := c.Status(); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("no server: %v", err)
	}
	b := &fakeBackend{pending: []approval.Request{{ID: "r1", Origin: "https://a.example"}}}
	serve(t, dir, b)
	fi, err := os.Stat(SocketPath(dir))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
	if err := c.Unlock([]byte("pass")); err != nil || string(b.unlocked) != "pass" {
		t.Fatalf("unlock: %v %q", err, b.unlocked)
	}
	if s, err := c.Status(); err != nil || s.Locked {
		t.Fatalf("status %+v %v", s, err)
	}
	ps, err := c.Approvals()
	if err != nil || len(ps) != 1 || ps[0].ID != "r1" {
		t.Fatalf("approvals %+v %v", ps, err)
	}
	if err := c.Approve("r1", []string{"vote"}, "alice", true); err != nil {
		t.Fatal(err)
	}
	if b.decidedID != "r1" || !b.decided.Approved || b.decided.Account != "alice" || !b.decided.AllowImplicit || b.decided.Scopes.String() != "vote" {
		t.Fatalf("decision %+v", b.decided)
	}
	if err := c.ApproveTransaction("r1", 90*time.Minute); err != nil || !b.decided.Approved || b.decided.RememberSeconds != 5400 {
		t.Fatalf("approve transaction: %v %+v", err, b.decided)
	}
	if n, err := c.ForgetNoAsk("g_1", "transfer", "*"); err != nil || n != 1 || b.forgot != "g_1:transfer:*" {
		t.Fatalf("forget: %d %v %q", n, err, b.forgot)
	}
	if err := c.Deny("r1"); err != nil || b.decided.Approved {
		t.Fatalf("deny: %v %+v", err, b.decided)
	}
	if n, err := c.Revoke("c"); err != nil || n != 2 {
		t.Fatalf("revoke %d %v", n, err)
	}
	if err := c.NarrowGrant("g_1", []string{"vote", "offline"}); err != nil || b.narrowed != "g_1:vote,offline" {
		t.Fatalf("narrow: %v %q", err, b.narrowed)
	}
	if r, err := c.AddApp(AddAppArgs{Name: "bot", Scopes: "vote"}); err != nil || r.Secret != "lss_secret" || r.App.Name != "bot" {
		t.Fatalf("add app %+v %v", r, err)
	}
	b.failUnlock = true
	var re *RemoteError
	if err := c.Unlock([]byte("x")); !errors.As(err, &re) || re.Msg != "wrong passphrase" {
		t.Fatalf("remote error: %v", err)
	}
	// Raw protocol: malformed, unknown op, unknown argument field.
	for req, want := range map[string]string{
		"not json\n":           "malformed request",
		`{"op":"nope"}` + "\n": "unknown op",
		`{"op":"revoke","args":{"id":"c","x":1}}` + "\n": "bad arguments",
		`{"op":"status","extra":true}` + "\n":            "malformed request",
		`{"op":"status"} {"op":"lock"}` + "\n":           "malformed request",
	} {
		conn, err := net.Dial("unix", SocketPath(dir))
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		conn.Write([]byte(req))
		buf := make([]byte, 4096)
		n, _ := conn.Read(buf)
		conn.Close()
		if !strings.Contains(string(buf[:n]), want) || strings.Contains(string(buf[:n]), `"ok":true`) {
			t.Errorf("%q answered %s, want %q", req, buf[:n], want)
		}
	}
}

func TestListenStaleSocket(t *testing.T) {
	dir := shortDir(t)
	// A socket left by a dead instance is replaced.
	ln, err := net.Listen("unix", SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	serve(t, dir, &fakeBackend{})
	if _, err := NewClient(dir).Status(); err != nil {
		t.Fatalf("after replacing a stale socket: %v", err)
	}
	// Anything else at that path is left alone.
	dir2 := shortDir(t)
	os.WriteFile(SocketPath(dir2), []byte("keep me"), 0o600)
	if _, err := Listen(dir2); err == nil {
		t.Fatal("replaced a regular file")
	}
	if b, _ := os.ReadFile(SocketPath(dir2)); string(b) != "keep me" {
		t.Fatal("the file was changed")
	}
}

// TestLargeReply: a power user's ten thousand grants (several MiB of
// JSON) come back whole; only requests are held to maxMessage.
func TestLargeReply(t *testing.T) {
	dir := shortDir(t)
	serve(t, dir, &fakeBackend{grants: 10000})
	gs, err := NewClient(dir).Grants()
	if err != nil || len(gs) != 10000 || gs[9999].ClientID != "client-9999" {
		t.Fatalf("%d grants, %v", len(gs), err)
	}
}
