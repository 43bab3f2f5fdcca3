package authz

// HiveOps is a catalog for the tests of this package: Hive's operations at
// their plain authority. The product builds its catalog from the operation
// registry (wallet.Catalog); this copy keeps the OAuth core's tests free of
// the transaction code.
var HiveOps = OpTable{
	// posting
	"vote": Posting, "comment": Posting, "delete_comment": Posting, "comment_options": Posting,
	"custom_json": Posting, "claim_reward_balance": Posting, "account_update2": Posting,
	// active
	"transfer": Active, "transfer_to_vesting": Active, "withdraw_vesting": Active,
	"limit_order_create": Active, "limit_order_cancel": Active, "limit_order_create2": Active,
	"feed_publish": Active, "convert": Active, "collateralized_convert": Active,
	"account_create": Active, "account_create_with_delegation": Active, "account_update": Active,
	"claim_account": Active, "create_claimed_account": Active, "request_account_recovery": Active,
	"witness_update": Active, "account_witness_vote": Active, "account_witness_proxy": Active,
	"custom": Active, "set_withdraw_vesting_route": Active,
	"escrow_transfer": Active, "escrow_dispute": Active, "escrow_release": Active, "escrow_approve": Active,
	"transfer_to_savings": Active, "transfer_from_savings": Active, "cancel_transfer_from_savings": Active,
	"delegate_vesting_shares": Active, "recurrent_transfer": Active,
	"create_proposal": Active, "update_proposal": Active, "update_proposal_votes": Active, "remove_proposal": Active,
	// owner: known so that a request for them says "never grantable"
	// rather than "unknown".
	"change_recovery_account": Owner, "decline_voting_rights": Owner,
}

// GrapheneOps is the Peerplays catalog for the tests.
var GrapheneOps = OpTable{
	"transfer": Active, "limit_order_create": Active, "limit_order_cancel": Active, "account_update": Active,
}
