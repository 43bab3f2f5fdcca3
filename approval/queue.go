package approval

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
)

// Errors of the queue.
var (
	// ErrNoSuchRequest: no pending request has that id (decided, timed out,
	// withdrawn or never existed).
	ErrNoSuchRequest = errors.New("no pending request with that id")
	// ErrQueueFull: too many requests are already waiting, overall or
	// from this origin.
	ErrQueueFull = errors.New("too many pending approval requests")
)

// Check validates an approving decision for its request and completes it
// (default scopes, account). Its error goes back to whoever decided, and
// the request stays pending. The wallet supplies it: the rules are policy.
type Check func(*Request, *Decision) error

// Queue holds requests until someone lists and decides them: the admin
// channel (localsigner approvals / approve / deny) and the desktop app,
// which watches it for new requests. Every approving decision is checked
// once, here, whoever gives it. Safe for concurrent use.
type Queue struct {
	maxPending, maxPerOrigin int
	check                    Check

	mu       sync.Mutex
	pending  map[string]*pending
	watchers map[chan struct{}]struct{}
	waiting  []*waiting // held until unlock (waiting.go)
	seq      uint64
}

type pending struct {
	req      Request
	answer   chan Decision // buffered 1
	deciding bool          // a Decide call is checking a decision
}

// NewQueue returns a queue holding at most maxPending requests in all and
// maxPerOrigin from one origin (so one site cannot bury the user in
// prompts). check, if not nil, validates and completes every approving
// decision before it is delivered.
func NewQueue(maxPending, maxPerOrigin int, check Check) *Queue {
	return &Queue{maxPending: maxPending, maxPerOrigin: maxPerOrigin, check: check,
		pending: make(map[string]*pending), watchers: make(map[chan struct{}]struct{})}
}

// Approve queues req (assigning req.ID if empty) and waits for Decide or
// the end of ctx; then it returns ctx's error and the request is withdrawn.
// A decision that arrives is already checked.
func (q *Queue) Approve(ctx context.Context, req *Request) (Decision, error) {
	q.mu.Lock()
	n := 0
	for _, p := range q.pending {
		if p.req.Origin == req.Origin {
			n++
		}
	}
	if len(q.pending) >= q.maxPending || n >= q.maxPerOrigin {
		q.mu.Unlock()
		return Decision{}, ErrQueueFull
	}
	for req.ID == "" || q.pending[req.ID] != nil {
		req.ID = newID()
	}
	p := &pending{req: *req, answer: make(chan Decision, 1)}
	q.pending[req.ID] = p
	q.notifyLocked()
	q.mu.Unlock()

	defer func() {
		q.mu.Lock()
		if q.pending[req.ID] == p {
			delete(q.pending, req.ID)
		}
		q.notifyLocked()
		q.mu.Unlock()
	}()
	select {
	case d := <-p.answer:
		return d, nil
	case <-ctx.Done():
		select {
		case d := <-p.answer: // decided at the last moment: the decider was told it worked
			return d, nil
		default:
			return Decision{}, ctx.Err()
		}
	}
}

// newID returns 8 random hex digits: short enough to type after
// "localsigner approve".
func newID() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Pending lists the waiting requests, oldest first.
func (q *Queue) Pending() []Request {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Request, 0, len(q.pending))
	for _, p := range q.pending {
		out = append(out, p.req)
	}
	slices.SortFunc(out, func(a, b Request) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

// Decide answers the pending request id. An approval is first checked and
// completed by the queue's Check; if that fails the request stays pending
// and the error is returned.
func (q *Queue) Decide(id string, d Decision) error {
	q.mu.Lock()
	p := q.pending[id]
	if p == nil || p.deciding {
		q.mu.Unlock()
		return ErrNoSuchRequest
	}
	p.deciding = true
	req := p.req
	q.mu.Unlock()

	var err error
	if d.Approved && q.check != nil {
		err = q.check(&req, &d)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	p.deciding = false
	if q.pending[id] != p {
		return ErrNoSuchRequest // withdrawn while being checked
	}
	if err != nil {
		return err
	}
	p.answer <- d
	delete(q.pending, id)
	q.notifyLocked()
	return nil
}

// Watch returns a channel that receives a value (coalesced) whenever the
// set of pending requests changes, until ctx ends. The desktop app uses it
// to put up and take down its windows.
func (q *Queue) Watch(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	q.mu.Lock()
	q.watchers[ch] = struct{}{}
	q.mu.Unlock()
	go func() {
		<-ctx.Done()
		q.mu.Lock()
		delete(q.watchers, ch)
		q.mu.Unlock()
	}()
	return ch
}

func (q *Queue) notifyLocked() {
	for ch := range q.watchers {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
