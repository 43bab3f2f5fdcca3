// Package ratelimit is a set of token buckets keyed by string: the local
// API's per-client limits and the wallet's per-origin prompt limits. Any
// page on any website can make the browser send requests to loopback, so a
// flood must cost a map lookup, not work or prompts.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// maxBuckets bounds the memory, hard: beyond it, full (idle) buckets are
// dropped, which loses nothing since a full bucket is the default, and if
// every bucket is in use the one used longest ago goes.
const maxBuckets = 4096

// Limiter allows perMinute events per key, in bursts of up to burst. Safe
// for concurrent use.
type Limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a limiter; now is the clock (nil: time.Now).
func New(perMinute, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{rate: float64(perMinute) / 60, burst: float64(burst), now: now, buckets: make(map[string]*bucket)}
}

// Allow takes a token for key. If none is left it returns false and how
// long until one is.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.pruneLocked(now)
		}
		if len(l.buckets) >= maxBuckets {
			l.evictOldestLocked()
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

func (l *Limiter) pruneLocked(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// evictOldestLocked drops the bucket used longest ago. It costs a scan, but
// only when maxBuckets keys are all in use at once.
func (l *Limiter) evictOldestLocked() {
	var oldest string
	var at time.Time
	for k, b := range l.buckets {
		if oldest == "" || b.last.Before(at) {
			oldest, at = k, b.last
		}
	}
	delete(l.buckets, oldest)
}

// Len is how many buckets the limiter holds (tests, and the bound's proof).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
