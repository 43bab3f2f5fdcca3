package tx

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

// This file: decoding of extensions, Graphene types and scalar literals.

// beneficiaries reads comment_options extensions in the legacy array form
// [[0, {"beneficiaries": [...]}]], the only form hived accepts there.
func (d *decoder) beneficiaries(name string, p *[]BeneficiaryRoute) {
	entry, ok := d.extensionEntry(name)
	if !ok {
		return
	}
	d.path.pushKey(name)
	d.path.pushIndex(0)
	defer func() { d.path.pop(); d.path.pop() }()
	body := d.taggedEntry(entry, 0, "comment_payout_beneficiaries")
	if body == nil {
		return
	}
	d.path.pushIndex(1)
	defer d.path.pop()
	d.within(body, func() {
		v := d.array("beneficiaries", false)
		if v == nil {
			return
		}
		if len(v.arr) == 0 {
			d.failf("beneficiaries", "must specify at least one beneficiary")
			return
		}
		routes := make([]BeneficiaryRoute, len(v.arr))
		d.each("beneficiaries", v, func(i int, el *jsonValue) {
			d.within(el, func() { routes[i].fields(d) })
		})
		*p = routes
	})
}

// taggedEntry checks a legacy static_variant entry [tag, {…}] and returns its
// body. The tag may also be given by name.
func (d *decoder) taggedEntry(entry *jsonValue, tag uint64, tagName string) *jsonValue {
	if entry.kind != jsonArray || len(entry.arr) != 2 {
		d.failf("", "an extension must be a [%d, {…}] pair", tag)
		return nil
	}
	t := &entry.arr[0]
	match := t.kind == jsonString && t.s == tagName
	if t.kind == jsonNumber {
		n, err := parseUint(t, 0xff)
		match = err == nil && n == tag
	}
	if !match {
		d.path.pushIndex(0)
		d.failf("", "unsupported extension: want %d (%s)", tag, tagName)
		d.path.pop()
		return nil
	}
	return &entry.arr[1]
}

// proposalEndDate reads update_proposal extensions: [[1, {"end_date": …}]].
func (d *decoder) proposalEndDate(name string, p **time.Time) {
	entry, ok := d.extensionEntry(name)
	if !ok {
		return
	}
	d.path.pushKey(name)
	d.path.pushIndex(0)
	defer func() { d.path.pop(); d.path.pop() }()
	body := d.taggedEntry(entry, 1, "update_proposal_end_date")
	if body == nil {
		return
	}
	d.path.pushIndex(1)
	defer d.path.pop()
	var t time.Time
	d.within(body, func() { d.timeSec("end_date", &t) })
	if d.err == nil {
		*p = &t
	}
}

// recurrentPairID reads recurrent_transfer extensions. hived has no legacy
// parser for this extension, so only the object form is accepted:
// [{"type": "recurrent_transfer_pair_id" (or 1), "value": {"pair_id": 7}}].
func (d *decoder) recurrentPairID(name string, p **uint8) {
	entry, ok := d.extensionEntry(name)
	if !ok {
		return
	}
	d.path.pushKey(name)
	d.path.pushIndex(0)
	defer func() { d.path.pop(); d.path.pop() }()
	if entry.kind != jsonObject {
		d.failf("", `must be {"type": "recurrent_transfer_pair_id", "value": {"pair_id": N}}; hived rejects the [1, {…}] form here`)
		return
	}
	var id uint8
	d.within(entry, func() {
		t := d.member("type", true)
		if t == nil {
			return
		}
		match := t.kind == jsonString && t.s == "recurrent_transfer_pair_id"
		if t.kind == jsonNumber {
			n, err := parseUint(t, 0xff)
			match = err == nil && n == 1
		}
		if !match {
			d.failf("type", "unsupported extension: want recurrent_transfer_pair_id")
			return
		}
		if v := d.member("value", true); v != nil {
			d.path.pushKey("value")
			d.within(v, func() {
				if n, ok := d.uintField("pair_id", 0xff); ok {
					id = uint8(n)
				}
			})
			d.path.pop()
		}
	})
	if d.err == nil {
		*p = &id
	}
}

func (d *decoder) objectID(name string, p *ObjectID, want ObjectType) {
	if s, ok := d.str(name); ok {
		id, err := ParseObjectID(s)
		if err != nil {
			d.fail(name, err)
			return
		}
		*p = id
	}
}

func (d *decoder) grapheneAsset(name string, p *GrapheneAsset, _ bool) {
	v := d.member(name, true)
	if v == nil {
		return
	}
	if d.c.Family != chain.Graphene {
		d.failf(name, "Graphene asset on a %s chain", d.c.Family)
		return
	}
	d.path.pushKey(name)
	d.within(v, func() {
		if a := d.member("amount", true); a != nil {
			n, err := parseInt(a, -1<<63, 1<<63-1)
			if err != nil {
				d.fail("amount", err)
			}
			p.Amount = n
		}
		d.objectID("asset_id", &p.AssetID, AssetObject)
	})
	d.path.pop()
}

