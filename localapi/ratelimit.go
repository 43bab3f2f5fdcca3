package localapi

import (
	"math"
	"sync"
	"time"
)

// Rate limits a client per endpoint. A page on any website can make the
// browser send requests here, so every endpoint answers a flood with 429 and
// Retry-After instead of work (and, for authorize, prompts).

// Limits configures the rate limits. Zero fields take the defaults.
type Limits struct {
	// PerMinute and Burst bound requests per client (or, without a client
	// id, per remote address) per endpoint. Defaults: 60 and 20.
	PerMinute, Burst int
	// PromptsPerMinute and PromptBurst bound approval prompts per redirect
	// origin. Defaults: 2 and 3.
	PromptsPerMinute, PromptBurst int
	// MaxPending bounds the approval queue in all (default 16) and per
	// origin (MaxPendingPerOrigin, default 3).
	MaxPending, MaxPendingPerOrigin int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.PerMinute, 60)
	def(&l.Burst, 20)
	def(&l.PromptsPerMinute, 2)
	def(&l.PromptBurst, 3)
	def(&l.MaxPending, 16)
	def(&l.MaxPendingPerOrigin, 3)
	return l
}

// maxBuckets bounds the limiter's memory; beyond it, full (idle) buckets
// are dropped, which loses nothing since a full bucket is the default.
const maxBuckets = 4096

// limiter is a set of token buckets keyed by string.
type limiter struct {
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

func newLimiter(perMinute, burst int, now func() time.Time) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(burst), now: now, buckets: make(map[string]*bucket)}
}

// allow takes a token for key. If none is left it returns false and how
// long until one is.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.pruneLocked(now)
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

func (l *limiter) pruneLocked(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}
