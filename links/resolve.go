package links

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Head is what the placeholders of a link are resolved against: the
// signer and the node's head block.
type Head struct {
	Signer         string
	RefBlockNum    uint16
	RefBlockPrefix uint32
	Expiration     time.Time
}

var placeholder = regexp.MustCompile(`__(ref_block_num|ref_block_prefix|expiration|signer)`)

var headerPlaceholder = regexp.MustCompile(`__(ref_block_num|ref_block_prefix|expiration)`)

// opsUseHeader reports whether an operation of the link (not its header)
// holds a header placeholder.
func (l *Link) opsUseHeader() bool {
	raw, err := json.Marshal(l.Tx["operations"])
	return err == nil && headerPlaceholder.Match(raw)
}

// Resolved is a link's transaction with its placeholders filled in.
type Resolved struct {
	// Operations is the JSON array of operations, ready for the
	// transaction decoder.
	Operations json.RawMessage
	// HeaderFromLink says the link fixed the reference block and
	// expiration itself (a sign/tx link without header placeholders);
	// otherwise they are the head's, and are taken again when signing.
	HeaderFromLink bool
	RefBlockNum    uint16
	RefBlockPrefix uint32
	Expiration     time.Time
}

// Resolve replaces the placeholders in every string of the link's
// transaction, as the reference resolver does: __signer by h.Signer, the
// header placeholders by h's values. A header field that is exactly its
// placeholder becomes the number or time itself.
func (l *Link) Resolve(h Head) (*Resolved, error) {
	if l.Tx == nil {
		return nil, bad("a sign/%s link has no transaction", l.Action)
	}
	values := map[string]string{
		"__signer":           h.Signer,
		"__ref_block_num":    strconv.FormatUint(uint64(h.RefBlockNum), 10),
		"__ref_block_prefix": strconv.FormatUint(uint64(h.RefBlockPrefix), 10),
		"__expiration":       h.Expiration.UTC().Format("2006-01-02T15:04:05"),
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			return placeholder.ReplaceAllStringFunc(x, func(m string) string { return values[m] })
		case []any:
			out := make([]any, len(x))
			for i := range x {
				out[i] = walk(x[i])
			}
			return out
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = walk(e)
			}
			return out
		}
		return v
	}
	r := &Resolved{RefBlockNum: h.RefBlockNum, RefBlockPrefix: h.RefBlockPrefix, Expiration: h.Expiration}
	ops, err := json.Marshal(walk(l.Tx["operations"]))
	if err != nil {
		return nil, err
	}
	r.Operations = ops
	fixed := 0
	for _, k := range []string{"ref_block_num", "ref_block_prefix", "expiration"} {
		if s, ok := l.Tx[k].(string); !ok || !strings.HasPrefix(s, "__") {
			fixed++
		}
	}
	switch fixed {
	case 0:
		return r, nil
	case 3:
	default:
		return nil, bad("its transaction fixes some of ref_block_num, ref_block_prefix and expiration and leaves others to the wallet")
	}
	r.HeaderFromLink = true
	num, err1 := uintField(l.Tx["ref_block_num"], 16)
	prefix, err2 := uintField(l.Tx["ref_block_prefix"], 32)
	exp, ok := l.Tx["expiration"].(string)
	t, err3 := time.Parse("2006-01-02T15:04:05", strings.TrimSuffix(exp, "Z"))
	if err1 != nil || err2 != nil || !ok || err3 != nil {
		return nil, bad("its transaction's ref_block_num, ref_block_prefix or expiration is not valid")
	}
	r.RefBlockNum, r.RefBlockPrefix, r.Expiration = uint16(num), uint32(prefix), t.UTC()
	return r, nil
}

func uintField(v any, bits int) (uint64, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return 0, fmt.Errorf("not a number")
	}
	return strconv.ParseUint(s, 10, bits)
}

// callbackTemplate matches the callback's template variables.
var callbackTemplate = regexp.MustCompile(`\{\{(sig|id|block|txn|data)\}\}`)

// Confirmation fills a callback's templates.
type Confirmation struct {
	Sig   string // hex signature
	ID    string // transaction id, empty for a sign-only link
	Block uint32 // block number, zero for a sign-only link
	Txn   uint32 // index in the block
}

// CallbackURL is the link's callback with its templates filled in (each
// value escaped for its place in the URL), or "" if the link has none.
// {{data}} is always empty: no link action carries data back.
func (l *Link) CallbackURL(c Confirmation) string {
	if l.Callback == nil {
		return ""
	}
	vals := map[string]string{"sig": c.Sig, "id": c.ID}
	if c.ID != "" {
		vals["block"] = strconv.FormatUint(uint64(c.Block), 10)
		vals["txn"] = strconv.FormatUint(uint64(c.Txn), 10)
	}
	return callbackTemplate.ReplaceAllStringFunc(l.callback, func(m string) string {
		return urlEscape(vals[m[2:len(m)-2]])
	})
}

// urlEscape escapes what could end a path segment or query value; the
// values are hex digits and decimal numbers, so this changes nothing
// today but keeps it so.
func urlEscape(s string) string {
	return strings.NewReplacer("/", "%2F", "?", "%3F", "#", "%23", "&", "%26", "=", "%3D", " ", "%20").Replace(s)
}
