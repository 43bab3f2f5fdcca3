package tx

import (
	"time"

	"localsigner/signer/chain"
)

// This file: Hive operations 21 and 27-49 (market v2, escrow, savings,
// rewards, delegation, proposals, conversions, recurrent transfers).

// LimitOrderCreate2 (21) places an order given by a price instead of a
// minimum amount to receive.
type LimitOrderCreate2 struct {
	Owner        string
	OrderID      uint32
	AmountToSell Asset
	ExchangeRate Price // base must be the asset sold
	FillOrKill   bool
	Expiration   time.Time
}

// Name returns "limit_order_create2".
func (*LimitOrderCreate2) Name() string { return "limit_order_create2" }
func (*LimitOrderCreate2) code() opCode { return hiveOp(21) }
func (o *LimitOrderCreate2) fields(v visitor) {
	v.account("owner", &o.Owner)
	v.u32("orderid", &o.OrderID)
	v.asset("amount_to_sell", &o.AmountToSell, assetRule{kinds: market, positive: true})
	v.object("exchange_rate", &o.ExchangeRate)
	v.boolean("fill_or_kill", &o.FillOrKill)
	v.timeSec("expiration", &o.Expiration)
}

func (o *LimitOrderCreate2) check(c *chain.Chain) error {
	if kindOf(c, o.AmountToSell) != kindOf(c, o.ExchangeRate.Base) {
		return invalid("exchange_rate", "sell asset must be the base of the price")
	}
	return nil
}

// RequiredAuthorities: active(owner).
func (o *LimitOrderCreate2) RequiredAuthorities() []Requirement { return require(Active, o.Owner) }

// EscrowTransfer (27) puts HBD and/or HIVE in escrow with Agent, who is paid
// Fee.
type EscrowTransfer struct {
	From                 string
	To                   string
	HBDAmount            Asset
	HiveAmount           Asset
	EscrowID             uint32
	Agent                string
	Fee                  Asset // HIVE or HBD
	JSONMeta             string
	RatificationDeadline time.Time
	EscrowExpiration     time.Time
}

// Name returns "escrow_transfer".
func (*EscrowTransfer) Name() string { return "escrow_transfer" }
func (*EscrowTransfer) code() opCode { return hiveOp(27) }
func (o *EscrowTransfer) fields(v visitor) {
	v.account("from", &o.From)
	v.account("to", &o.To)
	v.asset("hbd_amount", &o.HBDAmount, assetRule{kinds: debtOnly})
	v.asset("hive_amount", &o.HiveAmount, assetRule{kinds: liquidOnly})
	v.u32("escrow_id", &o.EscrowID)
	v.account("agent", &o.Agent)
	v.asset("fee", &o.Fee, assetRule{kinds: market})
	v.text("json_meta", &o.JSONMeta, textJSONOrEmpty)
	v.timeSec("ratification_deadline", &o.RatificationDeadline)
	v.timeSec("escrow_expiration", &o.EscrowExpiration)
}

func (o *EscrowTransfer) check(*chain.Chain) error {
	switch {
	case o.HBDAmount.Amount == 0 && o.HiveAmount.Amount == 0:
		return invalid("", "escrow must transfer a non-zero amount")
	case o.Agent == o.From || o.Agent == o.To:
		return invalid("agent", "agent must be a third party")
	case !o.RatificationDeadline.Before(o.EscrowExpiration):
		return invalid("ratification_deadline", "must be before escrow_expiration")
	}
	return nil
}

// RequiredAuthorities: active(from).
func (o *EscrowTransfer) RequiredAuthorities() []Requirement { return require(Active, o.From) }

// EscrowDispute (28) asks the agent to decide an escrow.
type EscrowDispute struct {
	From     string
	To       string
	Agent    string
	Who      string // From or To
	EscrowID uint32
}

// Name returns "escrow_dispute".
func (*EscrowDispute) Name() string { return "escrow_dispute" }
func (*EscrowDispute) code() opCode { return hiveOp(28) }
func (o *EscrowDispute) fields(v visitor) {
	v.account("from", &o.From)
	v.account("to", &o.To)
	v.account("agent", &o.Agent)
	v.account("who", &o.Who)
	v.u32("escrow_id", &o.EscrowID)
}

func (o *EscrowDispute) check(*chain.Chain) error {
	if o.Who != o.From && o.Who != o.To {
		return invalid("who", "must be from or to")
	}
	return nil
}

// RequiredAuthorities: active(who).
func (o *EscrowDispute) RequiredAuthorities() []Requirement { return require(Active, o.Who) }

