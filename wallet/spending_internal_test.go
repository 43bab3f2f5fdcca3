package wallet

import (
	"encoding/json"
	"maps"
	"testing"

	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// TestSpendingOf: what an allowance would have to cover, and which
// transactions no allowance can cover.
func TestSpendingOf(t *testing.T) {
	hive, _ := chain.Lookup("devnet", "")
	pp, _ := chain.Lookup("peerplays", "")
	tests := []struct {
		name      string
		c         *chain.Chain
		ops       string
		want      map[string]int64
		coverable bool
	}{
		{"transfer", hive, `[["transfer",{"from":"alice","to":"bob","amount":"1.500 HIVE","memo":""}]]`,
			map[string]int64{"HIVE": 1500}, true},
		{"two assets and a vote", hive, `[["vote",{"voter":"alice","author":"bob","permlink":"p","weight":1}],
			["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":""}],
			["transfer_to_savings",{"from":"alice","to":"alice","amount":"2.000 HBD","memo":""}],
			["transfer",{"from":"alice","to":"carol","amount":"0.500 HIVE","memo":""}]]`,
			map[string]int64{"HIVE": 1500, "HBD": 2000}, true},
		{"recurrent counts every execution", hive, `[["recurrent_transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"","recurrence":24,"executions":3,"extensions":[]}]]`,
			map[string]int64{"HIVE": 3000}, true},
		{"escrow with fee", hive, `[["escrow_transfer",{"from":"alice","to":"bob","agent":"carol","escrow_id":1,"hbd_amount":"1.000 HBD","hive_amount":"2.000 HIVE","fee":"0.100 HIVE","ratification_deadline":"2030-01-01T00:00:00","escrow_expiration":"2030-02-01T00:00:00","json_meta":""}]]`,
			map[string]int64{"HIVE": 2100, "HBD": 1000}, true},
		{"witness vote is not spending", hive, `[["account_witness_vote",{"account":"alice","witness":"bob","approve":true}]]`,
			map[string]int64{}, false},
		{"delegation always asks", hive, `[["delegate_vesting_shares",{"delegator":"alice","delegatee":"bob","vesting_shares":"1.000000 VESTS"}]]`,
			map[string]int64{}, false},
		{"peerplays core asset with fee", pp, `[["transfer",{"fee":{"amount":20,"asset_id":"1.3.0"},"from":"1.2.20","to":"1.2.21","amount":{"amount":1000,"asset_id":"1.3.0"},"extensions":[]}]]`,
			map[string]int64{"PPY": 1020}, true},
		{"peerplays other asset", pp, `[["transfer",{"fee":{"amount":20,"asset_id":"1.3.0"},"from":"1.2.20","to":"1.2.21","amount":{"amount":1000,"asset_id":"1.3.5"},"extensions":[]}]]`,
			map[string]int64{"PPY": 20, "1.3.5": 1000}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := tx.DecodeOperations(tc.c, json.RawMessage(tc.ops))
			if err != nil {
				t.Fatal(err)
			}
			facts := make([]tx.Facts, len(ops))
			for i, op := range ops {
				facts[i] = tx.Describe(tc.c, op)
			}
			got, ok := spending(ops, facts)
			if ok != tc.coverable || !maps.Equal(got, tc.want) {
				t.Fatalf("got %v %t, want %v %t", got, ok, tc.want, tc.coverable)
			}
		})
	}
}

func TestParseAllowance(t *testing.T) {
	hive, _ := chain.Lookup("devnet", "")
	pp, _ := chain.Lookup("peerplays", "")
	for _, tc := range []struct {
		c      *chain.Chain
		asset  string
		perDay string
		want   int64
		ok     bool
	}{
		{hive, "HIVE", "10.000", 10000, true},
		{hive, "hbd", "0.500", 500, true},
		{hive, "HIVE", "10", 0, false},
		{hive, "HIVE", "-1.000", 0, false},
		{hive, "DOGE", "1.000", 0, false},
		{pp, "PPY", "1.50000", 150000, true},
		{pp, "PPY", "1.5", 0, false},
		{pp, "BTC", "1.00000", 0, false},
		{hive, "HBD", "0", 0, true},
		{pp, "PPY", "0", 0, true},
	} {
		a, err := ParseAllowance(tc.c, tc.asset, tc.perDay)
		if (err == nil) != tc.ok || (tc.ok && a.PerDay != tc.want) {
			t.Errorf("%s %s %s: %+v %v", tc.c.Name, tc.perDay, tc.asset, a, err)
		}
	}
}
