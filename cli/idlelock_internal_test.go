package cli

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestIdleLockWaitsForPendingRequests: the headless server's auto-lock
// does not lock while a request waits for the user's decision (locking
// would make the approval fail), and locks once the wait is over and the
// idle time has passed again.
func TestIdleLockWaitsForPendingRequests(t *testing.T) {
	l := newIdleLock(50 * time.Millisecond)
	var busy, locked atomic.Bool
	busy.Store(true)
	lockedAt := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.run(ctx, locked.Load, busy.Load, func() {
		locked.Store(true)
		lockedAt <- struct{}{}
	})
	select {
	case <-lockedAt:
		t.Fatal("locked while a request waited for the user")
	case <-time.After(400 * time.Millisecond): // eight idle periods
	}
	busy.Store(false)
	select {
	case <-lockedAt:
	case <-time.After(5 * time.Second):
		t.Fatal("did not lock once the request was answered and the idle time passed")
	}
}