// EscrowRelease (29) releases escrowed funds to Receiver.
type EscrowRelease struct {
	From       string
	To         string
	Agent      string
	Who        string // From, To or Agent
	Receiver   string // From or To
	EscrowID   uint32
	HBDAmount  Asset
	HiveAmount Asset
}

// Name returns "escrow_release".
func (*EscrowRelease) Name() string { return "escrow_release" }
func (*EscrowRelease) code() opCode { return hiveOp(29) }
func (o *EscrowRelease) fields(v visitor) {
	v.account("from", &o.From)
	v.account("to", &o.To)
	v.account("agent", &o.Agent)
	v.account("who", &o.Who)
	v.account("receiver", &o.Receiver)
	v.u32("escrow_id", &o.EscrowID)
	v.asset("hbd_amount", &o.HBDAmount, assetRule{kinds: debtOnly})
	v.asset("hive_amount", &o.HiveAmount, assetRule{kinds: liquidOnly})
}

func (o *EscrowRelease) check(*chain.Chain) error {
	switch {
	case o.Who != o.From && o.Who != o.To && o.Who != o.Agent:
		return invalid("who", "must be from, to or agent")
	case o.Receiver != o.From && o.Receiver != o.To:
		return invalid("receiver", "must be from or to")
	case o.HBDAmount.Amount == 0 && o.HiveAmount.Amount == 0:
		return invalid("", "escrow must release a non-zero amount")
	}
	return nil
}

// RequiredAuthorities: active(who).
func (o *EscrowRelease) RequiredAuthorities() []Requirement { return require(Active, o.Who) }

// EscrowApprove (31) is the recipient's or agent's approval of an escrow.
type EscrowApprove struct {
	From     string
	To       string
	Agent    string
	Who      string // To or Agent
	EscrowID uint32
	Approve  bool
}

// Name returns "escrow_approve".
func (*EscrowApprove) Name() string { return "escrow_approve" }
func (*EscrowApprove) code() opCode { return hiveOp(31) }
func (o *EscrowApprove) fields(v visitor) {
	v.account("from", &o.From)
	v.account("to", &o.To)
	v.account("agent", &o.Agent)
	v.account("who", &o.Who)
	v.u32("escrow_id", &o.EscrowID)
	v.boolean("approve", &o.Approve)
}

func (o *EscrowApprove) check(*chain.Chain) error {
	if o.Who != o.To && o.Who != o.Agent {
		return invalid("who", "must be to or agent")
	}
	return nil
}

// RequiredAuthorities: active(who).
func (o *EscrowApprove) RequiredAuthorities() []Requirement { return require(Active, o.Who) }

// TransferToSavings (32) moves HIVE or HBD into To's savings.
type TransferToSavings struct {
	From   string
	To     string
	Amount Asset
	Memo   string
}

// Name returns "transfer_to_savings".
func (*TransferToSavings) Name() string { return "transfer_to_savings" }
func (*TransferToSavings) code() opCode { return hiveOp(32) }
func (o *TransferToSavings) fields(v visitor) {
	v.account("from", &o.From)
	v.account("to", &o.To)
	v.asset("amount", &o.Amount, assetRule{kinds: market, positive: true})
	v.text("memo", &o.Memo, textMemo)
}

// RequiredAuthorities: active(from).
func (o *TransferToSavings) RequiredAuthorities() []Requirement { return require(Active, o.From) }

// TransferFromSavings (33) starts a 3-day withdrawal from savings.
type TransferFromSavings struct {
	From      string
	RequestID uint32
	To        string
	Amount    Asset
	Memo      string
}

// Name returns "transfer_from_savings".
func (*TransferFromSavings) Name() string { return "transfer_from_savings" }
func (*TransferFromSavings) code() opCode { return hiveOp(33) }
func (o *TransferFromSavings) fields(v visitor) {
	v.account("from", &o.From)
	v.u32("request_id", &o.RequestID)
	v.account("to", &o.To)
	v.asset("amount", &o.Amount, assetRule{kinds: market, positive: true})
	v.text("memo", &o.Memo, textMemo)
}

// RequiredAuthorities: active(from).
func (o *TransferFromSavings) RequiredAuthorities() []Requirement {
	return require(Active, o.From)
}

// CancelTransferFromSavings (34) cancels a pending savings withdrawal.
type CancelTransferFromSavings struct {
	From      string
	RequestID uint32
}

// Name returns "cancel_transfer_from_savings".
func (*CancelTransferFromSavings) Name() string { return "cancel_transfer_from_savings" }
func (*CancelTransferFromSavings) code() opCode { return hiveOp(34) }
func (o *CancelTransferFromSavings) fields(v visitor) {
	v.account("from", &o.From)
	v.u32("request_id", &o.RequestID)
}

