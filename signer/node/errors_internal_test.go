package node

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestClassify uses messages as hived and Graphene nodes word them.
func TestClassify(t *testing.T) {
	tests := []struct {
		name    string
		code    int
		exc     string
		message string
		want    Kind
	}{
		{"hived posting", -32003, "tx_missing_posting_auth", "missing required posting authority:Missing Posting Authority cardboard", MissingAuthority},
		{"graphene active", 1, "tx_missing_active_auth", "3010000 tx_missing_active_auth: missing required active authority\nMissing Active Authority 1.2.1234", MissingAuthority},
		{"hived duplicate", -32003, "assert_exception", "Assert Exception:(skip & skip_transaction_dupe_check) || trx_idx.indices().get<by_trx_id>().find(trx_id) == trx_idx.indices().get<by_trx_id>().end(): Duplicate transaction check failed", Duplicate},
		{"graphene duplicate, no message", 1, "assert_exception", "10 assert_exception: Assert Exception\n(skip & skip_transaction_dupe_check) || trx_idx.indices().get<by_trx_id>().find(trx_id) == trx_idx.indices().get<by_trx_id>().end(): ", Duplicate},
		{"hived expired", -32003, "transaction_expiration_exception", "transaction expiration exception:", Expired},
		{"graphene expiration window", 1, "assert_exception", "10 assert_exception: Assert Exception\ntrx.expiration <= now + chain_parameters.maximum_time_until_expiration: ", Expired},
		{"hived tapos", -32003, "transaction_tapos_exception", "transaction tapos exception:", TaposMismatch},
		{"graphene tapos", 1, "assert_exception", "10 assert_exception: Assert Exception\ntrx.ref_block_prefix == tapos_block_summary.block_id._hash[1]: ", TaposMismatch},
		{"hived funds", -32003, "assert_exception", "Assert Exception:a.get_hbd_balance() >= -delta: Account magi.test1 does not have sufficient funds for balance adjustment.", InsufficientFunds},
		{"graphene balance", 1, "assert_exception", "Insufficient Balance: 1 PPY, unable to transfer '2 PPY' from account 'alice' to 'bob'", InsufficientFunds},
		{"graphene fee", 1, "insufficient_fee", "3070000 insufficient_fee: insufficient fee\nInsufficient Fee Paid", InsufficientFee},
		{"chainbase account", -32003, "std_exception", "unknown key:unknown key (hive::protocol::fixed_string_impl<boost::tuples::tuple<unsigned long, unsigned long>>): nobody", UnknownAccount},
		{"missing post is not an account", -32003, "std_exception", "unknown key:unknown key (boost::tuples::tuple<unsigned int, hive::chain::shared_string>): ", Other},
		{"graphene object", 1, "key_not_found_exception", "11 key_not_found_exception: Key Not Found\nUnable to find Object 1.2.999", UnknownAccount},
		{"account does not exist", -32003, "assert_exception", "Assert Exception:acc != nullptr: Account bob2 does not exist", UnknownAccount},
		{"non-canonical", -32003, "assert_exception", "Assert Exception:is_canonical( c, canon_type ): signature is not canonical", BadSignature},
		{"irrelevant", -32003, "tx_irrelevant_sig", "irrelevant signature included:Unnecessary signature(s) detected", BadSignature},
		{"duplicate signature", -32003, "tx_duplicate_sig", "duplicate signature included:Duplicate Signature detected", BadSignature},
		{"unknown method", -32601, "", "Could not find method get_foo", UnknownMethod},
		{"other", -32003, "assert_exception", "Assert Exception:o.weight != 0: Vote weight cannot be 0.", Other},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.code, tc.exc, tc.message); got != tc.want {
				t.Fatalf("classify = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNodeErrorFromAnswer(t *testing.T) {
	data := json.RawMessage(`{"code":3030000,"name":"tx_missing_posting_auth","message":"missing required posting authority",
		"stack":[{"format":"Missing Posting Authority ${id}","data":{"id":"alice"}}]}`)
	e := newNodeError("ws://node", "condenser_api.broadcast_transaction", &rpcError{Code: -32003,
		Message: "missing required posting authority:Missing Posting Authority alice", Data: data})
	if e.Kind != MissingAuthority || e.Name != "tx_missing_posting_auth" || e.Code != -32003 || e.URL != "ws://node" {
		t.Fatalf("%+v", e)
	}
	var err error = e
	if !errors.Is(err, ErrMissingAuthority) || !errors.Is(err, ErrRejected) || errors.Is(err, ErrDuplicate) || errors.Is(err, ErrTimeout) {
		t.Fatal("errors.Is does not match the kind's sentinel only")
	}
	if got := e.Error(); got != "missing authority: missing required posting authority:Missing Posting Authority alice" {
		t.Fatalf("Error() = %q", got)
	}
	// No message at all still says something.
	if e := newNodeError("u", "m", &rpcError{Code: 7}); e.Message == "" || e.Kind != Other {
		t.Fatalf("%+v", e)
	}
}
