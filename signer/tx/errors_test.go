package tx

import (
	"errors"
	"strings"
	"testing"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

const (
	aliceKey = "STM7RF8Lzv1FwkAonZtFXHaHgKyNvrMCwJECbj5XTTNgQ1HrKSZpw"
	bobKey   = "STM7hfPBUWD5pBLWKGaUaooiauf63Eg3xTS1rkLNBE1iCxSckG3b6"
	ppyKey   = "PPY8fgBx7hGZS4mXLo7j6ptL1mH6M8SPFCVfqwj9eBoz2opp3BMyX"
)

// hiveTx wraps operation JSON into a mainnet transaction document.
func hiveTx(ops string) string {
	return `{"ref_block_num":34567,"ref_block_prefix":2919465563,"expiration":"2024-06-01T12:00:00","operations":[` + ops + `],"extensions":[]}`
}

func mustChain(t testing.TB, name, prefix string) *chain.Chain {
	t.Helper()
	c, err := chain.Lookup(name, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const transferOp = `["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"hi"}]`

func TestDecodeErrors(t *testing.T) {
	hive := mustChain(t, "hive", "")
	testnet := mustChain(t, "hive-testnet", "")
	ppy := mustChain(t, "peerplays", "")
	ppyTx := func(ops string) string {
		return `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00","operations":[` + ops + `],"extensions":[]}`
	}
	ppyTransfer := func(fields string) string {
		return ppyTx(`[0,{"fee":{"amount":20000,"asset_id":"1.3.0"},"from":"1.2.1234","to":"1.2.5678","amount":{"amount":1000,"asset_id":"1.3.0"},` + fields + `"extensions":[]}]`)
	}
	ppyUpdate := func(fields string) string {
		return ppyTx(`[6,{"fee":{"amount":2000,"asset_id":"1.3.0"},"account":"1.2.1234",` + fields + `"extensions":{}}]`)
	}
	opts := func(votes string, numWitness int) string {
		return `"new_options":{"memo_key":"` + ppyKey + `","voting_account":"1.2.5","num_witness":` +
			string(rune('0'+numWitness)) + `,"num_committee":0,"votes":` + votes + `,"extensions":[]},`
	}
	tests := []struct {
		name  string
		chain *chain.Chain
		json  string
		want  string // the error must start with this (path, then message)
		is    error  // and wrap this, if set
	}{
		{"malformed JSON", hive, `{"ref_block_num":1,`, "invalid JSON", ErrInvalidJSON},
		{"trailing data", hive, hiveTx(transferOp) + `x`, "invalid JSON: trailing data", ErrInvalidJSON},
		{"duplicate key in operation", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","amount":"9.000 HIVE","memo":""}]`),
			`operations[0][1]: invalid JSON: duplicate key "amount"`, ErrInvalidJSON},
		{"duplicate top-level key", hive, `{"ref_block_num":1,"ref_block_num":2}`, `invalid JSON: duplicate key "ref_block_num"`, ErrInvalidJSON},
		{"invalid UTF-8", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"` + "\xff" + `"}]`),
			"operations[0][1].memo: invalid JSON: invalid UTF-8", ErrInvalidJSON},
		{"lone surrogate", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"\ud800"}]`),
			"operations[0][1].memo: invalid JSON: unpaired surrogate", ErrInvalidJSON},
		{"unknown operation", hive, hiveTx(`["frobnicate",{}]`), `operations[0][0]: unknown operation "frobnicate"`, ErrUnknownOperation},
		{"virtual operation id", hive, hiveTx(`[50,{}]`), "operations[0][0]: unknown operation: id 50 is a virtual operation", ErrUnknownOperation},
		{"unsupported by name", hive, hiveTx(`["recover_account",{}]`), "operations[0][0]: operation not supported: recover_account", ErrUnsupportedOperation},
		{"unsupported by id", hive, hiveTx(`[42,{}]`), "operations[0][0]: operation not supported: witness_set_properties", ErrUnsupportedOperation},
		{"hive op on peerplays", ppy, ppyTx(`["vote",{}]`), `operations[0][0]: unknown operation "vote"`, ErrUnknownOperation},
		{"operation not a pair", hive, hiveTx(`["transfer"]`), "operations[0]: an operation must be a [name, {fields}] pair", nil},
		{"one decimal", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"1.0 HIVE","memo":""}]`),
			`operations[0][1].amount: "1.0 HIVE": expected 3 decimals`, nil},
		{"four decimals", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"1.0000 HIVE","memo":""}]`),
			`operations[0][1].amount: "1.0000 HIVE": expected 3 decimals`, nil},
		{"amount out of range", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"9223372036854775.808 HIVE","memo":""}]`),
			`operations[0][1].amount: "9223372036854775.808 HIVE": amount out of range`, nil},
		{"negative amount", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"-1.000 HIVE","memo":""}]`),
			"operations[0][1].amount: -1.000 HIVE: amount must not be negative", nil},
		{"negative delegation", hive, hiveTx(`["delegate_vesting_shares",{"delegator":"alice","delegatee":"bob","vesting_shares":"-1.000000 VESTS"}]`),
			"operations[0][1].vesting_shares: -1.000000 VESTS: amount must not be negative", nil},
		{"zero transfer", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"0.000 HIVE","memo":""}]`),
			"operations[0][1].amount: 0.000 HIVE: amount must be greater than zero", nil},
		{"transfer of VESTS", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"1.000000 VESTS","memo":""}]`),
			"operations[0][1].amount: 1.000000 VESTS: must be HIVE or HBD", nil},
		{"unknown symbol", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"1.000 BTC","memo":""}]`),
			`operations[0][1].amount: "1.000 BTC": unknown asset symbol "BTC"`, nil},
		{"testnet symbol on mainnet", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"1.000 TESTS","memo":""}]`),
			`operations[0][1].amount: "1.000 TESTS": unknown asset symbol`, nil},
		{"mainnet symbol on testnet", testnet, hiveTx(transferOp), `operations[0][1].amount: "1.000 HIVE": unknown asset symbol`, nil},
		{"asset as number", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":1000,"memo":""}]`),
			"operations[0][1].amount: must be an asset string", nil},
		{"upper-case account", hive, hiveTx(`["transfer",{"from":"Alice","to":"bob","amount":"1.000 HIVE","memo":""}]`),
			`operations[0][1].from: account name "Alice": each part must start with a lower-case letter`, nil},
		{"account too long", hive, hiveTx(`["vote",{"voter":"abcdefghijklmnopq","author":"bob","permlink":"p","weight":1}]`),
			`operations[0][1].voter: account name "abcdefghijklmnopq": must be 3 to 16 characters`, nil},
		{"account short segment", hive, hiveTx(`["vote",{"voter":"alice.ab","author":"bob","permlink":"p","weight":1}]`),
			`operations[0][1].voter: account name "alice.ab": each dot-separated part`, nil},
		{"empty author", hive, hiveTx(`["vote",{"voter":"alice","author":"","permlink":"p","weight":1}]`),
			`operations[0][1].author: account name "": must be 3 to 16`, nil},
		{"bad key checksum", hive, hiveTx(`["account_update2",{"account":"alice","memo_key":"STM7xng29phv2JSKwft7xySbStPF66aY8j3XQRoy5Fam1mojarQaf","json_metadata":"","posting_json_metadata":"","extensions":[]}]`),
			`operations[0][1].memo_key: public key "STM7xng29phv2JSKwft7xySbStPF66aY8j3XQRoy5Fam1mojarQaf"`, keys.ErrChecksum},
		{"key with wrong prefix", testnet, hiveTx(`["account_update2",{"account":"alice","memo_key":"` + bobKey + `","json_metadata":"","posting_json_metadata":"","extensions":[]}]`),
			"operations[0][1].memo_key: public key", keys.ErrPrefix},
		{"bad key in key_auths", hive, hiveTx(`["account_update2",{"account":"bob","posting":{"weight_threshold":1,"account_auths":[],"key_auths":[["STM1",1]]},"json_metadata":"","posting_json_metadata":""}]`),
			"operations[0][1].posting.key_auths[0][0]: public key", nil},
		{"conflicting account weights", hive, hiveTx(`["account_update2",{"account":"bob","posting":{"weight_threshold":1,"account_auths":[["app",1],["app",2]],"key_auths":[]},"json_metadata":"","posting_json_metadata":""}]`),
			"operations[0][1].posting.account_auths: duplicate entry", nil},
		{"bad name in account_auths", hive, hiveTx(`["account_update2",{"account":"bob","posting":{"weight_threshold":1,"account_auths":[["BAD",1]],"key_auths":[]},"json_metadata":"","posting_json_metadata":""}]`),
			`operations[0][1].posting.account_auths[0][0]: account name "BAD"`, nil},
		{"unsorted beneficiaries", hive, hiveTx(`["comment_options",{"author":"alice","permlink":"p","max_accepted_payout":"1.000 HBD","percent_hbd":10000,"allow_votes":true,"allow_curation_rewards":true,"extensions":[[0,{"beneficiaries":[{"account":"carol","weight":1},{"account":"bob","weight":1}]}]]}]`),
			"operations[0][1].extensions[0][1].beneficiaries: beneficiaries must be sorted", nil},
		{"duplicate beneficiary", hive, hiveTx(`["comment_options",{"author":"alice","permlink":"p","max_accepted_payout":"1.000 HBD","percent_hbd":10000,"allow_votes":true,"allow_curation_rewards":true,"extensions":[[0,{"beneficiaries":[{"account":"bob","weight":1},{"account":"bob","weight":1}]}]]}]`),
			"operations[0][1].extensions[0][1].beneficiaries: beneficiaries must be sorted", nil},
		{"beneficiaries over 100%", hive, hiveTx(`["comment_options",{"author":"alice","permlink":"p","max_accepted_payout":"1.000 HBD","percent_hbd":10000,"allow_votes":true,"allow_curation_rewards":true,"extensions":[[0,{"beneficiaries":[{"account":"bob","weight":6000},{"account":"carol","weight":6000}]}]]}]`),
			"operations[0][1].extensions[0][1].beneficiaries: beneficiary weights sum to 12000", nil},
		{"empty beneficiaries", hive, hiveTx(`["comment_options",{"author":"alice","permlink":"p","max_accepted_payout":"1.000 HBD","percent_hbd":10000,"allow_votes":true,"allow_curation_rewards":true,"extensions":[[0,{"beneficiaries":[]}]]}]`),
			"operations[0][1].extensions[0][1].beneficiaries: must specify at least one", nil},
		{"wrong comment_options extension tag", hive, hiveTx(`["comment_options",{"author":"alice","permlink":"p","max_accepted_payout":"1.000 HBD","percent_hbd":10000,"allow_votes":true,"allow_curation_rewards":true,"extensions":[[1,{}]]}]`),
			"operations[0][1].extensions[0][0]: unsupported extension", nil},
		{"non-empty extensions", hive, hiveTx(`["claim_account",{"creator":"alice","fee":"0.000 HIVE","extensions":[[0,{}]]}]`),
			"operations[0][1].extensions: must be empty", nil},
		{"non-empty transaction extensions", hive, `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00","operations":[` + transferOp + `],"extensions":[[1,{}]]}`,
			"extensions: must be empty", nil},
		{"recurrent pair id array form", hive, hiveTx(`["recurrent_transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"","recurrence":24,"executions":2,"extensions":[[1,{"pair_id":7}]]}]`),
			"operations[0][1].extensions[0]: must be {\"type\": \"recurrent_transfer_pair_id\"", nil},
		{"unknown field", hive, hiveTx(`["vote",{"voter":"alice","author":"bob","permlink":"p","weight":1,"foo":1}]`),
			"operations[0][1].foo: unknown field", ErrUnknownField},
		{"unknown top-level field", hive, `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00","operations":[` + transferOp + `],"transaction_id":"x"}`,
			"transaction_id: unknown field", ErrUnknownField},
		{"missing field", hive, hiveTx(`["vote",{"voter":"alice","author":"bob","permlink":"p"}]`),
			"operations[0][1].weight: missing field", ErrMissingField},
		{"missing expiration", hive, `{"ref_block_num":1,"ref_block_prefix":2,"operations":[` + transferOp + `]}`,
			"expiration: missing field", ErrMissingField},
		{"weight above 100%", hive, hiveTx(`["vote",{"voter":"alice","author":"bob","permlink":"p","weight":10001}]`),
			"operations[0][1].weight: 10001 is outside -10000..10000", nil},
		{"weight beyond int16", hive, hiveTx(`["vote",{"voter":"alice","author":"bob","permlink":"p","weight":40000}]`),
			"operations[0][1].weight: 40000: out of range", nil},
		{"fractional weight", hive, hiveTx(`["vote",{"voter":"alice","author":"bob","permlink":"p","weight":1.5}]`),
			`operations[0][1].weight: "1.5": must be an integer`, nil},
		{"exponent weight", hive, hiveTx(`["vote",{"voter":"alice","author":"bob","permlink":"p","weight":1e2}]`),
			`operations[0][1].weight: "1e2": must be an integer`, nil},
		{"weight as bool", hive, hiveTx(`["vote",{"voter":"alice","author":"bob","permlink":"p","weight":true}]`),
			"operations[0][1].weight: must be an integer, not boolean", nil},
		{"percent above 100%", hive, hiveTx(`["set_withdraw_vesting_route",{"from_account":"alice","to_account":"bob","percent":10001,"auto_vest":true}]`),
			"operations[0][1].percent: 10001 is more than 10000", nil},
		{"ref_block_num too big", hive, `{"ref_block_num":70000,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00","operations":[` + transferOp + `]}`,
			"ref_block_num: 70000: out of range 0..65535", nil},
		{"negative ref_block_prefix", hive, `{"ref_block_num":1,"ref_block_prefix":-2,"expiration":"2024-06-01T12:00:00","operations":[` + transferOp + `]}`,
			"ref_block_prefix: -2: must not be negative", nil},
		{"time with space", hive, `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01 12:00:00","operations":[` + transferOp + `]}`,
			`expiration: "2024-06-01 12:00:00": want a UTC time`, nil},
		{"time with fraction", hive, `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00.5","operations":[` + transferOp + `]}`,
			`expiration: "2024-06-01T12:00:00.5": want a UTC time`, nil},
		{"impossible date", hive, `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-02-30T12:00:00","operations":[` + transferOp + `]}`,
			`expiration: "2024-02-30T12:00:00"`, nil},
		{"time before 1970", hive, `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"1969-12-31T23:59:59","operations":[` + transferOp + `]}`,
			"expiration: 1969-12-31T23:59:59Z: outside", nil},
		{"no operations", hive, `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00","operations":[]}`,
			"operations: a transaction needs at least one operation", nil},
		{"permlink too long", hive, hiveTx(`["vote",{"voter":"alice","author":"bob","permlink":"` + strings.Repeat("a", 256) + `","weight":1}]`),
			"operations[0][1].permlink: 256 bytes, at most 255 allowed", nil},
		{"memo too long", hive, hiveTx(`["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"` + strings.Repeat("m", 2048) + `"}]`),
			"operations[0][1].memo: 2048 bytes, at most 2047 allowed", nil},
		{"custom_json id too long", hive, hiveTx(`["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"` + strings.Repeat("i", 33) + `","json":"{}"}]`),
			"operations[0][1].id: 33 bytes, at most 32 allowed", nil},
		{"custom_json invalid json", hive, hiveTx(`["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"x","json":"{"}]`),
			"operations[0][1].json: not valid JSON", nil},
		{"custom_json empty json", hive, hiveTx(`["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"x","json":""}]`),
			"operations[0][1].json: not valid JSON", nil},
		{"custom_json without accounts", hive, hiveTx(`["custom_json",{"required_auths":[],"required_posting_auths":[],"id":"x","json":"{}"}]`),
			"operations[0][1]: at least one account", nil},
		{"comment invalid metadata", hive, hiveTx(`["comment",{"parent_author":"","parent_permlink":"t","author":"alice","permlink":"p","title":"","body":"b","json_metadata":"{tags}"}]`),
			"operations[0][1].json_metadata: not valid JSON", nil},
		{"comment empty body", hive, hiveTx(`["comment",{"parent_author":"","parent_permlink":"t","author":"alice","permlink":"p","title":"","body":"","json_metadata":""}]`),
			"operations[0][1].body: must not be empty", nil},
		{"unsorted proposal ids", hive, hiveTx(`["update_proposal_votes",{"voter":"alice","proposal_ids":[3,1],"approve":true,"extensions":[]}]`),
			"operations[0][1].proposal_ids: proposal ids must be strictly ascending", nil},
		{"too many proposal ids", hive, hiveTx(`["remove_proposal",{"proposal_owner":"alice","proposal_ids":[1,2,3,4,5,6],"extensions":[]}]`),
			"operations[0][1].proposal_ids: 6 proposal ids, at most 5 allowed", nil},
		{"limit order same asset", hive, hiveTx(`["limit_order_create",{"owner":"alice","orderid":1,"amount_to_sell":"1.000 HIVE","min_to_receive":"2.000 STEEM","fill_or_kill":false,"expiration":"2024-06-02T00:00:00"}]`),
			"operations[0][1].min_to_receive: limit order must be for the HIVE:HBD market", nil},
		{"escrow agent is party", hive, hiveTx(`["escrow_transfer",{"from":"alice","to":"bob","hbd_amount":"1.000 HBD","hive_amount":"0.000 HIVE","escrow_id":1,"agent":"bob","fee":"0.001 HBD","json_meta":"","ratification_deadline":"2024-06-02T00:00:00","escrow_expiration":"2024-06-03T00:00:00"}]`),
			"operations[0][1].agent: agent must be a third party", nil},
		{"claim nothing", hive, hiveTx(`["claim_reward_balance",{"account":"alice","reward_hive":"0.000 HIVE","reward_hbd":"0.000 HBD","reward_vests":"0.000000 VESTS"}]`),
			"operations[0][1]: must claim something", nil},
		{"second operation bad", hive, hiveTx(transferOp + `,["vote",{"voter":"alice","author":"bob","permlink":"p","weight":"x"}]`),
			`operations[1][1].weight: "x": must be an integer`, nil},
		{"peerplays wrong object type", ppy, ppyTransfer(""), "", nil}, // valid baseline, see below
		{"peerplays from is an asset", ppy, ppyTx(`[0,{"fee":{"amount":0,"asset_id":"1.3.0"},"from":"1.3.5","to":"1.2.5678","amount":{"amount":1,"asset_id":"1.3.0"},"extensions":[]}]`),
			"operations[0][1].from: 1.3.5 is not an account id (1.2.N)", nil},
		{"peerplays zero amount", ppy, ppyTx(`[0,{"fee":{"amount":0,"asset_id":"1.3.0"},"from":"1.2.1","to":"1.2.2","amount":{"amount":0,"asset_id":"1.3.0"},"extensions":[]}]`),
			"operations[0][1].amount: 0 1.3.0: amount must be greater than zero", nil},
		{"peerplays negative fee", ppy, ppyTx(`[0,{"fee":{"amount":-1,"asset_id":"1.3.0"},"from":"1.2.1","to":"1.2.2","amount":{"amount":1,"asset_id":"1.3.0"},"extensions":[]}]`),
			"operations[0][1].fee: -1 1.3.0: amount must not be negative", nil},
		{"peerplays asset string", ppy, ppyTx(`[0,{"fee":"1.00000 PPY","from":"1.2.1","to":"1.2.2","amount":{"amount":1,"asset_id":"1.3.0"},"extensions":[]}]`),
			"operations[0][1].fee: must be an object, not string", nil},
		{"peerplays asset id of account", ppy, ppyTx(`[0,{"fee":{"amount":0,"asset_id":"1.2.0"},"from":"1.2.1","to":"1.2.2","amount":{"amount":1,"asset_id":"1.3.0"},"extensions":[]}]`),
			"operations[0][1].fee.asset_id: 1.2.0 is not an asset id", nil},
		{"peerplays memo bad key", ppy, ppyTransfer(`"memo":{"from":"` + bobKey + `","to":"` + ppyKey + `","nonce":1,"message":"00"},`),
			"operations[0][1].memo.from: public key", keys.ErrPrefix},
		{"peerplays memo bad hex", ppy, ppyTransfer(`"memo":{"from":"` + ppyKey + `","to":"` + ppyKey + `","nonce":1,"message":"0g"},`),
			"operations[0][1].memo.message: invalid hex", nil},
		{"peerplays fewer witness votes", ppy, ppyUpdate(opts(`["0:3"]`, 1)),
			"operations[0][1].new_options.num_witness: may not exceed", nil},
		{"peerplays duplicate vote instance", ppy, ppyUpdate(opts(`["1:3","0:3"]`, 1)),
			"operations[0][1].new_options.votes: duplicate entry", nil},
		{"peerplays bad vote type", ppy, ppyUpdate(opts(`["9:3"]`, 0)),
			`operations[0][1].new_options.votes[0]: vote id "9:3"`, nil},
		{"peerplays address auths", ppy, ppyUpdate(`"active":{"weight_threshold":1,"account_auths":[["1.2.10",1]],"key_auths":[],"address_auths":[["PPYx",1]]},`),
			"operations[0][1].active.address_auths: must be an empty array", nil},
		{"peerplays impossible authority", ppy, ppyUpdate(`"active":{"weight_threshold":3,"account_auths":[["1.2.10",1]],"key_auths":[],"address_auths":[]},`),
			"operations[0][1].active.weight_threshold: impossible authority", nil},
		{"peerplays nothing to update", ppy, ppyUpdate(""), "operations[0][1]: nothing to update", nil},
		{"peerplays non-empty extension", ppy, ppyTx(`[6,{"fee":{"amount":2000,"asset_id":"1.3.0"},"account":"1.2.1234",` + opts(`[]`, 0) + `"extensions":{"update_last_voting_time":true}}]`),
			"operations[0][1].extensions: must be empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.chain, []byte(tt.json))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("baseline must decode: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error\n got %q\nwant %q...", err, tt.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("not a *FieldError: %T", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error does not wrap %v: %v", tt.is, err)
			}
		})
	}
}

func TestDecodeOperationErrors(t *testing.T) {
	hive := mustChain(t, "hive", "")
	_, err := DecodeOperation(hive, []byte(`["transfer",{"from":"alice","to":"bob","amount":"1.0 HIVE","memo":""}]`))
	if err == nil || err.Error() != `operation[1].amount: "1.0 HIVE": expected 3 decimals` {
		t.Errorf("DecodeOperation: %v", err)
	}
	_, err = DecodeOperations(hive, []byte(`[`+transferOp+`,["transfer",{"from":"alice","to":"alice","amount":"0.000 HBD","memo":""}]]`))
	if err == nil || err.Error() != "operations[1][1].amount: 0.000 HBD: amount must be greater than zero" {
		t.Errorf("DecodeOperations: %v", err)
	}
	_, err = DecodeOperations(hive, []byte(`{}`))
	if err == nil || err.Error() != "must be an array, not object" {
		t.Errorf("DecodeOperations(object): %v", err)
	}
}