// RequiredAuthorities: active(from).
func (o *CancelTransferFromSavings) RequiredAuthorities() []Requirement {
	return require(Active, o.From)
}

// ClaimRewardBalance (39) moves pending rewards into the balances.
type ClaimRewardBalance struct {
	Account     string
	RewardHive  Asset
	RewardHBD   Asset
	RewardVests Asset
}

// Name returns "claim_reward_balance".
func (*ClaimRewardBalance) Name() string { return "claim_reward_balance" }
func (*ClaimRewardBalance) code() opCode { return hiveOp(39) }
func (o *ClaimRewardBalance) fields(v visitor) {
	v.account("account", &o.Account)
	v.asset("reward_hive", &o.RewardHive, assetRule{kinds: liquidOnly})
	v.asset("reward_hbd", &o.RewardHBD, assetRule{kinds: debtOnly})
	v.asset("reward_vests", &o.RewardVests, assetRule{kinds: vestsOnly})
}

func (o *ClaimRewardBalance) check(*chain.Chain) error {
	if o.RewardHive.Amount == 0 && o.RewardHBD.Amount == 0 && o.RewardVests.Amount == 0 {
		return invalid("", "must claim something")
	}
	return nil
}

// RequiredAuthorities: posting(account).
func (o *ClaimRewardBalance) RequiredAuthorities() []Requirement {
	return require(Posting, o.Account)
}

// DelegateVestingShares (40) sets the VESTS delegated to Delegatee (zero
// removes the delegation).
type DelegateVestingShares struct {
	Delegator     string
	Delegatee     string
	VestingShares Asset
}

// Name returns "delegate_vesting_shares".
func (*DelegateVestingShares) Name() string { return "delegate_vesting_shares" }
func (*DelegateVestingShares) code() opCode { return hiveOp(40) }
func (o *DelegateVestingShares) fields(v visitor) {
	v.account("delegator", &o.Delegator)
	v.account("delegatee", &o.Delegatee)
	v.asset("vesting_shares", &o.VestingShares, assetRule{kinds: vestsOnly})
}

func (o *DelegateVestingShares) check(*chain.Chain) error {
	if o.Delegator == o.Delegatee {
		return invalid("delegatee", "you cannot delegate VESTS to yourself")
	}
	return nil
}

// RequiredAuthorities: active(delegator).
func (o *DelegateVestingShares) RequiredAuthorities() []Requirement {
	return require(Active, o.Delegator)
}

// CreateProposal (44) creates a DHF (decentralized Hive fund) proposal.
type CreateProposal struct {
	Creator   string
	Receiver  string
	StartDate time.Time
	EndDate   time.Time
	DailyPay  Asset // HBD
	Subject   string
	Permlink  string
}

// Name returns "create_proposal".
func (*CreateProposal) Name() string { return "create_proposal" }
func (*CreateProposal) code() opCode { return hiveOp(44) }
func (o *CreateProposal) fields(v visitor) {
	v.account("creator", &o.Creator)
	v.account("receiver", &o.Receiver)
	v.timeSec("start_date", &o.StartDate)
	v.timeSec("end_date", &o.EndDate)
	v.asset("daily_pay", &o.DailyPay, assetRule{kinds: debtOnly})
	v.text("subject", &o.Subject, textSubject)
	v.text("permlink", &o.Permlink, textPermlinkNonEmpty)
	v.emptyExtensions("extensions", extSet)
}

func (o *CreateProposal) check(*chain.Chain) error {
	if !o.EndDate.After(o.StartDate) {
		return invalid("end_date", "must be after start_date")
	}
	return nil
}

// RequiredAuthorities: active(creator).
func (o *CreateProposal) RequiredAuthorities() []Requirement { return require(Active, o.Creator) }

// UpdateProposalVotes (45) approves or unapproves up to 5 proposals.
type UpdateProposalVotes struct {
	Voter       string
	ProposalIDs []int64 // strictly ascending, 1 to 5 ids
	Approve     bool
}

// Name returns "update_proposal_votes".
func (*UpdateProposalVotes) Name() string { return "update_proposal_votes" }
func (*UpdateProposalVotes) code() opCode { return hiveOp(45) }
func (o *UpdateProposalVotes) fields(v visitor) {
	v.account("voter", &o.Voter)
	v.proposalIDs("proposal_ids", &o.ProposalIDs)
	v.boolean("approve", &o.Approve)
	v.emptyExtensions("extensions", extSet)
}

