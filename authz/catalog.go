package authz

import "fmt"

// Authority is the account authority an operation needs: posting, active or
// owner. It mirrors tx.Role (same order and names) without importing the
// transaction code, so the OAuth core builds and tests on its own.
type Authority int

// Authorities in increasing power.
const (
	Posting Authority = iota + 1
	Active
	Owner
)

// String returns "posting", "active" or "owner", as tx.Role does.
func (a Authority) String() string {
	switch a {
	case Posting:
		return "posting"
	case Active:
		return "active"
	case Owner:
		return "owner"
	}
	return fmt.Sprintf("Authority(%d)", int(a))
}

// Catalog tells which operations a chain has and the authority each needs in
// its plain form (what tx.Operation.RequiredAuthorities returns for the
// operation's main account fields). Operations whose authority depends on
// their content are listed at their lowest level: custom_json is posting
// (active only with required_auths), account_update2 is posting (active or
// owner when keys change), account_update is active (owner when the owner
// key changes). A scope grants an operation only at that listed level; the
// dapp API refuses any instance needing more, and never signs with owner.
type Catalog interface {
	// Authority returns the authority op needs and whether the chain has
	// an operation of that name that Localsigner can sign.
	Authority(op string) (Authority, bool)
}

// OpTable is a Catalog backed by a map from operation name to authority.
type OpTable map[string]Authority

// Authority implements Catalog.
func (t OpTable) Authority(op string) (Authority, bool) {
	a, ok := t[op]
	return a, ok
}

// HiveOps lists the Hive operations package tx can sign, with their plain
// authority, read from tx's RequiredAuthorities methods. It stands in for a
// lookup through tx itself until tx exports one (tx.NewOperation or similar);
// localapi's tests check every name against tx.DecodeOperation.
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

// GrapheneOps lists the Peerplays operations package tx can sign.
var GrapheneOps = OpTable{
	"transfer": Active, "limit_order_create": Active, "limit_order_cancel": Active, "account_update": Active,
}
