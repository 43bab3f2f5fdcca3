package tx_test

import (
	"slices"
	"strings"
	"testing"

	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// TestDescribe checks the facts the policy acts on for the operations whose
// "don't ask again" once covered too much: the key names every
// counterparty and the memo, and operations that change keys, recovery,
// proxy or witness votes have no key and show the new keys in full.
func TestDescribe(t *testing.T) {
	hive, err := chain.Lookup("hive", "")
	if err != nil {
		t.Fatal(err)
	}
	pp, err := chain.Lookup("peerplays", "")
	if err != nil {
		t.Fatal(err)
	}
	decode := func(c *chain.Chain, js string) tx.Operation {
		t.Helper()
		op, err := tx.DecodeOperation(c, []byte(js))
		if err != nil {
			t.Fatalf("decode %s: %v", js, err)
		}
		return op
	}
	const key1 = "STM7RF8Lzv1FwkAonZtFXHaHgKyNvrMCwJECbj5XTTNgQ1HrKSZpw"
	const key2 = "STM7hfPBUWD5pBLWKGaUaooiauf63Eg3xTS1rkLNBE1iCxSckG3b6"
	for _, tt := range []struct {
		name     string
		c        *chain.Chain
		op       string
		remember string // the key's text; "" when it may not be remembered
		match    map[string]string
		debits   []string
		details  []string // lines that must be among the details
	}{
		{name: "transfer keys on recipient and memo", c: hive,
			op:       `["transfer",{"from":"alice","to":"exchange","amount":"1.000 HIVE","memo":"deposit-123"}]`,
			remember: "transfer to @exchange, memo “deposit-123”, any amount",
			match:    map[string]string{"to": "exchange", "memo": "deposit-123"}, debits: []string{"1.000 HIVE"}},
		{name: "transfer without memo", c: hive,
			op:       `["transfer",{"from":"alice","to":"bob","amount":"2.000 HBD","memo":""}]`,
			remember: "transfer to @bob, no memo, any amount", match: map[string]string{"to": "bob", "memo": ""},
			debits: []string{"2.000 HBD"}},
		{name: "savings withdrawal keys on recipient", c: hive,
			op:       `["transfer_from_savings",{"from":"alice","request_id":1,"to":"carol","amount":"9.000 HIVE","memo":""}]`,
			remember: "transfer_from_savings to @carol, no memo, any amount", match: map[string]string{"to": "carol", "memo": ""},
			debits: []string{"9.000 HIVE"}},
		{name: "withdraw route keys on recipient", c: hive,
			op:       `["set_withdraw_vesting_route",{"from_account":"alice","to_account":"bob","percent":10000,"auto_vest":false}]`,
			remember: "set_withdraw_vesting_route to @bob", match: map[string]string{"to_account": "bob"}},
		{name: "escrow release names every party", c: hive,
			op:       `["escrow_release",{"from":"alice","to":"bob","agent":"carol","who":"alice","receiver":"bob","escrow_id":1,"hbd_amount":"0.000 HBD","hive_amount":"1.000 HIVE"}]`,
			remember: "escrow_release, from @alice, to @bob, agent @carol, receiver @bob, any amount",
			match:    map[string]string{"from": "alice", "to": "bob", "agent": "carol", "receiver": "bob"}},
		{name: "recurrent transfer commits every execution", c: hive,
			op:       `["recurrent_transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"","recurrence":24,"executions":5,"extensions":[]}]`,
			remember: "recurrent_transfer to @bob, no memo, any amount", match: map[string]string{"to": "bob", "memo": ""},
			debits: []string{"5.000 HIVE"}},
		{name: "active custom_json keys on its id", c: hive,
			op:       `["custom_json",{"required_auths":["alice"],"required_posting_auths":[],"id":"sm_purchase","json":"{}"}]`,
			remember: "custom_json id “sm_purchase”"},
		{name: "Hive-Engine token moves always ask", c: hive,
			op: `["custom_json",{"required_auths":["alice"],"required_posting_auths":[],"id":"ssc-mainnet-hive","json":"{}"}]`},
		{name: "limit orders always ask", c: hive,
			op:     `["limit_order_create",{"owner":"alice","orderid":1,"amount_to_sell":"10.000 HIVE","min_to_receive":"0.001 HBD","fill_or_kill":false,"expiration":"2030-01-01T00:00:00"}]`,
			debits: []string{"10.000 HIVE"}},
		{name: "witness vote always asks", c: hive,
			op: `["account_witness_vote",{"account":"alice","witness":"bob","approve":true}]`, details: []string{"Witness: @bob"}},
		{name: "proxy always asks", c: hive,
			op: `["account_witness_proxy",{"account":"alice","proxy":"bob"}]`, details: []string{"Proxy: @bob"}},
		{name: "account_update always asks and shows the keys", c: hive,
			op:      `["account_update",{"account":"alice","active":{"weight_threshold":1,"account_auths":[["bob",1]],"key_auths":[["` + key2 + `",1]]},"memo_key":"` + key1 + `","json_metadata":""}]`,
			details: []string{"New active authority: threshold 1; key " + key2 + " weight 1; account @bob weight 1", "New memo key: " + key1}},
		{name: "Peerplays transfer", c: pp,
			op:       `["transfer",{"fee":{"amount":20000,"asset_id":"1.3.0"},"from":"1.2.7","to":"1.2.8","amount":{"amount":100000,"asset_id":"1.3.0"},"extensions":[]}]`,
			remember: "transfer to account 1.2.8, no memo, any amount", match: map[string]string{"to": "1.2.8", "memo": ""}, debits: []string{"1.20000 PPY"}},
		{name: "Peerplays account_update always asks", c: pp,
			op:      `["account_update",{"fee":{"amount":1,"asset_id":"1.3.0"},"account":"1.2.7","new_options":{"memo_key":"PPY7RF8Lzv1FwkAonZtFXHaHgKyNvrMCwJECbj5XTTNgQ1HrKSZpw","voting_account":"1.2.9","num_witness":0,"num_committee":0,"votes":[],"extensions":[]},"extensions":{}}]`,
			details: []string{"New memo key: PPY7RF8Lzv1FwkAonZtFXHaHgKyNvrMCwJECbj5XTTNgQ1HrKSZpw", "Voting account: account 1.2.9"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := tx.Describe(tt.c, decode(tt.c, tt.op))
			switch {
			case tt.remember == "" && f.Remember != nil:
				t.Errorf("rememberable as %+v; it must always ask", f.Remember)
			case tt.remember != "" && f.Remember == nil:
				t.Errorf("not rememberable, want %q", tt.remember)
			case f.Remember != nil:
				if f.Remember.Text != tt.remember {
					t.Errorf("text %q, want %q", f.Remember.Text, tt.remember)
				}
				if len(f.Remember.Match) != len(tt.match) {
					t.Errorf("match %v, want %v", f.Remember.Match, tt.match)
				}
				for k, v := range tt.match {
					if f.Remember.Match[k] != v {
						t.Errorf("match %v, want %v", f.Remember.Match, tt.match)
					}
				}
			}
			var debits []string
			for _, a := range f.Debits {
				debits = append(debits, a.String())
			}
			if len(tt.debits) > 0 && !slices.Equal(debits, tt.debits) {
				t.Errorf("debits %v, want %v", debits, tt.debits)
			}
			for _, d := range tt.details {
				if !slices.Contains(f.Details, d) {
					t.Errorf("details %q lack %q", strings.Join(f.Details, " | "), d)
				}
			}
			if f.Spec.Effects != 0 && len(f.Details) == 0 {
				t.Error("an operation with effects has no details")
			}
		})
	}
}

// Every Hive operation carries hived's resource-credit facts: a measured
// execution time (resource_sizes.cpp has one for each).
func TestRegistryRCFacts(t *testing.T) {
	for _, s := range tx.Specs(chain.Hive) {
		if s.RC.ExecNS <= 0 || s.RC.State < 0 {
			t.Errorf("%s: RC facts %+v", s.Name, s.RC)
		}
	}
	for _, s := range tx.Specs(chain.Graphene) {
		if s.RC != (tx.RCFacts{}) {
			t.Errorf("peerplays %s has RC facts %+v: Peerplays charges fees", s.Name, s.RC)
		}
	}
}
