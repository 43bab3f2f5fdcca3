package localapi_test

import (
	"encoding/json"
	"testing"

	"localsigner/localapi"
	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// TestSummarize: what the user reads before confirming, one line per
// operation, with the dapp's text defused.
func TestSummarize(t *testing.T) {
	hive, _ := chain.Lookup("devnet", "")
	pp, _ := chain.Lookup("peerplays", "")
	tests := []struct {
		name string
		c    *chain.Chain
		op   string
		want string
	}{
		{"transfer", hive, `["transfer",{"from":"alice","to":"bob","amount":"10.000 HIVE","memo":"for the pizza"}]`,
			"Transfer 10.000 HIVE from @alice to @bob, memo “for the pizza”"},
		{"transfer encrypted memo", hive, `["transfer",{"from":"alice","to":"bob","amount":"0.001 HBD","memo":"#secret"}]`,
			"Transfer 0.001 HBD from @alice to @bob, encrypted memo"},
		{"memo with a direction override", hive, `["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"a\u202eb\nc"}]`,
			"Transfer 1.000 HIVE from @alice to @bob, memo “a\\u202Eb\\nc”"},
		{"vote", hive, `["vote",{"voter":"alice","author":"bob","permlink":"my-post","weight":10000}]`,
			"Vote 100% on @bob/my-post as @alice"},
		{"downvote", hive, `["vote",{"voter":"alice","author":"bob","permlink":"my-post","weight":-2550}]`,
			"Downvote 25.5% on @bob/my-post as @alice"},
		{"unvote", hive, `["vote",{"voter":"alice","author":"bob","permlink":"my-post","weight":0}]`,
			"Remove the vote of @alice on @bob/my-post"},
		{"post", hive, `["comment",{"parent_author":"","parent_permlink":"hive","author":"alice","permlink":"p","title":"Hi","body":"x","json_metadata":""}]`,
			"Publish the post “Hi” as @alice (@alice/p)"},
		{"reply", hive, `["comment",{"parent_author":"bob","parent_permlink":"p","author":"alice","permlink":"re","title":"","body":"Nice!","json_metadata":""}]`,
			"Reply to @bob/p as @alice: “Nice!”"},
		{"follow", hive, `["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"follow","json":"[\"follow\",{}]"}]`,
			"App action “follow” as @alice (posting key): [\"follow\",{}]"},
		{"power up", hive, `["transfer_to_vesting",{"from":"alice","to":"","amount":"5.000 HIVE"}]`,
			"Power up 5.000 HIVE for @alice"},
		{"witness vote", hive, `["account_witness_vote",{"account":"alice","witness":"bob","approve":true}]`,
			"Vote for witness @bob as @alice"},
		{"claim", hive, `["claim_reward_balance",{"account":"alice","reward_hive":"0.001 HIVE","reward_hbd":"0.000 HBD","reward_vests":"0.000000 VESTS"}]`,
			"Claim rewards of @alice: 0.001 HIVE, 0.000 HBD, 0.000000 VESTS"},
		{"fallback", hive, `["limit_order_cancel",{"owner":"alice","orderid":7}]`,
			"Cancel market order 7 of @alice"},
		{"peerplays transfer", pp, `["transfer",{"fee":{"amount":2000000,"asset_id":"1.3.0"},"from":"1.2.20","to":"1.2.21","amount":{"amount":150000,"asset_id":"1.3.0"},"extensions":[]}]`,
			"Transfer 1.50000 PPY from account 1.2.20 to account 1.2.21, fee 20.00000 PPY"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op, err := tx.DecodeOperation(tc.c, json.RawMessage(tc.op))
			if err != nil {
				t.Fatal(err)
			}
			if got := localapi.Summarize(tc.c, op); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
