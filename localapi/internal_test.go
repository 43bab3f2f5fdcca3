package localapi

import (
	"context"
	"errors"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRoutesSorted(t *testing.T) {
	if !slices.IsSortedFunc(routes, func(a, b route) int { return strings.Compare(a.path, b.path) }) {
		t.Fatal("routes must be sorted by path")
	}
	for _, r := range routes {
		if got := lookupRoute(r.path); got == nil || got.path != r.path {
			t.Errorf("lookupRoute(%s) = %v", r.path, got)
		}
	}
	for _, p := range []string{"", "/", "/oauth2", "/oauth2/token/", "/OAUTH2/TOKEN", "/zzz"} {
		if lookupRoute(p) != nil {
			t.Errorf("lookupRoute(%q) found a route", p)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(60, 2, func() time.Time { return now })
	for i := 0; i < 2; i++ {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("third: %v %v", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("keys share a bucket")
	}
	now = now.Add(time.Second)
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("bucket did not refill")
	}
	for i := 0; i < maxBuckets+10; i++ {
		l.allow(strconv.Itoa(i))
	}
	now = now.Add(time.Hour)
	l.allow("trigger")
	if len(l.buckets) > maxBuckets+1 {
		t.Fatalf("%d buckets kept", len(l.buckets))
	}
}

func TestQueue(t *testing.T) {
	checkErr := errors.New("pick an account")
	q := NewQueue(3, 2, func(r *ApprovalRequest, d *Decision) error {
		if d.Account == "" {
			return checkErr
		}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := q.Watch(ctx)
	type result struct {
		d   Decision
		err error
	}
	ask := func(origin string) (<-chan result, *ApprovalRequest) {
		req := &ApprovalRequest{Origin: origin, CreatedAt: time.Now()}
		ch := make(chan result, 1)
		go func() {
			d, err := q.Approve(ctx, req)
			ch <- result{d, err}
		}()
		return ch, req
	}
	waitPending := func(n int) []ApprovalRequest {
		for i := 0; i < 1000; i++ {
			if p := q.Pending(); len(p) == n {
				return p
			}
			time.Sleep(time.Millisecond)
		}
		t.Fatalf("pending count never reached %d", n)
		return nil
	}
	r1, _ := ask("https://a.example")
	ask("https://a.example")
	waitPending(2)
	select {
	case <-changes:
	case <-time.After(time.Second):
		t.Fatal("watcher not notified")
	}
	if _, err := q.Approve(ctx, &ApprovalRequest{Origin: "https://a.example"}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third from one origin: %v", err)
	}
	ask("https://b.example")
	p := waitPending(3)
	if _, err := q.Approve(ctx, &ApprovalRequest{Origin: "https://c.example"}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("fourth overall: %v", err)
	}
	id := p[0].ID
	if err := q.Decide(id, Decision{Approved: true}); !errors.Is(err, checkErr) {
		t.Fatalf("unchecked approval: %v", err)
	}
	if len(q.Pending()) != 3 {
		t.Fatal("a failed check removed the request")
	}
	if err := q.Decide(id, Decision{Approved: true, Account: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := q.Decide(id, Decision{}); !errors.Is(err, ErrNoSuchRequest) {
		t.Fatalf("second decision: %v", err)
	}
	select {
	case r := <-r1:
		if r.err != nil || r.d.Account != "alice" {
			t.Fatalf("decision delivered as %+v", r)
		}
	case <-time.After(time.Second):
		t.Fatal("decision not delivered")
	}
	cancel()
	waitPending(0)
}

// TestLayering keeps the packages' imports as the design says: the OAuth
// core without net/http, the store without HTTP, nothing here importing the
// GUI, and the signer never importing localapi.
func TestLayering(t *testing.T) {
	rules := []struct {
		dir       string
		forbidden []string
	}{
		{"authz", []string{"net/http", "localsigner/signer", "localsigner/app", "fyne.io/"}},
		{"store", []string{"net/http", "localsigner/signer", "localsigner/app", "fyne.io/"}},
		{"admin", []string{"net/http", "localsigner/app", "fyne.io/"}},
		{".", []string{"localsigner/app", "localsigner/cli", "fyne.io/"}},
		{"../signer", []string{"localsigner/localapi"}},
	}
	for _, r := range rules {
		files, _ := filepath.Glob(filepath.Join(r.dir, "*.go"))
		if len(files) == 0 {
			t.Fatalf("no files in %s", r.dir)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range r.forbidden {
					if path == bad || strings.HasPrefix(path, bad+"/") || (strings.HasSuffix(bad, "/") && strings.HasPrefix(path, bad)) {
						t.Errorf("%s imports %s", f, path)
					}
				}
			}
		}
	}
}
