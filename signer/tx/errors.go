package tx

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors callers can branch on with errors.Is. Every problem with
// the input of Decode, DecodeOperation(s), Serialize and friends is reported
// as a *FieldError naming the JSON path of the offending value, wrapping one
// of these where one applies.
var (
	// ErrInvalidJSON: the input is not well-formed JSON, has a duplicate
	// object key, invalid UTF-8, is nested too deeply or is too large.
	ErrInvalidJSON = errors.New("invalid JSON")
	// ErrUnknownOperation: the operation name or id does not exist on the
	// chain (including Hive virtual operations, which are never signed).
	ErrUnknownOperation = errors.New("unknown operation")
	// ErrUnsupportedOperation: the operation exists but Localsigner refuses
	// to sign it (obsolete, disallowed by the node, or needing authorities a
	// local signer cannot reason about).
	ErrUnsupportedOperation = errors.New("operation not supported")
	// ErrUnknownField: an object has a member the signer does not know. A
	// signer must not silently drop what the user believes they sign.
	ErrUnknownField = errors.New("unknown field")
	// ErrMissingField: a required member is absent.
	ErrMissingField = errors.New("missing field")
	// ErrWrongFamily: an operation of one chain family was put in a
	// transaction for another (a Hive vote on Peerplays).
	ErrWrongFamily = errors.New("operation does not belong to this chain")
)

// FieldError locates a problem in a transaction by its JSON path, for
// example `operations[0][1].amount`, so a user can find the faulty value.
type FieldError struct {
	// Path is the JSON path of the value; empty for the whole document.
	Path string
	// Err is the underlying problem; it may wrap one of the sentinels.
	Err error
}

// Error returns "path: problem".
func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

// Unwrap returns the underlying problem.
func (e *FieldError) Unwrap() error { return e.Err }

// checkError is returned by cross-field checks to blame one member of the
// object being checked; field may be empty to blame the object itself.
type checkError struct {
	field string
	err   error
}

func (e *checkError) Error() string { return e.err.Error() }

func invalid(field, msg string) error {
	return &checkError{field: field, err: errors.New(msg)}
}

// segment is one step of a JSON path: an object key, or an array index when
// key is empty.
type segment struct {
	key   string
	index int
}

// path is a stack of segments. It is only turned into a string when an error
// is reported, so the happy path does not allocate for it.
type path struct {
	segs []segment
}

func (p *path) pushKey(k string) { p.segs = append(p.segs, segment{key: k}) }
func (p *path) pushIndex(i int)  { p.segs = append(p.segs, segment{index: i}) }
func (p *path) pop()             { p.segs = p.segs[:len(p.segs)-1] }
func (p *path) reset()           { p.segs = p.segs[:0] }

// join renders the path with an optional final key.
func (p *path) join(last string) string {
	var b strings.Builder
	for _, s := range p.segs {
		writeSegment(&b, s)
	}
	if last != "" {
		writeSegment(&b, segment{key: last})
	}
	return b.String()
}

func writeSegment(b *strings.Builder, s segment) {
	if s.key == "" {
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(s.index))
		b.WriteByte(']')
		return
	}
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.WriteString(s.key)
}

func (p *path) errorAt(last string, err error) *FieldError {
	return &FieldError{Path: p.join(last), Err: err}
}
