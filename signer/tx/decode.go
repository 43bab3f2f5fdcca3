package tx

import (
	"encoding/json"
	"errors"
	"fmt"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

// Decode reads a transaction in the chain's JSON API form (what
// condenser_api.broadcast_transaction or Peerplays' broadcast_transaction
// take) and validates it completely. Operations may be [name, {…}] or
// [id, {…}] pairs, or Hive HF26 {"type": "…_operation", "value": {…}}
// objects. Missing "extensions" and "signatures" mean none.
func Decode(c *chain.Chain, data []byte) (*Transaction, error) {
	if c == nil {
		return nil, errors.New("tx: nil chain")
	}
	if len(data) > MaxJSONSize {
		return nil, &FieldError{Err: fmt.Errorf("%w: %d bytes, at most %d allowed", ErrInvalidJSON, len(data), MaxJSONSize)}
	}
	root, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	d := &decoder{c: c}
	t := &Transaction{Chain: c}
	d.transaction(&root, t)
	if d.err != nil {
		return nil, d.err
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// DecodeOperation reads one operation (as in a transaction's "operations"
// list) and validates it. Error paths start with "operation".
func DecodeOperation(c *chain.Chain, raw json.RawMessage) (Operation, error) {
	ops, err := decodeOps(c, raw, false)
	if err != nil {
		return nil, err
	}
	return ops[0], nil
}

// DecodeOperations reads a JSON array of operations, e.g. what a dapp asks
// to have signed, and validates each. Error paths start with "operations".
func DecodeOperations(c *chain.Chain, raw json.RawMessage) ([]Operation, error) {
	return decodeOps(c, raw, true)
}

func decodeOps(c *chain.Chain, raw json.RawMessage, list bool) ([]Operation, error) {
	if c == nil {
		return nil, errors.New("tx: nil chain")
	}
	if len(raw) > MaxJSONSize {
		return nil, &FieldError{Err: fmt.Errorf("%w: %d bytes, at most %d allowed", ErrInvalidJSON, len(raw), MaxJSONSize)}
	}
	root, err := parseJSON(raw)
	if err != nil {
		return nil, err
	}
	d := &decoder{c: c}
	var ops []Operation
	if list {
		ops = d.operations(&root)
		if d.err == nil && len(ops) == 0 {
			d.failf("", "at least one operation is required")
		}
	} else {
		d.path.pushKey("operation")
		ops = []Operation{d.operation(&root)}
	}
	if d.err != nil {
		return nil, d.err
	}
	e := getEncoder(c)
	defer putEncoder(e)
	for i, op := range ops {
		e.path.reset()
		if list {
			e.path.pushKey("operations")
			e.path.pushIndex(i)
		} else {
			e.path.pushKey("operation")
		}
		e.operation(op)
		if e.err != nil {
			return nil, e.err
		}
	}
	return ops, nil
}

// decoder is the visitor that fills Go values from parsed JSON. It checks
// JSON types and integer ranges; the semantic rules are the encoder's, which
// Decode runs afterwards.
type decoder struct {
	c    *chain.Chain
	path path
	obj  *jsonValue // object whose members are being read
	used []bool     // members of obj already read
	err  error
}

func (d *decoder) fail(field string, err error) {
	if d.err == nil {
		d.err = d.path.errorAt(field, err)
	}
}

func (d *decoder) failf(field, format string, args ...any) {
	if d.err == nil {
		d.fail(field, fmt.Errorf(format, args...))
	}
}

// member returns the value of member name of the current object and marks
// it read. A missing member is an error when required.
func (d *decoder) member(name string, required bool) *jsonValue {
	if d.err != nil {
		return nil
	}
	for i := range d.obj.obj {
		if d.obj.obj[i].key == name {
			d.used[i] = true
			return &d.obj.obj[i].val
		}
	}
	if required {
		d.fail(name, ErrMissingField)
	}
	return nil
}

// within reads the members of object v (at path segment name, or index when
// name is empty) with read, then rejects members nobody asked for.
func (d *decoder) within(v *jsonValue, read func()) {
	if v.kind != jsonObject {
		d.failf("", "must be an object, not %s", v.kind)
		return
	}
	savedObj, savedUsed := d.obj, d.used
	d.obj, d.used = v, make([]bool, len(v.obj))
	read()
	if d.err == nil {
		for i, u := range d.used {
			if !u {
				d.fail(v.obj[i].key, ErrUnknownField)
				break
			}
		}
	}
	d.obj, d.used = savedObj, savedUsed
}

func (d *decoder) transaction(root *jsonValue, t *Transaction) {
	d.within(root, func() {
		d.u16("ref_block_num", &t.RefBlockNum, 0xffff)
		d.u32("ref_block_prefix", &t.RefBlockPrefix)
		d.timeSec("expiration", &t.Expiration)
		if v := d.member("operations", true); v != nil {
			d.path.pushKey("operations")
			t.Operations = d.operations(v)
			d.path.pop()
		}
		d.emptyExtensions("extensions", extSet)
		if v := d.member("signatures", false); v != nil {
			t.Signatures = d.signatures(v)
		}
	})
}

// operations reads the operation list; the caller has pushed its path.
func (d *decoder) operations(v *jsonValue) []Operation {
	if v.kind != jsonArray {
		d.failf("", "must be an array, not %s", v.kind)
		return nil
	}
	if len(v.arr) > MaxOperations {
		d.failf("", "%d operations, at most %d allowed", len(v.arr), MaxOperations)
		return nil
	}
	ops := make([]Operation, 0, len(v.arr))
	for i := range v.arr {
		d.path.pushIndex(i)
		op := d.operation(&v.arr[i])
		d.path.pop()
		if d.err != nil {
			return nil
		}
		ops = append(ops, op)
	}
	return ops
}

// operation reads [name or id, {…}] or {"type": …, "value": {…}}.
func (d *decoder) operation(v *jsonValue) Operation {
	var kind, body *jsonValue
	var bodySeg segment
	switch v.kind {
	case jsonArray:
		if len(v.arr) != 2 {
			d.failf("", "an operation must be a [name, {fields}] pair")
			return nil
		}
		kind, body, bodySeg = &v.arr[0], &v.arr[1], segment{index: 1}
	case jsonObject:
		d.within(v, func() {
			kind, body = d.member("type", true), d.member("value", true)
		})
		bodySeg = segment{key: "value"}
	default:
		d.failf("", "an operation must be a [name, {fields}] pair")
	}
	if d.err != nil {
		return nil
	}
	table := tableFor(d.c)
	var op Operation
	var err error
	switch kind.kind {
	case jsonString:
		op, err = table.lookupName(kind.s)
	case jsonNumber:
		var id uint64
		if id, err = parseUint(kind, 0xffffffff); err == nil {
			op, err = table.lookupID(id)
		}
	default:
		err = fmt.Errorf("operation name must be a string or a number, not %s", kind.kind)
	}
	if err != nil {
		if v.kind == jsonArray {
			d.path.pushIndex(0)
			d.fail("", err)
			d.path.pop()
		} else {
			d.fail("type", err)
		}
		return nil
	}
	d.path.segs = append(d.path.segs, bodySeg)
	d.within(body, func() { op.fields(d) })
	d.path.pop()
	return op
}

func (d *decoder) signatures(v *jsonValue) []keys.Signature {
	d.path.pushKey("signatures")
	defer d.path.pop()
	if v.kind != jsonArray {
		d.failf("", "must be an array, not %s", v.kind)
		return nil
	}
	var sigs []keys.Signature
	for i := range v.arr {
		d.path.pushIndex(i)
		if s, ok := d.stringValue(&v.arr[i], ""); ok {
			sig, err := keys.ParseSignature(s)
			if err != nil {
				d.fail("", err)
			}
			sigs = append(sigs, sig)
		}
		d.path.pop()
	}
	return sigs
}
