package approval

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"
)

// Waiting is a request held until the vault is unlocked: the desktop app
// raises its window and names the site, so that a dapp's login does not
// hang unseen behind a locked screen.
type Waiting struct {
	ID string `json:"id"`
	// Origin is the site as Localsigner established it; empty for a
	// native client.
	Origin   string `json:"origin,omitempty"`
	ClientID string `json:"client_id,omitempty"`
	// What says in a few words what waits: "sign-in", "transaction".
	What  string    `json:"what"`
	Since time.Time `json:"since"`
}

// ErrRefused is the cause a waiting request's context ends with when the
// user chose not to unlock for it.
var ErrRefused = errors.New("the user chose not to unlock Localsigner for this request")

type waiting struct {
	w      Waiting
	cancel context.CancelCauseFunc
}

// Wait records w until the returned done is called, and returns a context
// derived from ctx that RefuseWaiting ends with cause ErrRefused. The
// queue's watchers are signalled both times.
func (q *Queue) Wait(ctx context.Context, w Waiting) (_ context.Context, done func()) {
	wctx, cancel := context.WithCancelCause(ctx)
	q.mu.Lock()
	q.seq++
	w.ID = "w" + strconv.FormatUint(q.seq, 10)
	q.waiting = append(q.waiting, &waiting{w: w, cancel: cancel})
	q.notifyLocked()
	q.mu.Unlock()
	return wctx, func() {
		q.mu.Lock()
		q.waiting = slices.DeleteFunc(q.waiting, func(x *waiting) bool { return x.w.ID == w.ID })
		q.notifyLocked()
		q.mu.Unlock()
		cancel(context.Canceled)
	}
}

// Waiting lists the requests held until unlock, oldest first.
func (q *Queue) Waiting() []Waiting {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Waiting, len(q.waiting))
	for i, x := range q.waiting {
		out[i] = x.w
	}
	return out
}

// RefuseWaiting ends every request held until unlock: each fails at once
// (its door answers that Localsigner is locked). It returns how many.
func (q *Queue) RefuseWaiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, x := range q.waiting {
		x.cancel(ErrRefused)
	}
	return len(q.waiting)
}
