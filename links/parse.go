// Package links is the door for hive:// sign links (the hive-uri spec):
// invoices, QR codes and "pay with Hive" buttons that encode a transaction,
// one or several operations, or a shortcut. It parses a link strictly,
// resolves its placeholders, hands the operations to the wallet as a
// request with no grant (so the user confirms every one, nothing is
// remembered, no allowance applies), and builds the callback. It holds no
// policy and no key.
package links

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"localsigner/signer/tx"
)

// MaxLength bounds a link: far more than any QR code holds, far less than
// would let a link fill memory.
const MaxLength = 64 << 10

// ErrBadLink is what every malformed or refused link wraps; the message
// says what is wrong in words for the user.
var ErrBadLink = errors.New("this hive:// link cannot be used")

// Actions a link may name after hive://sign/.
const (
	ActionTx       = "tx"
	ActionOp       = "op"
	ActionOps      = "ops"
	ActionMsg      = "msg"
	ActionTransfer = "transfer"
	ActionFollow   = "follow"
)

// Link is a parsed hive://sign link. Its operations may still hold
// placeholders; see Resolve.
type Link struct {
	// Action is one of the Action constants.
	Action string
	// Tx is the transaction the link asks to sign, in the JSON API form,
	// with placeholders where the link has them. op, ops and the shortcuts
	// are made into a transaction whose header is all placeholders, as the
	// spec says.
	Tx map[string]any
	// Message is the payload of a sign/msg link.
	Message json.RawMessage
	// Signer is the account the link prefers (s=), empty for none.
	Signer string
	// Authority is the key the link asks for (a=): "", "posting" or
	// "active".
	Authority string
	// NoBroadcast asks to sign without broadcasting (nb).
	NoBroadcast bool
	// Callback is where the result goes (cb=, https only), nil for none;
	// callback is its text as the link wrote it, templates and all.
	Callback *url.URL
	callback string
}

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadLink, fmt.Sprintf(format, args...))
}

// Parse reads a hive://sign link. It refuses, with ErrBadLink and a reason,
// anything that is not one: another scheme or action, a payload that is not
// base64url JSON of the right shape, an oversized link, a repeated or
// malformed parameter, an owner or unknown authority, a callback that is
// not https.
func Parse(uri string) (*Link, error) {
	if len(uri) > MaxLength {
		return nil, bad("it is %d bytes long, more than the %d a link may have", len(uri), MaxLength)
	}
	if !utf8.ValidString(uri) || strings.ContainsAny(uri, " \t\r\n") {
		return nil, bad("it contains spaces or bytes that are not text")
	}
	const prefix = "hive://"
	if len(uri) < len(prefix) || !strings.EqualFold(uri[:len(prefix)], prefix) {
		return nil, bad("it does not start with hive://")
	}
	rest := uri[len(prefix):]
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		return nil, bad("it has a fragment (#…), which no hive:// link has")
	}
	parts := strings.Split(rest, "/")
	if parts[0] != "sign" {
		return nil, bad("%q is not an action Localsigner knows (only hive://sign/… links sign anything)", clip(parts[0]))
	}
	if len(parts) < 3 {
		return nil, bad("it names no payload after hive://sign/")
	}
	l := &Link{Action: parts[1]}
	args := parts[2:]
	var err error
	switch l.Action {
	case ActionTx, ActionOp, ActionOps, ActionMsg:
		if len(args) != 1 {
			return nil, bad("a sign/%s link has one payload, this one has %d parts", l.Action, len(args))
		}
		err = l.payload(args[0])
	case ActionTransfer:
		err = l.transfer(args)
	case ActionFollow:
		err = l.follow(args)
	default:
		return nil, bad("sign/%s is not a signing action (tx, op, ops, msg, transfer, follow)", clip(l.Action))
	}
	if err != nil {
		return nil, err
	}
	if err := l.params(query); err != nil {
		return nil, err
	}
	return l, nil
}

// clip keeps what a refusal repeats of the link short and printable.
func clip(s string) string {
	return tx.CleanText(s, 40)
}

// decodeB64U reads the spec's base64url, where "=" is written ".", and
// plain unpadded base64url, which other encoders write.
func decodeB64U(s string) ([]byte, error) {
	s = strings.TrimRight(strings.ReplaceAll(s, ".", "="), "=")
	return base64.RawURLEncoding.DecodeString(s)
}

// headerPlaceholders is the transaction header of an op, ops or shortcut
// link.
func headerPlaceholders(ops []any) map[string]any {
	return map[string]any{"ref_block_num": "__ref_block_num", "ref_block_prefix": "__ref_block_prefix",
		"expiration": "__expiration", "extensions": []any{}, "operations": ops}
}

