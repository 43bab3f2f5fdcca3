package tx

import (
	"time"

	"localsigner/signer/chain"
)

// This file: Hive operations 0-8 and 12-20 (content, transfers, market,
// witness votes, custom). Field order is the wire order (FC_REFLECT in
// hive/protocol/hive_operations.hpp); comments name hived's validate() rules
// that the encoder enforces.

// Vote (0) up- or down-votes a post. Weight is in hundredths of a percent,
// -10000..10000; 0 removes the vote.
type Vote struct {
	Voter    string
	Author   string
	Permlink string
	Weight   int16
}

// Name returns "vote".
func (*Vote) Name() string { return "vote" }
func (*Vote) code() opCode { return hiveOp(0) }
func (o *Vote) fields(v visitor) {
	v.account("voter", &o.Voter)
	v.account("author", &o.Author)
	v.text("permlink", &o.Permlink, textPermlink)
	v.i16("weight", &o.Weight, -hive100Percent, hive100Percent)
}

// RequiredAuthorities: posting(voter).
func (o *Vote) RequiredAuthorities() []Requirement { return require(Posting, o.Voter) }

// hive100Percent is HIVE_100_PERCENT.
const hive100Percent = 10000

// Comment (1) creates or edits a post (empty ParentAuthor) or a reply.
type Comment struct {
	ParentAuthor   string // empty for a top-level post
	ParentPermlink string // the category or community for a top-level post
	Author         string
	Permlink       string
	Title          string
	Body           string
	JSONMetadata   string // empty or valid JSON
}

// Name returns "comment".
func (*Comment) Name() string { return "comment" }
func (*Comment) code() opCode { return hiveOp(1) }
func (o *Comment) fields(v visitor) {
	v.accountOrEmpty("parent_author", &o.ParentAuthor)
	v.text("parent_permlink", &o.ParentPermlink, textPermlink)
	v.account("author", &o.Author)
	v.text("permlink", &o.Permlink, textPermlink)
	v.text("title", &o.Title, textTitle)
	v.text("body", &o.Body, textBody)
	v.text("json_metadata", &o.JSONMetadata, textJSONOrEmpty)
}

// RequiredAuthorities: posting(author).
func (o *Comment) RequiredAuthorities() []Requirement { return require(Posting, o.Author) }

// Transfer (2) moves HIVE or HBD. hived requires a positive amount and a memo
// shorter than 2048 bytes.
type Transfer struct {
	From   string
	To     string
	Amount Asset
	Memo   string
}

// Name returns "transfer".
func (*Transfer) Name() string { return "transfer" }
func (*Transfer) code() opCode { return hiveOp(2) }
func (o *Transfer) fields(v visitor) {
	v.account("from", &o.From)
	v.account("to", &o.To)
	v.asset("amount", &o.Amount, assetRule{kinds: market, positive: true})
	v.text("memo", &o.Memo, textMemo)
}

// RequiredAuthorities: active(from).
func (o *Transfer) RequiredAuthorities() []Requirement { return require(Active, o.From) }

// TransferToVesting (3) powers up HIVE into VESTS for To (empty To means
// From itself).
type TransferToVesting struct {
	From   string
	To     string
	Amount Asset
}

// Name returns "transfer_to_vesting".
func (*TransferToVesting) Name() string { return "transfer_to_vesting" }
func (*TransferToVesting) code() opCode { return hiveOp(3) }
func (o *TransferToVesting) fields(v visitor) {
	v.account("from", &o.From)
	v.accountOrEmpty("to", &o.To)
	v.asset("amount", &o.Amount, assetRule{kinds: liquidOnly, positive: true})
}

// RequiredAuthorities: active(from).
func (o *TransferToVesting) RequiredAuthorities() []Requirement { return require(Active, o.From) }

// WithdrawVesting (4) starts (or, with zero, stops) a power down.
type WithdrawVesting struct {
	Account       string
	VestingShares Asset
}

// Name returns "withdraw_vesting".
func (*WithdrawVesting) Name() string { return "withdraw_vesting" }
func (*WithdrawVesting) code() opCode { return hiveOp(4) }
func (o *WithdrawVesting) fields(v visitor) {
	v.account("account", &o.Account)
	v.asset("vesting_shares", &o.VestingShares, assetRule{kinds: vestsOnly})
}

// RequiredAuthorities: active(account).
func (o *WithdrawVesting) RequiredAuthorities() []Requirement { return require(Active, o.Account) }

// LimitOrderCreate (5) places an order on the internal HIVE:HBD market.
type LimitOrderCreate struct {
	Owner        string
	OrderID      uint32
	AmountToSell Asset
	MinToReceive Asset
	FillOrKill   bool
	Expiration   time.Time
}

