// Package passphrase holds the one rule for how strong a vault passphrase
// must be, so that the first-run screen's meter and the command line's
// init and passwd accept and refuse the same passphrases.
package passphrase

import (
	"math"
	"slices"
	"strings"
	"unicode"
)

// Strength is an estimate of how hard a passphrase is to guess, for the
// meter on the first-run screen and the command line's check. It is deliberately simple and errs on the
// side of a lower score: it cannot know the attacker's word lists, so it
// only recognises the obvious weaknesses (short, one character class,
// repeats and runs, common passwords, a few dictionary words).
type Strength struct {
	// Score is 0 (very weak) to 4 (strong).
	Score int
	// Bits is the estimated entropy.
	Bits float64
	// Label names the score: "very weak", "weak", "fair", "good", "strong".
	Label string
	// Hint says how to do better; empty when strong.
	Hint string
}

// MinScore is the least score the first run and the command line accept
// for the vault passphrase: "fair", about 45 bits, which with Argon2id at 256 MiB per
// guess is out of reach of an offline attack on a stolen vault file.
const MinScore = 2

var strengthLabels = [...]string{"very weak", "weak", "fair", "good", "strong"}

// commonPasswords are parts that add almost nothing: they are the first
// guesses of any cracker (and the names of this app and its chains).
var commonPasswords = []string{
	"password", "passwort", "passphrase", "123456", "12345", "qwerty", "azerty", "letmein",
	"welcome", "admin", "iloveyou", "monkey", "dragon", "master", "secret", "abc123",
	"football", "baseball", "sunshine", "princess", "shadow", "trustno1", "login",
	"hive", "peakd", "steem", "peerplays", "localsigner", "bitcoin", "crypto", "wallet",
}

// Estimate scores a passphrase. Characters are counted by class
// (lower, upper, digit, symbol, space, other) for the per-character pool;
// a character repeating or continuing a run of the previous one (aaa, abc,
// 321) counts one bit; a common password counts ten bits. A passphrase of
// several words is scored at most 13 bits per word (a 7776-word list), so
// "correct horse battery staple" is fair, not strong; anything shorter than
// 12 characters is at best fair.
func Estimate(p string) Strength {
	rs := []rune(p)
	if len(rs) == 0 {
		return Strength{Label: strengthLabels[0], Hint: "Choose a passphrase of several words."}
	}
	var lower, upper, digit, symbol, space, other bool
	for _, r := range rs {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r == ' ':
			space = true
		case r < 0x80 && unicode.IsPrint(r):
			symbol = true
		default:
			other = true
		}
	}
	pool := 0
	for _, c := range []struct {
		on   bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {symbol, 33}, {space, 1}, {other, 100}} {
		if c.on {
			pool += c.size
		}
	}
	perChar := math.Log2(float64(pool))

	// Mark characters covered by a common password: they count ten bits
	// per occurrence instead of their length's worth.
	low := []rune(strings.ToLower(p))
	covered := make([]bool, len(low))
	found := 0
	for _, w := range commonPasswords {
		wr := []rune(w)
		for i := 0; i+len(wr) <= len(low); i++ {
			if string(low[i:i+len(wr)]) == w {
				for j := i; j < i+len(wr); j++ {
					covered[j] = true
				}
				found++
				i += len(wr) - 1
			}
		}
	}
	bits := float64(found) * 10
	for i, r := range low {
		if covered[i] {
			continue
		}
		if i > 0 && !covered[i-1] {
			d := r - low[i-1]
			if d == 0 || d == 1 || d == -1 {
				bits++ // repeat or run: aaa, abc, 987
				continue
			}
		}
		bits += perChar
	}

	// Several words separated by spaces, dashes, dots or underscores: a
	// word list attack costs about 13 bits a distinct word (10 for a
	// common password, 1 for a repeat).
	words := strings.FieldsFunc(p, func(r rune) bool { return r == ' ' || r == '-' || r == '_' || r == '.' })
	if len(words) >= 3 {
		seen := map[string]bool{}
		wordBits := 0.0
		for _, w := range words {
			lw := strings.ToLower(w)
			switch {
			case seen[lw]:
				wordBits++
			case slices.Contains(commonPasswords, lw):
				wordBits += 10
			default:
				wordBits += math.Log2(7776)
			}
			seen[lw] = true
		}
		if digit || upper || symbol {
			wordBits += 6 // some variation beyond the plain words
		}
		bits = math.Min(bits, wordBits)
	}
	// Short passwords full of substitutions (Tr0ub4dor&3) are dictionary
	// words in disguise more often than not: under 12 characters, "fair"
	// is the best they get.
	if len(rs) < 12 {
		bits = math.Min(bits, 59)
	}

	var score int
	switch {
	case bits < 28:
		score = 0
	case bits < 45:
		score = 1
	case bits < 60:
		score = 2
	case bits < 75:
		score = 3
	default:
		score = 4
	}
	s := Strength{Score: score, Bits: bits, Label: strengthLabels[score]}
	switch {
	case found > 0 && score < 3:
		s.Hint = "Avoid common passwords and names; add unrelated words."
	case len(words) >= 3 && score < 3:
		s.Hint = "Add another word or two, chosen at random."
	case len(rs) < 12 && score < 3:
		s.Hint = "Make it longer: four or more random words are easy to remember."
	case score < 3:
		s.Hint = "Add more words or characters."
	}
	return s
}
