package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	want := map[int]time.Duration{
		0: 0, 1: 0, 2: 0, 3: 4 * time.Second, 4: 8 * time.Second, 5: 16 * time.Second,
		8: 128 * time.Second, 9: 256 * time.Second, 10: maxBackoff, 64: maxBackoff, 1 << 30: maxBackoff,
	}
	for n, d := range want {
		if got := backoffDelay(n); got != d {
			t.Errorf("backoffDelay(%d) = %s, want %s", n, got, d)
		}
	}
}

// openWithClock opens dir with the cheap KDF and a fake clock for backoff.
func openWithClock(t *testing.T, dir string, c *fakeClock) *Vault {
	v := openTest(t, dir)
	v.bo.now = c.Now
	return v
}

func TestBackoffSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	v := openWithClock(t, dir, clock)
	if err := v.Init(passA); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	for i := 1; i <= 2; i++ {
		if err := v.Unlock(passB); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	err := v.Unlock(passB)
	if !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), "4s") {
		t.Fatalf("third failure: %v, want ErrWrongPassphrase announcing 4s", err)
	}

	// Even the right passphrase is refused now, before the header is read
	// (so before Argon2): with the header gone we still get the backoff.
	hdr := filepath.Join(dir, "vault", "items", "header")
	saved, _ := os.ReadFile(hdr)
	os.Rename(hdr, hdr+".away")
	var be *BackoffError
	if err := v.Unlock(passA); !errors.As(err, &be) || be.Wait != 4*time.Second || be.Failures != 3 {
		t.Fatalf("during backoff: %v, want a 4s *BackoffError after 3 failures", err)
	}
	os.Rename(hdr+".away", hdr)

	// A restart does not reset it.
	clock.Advance(time.Second)
	v2 := openWithClock(t, dir, clock)
	if err := v2.Unlock(passA); !errors.As(err, &be) || be.Wait != 3*time.Second || !errors.Is(err, ErrBackoff) {
		t.Fatalf("after restart: %v, want 3s left", err)
	}
	clock.Advance(3 * time.Second)
	if err := v2.Unlock(passB); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("fourth failure: %v", err)
	}
	clock.Advance(7 * time.Second)
	if err := v2.Unlock(passA); !errors.As(err, &be) || be.Wait != time.Second {
		t.Fatalf("after the fourth failure: %v, want 1s of 8s left", err)
	}
	clock.Advance(time.Second)
	if err := v2.Unlock(passA); err != nil {
		t.Fatalf("right passphrase after the wait: %v", err)
	}
	if got, _ := os.ReadFile(hdr); string(got) != string(saved) {
		t.Fatal("header changed")
	}
	// Success resets the count: one more failure costs nothing.
	if err := v2.Unlock(passB); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatal(err)
	}
	if err := v2.Unlock(passA); err != nil {
		t.Fatalf("after reset: %v", err)
	}
}

func TestBackoffFileDamage(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	v := openWithClock(t, dir, clock)
	if err := v.Init(passA); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vault", backoffFile)
	for _, tc := range []struct {
		name, content string
		wait          time.Duration
	}{
		{"garbage", "\x00\xffnot json", 0},
		{"empty", "", 0},
		{"negative", `{"v":1,"failures":-5,"next_unix_ms":0}`, 0},
		{"far future", `{"v":1,"failures":3,"next_unix_ms":99999999999999}`, maxBackoff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			err := v.Unlock(passA)
			var be *BackoffError
			switch {
			case tc.wait == 0 && err != nil:
				t.Fatalf("Unlock: %v", err)
			case tc.wait > 0 && (!errors.As(err, &be) || be.Wait != tc.wait):
				t.Fatalf("Unlock: %v, want a wait of %s", err, tc.wait)
			}
		})
	}
}
