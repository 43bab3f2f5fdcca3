package localapi

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"localsigner/authz"
)

// ApprovalRequest is a request waiting for the user. It holds only what a
// person needs to decide: who asks (client and, above all, the origin the
// answer goes to), for what, and for which account. Kind tells the two
// kinds apart: an authorization request (KindAuthorize: scopes, redirect)
// or a transaction to confirm (KindTransaction: Transaction, Account).
type ApprovalRequest struct {
	ID          string `json:"id"`
	ClientID    string `json:"client_id"`
	ClientName  string `json:"client_name,omitempty"` // registered apps only
	Registered  bool   `json:"registered"`            // a registered app rather than a dapp
	FirstTime   bool   `json:"first_time"`            // approving binds this client_id to RedirectURI
	RedirectURI string `json:"redirect_uri"`
	// Origin is where the browser is sent with the answer; the approval UI
	// shows it most prominently, since client_id is chosen by the page.
	Origin          string       `json:"origin"`
	ResponseType    string       `json:"response_type"`
	RequestedScopes authz.Scopes `json:"requested_scopes"`
	// Descriptions explains each requested scope with the key it uses.
	Descriptions []string `json:"descriptions"`
	// NeedsImplicitOptIn: the dapp wants the token in the redirect and has
	// not been allowed to; approving requires Decision.AllowImplicit.
	NeedsImplicitOptIn bool      `json:"needs_implicit_opt_in,omitempty"`
	Account            string    `json:"account,omitempty"` // the dapp's hint
	Chain              string    `json:"chain"`
	CreatedAt          time.Time `json:"created_at"`
	ExpiresAt          time.Time `json:"expires_at"`

	// Kind is KindAuthorize or KindTransaction.
	Kind string `json:"kind"`
	// Transaction is set for KindTransaction only.
	Transaction *TransactionConfirm `json:"transaction,omitempty"`
}

// Decision is the user's answer.
type Decision struct {
	Approved bool `json:"approved"`
	// Scopes is the subset granted; nil grants everything requested.
	Scopes authz.Scopes `json:"scopes,omitempty"`
	// Account is the account to act for; empty takes the request's hint,
	// or the only account the vault holds on the chain.
	Account string `json:"account,omitempty"`
	// AllowImplicit lets a dapp use response_type=token from now on.
	AllowImplicit bool `json:"allow_implicit,omitempty"`
	// RememberSeconds, on an approved transaction whose request offers it
	// (TransactionConfirm.Remember), stops asking for the same operations
	// to the same accounts from this grant for that many seconds (at most
	// authz.MaxNoAsk). Zero asks every time.
	RememberSeconds int64 `json:"remember_seconds,omitempty"`
}

// Approver asks the user about an authorization request. Approve blocks
// until the user decides or ctx ends (then it returns ctx's error). The GUI
// implements it with a window; Queue implements it for the admin channel.
type Approver interface {
	Approve(ctx context.Context, req *ApprovalRequest) (Decision, error)
}

// Errors of the approval queue.
var (
	// ErrNoSuchRequest: no pending request has that id (decided, timed out
	// or never existed).
	ErrNoSuchRequest = errors.New("no pending request with that id")
	// ErrQueueFull: too many requests are already waiting, overall or
	// from this origin.
	ErrQueueFull = errors.New("too many pending approval requests")
)

// Queue is an Approver that holds requests until someone lists and decides
// them: the admin channel (localsigner approvals / approve / deny), and the
// GUI, which watches it for new requests. Safe for concurrent use.
type Queue struct {
	maxPending, maxPerOrigin int

	mu       sync.Mutex
	pending  map[string]*pending
	watchers map[chan struct{}]struct{}
	check    func(*ApprovalRequest, *Decision) error
}

type pending struct {
	req      ApprovalRequest
	answer   chan Decision // buffered 1
	deciding bool          // a Decide call is checking a decision
}

// NewQueue returns a queue holding at most maxPending requests in all and
// maxPerOrigin from one redirect origin (so one site cannot bury the user
// in prompts). check, if not nil, validates and completes an approving
// decision before it is delivered; its error goes back to the decider and
// the request stays pending.
func NewQueue(maxPending, maxPerOrigin int, check func(*ApprovalRequest, *Decision) error) *Queue {
	return &Queue{maxPending: maxPending, maxPerOrigin: maxPerOrigin, check: check,
		pending: make(map[string]*pending), watchers: make(map[chan struct{}]struct{})}
}

var _ Approver = (*Queue)(nil)

// Approve implements Approver: it queues req (assigning req.ID if empty)
// and waits for Decide or the end of ctx.
func (q *Queue) Approve(ctx context.Context, req *ApprovalRequest) (Decision, error) {
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
		id, err := authz.NewID("", 4)
		if err != nil {
			q.mu.Unlock()
			return Decision{}, err
		}
		req.ID = id
	}
	p := &pending{req: *req, answer: make(chan Decision, 1)}
	q.pending[req.ID] = p
	q.notifyLocked()
	q.mu.Unlock()

	defer func() {
		q.mu.Lock()
		delete(q.pending, req.ID)
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

// Pending lists the waiting requests, oldest first.
func (q *Queue) Pending() []ApprovalRequest {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]ApprovalRequest, 0, len(q.pending))
	for _, p := range q.pending {
		out = append(out, p.req)
	}
	slices.SortFunc(out, func(a, b ApprovalRequest) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

// Decide answers the pending request id. An approval is first checked (and
// completed: scopes, account) by the queue's check function; if that fails
// the request stays pending and the error is returned.
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
		return ErrNoSuchRequest // timed out while being checked
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
// set of pending requests changes, until ctx ends. The GUI uses it to pop
// up and take down approval windows.
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
