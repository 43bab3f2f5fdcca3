package authz

import "localsigner/signer/chain"

// HiveOps is a catalog for the tests of this package: Hive's operations at
// their plain authority. The product builds its catalog from the operation
// registry (wallet.Catalog); this copy keeps the OAuth core's tests free of
// the transaction code.
var HiveOps = OpTable{
	// posting
	"vote": chain.Posting, "comment": chain.Posting, "delete_comment": chain.Posting, "comment_options": chain.Posting,
	"custom_json": chain.Posting, "claim_reward_balance": chain.Posting, "account_update2": chain.Posting,
	// active
	"transfer": chain.Active, "transfer_to_vesting": chain.Active, "withdraw_vesting": chain.Active,
	"limit_order_create": chain.Active, "limit_order_cancel": chain.Active, "limit_order_create2": chain.Active,
	"feed_publish": chain.Active, "convert": chain.Active, "collateralized_convert": chain.Active,
	"account_create": chain.Active, "account_create_with_delegation": chain.Active, "account_update": chain.Active,
	"claim_account": chain.Active, "create_claimed_account": chain.Active, "request_account_recovery": chain.Active,
	"witness_update": chain.Active, "account_witness_vote": chain.Active, "account_witness_proxy": chain.Active,
	"custom": chain.Active, "set_withdraw_vesting_route": chain.Active,
	"escrow_transfer": chain.Active, "escrow_dispute": chain.Active, "escrow_release": chain.Active, "escrow_approve": chain.Active,
	"transfer_to_savings": chain.Active, "transfer_from_savings": chain.Active, "cancel_transfer_from_savings": chain.Active,
	"delegate_vesting_shares": chain.Active, "recurrent_transfer": chain.Active,
	"create_proposal": chain.Active, "update_proposal": chain.Active, "update_proposal_votes": chain.Active, "remove_proposal": chain.Active,
	// owner: known so that a request for them says "never grantable"
	// rather than "unknown".
	"change_recovery_account": chain.Owner, "decline_voting_rights": chain.Owner,
}

// GrapheneOps is the Peerplays catalog for the tests.
var GrapheneOps = OpTable{
	"transfer": chain.Active, "limit_order_create": chain.Active, "limit_order_cancel": chain.Active, "account_update": chain.Active,
}