// Name returns "limit_order_create".
func (*LimitOrderCreate) Name() string { return "limit_order_create" }
func (*LimitOrderCreate) code() opCode { return hiveOp(5) }
func (o *LimitOrderCreate) fields(v visitor) {
	v.account("owner", &o.Owner)
	v.u32("orderid", &o.OrderID)
	v.asset("amount_to_sell", &o.AmountToSell, assetRule{kinds: market, positive: true})
	v.asset("min_to_receive", &o.MinToReceive, assetRule{kinds: market, positive: true})
	v.boolean("fill_or_kill", &o.FillOrKill)
	v.timeSec("expiration", &o.Expiration)
}

func (o *LimitOrderCreate) check(c *chain.Chain) error {
	if kindOf(c, o.AmountToSell) == kindOf(c, o.MinToReceive) {
		return invalid("min_to_receive", "limit order must be for the HIVE:HBD market")
	}
	return nil
}

// RequiredAuthorities: active(owner).
func (o *LimitOrderCreate) RequiredAuthorities() []Requirement { return require(Active, o.Owner) }

// LimitOrderCancel (6) cancels an open order.
type LimitOrderCancel struct {
	Owner   string
	OrderID uint32
}

// Name returns "limit_order_cancel".
func (*LimitOrderCancel) Name() string { return "limit_order_cancel" }
func (*LimitOrderCancel) code() opCode { return hiveOp(6) }
func (o *LimitOrderCancel) fields(v visitor) {
	v.account("owner", &o.Owner)
	v.u32("orderid", &o.OrderID)
}

// RequiredAuthorities: active(owner).
func (o *LimitOrderCancel) RequiredAuthorities() []Requirement { return require(Active, o.Owner) }

// FeedPublish (7) publishes a witness price feed (HBD per HIVE).
type FeedPublish struct {
	Publisher    string
	ExchangeRate Price
}

// Name returns "feed_publish".
func (*FeedPublish) Name() string { return "feed_publish" }
func (*FeedPublish) code() opCode { return hiveOp(7) }
func (o *FeedPublish) fields(v visitor) {
	v.account("publisher", &o.Publisher)
	v.object("exchange_rate", &o.ExchangeRate)
}

// RequiredAuthorities: active(publisher).
func (o *FeedPublish) RequiredAuthorities() []Requirement { return require(Active, o.Publisher) }

// Convert (8) converts HBD to HIVE over 3.5 days.
type Convert struct {
	Owner     string
	RequestID uint32
	Amount    Asset
}

// Name returns "convert".
func (*Convert) Name() string { return "convert" }
func (*Convert) code() opCode { return hiveOp(8) }
func (o *Convert) fields(v visitor) {
	v.account("owner", &o.Owner)
	v.u32("requestid", &o.RequestID)
	v.asset("amount", &o.Amount, assetRule{kinds: debtOnly, positive: true})
}

// RequiredAuthorities: active(owner).
func (o *Convert) RequiredAuthorities() []Requirement { return require(Active, o.Owner) }

// AccountWitnessVote (12) approves or unapproves a witness.
type AccountWitnessVote struct {
	Account string
	Witness string
	Approve bool
}

// Name returns "account_witness_vote".
func (*AccountWitnessVote) Name() string { return "account_witness_vote" }
func (*AccountWitnessVote) code() opCode { return hiveOp(12) }
func (o *AccountWitnessVote) fields(v visitor) {
	v.account("account", &o.Account)
	v.account("witness", &o.Witness)
	v.boolean("approve", &o.Approve)
}

// RequiredAuthorities: active(account).
func (o *AccountWitnessVote) RequiredAuthorities() []Requirement { return require(Active, o.Account) }

// AccountWitnessProxy (13) delegates governance votes to Proxy; an empty
// Proxy clears the proxy.
type AccountWitnessProxy struct {
	Account string
	Proxy   string
}

// Name returns "account_witness_proxy".
func (*AccountWitnessProxy) Name() string { return "account_witness_proxy" }
func (*AccountWitnessProxy) code() opCode { return hiveOp(13) }
func (o *AccountWitnessProxy) fields(v visitor) {
	v.account("account", &o.Account)
	v.accountOrEmpty("proxy", &o.Proxy)
}

func (o *AccountWitnessProxy) check(*chain.Chain) error {
	if o.Proxy == o.Account {
		return invalid("proxy", "cannot proxy to self")
	}
	return nil
}

// RequiredAuthorities: active(account).
func (o *AccountWitnessProxy) RequiredAuthorities() []Requirement {
	return require(Active, o.Account)
}

// Custom (15) carries opaque binary data for off-chain applications.
type Custom struct {
	RequiredAuths []string // sorted and unique on the wire
	ID            uint16
	Data          []byte
}

// Name returns "custom".
func (*Custom) Name() string { return "custom" }
func (*Custom) code() opCode { return hiveOp(15) }
func (o *Custom) fields(v visitor) {
	v.accountSet("required_auths", &o.RequiredAuths)
	v.u16("id", &o.ID, 0xffff)
	v.hexBytes("data", &o.Data)
}

func (o *Custom) check(*chain.Chain) error {
	if len(o.RequiredAuths) == 0 {
		return invalid("required_auths", "at least one account must be specified")
	}
	return nil
}

