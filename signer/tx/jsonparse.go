package tx

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a small strict JSON parser. encoding/json is not used for
// input because it accepts duplicate object keys (last one wins) and quietly
// replaces invalid UTF-8 with U+FFFD: in a signer either would let the bytes
// signed differ from what the user was shown.

// maxJSONDepth bounds nesting; real transactions need fewer than 10 levels.
const maxJSONDepth = 64

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

func (k jsonKind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// jsonValue is a parsed JSON value. Numbers keep their literal text so that
// integers of any size are read exactly.
type jsonValue struct {
	kind jsonKind
	b    bool
	s    string // string contents, or the literal of a number
	arr  []jsonValue
	obj  []jsonMember
}

type jsonMember struct {
	key string
	val jsonValue
}

type jsonParser struct {
	data  []byte
	pos   int
	depth int
	path  path
}

// parseJSON parses exactly one JSON value with optional surrounding white
// space.
func parseJSON(data []byte) (jsonValue, error) {
	p := &jsonParser{data: data}
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return jsonValue{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return jsonValue{}, p.fail("trailing data after the JSON value")
	}
	return v, nil
}

func (p *jsonParser) fail(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return p.path.errorAt("", fmt.Errorf("%w: %s at byte %d", ErrInvalidJSON, msg, p.pos))
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (jsonValue, error) {
	if p.pos >= len(p.data) {
		return jsonValue{}, p.fail("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.string()
		return jsonValue{kind: jsonString, s: s}, err
	case c == '-' || ('0' <= c && c <= '9'):
		return p.number()
	case c == 't':
		return jsonValue{kind: jsonBool, b: true}, p.literal("true")
	case c == 'f':
		return jsonValue{kind: jsonBool}, p.literal("false")
	case c == 'n':
		return jsonValue{kind: jsonNull}, p.literal("null")
	default:
		return jsonValue{}, p.fail("unexpected character %q", c)
	}
}

func (p *jsonParser) literal(word string) error {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return p.fail("invalid literal")
	}
	p.pos += len(word)
	return nil
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxJSONDepth {
		return p.fail("nested deeper than %d levels", maxJSONDepth)
	}
	return nil
}

func (p *jsonParser) object() (jsonValue, error) {
	if err := p.enter(); err != nil {
		return jsonValue{}, err
	}
	p.pos++ // '{'
	v := jsonValue{kind: jsonObject}
	var seen map[string]struct{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return v, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return jsonValue{}, p.fail("expected an object key")
		}
		key, err := p.string()
		if err != nil {
			return jsonValue{}, err
		}
		if p.duplicate(v.obj, &seen, key) {
			return jsonValue{}, p.fail("duplicate key %q", key)
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return jsonValue{}, p.fail("expected ':' after object key")
		}
		p.pos++
		p.skipSpace()
		p.path.pushKey(key)
		val, err := p.value()
		if err != nil {
			return jsonValue{}, err
		}
		p.path.pop()
		v.obj = append(v.obj, jsonMember{key: key, val: val})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return jsonValue{}, p.fail("unexpected end of input in object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.depth--
			return v, nil
		default:
			return jsonValue{}, p.fail("expected ',' or '}' in object")
		}
	}
}

// duplicate reports whether key already occurs in members. Small objects are
// scanned; large ones get a set so hostile input cannot make this quadratic.
func (p *jsonParser) duplicate(members []jsonMember, seen *map[string]struct{}, key string) bool {
	const scanLimit = 16
	if len(members) < scanLimit {
		for _, m := range members {
			if m.key == key {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]struct{}, 2*len(members))
		for _, m := range members {
			(*seen)[m.key] = struct{}{}
		}
	}
	if _, ok := (*seen)[key]; ok {
		return true
	}
	(*seen)[key] = struct{}{}
	return false
}

func (p *jsonParser) array() (jsonValue, error) {
	if err := p.enter(); err != nil {
		return jsonValue{}, err
	}
	p.pos++ // '['
	v := jsonValue{kind: jsonArray}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return v, nil
	}
	for i := 0; ; i++ {
		p.skipSpace()
		p.path.pushIndex(i)
		val, err := p.value()
		if err != nil {
			return jsonValue{}, err
		}
		p.path.pop()
		v.arr = append(v.arr, val)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return jsonValue{}, p.fail("unexpected end of input in array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			return v, nil
		default:
			return jsonValue{}, p.fail("expected ',' or ']' in array")
		}
	}
}

// number accepts the RFC 8259 grammar and keeps the literal.
func (p *jsonParser) number() (jsonValue, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	if p.pos >= len(p.data) || !isDigit(p.data[p.pos]) {
		return jsonValue{}, p.fail("invalid number")
	}
	if p.data[p.pos] == '0' {
		p.pos++
	} else {
		p.digits()
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return jsonValue{}, p.fail("invalid number")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return jsonValue{}, p.fail("invalid number")
		}
	}
	return jsonValue{kind: jsonNumber, s: string(p.data[start:p.pos])}, nil
}

func (p *jsonParser) digits() int {
	n := 0
	for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
		p.pos++
		n++
	}
	return n
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// string reads a quoted string, resolving escapes and insisting on valid
// UTF-8 and paired surrogates.
func (p *jsonParser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: plain ASCII without escapes.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := string(p.data[start:p.pos])
			p.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		p.pos++
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for {
		if p.pos >= len(p.data) {
			return "", p.fail("unterminated string")
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.fail("control character in string")
		case c == '\\':
			var err error
			if buf, err = p.escape(buf); err != nil {
				return "", err
			}
		case c < 0x80:
			buf = append(buf, c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && size <= 1 {
				return "", p.fail("invalid UTF-8 in string")
			}
			buf = append(buf, p.data[p.pos:p.pos+size]...)
			p.pos += size
		}
	}
}

func (p *jsonParser) escape(buf []byte) ([]byte, error) {
	if p.pos+1 >= len(p.data) {
		return nil, p.fail("unterminated escape")
	}
	e := p.data[p.pos+1]
	p.pos += 2
	switch e {
	case '"', '\\', '/':
		return append(buf, e), nil
	case 'b':
		return append(buf, '\b'), nil
	case 'f':
		return append(buf, '\f'), nil
	case 'n':
		return append(buf, '\n'), nil
	case 'r':
		return append(buf, '\r'), nil
	case 't':
		return append(buf, '\t'), nil
	case 'u':
		r, err := p.hex4()
		if err != nil {
			return nil, err
		}
		if utf16.IsSurrogate(r) {
			if r >= 0xdc00 || p.pos+1 >= len(p.data) || p.data[p.pos] != '\\' || p.data[p.pos+1] != 'u' {
				return nil, p.fail("unpaired surrogate in string")
			}
			p.pos += 2
			lo, err := p.hex4()
			if err != nil {
				return nil, err
			}
			r = utf16.DecodeRune(r, lo)
			if r == utf8.RuneError {
				return nil, p.fail("unpaired surrogate in string")
			}
		}
		return utf8.AppendRune(buf, r), nil
	default:
		return nil, p.fail("invalid escape \\%c", e)
	}
}

func (p *jsonParser) hex4() (rune, error) {
	if len(p.data)-p.pos < 4 {
		return 0, p.fail("short \\u escape")
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, p.fail("invalid \\u escape")
		}
	}
	p.pos += 4
	return r, nil
}