func (l *Link) payload(p string) error {
	raw, err := decodeB64U(p)
	if err != nil {
		return bad("its payload is not base64url (%v)", err)
	}
	if l.Action == ActionMsg {
		if !json.Valid(raw) {
			return bad("its message is not JSON")
		}
		l.Message = raw
		return nil
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return bad("its payload is not JSON (%v)", err)
	}
	switch l.Action {
	case ActionTx:
		m, ok := v.(map[string]any)
		if !ok {
			return bad("a sign/tx payload must be a transaction object")
		}
		if ops, ok := m["operations"].([]any); !ok || len(ops) == 0 {
			return bad("its transaction has no operations")
		}
		if sigs, ok := m["signatures"].([]any); ok && len(sigs) > 0 {
			return bad("its transaction is signed already")
		}
		l.Tx = m
	case ActionOp:
		if !isOperation(v) {
			return bad(`a sign/op payload must be one operation, ["name", {…}]`)
		}
		l.Tx = headerPlaceholders([]any{v})
	case ActionOps:
		ops, ok := v.([]any)
		if !ok || len(ops) == 0 {
			return bad("a sign/ops payload must be a list of operations")
		}
		for _, op := range ops {
			if !isOperation(op) {
				return bad(`a sign/ops payload must be a list of ["name", {…}] operations`)
			}
		}
		l.Tx = headerPlaceholders(ops)
	}
	return nil
}

func isOperation(v any) bool {
	a, ok := v.([]any)
	if !ok || len(a) != 2 {
		return false
	}
	_, name := a[0].(string)
	_, body := a[1].(map[string]any)
	return name && body
}

// decodeJSON reads one JSON value with numbers kept as written.
func decodeJSON(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("more than one value")
	}
	return v, nil
}

// transfer is hive://sign/transfer/<to>/<amount>[/<b64u memo>], from the
// signer.
func (l *Link) transfer(args []string) error {
	if len(args) < 2 || len(args) > 3 {
		return bad("a sign/transfer link is transfer/<to>/<amount>[/<memo>]")
	}
	to, err := url.PathUnescape(args[0])
	if err != nil || to == "" {
		return bad("its recipient is not an account name")
	}
	amount, err := url.PathUnescape(args[1])
	if err != nil || amount == "" {
		return bad("its amount is not readable")
	}
	memo := ""
	if len(args) == 3 {
		b, err := decodeB64U(args[2])
		if err != nil || !utf8.Valid(b) {
			return bad("its memo is not base64url text")
		}
		memo = string(b)
	}
	op := []any{"transfer", map[string]any{"from": "__signer", "to": to, "amount": amount, "memo": memo}}
	l.Tx = headerPlaceholders([]any{op})
	return nil
}

// follow is hive://sign/follow/<user>: the signer follows user's blog.
func (l *Link) follow(args []string) error {
	if len(args) != 1 {
		return bad("a sign/follow link is follow/<account>")
	}
	who, err := url.PathUnescape(args[0])
	if err != nil || who == "" {
		return bad("it names no account to follow")
	}
	body, err := json.Marshal([]any{"follow", map[string]any{"follower": "__signer", "following": who, "what": []string{"blog"}}})
	if err != nil {
		return err
	}
	op := []any{"custom_json", map[string]any{"required_auths": []any{}, "required_posting_auths": []any{"__signer"},
		"id": "follow", "json": string(body)}}
	l.Tx = headerPlaceholders([]any{op})
	return nil
}

// params reads the query: s, a, nb, cb; others are ignored, as the
// reference decoder does, but none may repeat.
func (l *Link) params(query string) error {
	if query == "" {
		return nil
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return bad("parameter %q is not properly escaped", clip(k))
		}
		if seen[key] {
			return bad("parameter %q appears twice", clip(key))
		}
		seen[key] = true
		switch key {
		case "s":
			if val == "" {
				return bad("s= names no account")
			}
			l.Signer = val
		case "a":
			switch val {
			case "posting", "active":
				l.Authority = val
			case "owner":
				return bad("it asks for the owner key, which Localsigner never uses for a request")
			default:
				return bad("a=%q is not an authority (posting or active)", clip(val))
			}
		case "nb":
			l.NoBroadcast = true
		case "cb":
			cb, err := decodeB64U(val)
			if err != nil || !utf8.Valid(cb) {
				return bad("its callback is not base64url text")
			}
			u, err := checkCallback(string(cb))
			if err != nil {
				return err
			}
			l.Callback, l.callback = u, string(cb)
		}
	}
	return nil
}

// hostPart is the text between "//" and the next "/", "?" or "#".
func hostPart(s string) string {
	_, rest, ok := strings.Cut(s, "//")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// checkCallback allows https URLs with a host and no user info, and
// nothing else: no http, no javascript:, no data:, no custom schemes.
func checkCallback(s string) (*url.URL, error) {
	// Templates are not URL syntax; check the URL with them blanked.
	probe := callbackTemplate.ReplaceAllString(s, "x")
	u, err := url.Parse(probe)
	switch {
	case err != nil:
		return nil, bad("its callback is not a URL")
	case !strings.EqualFold(u.Scheme, "https"):
		return nil, bad("its callback %q is not https; Localsigner sends results only to https addresses", clip(s))
	case u.Host == "" || u.Hostname() == "":
		return nil, bad("its callback names no host")
	case u.User != nil:
		return nil, bad("its callback carries a user name or password")
	}
	if callbackTemplate.MatchString(hostPart(s)) {
		return nil, bad("its callback's host must not hold a template")
	}
	return u, nil
}
