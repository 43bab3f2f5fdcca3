package authz

import (
	"errors"
	"testing"
)

func TestValidateRedirectURI(t *testing.T) {
	valid := []struct{ uri, origin string }{
		{"https://app.example/cb", "https://app.example"},
		{"https://app.example:443/cb", "https://app.example"},
		{"https://App.Example:8443/cb?x=1", "https://app.example:8443"},
		{"http://127.0.0.1:3000/cb", "http://127.0.0.1:3000"},
		{"http://127.0.0.1/cb", "http://127.0.0.1"},
		{"http://[::1]:3000/cb", "http://[::1]:3000"},
		{"http://localhost:8080/callback", "http://localhost:8080"},
		{"https://[2001:db8::1]/cb", "https://[2001:db8::1]"},
	}
	for _, c := range valid {
		o, err := ValidateRedirectURI(c.uri)
		if err != nil {
			t.Errorf("%s: %v", c.uri, err)
			continue
		}
		if o != c.origin {
			t.Errorf("%s: origin %q, want %q", c.uri, o, c.origin)
		}
	}
	invalid := map[string]string{
		"empty":                 "",
		"relative":              "/cb",
		"scheme-relative":       "//app.example/cb",
		"javascript":            "javascript:alert(1)",
		"javascript-slashes":    "javascript://app.example/%0aalert(1)",
		"data":                  "data:text/html,hi",
		"custom scheme":         "com.example.app:/cb",
		"http non-loopback":     "http://app.example/cb",
		"http suffix trick":     "http://evil127.0.0.1/cb",
		"http loopback prefix":  "http://127.0.0.1.evil.example/cb",
		"http other loopback":   "http://127.0.0.2/cb",
		"http localhost suffix": "http://localhost.evil.example/cb",
		"userinfo":              "https://app.example@evil.example/cb",
		"userinfo loopback":     "http://user:pw@127.0.0.1:3000/cb",
		"fragment":              "https://app.example/cb#x",
		"empty fragment":        "https://app.example/cb#",
		"backslash":             "https://app.example\\@evil.example/cb",
		"space":                 "https://app.example/c b",
		"newline":               "https://app.example/cb\n",
		"non-ascii host":        "https://аpp.example/cb",
		"percent host":          "https://app%2eexample/cb",
		"upper scheme":          "HTTPS://app.example/cb",
		"empty port":            "https://app.example:/cb",
		"port zero":             "https://app.example:0/cb",
		"port big":              "https://app.example:65536/cb",
		"no host":               "https:///cb",
		"ftp":                   "ftp://app.example/cb",
	}
	for name, uri := range invalid {
		if _, err := ValidateRedirectURI(uri); !errors.Is(err, ErrInvalidRedirect) {
			t.Errorf("%s (%q): err = %v, want ErrInvalidRedirect", name, uri, err)
		}
	}
}

func TestMatchRedirectURIIsExact(t *testing.T) {
	reg := []string{"https://app.example/cb", "http://127.0.0.1:3000/cb"}
	match := []string{"https://app.example/cb", "http://127.0.0.1:3000/cb"}
	for _, u := range match {
		if !MatchRedirectURI(reg, u) {
			t.Errorf("%s should match", u)
		}
	}
	miss := []string{
		"https://app.example/cb/more",     // prefix
		"https://app.example/c",           // shorter
		"https://app.example/cb?x=1",      // added query
		"https://app.example/cb/",         // trailing slash
		"https://APP.example/cb",          // case
		"https://app.example:443/cb",      // explicit default port
		"http://127.0.0.1:3001/cb",        // other loopback port
		"http://localhost:3000/cb",        // other loopback name
		"http://[::1]:3000/cb",            // other loopback family
		"https://app.example.evil.io/cb",  // suffix domain
		"https://app.example%2fcb",        // encoding games
		"https://app.example/%63b",        // percent-encoded path
		"https://app.example/cb#fragment", // fragment
	}
	for _, u := range miss {
		if MatchRedirectURI(reg, u) {
			t.Errorf("%s must not match", u)
		}
	}
}
