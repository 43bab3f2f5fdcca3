package app

import (
	"strings"

	"localsigner/authz"
	"localsigner/signer/chain"
)

// scopeLines says in plain words what each scope lets a dapp do. The
// approval window shows the line, the authority (key) it uses and the
// technical name.
var scopeLines = map[string]string{
	authz.ScopeLogin:   "Know your account name (sign-in only)",
	authz.ScopeOffline: "Keep access while you are away (renews itself)",
	authz.ScopeMemo:    "Read encrypted memos sent to you",

	"vote":                 "Vote on posts and comments",
	"comment":              "Publish and edit posts and comments",
	"delete_comment":       "Delete your posts and comments",
	"comment_options":      "Set payouts and beneficiaries of your posts",
	"custom_json":          "Send app actions of any kind (follows, games, tokens)",
	"claim_reward_balance": "Claim your rewards",
	"account_update2":      "Change your profile",

	"transfer":                       "Send money from your account",
	"recurrent_transfer":             "Set up recurring payments",
	"transfer_to_savings":            "Move money into savings",
	"transfer_from_savings":          "Withdraw money from savings",
	"cancel_transfer_from_savings":   "Cancel savings withdrawals",
	"transfer_to_vesting":            "Power up (turn HIVE into Hive Power)",
	"withdraw_vesting":               "Power down (withdraw Hive Power)",
	"set_withdraw_vesting_route":     "Redirect your power-down payments",
	"delegate_vesting_shares":        "Delegate Hive Power to other accounts",
	"convert":                        "Convert HBD to HIVE",
	"collateralized_convert":         "Convert HIVE to HBD",
	"limit_order_create":             "Trade on the market",
	"limit_order_create2":            "Trade on the market",
	"limit_order_cancel":             "Cancel your market orders",
	"feed_publish":                   "Publish price feeds (witnesses)",
	"account_create":                 "Create new accounts (you pay the fee)",
	"account_create_with_delegation": "Create new accounts (you pay the fee)",
	"claim_account":                  "Claim account creation tokens",
	"create_claimed_account":         "Create new accounts from claimed tokens",
	"account_update":                 "Change your account's keys and profile",
	"request_account_recovery":       "Recover accounts you are the recovery account of",
	"witness_update":                 "Change your witness settings",
	"account_witness_vote":           "Vote for witnesses",
	"account_witness_proxy":          "Let another account vote for witnesses for you",
	"custom":                         "Send custom binary data",
	"escrow_transfer":                "Create escrow payments",
	"escrow_approve":                 "Approve escrow payments",
	"escrow_dispute":                 "Dispute escrow payments",
	"escrow_release":                 "Release escrow payments",
	"create_proposal":                "Create funding proposals",
	"update_proposal":                "Change your funding proposals",
	"remove_proposal":                "Remove your funding proposals",
	"update_proposal_votes":          "Vote on funding proposals",
}

// scopeInfo is one requested scope as the approval window shows it.
type scopeInfo struct {
	Item string // as requested: "vote", "custom_json:follow", "login"
	Line string // plain words
	// Authority is "posting" or "active" for operations, "memo" for
	// reading memos, "" for login and offline, which use no key.
	Authority string
}

func describeScope(item string, cat authz.Catalog) scopeInfo {
	s := scopeInfo{Item: item, Line: scopeLines[item]}
	switch {
	case item == authz.ScopeLogin || item == authz.ScopeOffline:
		return s
	case item == authz.ScopeMemo:
		s.Authority = "memo"
		return s
	case strings.HasPrefix(item, "custom_json:"):
		s.Line = "Send “" + clean(strings.TrimPrefix(item, "custom_json:"), 32) + "” app actions only"
		s.Authority = chain.Posting.String()
		return s
	}
	if a, ok := cat.Authority(item); ok {
		s.Authority = a.String()
	}
	if s.Line == "" {
		s.Line = "Use the “" + clean(item, 40) + "” operation"
	}
	return s
}
