package approval

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestQueue(t *testing.T) {
	checkErr := errors.New("pick an account")
	q := NewQueue(3, 2, func(r *Request, d *Decision) error {
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
	ask := func(origin string) (<-chan result, *Request) {
		req := &Request{Origin: origin, CreatedAt: time.Now()}
		ch := make(chan result, 1)
		go func() {
			d, err := q.Approve(ctx, req)
			ch <- result{d, err}
		}()
		return ch, req
	}
	waitPending := func(n int) []Request {
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
	if _, err := q.Approve(ctx, &Request{Origin: "https://a.example"}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third from one origin: %v", err)
	}
	ask("https://b.example")
	p := waitPending(3)
	if _, err := q.Approve(ctx, &Request{Origin: "https://c.example"}); !errors.Is(err, ErrQueueFull) {
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