func (d *decoder) objectWeights(name string, p *[]ObjectWeight) {
	v := d.array(name, false)
	if v == nil {
		return
	}
	var out []ObjectWeight
	d.each(name, v, func(_ int, el *jsonValue) {
		if !d.pair(el) {
			return
		}
		d.path.pushIndex(0)
		var id ObjectID
		if s, ok := d.stringValue(&el.arr[0], ""); ok {
			var err error
			if id, err = ParseObjectID(s); err != nil {
				d.fail("", err)
			}
		}
		d.path.pop()
		out = append(out, ObjectWeight{Account: id, Weight: d.weight(&el.arr[1])})
	})
	set, err := sortedSet(out, compareObjectWeight)
	d.setResult(name, err)
	*p = set
}

func (d *decoder) emptyAddressAuths(name string) {
	v := d.member(name, false)
	if v == nil {
		return
	}
	if v.kind != jsonArray || len(v.arr) != 0 {
		d.failf(name, "must be an empty array: account_update does not allow address authorities")
	}
}

func (d *decoder) voteIDs(name string, p *[]VoteID) {
	v := d.array(name, false)
	if v == nil {
		return
	}
	var out []VoteID
	d.each(name, v, func(_ int, el *jsonValue) {
		if s, ok := d.stringValue(el, ""); ok {
			id, err := ParseVoteID(s)
			if err != nil {
				d.fail("", err)
			}
			out = append(out, id)
		}
	})
	set, err := sortedSet(out, compareVoteID)
	d.setResult(name, err)
	*p = set
}

// parseKey reads a public key written with the chain's prefix. The null key
// (33 zero bytes, e.g. STM1111111111111111111111111111111114T1Anm) is not a
// valid point, but hived prints it for "no key" (a disabled witness), so it
// is accepted here as the zero PublicKey.
func parseKey(c *chain.Chain, s string) (keys.PublicKey, error) {
	if s == c.Prefix+nullKeySuffix {
		return keys.PublicKey{}, nil
	}
	k, err := keys.ParsePublicKey(s, c.Prefix)
	if err != nil {
		return k, fmt.Errorf("public key %q: %w", s, err)
	}
	return k, nil
}

// nullKeySuffix is base58(33 zero bytes ‖ checksum).
const nullKeySuffix = "1111111111111111111111111111111114T1Anm"

func formatKey(c *chain.Chain, k keys.PublicKey) string {
	if k.IsZero() {
		return c.Prefix + nullKeySuffix
	}
	return k.Format(c.Prefix)
}

var errNotInteger = errors.New("must be an integer")

// intLiteral splits a JSON number, or a string holding one (fc writes 64-bit
// values as strings), into sign and digits. Fractions and exponents are
// refused rather than rounded.
func intLiteral(v *jsonValue) (neg bool, digits string, err error) {
	var s string
	switch v.kind {
	case jsonNumber:
		s = v.s
	case jsonString:
		s = v.s
	default:
		return false, "", fmt.Errorf("must be an integer, not %s", v.kind)
	}
	neg = strings.HasPrefix(s, "-")
	digits = strings.TrimPrefix(s, "-")
	if !allDigits(digits) || (len(digits) > 1 && digits[0] == '0') {
		return false, "", fmt.Errorf("%q: %w", s, errNotInteger)
	}
	return neg, digits, nil
}

func parseUint(v *jsonValue, max uint64) (uint64, error) {
	neg, digits, err := intLiteral(v)
	if err != nil {
		return 0, err
	}
	n, perr := strconv.ParseUint(digits, 10, 64)
	if neg && n != 0 {
		return 0, fmt.Errorf("%s: must not be negative", v.s)
	}
	if perr != nil || n > max {
		return 0, fmt.Errorf("%s: out of range 0..%d", v.s, max)
	}
	return n, nil
}

func parseInt(v *jsonValue, min, max int64) (int64, error) {
	neg, digits, err := intLiteral(v)
	if err != nil {
		return 0, err
	}
	s := digits
	if neg {
		s = "-" + digits
	}
	n, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil || n < min || n > max {
		return 0, fmt.Errorf("%s: out of range %d..%d", v.s, min, max)
	}
	return n, nil
}

// timeLayout is fc's time_point_sec JSON form: UTC, no zone, no fraction.
const timeLayout = "2006-01-02T15:04:05"

// parseTime reads "YYYY-MM-DDTHH:MM:SS", optionally followed by "Z".
func parseTime(s string) (time.Time, error) {
	body := strings.TrimSuffix(s, "Z")
	if len(body) != len(timeLayout) {
		return time.Time{}, fmt.Errorf("%q: want a UTC time like \"2024-06-01T12:00:00\"", s)
	}
	for i := 0; i < len(body); i++ {
		if (timeLayout[i] >= '0' && timeLayout[i] <= '9') != isDigit(body[i]) ||
			!isDigit(timeLayout[i]) && body[i] != timeLayout[i] {
			return time.Time{}, fmt.Errorf("%q: want a UTC time like \"2024-06-01T12:00:00\"", s)
		}
	}
	t, err := time.Parse(timeLayout, body)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: %v", s, err)
	}
	if _, err := timeToSec(t); err != nil {
		return time.Time{}, err
	}
	return t, nil
}
