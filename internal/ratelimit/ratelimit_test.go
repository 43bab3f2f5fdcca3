package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(60, 2, func() time.Time { return now })
	for i := 0; i < 2; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("third: %v %v", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("keys share a bucket")
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("bucket did not refill")
	}
	for i := 0; i < maxBuckets+10; i++ {
		l.Allow(strconv.Itoa(i))
	}
	now = now.Add(time.Hour)
	l.Allow("trigger")
	if len(l.buckets) > maxBuckets+1 {
		t.Fatalf("%d buckets kept", len(l.buckets))
	}
}

// TestLimiterHardBound: keys that are all in use at once (each drained,
// none idle long enough to be full again) still cannot grow the map past
// maxBuckets.
func TestLimiterHardBound(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(1, 1, func() time.Time { return now })
	for i := 0; i < 3*maxBuckets; i++ {
		now = now.Add(time.Millisecond)
		l.Allow("k" + strconv.Itoa(i))
		if n := l.Len(); n > maxBuckets {
			t.Fatalf("%d buckets after %d keys", n, i+1)
		}
	}
	// The newest keys are the ones kept: a drained recent key stays drained.
	if ok, _ := l.Allow("k" + strconv.Itoa(3*maxBuckets-1)); ok {
		t.Fatal("a recent key's drained bucket was dropped")
	}
}
