package wallet

import (
	"strings"
	"testing"
	"time"

	"localsigner/approval"
)

// Credits and shares are written for people, never in exponent notation.
func TestRCWords(t *testing.T) {
	for _, c := range []struct {
		v    int64
		want string
	}{{4210, "4210"}, {13_044_231, "13 million"}, {782_431_527, "782 million"}, {20_000_000_000_000, "20 trillion"}, {1_234_567_890, "1.23 billion"}} {
		if got := rcWords(c.v); got != c.want {
			t.Errorf("rcWords(%d) = %q, want %q", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		part, whole int64
		want        string
	}{{1, 2e12, "under 0.01%"}, {39, 100_000, "0.039%"}, {15, 1000, "1.5%"}, {150, 1000, "15%"}, {5, 0, "all"}} {
		if got := percentWords(c.part, c.whole); got != c.want {
			t.Errorf("percentWords(%d, %d) = %q, want %q", c.part, c.whole, got, c.want)
		}
	}
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{time.Minute, "a minute"}, {40 * time.Minute, "40 minutes"}, {5 * time.Hour, "5 hours"}, {100 * time.Hour, "4 days"}} {
		if got := durationWords(c.d); got != c.want {
			t.Errorf("durationWords(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// The refusal says who lacks how much, that nothing was signed, and when
// there will be enough: the shortfall over the regeneration of the most.
func TestRCRefusal(t *testing.T) {
	if rcRefusal(nil) != nil || rcRefusal(&approval.RC{Text: "the node did not say"}) != nil ||
		rcRefusal(&approval.RC{Text: "x", Cost: 5, Current: 5, Max: 10}) != nil {
		t.Fatal("refused what the account can pay, or an unknown cost")
	}
	err := rcRefusal(&approval.RC{Account: "carol", Text: "x", Cost: 93_600_000, Current: 53_200_000, Max: 100_000_000})
	for _, want := range []string{"not enough resource credits", "@carol has 53.2 million resource credits (RC) now",
		"needs about 93.6 million", "nothing was signed", "in about 2 days there will be enough"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %v lacks %q", err, want)
		}
	}
}