// RequiredAuthorities: active(voter).
func (o *UpdateProposalVotes) RequiredAuthorities() []Requirement {
	return require(Active, o.Voter)
}

// RemoveProposal (46) deletes up to 5 of the owner's proposals.
type RemoveProposal struct {
	ProposalOwner string
	ProposalIDs   []int64 // strictly ascending, 1 to 5 ids
}

// Name returns "remove_proposal".
func (*RemoveProposal) Name() string { return "remove_proposal" }
func (*RemoveProposal) code() opCode { return hiveOp(46) }
func (o *RemoveProposal) fields(v visitor) {
	v.account("proposal_owner", &o.ProposalOwner)
	v.proposalIDs("proposal_ids", &o.ProposalIDs)
	v.emptyExtensions("extensions", extSet)
}

// RequiredAuthorities: active(proposal_owner).
func (o *RemoveProposal) RequiredAuthorities() []Requirement {
	return require(Active, o.ProposalOwner)
}

// UpdateProposal (47) lowers the pay of, renames or shortens a proposal.
type UpdateProposal struct {
	ProposalID int64
	Creator    string
	DailyPay   Asset // HBD
	Subject    string
	Permlink   string
	// EndDate is the update_proposal_end_date extension; nil means none.
	EndDate *time.Time
}

// Name returns "update_proposal".
func (*UpdateProposal) Name() string { return "update_proposal" }
func (*UpdateProposal) code() opCode { return hiveOp(47) }
func (o *UpdateProposal) fields(v visitor) {
	v.nonNegativeI64("proposal_id", &o.ProposalID)
	v.account("creator", &o.Creator)
	v.asset("daily_pay", &o.DailyPay, assetRule{kinds: debtOnly})
	v.text("subject", &o.Subject, textSubject)
	v.text("permlink", &o.Permlink, textPermlinkNonEmpty)
	v.proposalEndDate("extensions", &o.EndDate)
}

// RequiredAuthorities: active(creator).
func (o *UpdateProposal) RequiredAuthorities() []Requirement { return require(Active, o.Creator) }

// CollateralizedConvert (48) converts HIVE to HBD immediately, locking twice
// the value as collateral for 3.5 days.
type CollateralizedConvert struct {
	Owner     string
	RequestID uint32
	Amount    Asset // HIVE
}

// Name returns "collateralized_convert".
func (*CollateralizedConvert) Name() string { return "collateralized_convert" }
func (*CollateralizedConvert) code() opCode { return hiveOp(48) }
func (o *CollateralizedConvert) fields(v visitor) {
	v.account("owner", &o.Owner)
	v.u32("requestid", &o.RequestID)
	v.asset("amount", &o.Amount, assetRule{kinds: liquidOnly, positive: true})
}

// RequiredAuthorities: active(owner).
func (o *CollateralizedConvert) RequiredAuthorities() []Requirement {
	return require(Active, o.Owner)
}

// RecurrentTransfer (49) creates, changes or (with a zero amount) deletes a
// transfer repeated every Recurrence hours, Executions times.
type RecurrentTransfer struct {
	From       string
	To         string
	Amount     Asset
	Memo       string
	Recurrence uint16 // hours; the node sets the minimum (24 on mainnet)
	Executions uint16 // at least 2
	// PairID is the recurrent_transfer_pair_id extension, which lets one
	// sender keep several recurrent transfers to the same recipient; nil
	// means none.
	PairID *uint8
}

// Name returns "recurrent_transfer".
func (*RecurrentTransfer) Name() string { return "recurrent_transfer" }
func (*RecurrentTransfer) code() opCode { return hiveOp(49) }
func (o *RecurrentTransfer) fields(v visitor) {
	v.account("from", &o.From)
	v.account("to", &o.To)
	v.asset("amount", &o.Amount, assetRule{kinds: market})
	v.text("memo", &o.Memo, textMemo)
	v.u16("recurrence", &o.Recurrence, 0xffff)
	v.u16("executions", &o.Executions, 0xffff)
	v.recurrentPairID("extensions", &o.PairID)
}

func (o *RecurrentTransfer) check(*chain.Chain) error {
	switch {
	case o.From == o.To:
		return invalid("to", "cannot set up a recurrent transfer to yourself")
	case o.Executions < 2:
		return invalid("executions", "must be at least 2; use a transfer for a single payment")
	}
	return nil
}

// RequiredAuthorities: active(from).
func (o *RecurrentTransfer) RequiredAuthorities() []Requirement { return require(Active, o.From) }