// RequiredAuthorities: active of every required_auths account.
func (o *Custom) RequiredAuthorities() []Requirement {
	return require(Active, o.RequiredAuths...)
}

// DeleteComment (17) deletes a post without votes or replies.
type DeleteComment struct {
	Author   string
	Permlink string
}

// Name returns "delete_comment".
func (*DeleteComment) Name() string { return "delete_comment" }
func (*DeleteComment) code() opCode { return hiveOp(17) }
func (o *DeleteComment) fields(v visitor) {
	v.account("author", &o.Author)
	v.text("permlink", &o.Permlink, textPermlink)
}

// RequiredAuthorities: posting(author).
func (o *DeleteComment) RequiredAuthorities() []Requirement { return require(Posting, o.Author) }

// CustomJSON (18) carries JSON for off-chain applications (follows, Hive
// Engine tokens, games). ID names the application protocol and is what
// permission rules usually key on.
type CustomJSON struct {
	RequiredAuths        []string // need active authority; sorted and unique on the wire
	RequiredPostingAuths []string // need posting authority; sorted and unique on the wire
	ID                   string   // at most 32 bytes
	JSON                 string   // must be valid JSON
}

// Name returns "custom_json".
func (*CustomJSON) Name() string { return "custom_json" }
func (*CustomJSON) code() opCode { return hiveOp(18) }
func (o *CustomJSON) fields(v visitor) {
	v.accountSet("required_auths", &o.RequiredAuths)
	v.accountSet("required_posting_auths", &o.RequiredPostingAuths)
	v.text("id", &o.ID, textCustomID)
	v.text("json", &o.JSON, textJSON)
}

func (o *CustomJSON) check(*chain.Chain) error {
	if len(o.RequiredAuths)+len(o.RequiredPostingAuths) == 0 {
		return invalid("", "at least one account must be specified in required_auths or required_posting_auths")
	}
	return nil
}

// RequiredAuthorities: active of each required_auths account, then posting
// of each required_posting_auths account.
func (o *CustomJSON) RequiredAuthorities() []Requirement {
	return append(require(Active, o.RequiredAuths...), require(Posting, o.RequiredPostingAuths...)...)
}

// CommentOptions (19) sets payout options of a post; usually sent with the
// Comment that creates it.
type CommentOptions struct {
	Author               string
	Permlink             string
	MaxAcceptedPayout    Asset  // HBD
	PercentHBD           uint16 // 0..10000
	AllowVotes           bool
	AllowCurationRewards bool
	// Beneficiaries is the comment_payout_beneficiaries extension; nil or
	// empty means no extension. Accounts must be strictly ascending (hived
	// rejects other orders) and weights sum to at most 10000.
	Beneficiaries []BeneficiaryRoute
}

// BeneficiaryRoute gives Weight (hundredths of a percent) of a post's author
// reward to Account.
type BeneficiaryRoute struct {
	Account string
	Weight  uint16
}

func (b *BeneficiaryRoute) fields(v visitor) {
	v.account("account", &b.Account)
	v.u16("weight", &b.Weight, hive100Percent)
}

// Name returns "comment_options".
func (*CommentOptions) Name() string { return "comment_options" }
func (*CommentOptions) code() opCode { return hiveOp(19) }
func (o *CommentOptions) fields(v visitor) {
	v.account("author", &o.Author)
	v.text("permlink", &o.Permlink, textPermlink)
	v.asset("max_accepted_payout", &o.MaxAcceptedPayout, assetRule{kinds: debtOnly})
	v.u16("percent_hbd", &o.PercentHBD, hive100Percent)
	v.boolean("allow_votes", &o.AllowVotes)
	v.boolean("allow_curation_rewards", &o.AllowCurationRewards)
	v.beneficiaries("extensions", &o.Beneficiaries)
}

// RequiredAuthorities: posting(author).
func (o *CommentOptions) RequiredAuthorities() []Requirement { return require(Posting, o.Author) }

// SetWithdrawVestingRoute (20) routes Percent of a power down to another
// account, optionally staying vested.
type SetWithdrawVestingRoute struct {
	FromAccount string
	ToAccount   string
	Percent     uint16
	AutoVest    bool
}

// Name returns "set_withdraw_vesting_route".
func (*SetWithdrawVestingRoute) Name() string { return "set_withdraw_vesting_route" }
func (*SetWithdrawVestingRoute) code() opCode { return hiveOp(20) }
func (o *SetWithdrawVestingRoute) fields(v visitor) {
	v.account("from_account", &o.FromAccount)
	v.account("to_account", &o.ToAccount)
	v.u16("percent", &o.Percent, hive100Percent)
	v.boolean("auto_vest", &o.AutoVest)
}

// RequiredAuthorities: active(from_account).
func (o *SetWithdrawVestingRoute) RequiredAuthorities() []Requirement {
	return require(Active, o.FromAccount)
}
