package hiveauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// ErrBadLink is a has:// link that cannot be used; the error says why.
var ErrBadLink = errors.New("not a usable has:// link")

// MaxLink bounds a has:// link; a real one is about 250 characters.
const MaxLink = 4096

// AuthLink is what a has://auth_req link hands the PKSA: which account a
// dapp wants to sign in, the relay's request id, the session key the dapp
// made (auth_key), and the relay to meet on.
type AuthLink struct {
	Account string `json:"account"`
	UUID    string `json:"uuid"`
	Key     string `json:"key"`
	Host    string `json:"host"`
}

var (
	uuidRE    = regexp.MustCompile(`^[0-9A-Za-z-]{8,64}$`)
	accountRE = regexp.MustCompile(`^[a-z][a-z0-9.-]{2,15}$`)
)

// ParseAuthLink reads a has://auth_req/<base64 JSON> link. Errors wrap
// ErrBadLink and name what is wrong; the key is never in them.
func ParseAuthLink(uri string) (*AuthLink, error) {
	if len(uri) > MaxLink {
		return nil, fmt.Errorf("%w: it is %d characters, at most %d", ErrBadLink, len(uri), MaxLink)
	}
	rest, ok := strings.CutPrefix(uri, "has://")
	if !ok {
		return nil, fmt.Errorf("%w: it does not start with has://", ErrBadLink)
	}
	payload, ok := strings.CutPrefix(rest, "auth_req/")
	if !ok {
		action, _, _ := strings.Cut(rest, "/")
		return nil, fmt.Errorf("%w: the action %q is not auth_req, the only one a PKSA is handed", ErrBadLink, printable(action))
	}
	payload = strings.TrimRight(payload, "/")
	if p, err := url.PathUnescape(payload); err == nil {
		payload = p
	}
	raw, err := decodeBase64(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: its payload is not base64", ErrBadLink)
	}
	var l AuthLink
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%w: its payload is not the JSON object {account, uuid, key, host}", ErrBadLink)
	}
	switch {
	case !accountRE.MatchString(l.Account):
		return nil, fmt.Errorf("%w: %q is not a Hive account name", ErrBadLink, printable(l.Account))
	case !uuidRE.MatchString(l.UUID):
		return nil, fmt.Errorf("%w: the request id is missing or malformed", ErrBadLink)
	case len(l.Key) < 16 || len(l.Key) > 256:
		return nil, fmt.Errorf("%w: the session key is missing, or shorter than 16 or longer than 256 characters", ErrBadLink)
	}
	if l.Host != "" {
		h, err := NormalizeRelay(l.Host)
		if err != nil {
			return nil, fmt.Errorf("%w: its relay: %w", ErrBadLink, err)
		}
		l.Host = h
	}
	return &l, nil
}

// NormalizeRelay checks a relay URL (wss://, or ws:// to a loopback
// address) and returns it without a trailing slash, the form links and
// settings are compared in.
func NormalizeRelay(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not a ws:// or wss:// URL", printable(s))
	}
	switch u.Scheme {
	case "wss":
	case "ws":
		if h := u.Hostname(); h != "127.0.0.1" && h != "::1" && h != "localhost" {
			return "", fmt.Errorf("%s: a relay is reached over wss://; ws:// only on this machine", u.Host)
		}
	default:
		return "", fmt.Errorf("%q is not a ws:// or wss:// URL", printable(s))
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/"), nil
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// printable cuts s to 64 characters and drops control characters, for
// quoting hostile text in an error.
func printable(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i >= 64 {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x200b && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
