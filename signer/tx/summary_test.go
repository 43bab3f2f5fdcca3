package tx_test

import (
	"strings"
	"testing"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

func hive(amount int64, symbol string) tx.Asset {
	p := uint8(3)
	if symbol == "VESTS" {
		p = 6
	}
	return tx.Asset{Amount: amount, Precision: p, Symbol: symbol}
}

func TestSummarize(t *testing.T) {
	pp, err := chain.Lookup("peerplays", "")
	if err != nil {
		t.Fatal(err)
	}
	ppy := func(n int64) tx.GrapheneAsset {
		return tx.GrapheneAsset{Amount: n, AssetID: tx.NewObjectID(tx.AssetObject, 0)}
	}
	acct := func(n uint64) tx.ObjectID { return tx.NewObjectID(tx.AccountObject, n) }
	when := time.Date(2026, 6, 1, 8, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		c    *chain.Chain
		op   tx.Operation
		want string
	}{
		{"transfer with memo", nil, &tx.Transfer{From: "alice", To: "bob", Amount: hive(10000, "HIVE"), Memo: "thanks"},
			"Transfer 10.000 HIVE from @alice to @bob, memo “thanks”"},
		{"transfer without memo", nil, &tx.Transfer{From: "alice", To: "bob", Amount: hive(1, "HBD")},
			"Transfer 0.001 HBD from @alice to @bob"},
		{"transfer encrypted memo", nil, &tx.Transfer{From: "alice", To: "bob", Amount: hive(1000, "HIVE"), Memo: "#3xYz"},
			"Transfer 1.000 HIVE from @alice to @bob, encrypted memo"},
		{"memo with direction override", nil, &tx.Transfer{From: "alice", To: "bob", Amount: hive(1000, "HIVE"), Memo: "pay\u202Eevil\n"},
			"Transfer 1.000 HIVE from @alice to @bob, memo “pay\\u202Eevil\\n”"},
		{"long memo cut", nil, &tx.Transfer{From: "a", To: "b", Amount: hive(1000, "HIVE"), Memo: strings.Repeat("x", 130)},
			"Transfer 1.000 HIVE from @a to @b, memo “" + strings.Repeat("x", 120) + "…”"},
		{"upvote", nil, &tx.Vote{Voter: "alice", Author: "bob", Permlink: "my-post", Weight: 5000},
			"@alice votes 50% on @bob/my-post"},
		{"downvote", nil, &tx.Vote{Voter: "alice", Author: "bob", Permlink: "p", Weight: -2550},
			"@alice downvotes 25.5% on @bob/p"},
		{"unvote", nil, &tx.Vote{Voter: "alice", Author: "bob", Permlink: "p"}, "@alice removes the vote on @bob/p"},
		{"post", nil, &tx.Comment{ParentPermlink: "hive", Author: "alice", Permlink: "hello", Title: "Hello Hive", Body: "…"},
			"@alice publishes the post “Hello Hive” (@alice/hello)"},
		{"reply", nil, &tx.Comment{ParentAuthor: "bob", ParentPermlink: "p", Author: "alice", Permlink: "re", Body: "Nice!"},
			"@alice replies to @bob/p: “Nice!”"},
		{"custom_json", nil, &tx.CustomJSON{RequiredPostingAuths: []string{"alice"}, ID: "follow", JSON: `["follow",{"follower":"alice","following":"bob"}]`},
			`@alice sends the app action “follow”: ["follow",{"follower":"alice","following":"bob"}]`},
		{"power up", nil, &tx.TransferToVesting{From: "alice", Amount: hive(5000, "HIVE")}, "@alice powers up 5.000 HIVE"},
		{"power up other", nil, &tx.TransferToVesting{From: "alice", To: "bob", Amount: hive(5000, "HIVE")}, "@alice powers up 5.000 HIVE for @bob"},
		{"power down", nil, &tx.WithdrawVesting{Account: "alice", VestingShares: hive(1000000, "VESTS")},
			"@alice powers down 1.000000 VESTS (paid out weekly over 13 weeks)"},
		{"stop power down", nil, &tx.WithdrawVesting{Account: "alice", VestingShares: hive(0, "VESTS")}, "@alice stops the power down"},
		{"delegate", nil, &tx.DelegateVestingShares{Delegator: "alice", Delegatee: "bob", VestingShares: hive(2000000, "VESTS")},
			"@alice delegates 2.000000 VESTS to @bob"},
		{"savings", nil, &tx.TransferToSavings{From: "alice", To: "alice", Amount: hive(1000, "HBD")},
			"Move 1.000 HBD from @alice into the savings of @alice"},
		{"recurrent", nil, &tx.RecurrentTransfer{From: "alice", To: "bob", Amount: hive(1000, "HIVE"), Recurrence: 24, Executions: 12},
			"Recurrent transfer: 1.000 HIVE from @alice to @bob every day, 12 times"},
		{"recurrent cancel", nil, &tx.RecurrentTransfer{From: "alice", To: "bob", Amount: hive(0, "HIVE"), Recurrence: 24, Executions: 2},
			"@alice cancels the recurrent transfer to @bob"},
		{"market order", nil, &tx.LimitOrderCreate{Owner: "alice", OrderID: 7, AmountToSell: hive(10000, "HIVE"), MinToReceive: hive(3000, "HBD"), Expiration: when},
			"@alice offers 10.000 HIVE for at least 3.000 HBD on the market (order 7, until 2026-06-01 08:30 UTC)"},
		{"witness vote", nil, &tx.AccountWitnessVote{Account: "alice", Witness: "bob", Approve: true}, "@alice votes for witness @bob"},
		{"proposal votes", nil, &tx.UpdateProposalVotes{Voter: "alice", ProposalIDs: []int64{1, 2}, Approve: true}, "@alice supports proposals 1, 2"},
		{"key change", nil, &tx.AccountUpdate2{Account: "alice", Active: &tx.Authority{WeightThreshold: 1}, JSONMetadata: "{}"},
			"@alice changes its active authority (funds), profile"},
		{"decline voting", nil, &tx.DeclineVotingRights{Account: "alice", Decline: true},
			"@alice gives up all voting rights for ever (cannot be undone after 30 days)"},
		{"claim rewards", nil, &tx.ClaimRewardBalance{Account: "alice", RewardHive: hive(0, "HIVE"), RewardHBD: hive(10, "HBD"), RewardVests: hive(5, "VESTS")},
			"@alice claims rewards: 0.000 HIVE, 0.010 HBD, 0.000005 VESTS"},
		{"peerplays transfer", pp, &tx.PeerplaysTransfer{Fee: ppy(2000), From: acct(100), To: acct(101), Amount: ppy(2000000)},
			"Transfer 20.00000 PPY from account 1.2.100 to account 1.2.101; fee 0.02000 PPY"},
		{"peerplays cancel", pp, &tx.PeerplaysLimitOrderCancel{Fee: ppy(0), FeePayingAccount: acct(100), Order: tx.NewObjectID(tx.LimitOrderObject, 9)},
			"Account 1.2.100 cancels order 1.7.9; fee 0.00000 PPY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tx.Summary(tt.c, tt.op); got != tt.want {
				t.Errorf("Summary\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestClean(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"a\u200Db", `a\u200Db`},
		{"\u2066x\u2069", `\u2066x\u2069`},
		{"tab\there", `tab\there`},
		{"bell\a", `bell\u0007`},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"émoji 🙂 ok", "émoji 🙂 ok"},
	} {
		if got := tx.CleanText(tt.in, 100); got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
