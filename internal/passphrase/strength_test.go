package passphrase

import "testing"

func TestEstimateStrength(t *testing.T) {
	tests := []struct {
		pass string
		want int // score
	}{
		{"", 0},
		{"password", 0},
		{"hive1234", 0},
		{"aaaaaaaaaaaaaaaaaaaa", 0},
		{"abcdefghijklmnop", 0},
		{"Tr0ub4dor&3", 2},
		{"correct horse battery staple", 2},
		{"correct-horse-battery-staple-gravel", 3},
		{"ochre Lantern 7 quietly hums tundra", 4},
		{"ochre lantern quietly hums", 2},
		{"ochre lantern quietly hums tundra", 3},
		{"G7#kq9!vZ2@mW4$xR8^p", 4},
		{"password password password", 0},
	}
	for _, tt := range tests {
		t.Run(tt.pass, func(t *testing.T) {
			s := Estimate(tt.pass)
			if s.Score != tt.want {
				t.Errorf("score %d (%s, %.0f bits), want %d", s.Score, s.Label, s.Bits, tt.want)
			}
			if s.Score < 3 && s.Hint == "" {
				t.Error("no hint for a weak passphrase")
			}
		})
	}
}
