package app

import (
	"strings"
	"testing"
)

func TestOriginWarnings(t *testing.T) {
	tests := []struct {
		origin string
		want   []string // substrings, one per warning, in order; nil: no warning
	}{
		{"https://peakd.com", nil},
		{"https://beta.peakd.com", nil},
		{"https://www.ecency.com", nil},
		{"https://wallet.hive.blog", nil},
		{"https://dapp.example", nil},
		{"https://hive.vote", nil},
		{"https://hive-engine.com", nil},
		{"http://127.0.0.1:3000", []string{"any program on this computer can receive this answer"}},
		{"http://localhost:8080", []string{"any program on this computer can receive this answer"}},
		{"http://[::1]:8080", []string{"any program on this computer can receive this answer"}},
		{"http://app.localhost", []string{"any program on this computer can receive this answer"}},
		{"http://dapp.example", []string{"plain http"}},
		{"http://192.168.1.20:3000", []string{"plain http"}},
		{"https://peakd.co", []string{"looks like peakd.com"}},
		{"https://paekd.com", []string{"looks like peakd.com"}},
		{"https://peakd.net", []string{"looks like peakd.com"}},
		{"https://peakd.com.evil.io", []string{"looks like peakd.com"}},
		{"https://login-peakd.io", []string{"looks like peakd.com"}},
		{"https://h1ve.blog", []string{"looks like hive.blog"}},
		{"https://ecency.corn", []string{"looks like ecency.com"}},
		{"https://splinterlands.io", []string{"looks like splinterlands.com"}},
		{"https://spIinterlands.com", []string{"looks like splinterlands.com"}},
		{"https://inleo.co", []string{"looks like inleo.io"}},
		{"https://xn--pakd-hqa.com", []string{"international characters", "looks like peakd.com"}},
		{"https://pеakd.com", []string{"international characters", "looks like peakd.com"}}, // Cyrillic е
		{"http://hive.bl0g", []string{"plain http", "looks like hive.blog"}},
		{"javascript:alert(1)", []string{"cannot be read"}},
		{"", []string{"cannot be read"}},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			got := originWarnings(tt.origin, knownHosts)
			if len(got) != len(tt.want) {
				t.Fatalf("warnings %q, want %d matching %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"peakd", "peakd", 0}, {"peakd", "paekd", 2}, {"peakd", "peak", 1}, {"kitten", "sitting", 3}, {"pеakd", "peakd", 1}} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestKnownHostsAreNotLookalikesOfEachOther(t *testing.T) {
	for _, h := range knownHosts {
		if w := originWarnings("https://"+h, knownHosts); len(w) != 0 {
			t.Errorf("%s: %q", h, w)
		}
	}
}
