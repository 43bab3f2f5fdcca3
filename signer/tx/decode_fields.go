package tx

import (
	"encoding/hex"
	"fmt"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

// This file: the decoder's visitor methods for scalar fields and Hive
// containers.

// stringValue checks that v is a JSON string; field names v for errors.
func (d *decoder) stringValue(v *jsonValue, field string) (string, bool) {
	if d.err != nil {
		return "", false
	}
	if v.kind != jsonString {
		d.failf(field, "must be a string, not %s", v.kind)
		return "", false
	}
	return v.s, true
}

func (d *decoder) str(name string) (string, bool) {
	v := d.member(name, true)
	if v == nil {
		return "", false
	}
	return d.stringValue(v, name)
}

// stringField reads a required string member; names and texts are checked
// by the encoder.
func (d *decoder) stringField(name string, p *string) {
	if s, ok := d.str(name); ok {
		*p = s
	}
}

func (d *decoder) account(name string, p *string)          { d.stringField(name, p) }
func (d *decoder) accountOrEmpty(name string, p *string)   { d.stringField(name, p) }
func (d *decoder) text(name string, p *string, _ textKind) { d.stringField(name, p) }

func (d *decoder) hexBytes(name string, p *[]byte) {
	if s, ok := d.str(name); ok {
		b, err := decodeHex(s)
		if err != nil {
			d.fail(name, err)
			return
		}
		*p = b
	}
}

func (d *decoder) boolean(name string, p *bool) {
	v := d.member(name, true)
	if v == nil {
		return
	}
	if v.kind != jsonBool {
		d.failf(name, "must be true or false, not %s", v.kind)
		return
	}
	*p = v.b
}

func (d *decoder) uintField(name string, max uint64) (uint64, bool) {
	v := d.member(name, true)
	if v == nil {
		return 0, false
	}
	n, err := parseUint(v, max)
	if err != nil {
		d.fail(name, err)
		return 0, false
	}
	return n, true
}

func (d *decoder) u16(name string, p *uint16, _ uint16) {
	if n, ok := d.uintField(name, 0xffff); ok {
		*p = uint16(n)
	}
}

func (d *decoder) u32(name string, p *uint32) {
	if n, ok := d.uintField(name, 0xffffffff); ok {
		*p = uint32(n)
	}
}

func (d *decoder) u64(name string, p *uint64) {
	if n, ok := d.uintField(name, 1<<64-1); ok {
		*p = n
	}
}

func (d *decoder) i16(name string, p *int16, _, _ int16) {
	v := d.member(name, true)
	if v == nil {
		return
	}
	n, err := parseInt(v, -1<<15, 1<<15-1)
	if err != nil {
		d.fail(name, err)
		return
	}
	*p = int16(n)
}

func (d *decoder) nonNegativeI64(name string, p *int64) {
	if n, ok := d.uintField(name, 1<<63-1); ok {
		*p = int64(n)
	}
}

func (d *decoder) timeSec(name string, p *time.Time) {
	if s, ok := d.str(name); ok {
		t, err := parseTime(s)
		if err != nil {
			d.fail(name, err)
			return
		}
		*p = t
	}
}

func (d *decoder) asset(name string, p *Asset, _ assetRule) {
	v := d.member(name, true)
	if v == nil {
		return
	}
	if d.c.Family != chain.Hive {
		d.failf(name, "Hive asset on a %s chain", d.c.Family)
		return
	}
	switch v.kind {
	case jsonString:
		a, err := ParseAsset(d.c, v.s)
		if err != nil {
			d.fail(name, err)
			return
		}
		*p = a
	case jsonObject:
		d.path.pushKey(name)
		d.within(v, func() { d.naiAsset(p) })
		d.path.pop()
	default:
		d.failf(name, "must be an asset string like \"1.000 HIVE\", not %s", v.kind)
	}
}

// naiAsset reads the HF26 form {"amount":"1000","precision":3,"nai":"@@000000021"}.
func (d *decoder) naiAsset(p *Asset) {
	var amount int64
	var precision uint16
	var nai string
	if v := d.member("amount", true); v != nil {
		n, err := parseInt(v, -1<<63, 1<<63-1)
		if err != nil {
			d.fail("amount", err)
			return
		}
		amount = n
	}
	if n, ok := d.uintField("precision", 0xff); ok {
		precision = uint16(n)
	}
	if s, ok := d.str("nai"); ok {
		nai = s
	}
	if d.err != nil {
		return
	}
	sym, ok := d.c.SymbolByNAI(nai)
	if !ok {
		d.failf("nai", "unknown asset %q on %s", nai, d.c)
		return
	}
	if precision != uint16(sym.Precision) {
		d.failf("precision", "%s has precision %d, not %d", sym.Name, sym.Precision, precision)
		return
	}
	*p = Asset{Amount: amount, Precision: sym.Precision, Symbol: sym.Name}
}

func (d *decoder) publicKey(name string, p *keys.PublicKey) {
	if s, ok := d.str(name); ok {
		k, err := parseKey(d.c, s)
		if err != nil {
			d.fail(name, err)
			return
		}
		*p = k
	}
}

// optional is true when the member exists and is not null.
func (d *decoder) optional(name string, _ bool) bool {
	v := d.member(name, false)
	return v != nil && v.kind != jsonNull
}

func (d *decoder) object(name string, f fielder) {
	v := d.member(name, true)
	if v == nil {
		return
	}
	d.path.pushKey(name)
	d.within(v, func() { f.fields(d) })
	d.path.pop()
}

// array returns member name if it is an array; missing is an error unless
// optional.
func (d *decoder) array(name string, optional bool) *jsonValue {
	v := d.member(name, !optional)
	if v == nil {
		return nil
	}
	if v.kind != jsonArray {
		d.failf(name, "must be an array, not %s", v.kind)
		return nil
	}
	return v
}

// each calls read for every element of array member name, with the path set.
func (d *decoder) each(name string, v *jsonValue, read func(i int, el *jsonValue)) {
	d.path.pushKey(name)
	for i := range v.arr {
		if d.err != nil {
			break
		}
		d.path.pushIndex(i)
		read(i, &v.arr[i])
		d.path.pop()
	}
	d.path.pop()
}

// pair checks that el is a two-element array.
func (d *decoder) pair(el *jsonValue) bool {
	if el.kind != jsonArray || len(el.arr) != 2 {
		d.failf("", "must be a [key, weight] pair")
		return false
	}
	return true
}

func (d *decoder) weight(el *jsonValue) uint16 {
	d.path.pushIndex(1)
	defer d.path.pop()
	n, err := parseUint(el, 0xffff)
	if err != nil {
		d.fail("", err)
	}
	return uint16(n)
}

func (d *decoder) setResult(name string, err error) {
	if err != nil {
		d.fail(name, err)
	}
}

func (d *decoder) accountSet(name string, p *[]string) {
	v := d.array(name, false)
	if v == nil {
		return
	}
	var out []string
	d.each(name, v, func(_ int, el *jsonValue) {
		if s, ok := d.stringValue(el, ""); ok {
			out = append(out, s)
		}
	})
	set, err := sortedSet(out, compareOrdered[string])
	d.setResult(name, err)
	*p = set
}

func (d *decoder) accountWeights(name string, p *[]AccountWeight) {
	v := d.array(name, false)
	if v == nil {
		return
	}
	var out []AccountWeight
	d.each(name, v, func(_ int, el *jsonValue) {
		if !d.pair(el) {
			return
		}
		d.path.pushIndex(0)
		s, _ := d.stringValue(&el.arr[0], "")
		d.path.pop()
		out = append(out, AccountWeight{Account: s, Weight: d.weight(&el.arr[1])})
	})
	set, err := sortedSet(out, compareAccountWeight)
	d.setResult(name, err)
	*p = set
}

func (d *decoder) keyWeights(name string, p *[]KeyWeight) {
	v := d.array(name, false)
	if v == nil {
		return
	}
	var out []KeyWeight
	d.each(name, v, func(_ int, el *jsonValue) {
		if !d.pair(el) {
			return
		}
		d.path.pushIndex(0)
		var k keys.PublicKey
		if s, ok := d.stringValue(&el.arr[0], ""); ok {
			var err error
			if k, err = parseKey(d.c, s); err != nil {
				d.fail("", err)
			}
		}
		d.path.pop()
		out = append(out, KeyWeight{Key: k, Weight: d.weight(&el.arr[1])})
	})
	set, err := sortedSet(out, compareKeyWeight)
	d.setResult(name, err)
	*p = set
}

func (d *decoder) proposalIDs(name string, p *[]int64) {
	v := d.array(name, false)
	if v == nil {
		return
	}
	var out []int64
	d.each(name, v, func(_ int, el *jsonValue) {
		n, err := parseInt(el, -1<<63, 1<<63-1)
		if err != nil {
			d.fail("", err)
		}
		out = append(out, n)
	})
	*p = out
}

// emptyExtensions accepts a missing member or an empty container of the
// allowed forms.
func (d *decoder) emptyExtensions(name string, form extForm) {
	v := d.member(name, false)
	if v == nil {
		return
	}
	switch {
	case v.kind == jsonArray && len(v.arr) == 0:
	case form != extSet && v.kind == jsonObject && len(v.obj) == 0:
	case form != extSet && v.kind == jsonNull:
	case v.kind == jsonArray || v.kind == jsonObject:
		d.failf(name, "must be empty: Localsigner signs no extensions here")
	default:
		d.failf(name, "must be an empty array, not %s", v.kind)
	}
}

// extensionEntry reads a static_variant extensions list whose entries are
// [tag, {…}] arrays (legacy form), checking there is at most one.
func (d *decoder) extensionEntry(name string) (*jsonValue, bool) {
	v := d.array(name, true)
	if v == nil || len(v.arr) == 0 {
		return nil, false
	}
	if len(v.arr) > 1 {
		d.failf(name, "at most one extension is supported")
		return nil, false
	}
	return &v.arr[0], true
}

func decodeHex(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid hex: %w", err)
	}
	if len(b) == 0 {
		return nil, nil // one representation of "no bytes", for stable round trips
	}
	return b, nil
}
