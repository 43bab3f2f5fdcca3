package localapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"
)

// PeerID's /api/v1/app/operations takes operations in its own flat shape,
// one object per operation (PID-BE's Joi schemas):
//
//	{"operations": [{"op_name": "transfer", "fee_asset": "1.3.0",
//	  "from": "1.2.100", "to": "1.2.101",
//	  "amount": {"amount": 100000, "asset_id": "1.3.0"}, "memo": ""}]}
//
// Localsigner signs the Peerplays operations package tx supports:
// transfer, limit_order_create, limit_order_cancel and account_update.
// Account fields take an id (1.2.N) as in PeerID or, as a convenience, an
// account name; fee_asset takes an asset id or the core symbol (PPY). The
// fee is not given: it is asked from the node (get_required_fees).

// Limits of a PeerID operations request.
const (
	maxPeerIDOperations = 100
	maxPeerIDMemo       = 100 // PID-BE's Joi limit
	maxPeerIDAmount     = 1_000_000_000_000
)

// ErrPeerIDOperations marks a malformed operations request; the error text
// says what is wrong and is safe to show the dapp.
var ErrPeerIDOperations = errors.New("invalid operations")

// peeridField says how one member of an operation is read.
type peeridField int

const (
	fieldAccount   peeridField = iota + 1 // "1.2.N" or an account name
	fieldAsset                            // {"amount": int, "asset_id": "1.3.N"}
	fieldObjectID                         // "1.7.N" (limit order)
	fieldTimestamp                        // seconds or milliseconds since 1970, or "YYYY-MM-DDTHH:MM:SS"
	fieldBool
	fieldMemo      // a string; only "" is accepted (see memoUnsupported)
	fieldAuthority // an authority object, passed on to tx's decoder
	fieldOptions   // account options, passed on to tx's decoder
)

// peeridSchema lists, per operation, its members and whether each is
// required. fee_asset and op_name are common to all.
type peeridSchema map[string]struct {
	kind     peeridField
	required bool
}

var peeridSchemas = map[string]peeridSchema{
	"transfer": {
		"from": {fieldAccount, true}, "to": {fieldAccount, true}, "amount": {fieldAsset, true},
		"memo": {fieldMemo, false},
	},
	"limit_order_create": {
		"seller": {fieldAccount, true}, "amount_to_sell": {fieldAsset, true}, "min_to_receive": {fieldAsset, true},
		"expiration": {fieldTimestamp, true}, "fill_or_kill": {fieldBool, true},
	},
	"limit_order_cancel": {
		"fee_paying_account": {fieldAccount, true}, "order": {fieldObjectID, true},
	},
	"account_update": {
		"account": {fieldAccount, true}, "owner": {fieldAuthority, false}, "active": {fieldAuthority, false},
		"new_options": {fieldOptions, false}, "update_last_voting_time": {fieldBool, false},
	},
}

// PeerIDOperation is one parsed operation: its name, its fee asset and its
// members, checked for shape; account members may still be names.
type PeerIDOperation struct {
	Name     string
	FeeAsset string // an asset id "1.3.N", or the core symbol
	// Fields holds every member but op_name and fee_asset, as sent.
	Fields map[string]json.RawMessage
}

var (
	reAccountID = regexp.MustCompile(`^1\.2\.[0-9]{1,15}$`)
	reAssetID   = regexp.MustCompile(`^1\.3\.[0-9]{1,15}$`)
	reOrderID   = regexp.MustCompile(`^1\.7\.[0-9]{1,15}$`)
	reName      = regexp.MustCompile(`^[a-z][a-z0-9.-]{2,62}$`)
	reSymbol    = regexp.MustCompile(`^[A-Z][A-Z0-9.]{2,15}$`)
)

// ParsePeerIDOperations reads the body of /api/v1/app/operations: one JSON
// object whose only member is "operations", a non-empty array of at most
// 100 operation objects. Unknown operations, unknown or repeated members,
// wrong types and out-of-range values are errors wrapping
// ErrPeerIDOperations that name the operation and member.
func ParsePeerIDOperations(body []byte) ([]PeerIDOperation, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: the body is not valid UTF-8", ErrPeerIDOperations)
	}
	top, err := strictObject(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPeerIDOperations, err)
	}
	for k := range top {
		if k != "operations" {
			return nil, fmt.Errorf("%w: unknown member %s", ErrPeerIDOperations, quoteShort(k))
		}
	}
	raw, ok := top["operations"]
	if !ok {
		return nil, fmt.Errorf("%w: missing operations", ErrPeerIDOperations)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, fmt.Errorf("%w: operations must be an array", ErrPeerIDOperations)
	}
	switch {
	case len(list) == 0:
		return nil, fmt.Errorf("%w: no operations", ErrPeerIDOperations)
	case len(list) > maxPeerIDOperations:
		return nil, fmt.Errorf("%w: %d operations, at most %d", ErrPeerIDOperations, len(list), maxPeerIDOperations)
	}
	out := make([]PeerIDOperation, 0, len(list))
	for i, r := range list {
		op, err := parsePeerIDOperation(r)
		if err != nil {
			return nil, fmt.Errorf("%w: operation %d: %v", ErrPeerIDOperations, i, err)
		}
		out = append(out, op)
	}
	return out, nil
}

