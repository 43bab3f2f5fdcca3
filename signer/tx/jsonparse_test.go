package tx

import (
	"errors"
	"strings"
	"testing"
)

func TestParseJSON(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // the string value parsed from in, for string inputs
		err      string // substring of the error; empty for success
	}{
		{"escapes", `"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t", ""},
		{"unicode escape", `"\u00e9"`, "é", ""},
		{"surrogate pair", `"\ud83d\ude00"`, "😀", ""},
		{"raw UTF-8", `"héllo"`, "héllo", ""},
		{"lone high surrogate", `"\ud83d"`, "", "unpaired surrogate"},
		{"lone low surrogate", `"\ude00"`, "", "unpaired surrogate"},
		{"high then non-low", `"\ud83d\u0041"`, "", "unpaired surrogate"},
		{"invalid escape", `"\x"`, "", "invalid escape"},
		{"control character", "\"a\nb\"", "", "control character"},
		{"invalid UTF-8", "\"\xc3\x28\"", "", "invalid UTF-8"},
		{"overlong UTF-8", "\"\xc0\xaf\"", "", "invalid UTF-8"},
		{"unterminated", `"abc`, "", "unterminated string"},
		{"leading zero", `01`, "", "trailing data"},
		{"bare minus", `-`, "", "invalid number"},
		{"dot without digits", `1.`, "", "invalid number"},
		{"single quotes", `'a'`, "", "unexpected character"},
		{"trailing comma array", `[1,]`, "", "unexpected character"},
		{"trailing comma object", `{"a":1,}`, "", "expected an object key"},
		{"duplicate after escape", `{"a":1,"\u0061":2}`, "", `duplicate key "a"`},
		{"NaN", `NaN`, "", "unexpected character"},
		{"too deep", strings.Repeat("[", 65) + strings.Repeat("]", 65), "", "nested deeper"},
		{"deep enough", strings.Repeat("[", 64) + strings.Repeat("]", 64), "", ""},
		{"empty", ``, "", "unexpected end"},
		{"white space only", " \n\t", "", "unexpected end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := parseJSON([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want error containing %q", err, tt.err)
				}
				if !errors.Is(err, ErrInvalidJSON) {
					t.Errorf("error does not wrap ErrInvalidJSON: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.kind == jsonString && v.s != tt.want {
				t.Errorf("got %q, want %q", v.s, tt.want)
			}
		})
	}
}

// TestDuplicateKeysInLargeObject exercises the set used for big objects.
func TestDuplicateKeysInLargeObject(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 40; i++ {
		b.WriteString(`"k` + strings.Repeat("x", i) + `":1,`)
	}
	b.WriteString(`"kxxxxx":2}`)
	if _, err := parseJSON([]byte(b.String())); err == nil || !strings.Contains(err.Error(), `duplicate key "kxxxxx"`) {
		t.Errorf("got %v", err)
	}
}

func TestAppendJSONString(t *testing.T) {
	in := "q\"b\\n\n\x01é😀<>&\u2028"
	out := appendJSONString(nil, in)
	v, err := parseJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	if v.s != in {
		t.Errorf("round trip: %q -> %s -> %q", in, out, v.s)
	}
}
