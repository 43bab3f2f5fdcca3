package tx

import (
	"time"

	"localsigner/signer/chain"
)

// This file: the Peerplays (Graphene) operations Localsigner signs. Field
// order is FC_REFLECT in graphene/chain/protocol/{transfer,market,account}.hpp.
// Every operation starts with the fee, paid by the account that must sign.

// PeerplaysTransfer (0) moves an asset between accounts, optionally with an
// encrypted memo.
type PeerplaysTransfer struct {
	Fee    GrapheneAsset
	From   ObjectID // 1.2.N
	To     ObjectID // 1.2.N
	Amount GrapheneAsset
	Memo   *MemoData // nil: no memo
}

// Name returns "transfer".
func (*PeerplaysTransfer) Name() string { return "transfer" }
func (*PeerplaysTransfer) code() opCode { return grapheneOp(0) }
func (o *PeerplaysTransfer) fields(v visitor) {
	v.grapheneAsset("fee", &o.Fee, false)
	v.objectID("from", &o.From, AccountObject)
	v.objectID("to", &o.To, AccountObject)
	v.grapheneAsset("amount", &o.Amount, true)
	optionalObject(v, "memo", &o.Memo)
	v.emptyExtensions("extensions", extSet)
}

func (o *PeerplaysTransfer) check(*chain.Chain) error {
	if o.From == o.To {
		return invalid("to", "cannot transfer to the sending account")
	}
	return nil
}

// RequiredAuthorities: active(from).
func (o *PeerplaysTransfer) RequiredAuthorities() []Requirement {
	return require(Active, o.From.String())
}

// PeerplaysLimitOrderCreate (1) offers AmountToSell for at least
// MinToReceive. Unlike Hive's limit_order_create, Graphene puts expiration
// before fill_or_kill.
type PeerplaysLimitOrderCreate struct {
	Fee          GrapheneAsset
	Seller       ObjectID // 1.2.N
	AmountToSell GrapheneAsset
	MinToReceive GrapheneAsset
	Expiration   time.Time
	FillOrKill   bool
}

// Name returns "limit_order_create".
func (*PeerplaysLimitOrderCreate) Name() string { return "limit_order_create" }
func (*PeerplaysLimitOrderCreate) code() opCode { return grapheneOp(1) }
func (o *PeerplaysLimitOrderCreate) fields(v visitor) {
	v.grapheneAsset("fee", &o.Fee, false)
	v.objectID("seller", &o.Seller, AccountObject)
	v.grapheneAsset("amount_to_sell", &o.AmountToSell, true)
	v.grapheneAsset("min_to_receive", &o.MinToReceive, true)
	v.timeSec("expiration", &o.Expiration)
	v.boolean("fill_or_kill", &o.FillOrKill)
	v.emptyExtensions("extensions", extSet)
}

func (o *PeerplaysLimitOrderCreate) check(*chain.Chain) error {
	if o.AmountToSell.AssetID == o.MinToReceive.AssetID {
		return invalid("min_to_receive", "must be a different asset than amount_to_sell")
	}
	return nil
}

// RequiredAuthorities: active(seller).
func (o *PeerplaysLimitOrderCreate) RequiredAuthorities() []Requirement {
	return require(Active, o.Seller.String())
}

// PeerplaysLimitOrderCancel (2) cancels Order. The wire order is fee,
// fee_paying_account, order (FC_REFLECT differs from the C++ declaration).
type PeerplaysLimitOrderCancel struct {
	Fee              GrapheneAsset
	FeePayingAccount ObjectID // 1.2.N, must be the order's seller
	Order            ObjectID // 1.7.N
}

// Name returns "limit_order_cancel".
func (*PeerplaysLimitOrderCancel) Name() string { return "limit_order_cancel" }
func (*PeerplaysLimitOrderCancel) code() opCode { return grapheneOp(2) }
func (o *PeerplaysLimitOrderCancel) fields(v visitor) {
	v.grapheneAsset("fee", &o.Fee, false)
	v.objectID("fee_paying_account", &o.FeePayingAccount, AccountObject)
	v.objectID("order", &o.Order, LimitOrderObject)
	v.emptyExtensions("extensions", extSet)
}

// RequiredAuthorities: active(fee_paying_account).
func (o *PeerplaysLimitOrderCancel) RequiredAuthorities() []Requirement {
	return require(Active, o.FeePayingAccount.String())
}

// PeerplaysAccountUpdate (6) replaces authorities and/or account options.
// Its extensions (special authorities, update_last_voting_time) are not
// supported and always empty.
type PeerplaysAccountUpdate struct {
	Fee        GrapheneAsset
	Account    ObjectID           // 1.2.N
	Owner      *GrapheneAuthority // nil: unchanged
	Active     *GrapheneAuthority // nil: unchanged
	NewOptions *AccountOptions    // nil: unchanged
}

// Name returns "account_update".
func (*PeerplaysAccountUpdate) Name() string { return "account_update" }
func (*PeerplaysAccountUpdate) code() opCode { return grapheneOp(6) }
func (o *PeerplaysAccountUpdate) fields(v visitor) {
	v.grapheneAsset("fee", &o.Fee, false)
	v.objectID("account", &o.Account, AccountObject)
	optionalObject(v, "owner", &o.Owner)
	optionalObject(v, "active", &o.Active)
	optionalObject(v, "new_options", &o.NewOptions)
	v.emptyExtensions("extensions", extObject)
}

// graphene special accounts (GRAPHENE_COMMITTEE_ACCOUNT 1.2.0 and
// GRAPHENE_TEMP_ACCOUNT 1.2.4) that account_update refuses.
const (
	committeeAccount = 0
	tempAccount      = 4
)

func (o *PeerplaysAccountUpdate) check(*chain.Chain) error {
	switch {
	case o.Account.Instance == committeeAccount || o.Account.Instance == tempAccount:
		return invalid("account", "cannot update this special account")
	case o.Owner == nil && o.Active == nil && o.NewOptions == nil:
		return invalid("", "nothing to update: set owner, active or new_options")
	}
	return nil
}

// RequiredAuthorities: owner(account) if Owner is set, else active(account).
func (o *PeerplaysAccountUpdate) RequiredAuthorities() []Requirement {
	return ownerOrActive(o.Account.String(), o.Owner != nil)
}