func parsePeerIDOperation(raw json.RawMessage) (PeerIDOperation, error) {
	obj, err := strictObject(raw)
	if err != nil {
		return PeerIDOperation{}, err
	}
	var op PeerIDOperation
	if err := json.Unmarshal(obj["op_name"], &op.Name); err != nil || op.Name == "" {
		return op, errors.New("op_name must be a string")
	}
	schema, ok := peeridSchemas[op.Name]
	if !ok {
		return op, fmt.Errorf("op_name %s is not an operation Localsigner signs (transfer, limit_order_create, limit_order_cancel, account_update)", quoteShort(op.Name))
	}
	if err := json.Unmarshal(obj["fee_asset"], &op.FeeAsset); err != nil ||
		!(reAssetID.MatchString(op.FeeAsset) || reSymbol.MatchString(op.FeeAsset)) {
		return op, errors.New("fee_asset must be an asset id such as 1.3.0")
	}
	op.Fields = make(map[string]json.RawMessage, len(obj))
	for k, v := range obj {
		if k == "op_name" || k == "fee_asset" {
			continue
		}
		f, ok := schema[k]
		if !ok {
			return op, fmt.Errorf("%s: unknown member %s", op.Name, quoteShort(k))
		}
		if err := checkPeerIDField(f.kind, v); err != nil {
			return op, fmt.Errorf("%s.%s: %v", op.Name, k, err)
		}
		op.Fields[k] = v
	}
	for k, f := range schema {
		if _, ok := op.Fields[k]; f.required && !ok {
			return op, fmt.Errorf("%s: missing %s", op.Name, k)
		}
	}
	return op, nil
}

// checkPeerIDField checks one member's shape.
func checkPeerIDField(kind peeridField, v json.RawMessage) error {
	switch kind {
	case fieldAccount:
		var s string
		if json.Unmarshal(v, &s) != nil || !(reAccountID.MatchString(s) || reName.MatchString(s)) {
			return errors.New("want an account id 1.2.N or an account name")
		}
	case fieldObjectID:
		var s string
		if json.Unmarshal(v, &s) != nil || !reOrderID.MatchString(s) {
			return errors.New("want a limit order id 1.7.N")
		}
	case fieldAsset:
		a, err := strictObject(v)
		if err != nil || len(a) != 2 {
			return errors.New(`want {"amount": <integer>, "asset_id": "1.3.N"}`)
		}
		n, err := peeridInteger(a["amount"])
		if err != nil || n <= 0 || n > maxPeerIDAmount {
			return fmt.Errorf("amount must be an integer from 1 to %d", int64(maxPeerIDAmount))
		}
		var id string
		if json.Unmarshal(a["asset_id"], &id) != nil || !reAssetID.MatchString(id) {
			return errors.New("asset_id must be an asset id such as 1.3.0")
		}
	case fieldTimestamp:
		if _, err := peeridTime(v); err != nil {
			return err
		}
	case fieldBool:
		var b bool
		if json.Unmarshal(v, &b) != nil {
			return errors.New("want true or false")
		}
	case fieldMemo:
		var s string
		if json.Unmarshal(v, &s) != nil || utf8.RuneCountInString(s) > maxPeerIDMemo {
			return fmt.Errorf("want a string of at most %d characters", maxPeerIDMemo)
		}
	case fieldAuthority, fieldOptions:
		if _, err := strictObject(v); err != nil {
			return errors.New("want an object")
		}
	}
	return nil
}

// peeridInteger reads a JSON integer (not a float, not a string).
func peeridInteger(v json.RawMessage) (int64, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var n json.Number
	if err := dec.Decode(&n); err != nil {
		return 0, errors.New("not a number")
	}
	return strconv.ParseInt(n.String(), 10, 64)
}

// peeridTime reads a time as Joi's date().timestamp() takes it (JavaScript
// milliseconds; seconds below 10^11 are read as seconds) or as the chain's
// "YYYY-MM-DDTHH:MM:SS", and returns it in whole seconds, UTC.
func peeridTime(v json.RawMessage) (time.Time, error) {
	if n, err := peeridInteger(v); err == nil {
		if n <= 0 || n > math.MaxInt64/1000 {
			return time.Time{}, errors.New("timestamp out of range")
		}
		if n >= 1e11 {
			return time.UnixMilli(n).UTC().Truncate(time.Second), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("want a timestamp (milliseconds since 1970) or YYYY-MM-DDTHH:MM:SS")
}

// strictObject decodes one JSON object with no repeated member and nothing
// after it.
func strictObject(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, errors.New("want a JSON object")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, errors.New("malformed JSON")
		}
		k, _ := kt.(string)
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("member %s is repeated", quoteShort(k))
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, errors.New("malformed JSON")
		}
		out[k] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errors.New("malformed JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON object")
	}
	return out, nil
}

// quoteShort quotes a request value for an error message if it is short
// printable ASCII.
func quoteShort(s string) string {
	if len(s) > 40 {
		return "(too long)"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return "(unprintable)"
		}
	}
	return strconv.Quote(s)
}
