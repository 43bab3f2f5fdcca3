package earlylocale

import (
	"os"
	"testing"
)

func TestFix(t *testing.T) {
	for _, c := range []struct {
		lcAll, lang, language, want string
	}{
		{"", "C.UTF-8", "", "en"},
		{"", "POSIX.UTF-8", "", "en"},
		{"C.UTF-8", "de_DE.UTF-8", "", "en"},
		{"", "C", "", ""},           // parsed fine already
		{"", "de_DE.UTF-8", "", ""}, // a real locale
		{"", "C.UTF-8", "fr", "fr"}, // the user's choice stays
		{"de_DE.UTF-8", "C.UTF-8", "", ""},
	} {
		t.Setenv("LC_ALL", c.lcAll)
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", c.lang)
		t.Setenv("LANGUAGE", c.language)
		fix()
		if got := os.Getenv("LANGUAGE"); got != c.want {
			t.Errorf("LC_ALL=%q LANG=%q LANGUAGE=%q: LANGUAGE=%q, want %q", c.lcAll, c.lang, c.language, got, c.want)
		}
	}
}
