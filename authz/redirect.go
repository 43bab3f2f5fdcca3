package authz

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// maxRedirectURI bounds a redirect URI; browsers accept longer ones, but no
// callback needs more and the value is shown to the user.
const maxRedirectURI = 2048

// ValidateRedirectURI checks that raw may ever be used as a redirect URI and
// returns the browser origin it redirects to (scheme://host[:port], with the
// default port left out, as a browser writes the Origin header).
//
// Allowed are https URIs on any host, and http URIs whose host is a loopback
// address (127.0.0.1, [::1]) or "localhost" (RFC 8252 §7.3, §8.3). Refused
// are: relative or opaque URIs, other schemes (javascript:, data:, custom
// schemes), userinfo (https://app@evil.example), fragments (even an empty
// "#"), backslashes, control characters, spaces and non-ASCII bytes (which
// browsers normalise in ways a string compare cannot follow), and
// percent-escapes in the host.
//
// Validity is not permission: a request's redirect URI must also equal, byte
// for byte, one registered for or first approved for its client (see
// MatchRedirectURI). Loopback redirects do not get the port leniency RFC
// 8252 §7.3 allows for native apps: the port is part of the exact match,
// because here the "native app" is any web page, and a port is the only
// thing telling two local dev servers apart.
func ValidateRedirectURI(raw string) (origin string, err error) {
	if raw == "" {
		return "", fmt.Errorf("%w: missing", ErrInvalidRedirect)
	}
	if len(raw) > maxRedirectURI {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalidRedirect, maxRedirectURI)
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c <= ' ' || c >= 0x7f || c == '\\' {
			return "", fmt.Errorf("%w: contains a space, control, backslash or non-ASCII character", ErrInvalidRedirect)
		}
	}
	if strings.Contains(raw, "#") {
		return "", fmt.Errorf("%w: must not contain a fragment", ErrInvalidRedirect)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: not a URI", ErrInvalidRedirect)
	}
	if u.Opaque != "" || !u.IsAbs() || !strings.HasPrefix(raw, u.Scheme+"://") {
		return "", fmt.Errorf("%w: must be an absolute http(s) URI", ErrInvalidRedirect)
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return "", fmt.Errorf("%w: must not contain userinfo", ErrInvalidRedirect)
	}
	host := u.Hostname()
	if host == "" || strings.Contains(u.Host, "%") {
		return "", fmt.Errorf("%w: missing or invalid host", ErrInvalidRedirect)
	}
	if p := u.Port(); p != "" && !validPort(p) {
		return "", fmt.Errorf("%w: invalid port", ErrInvalidRedirect)
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", fmt.Errorf("%w: empty port", ErrInvalidRedirect)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopbackHost(host) {
			return "", fmt.Errorf("%w: http is allowed only on 127.0.0.1, [::1] or localhost", ErrInvalidRedirect)
		}
	default:
		return "", fmt.Errorf("%w: scheme must be https, or http on a loopback host", ErrInvalidRedirect)
	}
	return originOf(u), nil
}

// MatchRedirectURI reports whether got is exactly one of allowed. No
// normalisation at all: prefix, case, port, trailing slash and query
// variations are all mismatches (RFC 9700 §4.1.3).
func MatchRedirectURI(allowed []string, got string) bool {
	for _, a := range allowed {
		if a == got {
			return true
		}
	}
	return false
}

// IsLoopbackHost reports whether host (without port or brackets) is one of
// the loopback names a local redirect may use. Only the two canonical IP
// literals and "localhost" count: "127.0.0.2" or "localhost.example" do not.
func IsLoopbackHost(host string) bool {
	switch strings.ToLower(host) {
	case "127.0.0.1", "::1", "localhost":
		return true
	}
	return false
}

// LoopbackOrigin reports whether origin ("http://127.0.0.1:3000") is on one
// of the loopback names IsLoopbackHost accepts.
func LoopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && IsLoopbackHost(u.Hostname())
}

func validPort(p string) bool {
	if len(p) == 0 || len(p) > 5 || (len(p) > 1 && p[0] == '0') {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n > 0 && n <= 65535
}

// originOf writes u's origin as a browser would in the Origin header.
func originOf(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port == "" {
		if strings.Contains(host, ":") {
			return scheme + "://[" + host + "]"
		}
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// OriginOf returns the browser origin of a redirect URI that passed
// ValidateRedirectURI, or "" for anything else.
func OriginOf(redirectURI string) string {
	o, err := ValidateRedirectURI(redirectURI)
	if err != nil {
		return ""
	}
	return o
}
