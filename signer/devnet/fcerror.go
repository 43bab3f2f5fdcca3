package devnet

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"localsigner/signer/chain"
)

// JSON-RPC error codes as hived uses them (json_rpc_plugin.cpp).
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
	codeMethodNotFound = -32601
	codeInvalidParams  = -32602
	codeDuringCall     = -32003 // an fc exception thrown by the called method
	grapheneErrorCode  = 1      // Graphene's websocket server uses 1 for every exception
)

// fcError is an exception as hived and Graphene nodes report it: an fc
// exception (code, name, what) with a log entry whose format string has
// ${key} placeholders filled from data. Clients (dhive, this project's node
// package) read the name and the formatted message, so the texts here follow
// the nodes' own.
type fcError struct {
	rpcCode int    // JSON-RPC code; 0 means codeDuringCall
	code    int    // fc exception code
	name    string // e.g. "tx_missing_posting_auth"
	what    string // e.g. "missing required posting authority"
	format  string // e.g. "Missing Posting Authority ${id}"
	data    map[string]any
	method  string // C++ function named in the stack, for realism
}

func (e *fcError) Error() string { return e.message() }

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_.]+)\}`)

// formatted expands the format with data, as fc::format_string does.
func (e *fcError) formatted() string {
	return placeholder.ReplaceAllStringFunc(e.format, func(m string) string {
		v, ok := e.data[m[2:len(m)-1]]
		if !ok {
			return m
		}
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	})
}

// message is hived's top-level message: "what:formatted", or the data when
// the format is empty (as for HIVE_ASSERT with "").
func (e *fcError) message() string {
	f := e.formatted()
	if f == "" && len(e.data) > 0 {
		keys := make([]string, 0, len(e.data))
		for k := range e.data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			b, _ := json.Marshal(e.data[k])
			parts[i] = k + "=" + string(b)
		}
		f = strings.Join(parts, " ")
	}
	return e.what + ":" + f
}

// rpcErrorJSON is the JSON-RPC error object.
type rpcErrorJSON struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// toRPC renders the error for family: hived's
// {code: -32003, message: "what:formatted", data: {code, name, message, stack}}
// or Graphene's {code: 1, message: "<code> <name>: <what>\n<formatted>", data}.
func (e *fcError) toRPC(family chain.Family, now time.Time) rpcErrorJSON {
	data := e.data
	if data == nil {
		data = map[string]any{}
	}
	stack := []map[string]any{{
		"context": map[string]any{
			"level": "error", "file": "devnet", "line": 0, "method": e.method,
			"hostname": "", "thread_name": "th_a", "timestamp": now.UTC().Format("2006-01-02T15:04:05.000"),
		},
		"format": e.format,
		"data":   data,
	}}
	fc := map[string]any{"code": e.code, "name": e.name, "message": e.what, "stack": stack}
	if family == chain.Graphene {
		return rpcErrorJSON{Code: grapheneErrorCode, Message: fmt.Sprintf("%d %s: %s\n%s", e.code, e.name, e.what, e.formatted()), Data: fc}
	}
	code := e.rpcCode
	if code == 0 {
		code = codeDuringCall
	}
	return rpcErrorJSON{Code: code, Message: e.message(), Data: fc}
}

// assertError is FC_ASSERT(expr, format, data…): hived prints the failed
// expression before the message.
func assertError(method, expr, format string, data map[string]any) *fcError {
	f := expr + ": " + format
	if format == "" {
		f = expr + ": "
	}
	return &fcError{code: 10, name: "assert_exception", what: "Assert Exception", format: f, data: data, method: method}
}

// rpcFailure is a JSON-RPC level error (bad request, unknown method) that
// has no fc exception behind it.
func rpcFailure(code int, msg string) *fcError {
	return &fcError{rpcCode: code, code: 0, name: "", what: msg}
}

// The transaction checks' errors, named and worded as in hived
// (libraries/protocol/include/hive/protocol/exceptions.hpp,
// libraries/chain/database.cpp) and Graphene (graphene/chain/exceptions.hpp).

func errDuplicateTx(id string) *fcError {
	return assertError("_apply_transaction",
		"(skip & skip_transaction_dupe_check) || trx_idx.indices().get<by_trx_id>().find(trx_id) == trx_idx.indices().get<by_trx_id>().end()",
		"Duplicate transaction check failed", map[string]any{"trx_ix": id})
}

func errExpired(now, exp time.Time, max time.Duration) *fcError {
	data := map[string]any{"now": fmtTime(now), "trx.exp": fmtTime(exp)}
	if max > 0 {
		data["max_til_exp"] = int(max / time.Second)
	}
	return &fcError{code: 4010001, name: "transaction_expiration_exception", what: "transaction expiration exception",
		format: "", data: data, method: "_apply_transaction"}
}

func errTapos(got, want uint32) *fcError {
	return &fcError{code: 4010002, name: "transaction_tapos_exception", what: "transaction tapos exception",
		format: "", data: map[string]any{"trx.ref_block_prefix": got, "tapos_block_summary": want}, method: "_apply_transaction"}
}

// errMissingAuth is tx_missing_{posting,active,owner}_auth.
func errMissingAuth(role, account string, auth any) *fcError {
	codes := map[string]int{"active": 3010000, "owner": 3020000, "posting": 3030000}
	title := strings.ToUpper(role[:1]) + role[1:]
	return &fcError{code: codes[role], name: "tx_missing_" + role + "_auth", what: "missing required " + role + " authority",
		format: "Missing " + title + " Authority ${id}", data: map[string]any{"id": account, role: auth}, method: "verify_authority"}
}

func errIrrelevantSig(keys []string) *fcError {
	return &fcError{code: 3050000, name: "tx_irrelevant_sig", what: "irrelevant signature included",
		format: "Unnecessary signature(s) detected", data: map[string]any{"unnecessary": keys}, method: "verify_authority"}
}

func errDuplicateSig() *fcError {
	return &fcError{code: 3060000, name: "tx_duplicate_sig", what: "duplicate signature included",
		format: "Duplicate Signature detected", method: "get_signature_keys"}
}

func errNotCanonical() *fcError {
	return assertError("public_key", "is_canonical( c, canon_type )", "signature is not canonical", nil)
}

func errInsufficientFunds(account, required, available string) *fcError {
	return assertError("adjust_balance", "available >= -delta",
		"Account ${acc} does not have sufficient funds for balance adjustment. Required: ${r}, Available: ${a}",
		map[string]any{"acc": account, "r": required, "a": available})
}

// errUnknownAccount is what chainbase's get<account_object, by_name> throws.
func errUnknownAccount(name string) *fcError {
	return &fcError{code: 13, name: "std_exception", what: "unknown key",
		format: "unknown key (account_name_type): ${name}", data: map[string]any{"name": name}, method: "get_account"}
}

// errUnknownObject is Graphene's key_not_found_exception for an object id.
func errUnknownObject(id string) *fcError {
	return &fcError{code: 11, name: "key_not_found_exception", what: "Key Not Found",
		format: "Unable to find Object ${id}", data: map[string]any{"id": id}, method: "get"}
}

func errGrapheneInsufficientBalance(balance, amount, from, to string) *fcError {
	return assertError("do_evaluate", "insufficient_balance",
		"Insufficient Balance: ${balance}, unable to transfer '${total_transfer}' from account '${a}' to '${t}'",
		map[string]any{"balance": balance, "total_transfer": amount, "a": from, "t": to})
}

func errInsufficientFee(paid, required int64) *fcError {
	return &fcError{code: 3070000, name: "insufficient_fee", what: "insufficient fee",
		format: "Insufficient Fee Paid", data: map[string]any{"core_fee_paid": paid, "required": required}, method: "prepare_fee"}
}

func errDecode(err error) *fcError {
	return &fcError{code: 4, name: "parse_error_exception", what: "Parse Error", format: "${what}",
		data: map[string]any{"what": err.Error()}, method: "from_variant"}
}
