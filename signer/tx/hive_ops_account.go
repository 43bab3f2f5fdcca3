package tx

import "localsigner/signer/keys"

// This file: Hive operations on accounts and witnesses (creation, keys,
// recovery, witness settings).

// AccountCreate (9) creates an account paying the fee in HIVE.
type AccountCreate struct {
	Fee            Asset
	Creator        string
	NewAccountName string
	Owner          Authority
	Active         Authority
	Posting        Authority
	MemoKey        keys.PublicKey
	JSONMetadata   string // empty or valid JSON
}

// Name returns "account_create".
func (*AccountCreate) Name() string { return "account_create" }
func (*AccountCreate) code() opCode { return hiveOp(9) }
func (o *AccountCreate) fields(v visitor) {
	v.asset("fee", &o.Fee, assetRule{kinds: liquidOnly})
	v.account("creator", &o.Creator)
	v.account("new_account_name", &o.NewAccountName)
	v.object("owner", &o.Owner)
	v.object("active", &o.Active)
	v.object("posting", &o.Posting)
	v.publicKey("memo_key", &o.MemoKey)
	v.text("json_metadata", &o.JSONMetadata, textJSONOrEmpty)
}

// RequiredAuthorities: active(creator).
func (o *AccountCreate) RequiredAuthorities() []Requirement { return require(Active, o.Creator) }

// AccountUpdate (10) changes keys and metadata. A new owner authority needs
// the owner key; anything else the active key.
type AccountUpdate struct {
	Account      string
	Owner        *Authority // nil: unchanged
	Active       *Authority // nil: unchanged
	Posting      *Authority // nil: unchanged
	MemoKey      keys.PublicKey
	JSONMetadata string // empty or valid JSON
}

// Name returns "account_update".
func (*AccountUpdate) Name() string { return "account_update" }
func (*AccountUpdate) code() opCode { return hiveOp(10) }
func (o *AccountUpdate) fields(v visitor) {
	v.account("account", &o.Account)
	optionalObject(v, "owner", &o.Owner)
	optionalObject(v, "active", &o.Active)
	optionalObject(v, "posting", &o.Posting)
	v.publicKey("memo_key", &o.MemoKey)
	v.text("json_metadata", &o.JSONMetadata, textJSONOrEmpty)
}

// RequiredAuthorities: owner(account) if Owner is set, else active(account).
func (o *AccountUpdate) RequiredAuthorities() []Requirement {
	return ownerOrActive(o.Account, o.Owner != nil)
}

// WitnessUpdate (11) registers or updates a witness. A null
// BlockSigningKey (STM1111111111111111111111111111111114T1Anm) disables it.
type WitnessUpdate struct {
	Owner           string
	URL             string
	BlockSigningKey keys.PublicKey
	Props           LegacyChainProperties
	Fee             Asset // usually "0.000 HIVE"; hived only requires it not negative
}

// LegacyChainProperties are the chain parameters a witness votes for with
// witness_update.
type LegacyChainProperties struct {
	AccountCreationFee Asset // HIVE
	MaximumBlockSize   uint32
	HBDInterestRate    uint16 // 0..10000
}

func (p *LegacyChainProperties) fields(v visitor) {
	v.asset("account_creation_fee", &p.AccountCreationFee, assetRule{kinds: liquidOnly})
	v.u32("maximum_block_size", &p.MaximumBlockSize)
	v.u16("hbd_interest_rate", &p.HBDInterestRate, hive100Percent)
}

// Name returns "witness_update".
func (*WitnessUpdate) Name() string { return "witness_update" }
func (*WitnessUpdate) code() opCode { return hiveOp(11) }
func (o *WitnessUpdate) fields(v visitor) {
	v.account("owner", &o.Owner)
	v.text("url", &o.URL, textURL)
	v.publicKey("block_signing_key", &o.BlockSigningKey)
	v.object("props", &o.Props)
	v.asset("fee", &o.Fee, assetRule{kinds: anyKind})
}

// RequiredAuthorities: active(owner).
func (o *WitnessUpdate) RequiredAuthorities() []Requirement { return require(Active, o.Owner) }

// ClaimAccount (22) claims an account creation token, paying Fee in HIVE or
// (with zero fee) resource credits.
type ClaimAccount struct {
	Creator string
	Fee     Asset
}

// Name returns "claim_account".
func (*ClaimAccount) Name() string { return "claim_account" }
func (*ClaimAccount) code() opCode { return hiveOp(22) }
func (o *ClaimAccount) fields(v visitor) {
	v.account("creator", &o.Creator)
	v.asset("fee", &o.Fee, assetRule{kinds: liquidOnly})
	v.emptyExtensions("extensions", extSet)
}

// RequiredAuthorities: active(creator).
func (o *ClaimAccount) RequiredAuthorities() []Requirement { return require(Active, o.Creator) }

// CreateClaimedAccount (23) creates an account with a claimed token.
type CreateClaimedAccount struct {
	Creator        string
	NewAccountName string
	Owner          Authority
	Active         Authority
	Posting        Authority
	MemoKey        keys.PublicKey
	JSONMetadata   string // empty or valid JSON
}

// Name returns "create_claimed_account".
func (*CreateClaimedAccount) Name() string { return "create_claimed_account" }
func (*CreateClaimedAccount) code() opCode { return hiveOp(23) }
func (o *CreateClaimedAccount) fields(v visitor) {
	v.account("creator", &o.Creator)
	v.account("new_account_name", &o.NewAccountName)
	v.object("owner", &o.Owner)
	v.object("active", &o.Active)
	v.object("posting", &o.Posting)
	v.publicKey("memo_key", &o.MemoKey)
	v.text("json_metadata", &o.JSONMetadata, textJSONOrEmpty)
	v.emptyExtensions("extensions", extSet)
}

// RequiredAuthorities: active(creator).
func (o *CreateClaimedAccount) RequiredAuthorities() []Requirement {
	return require(Active, o.Creator)
}

// RequestAccountRecovery (24) is sent by a recovery account to start
// recovering AccountToRecover with a new owner authority.
type RequestAccountRecovery struct {
	RecoveryAccount   string
	AccountToRecover  string
	NewOwnerAuthority Authority
}

// Name returns "request_account_recovery".
func (*RequestAccountRecovery) Name() string { return "request_account_recovery" }
func (*RequestAccountRecovery) code() opCode { return hiveOp(24) }
func (o *RequestAccountRecovery) fields(v visitor) {
	v.account("recovery_account", &o.RecoveryAccount)
	v.account("account_to_recover", &o.AccountToRecover)
	v.object("new_owner_authority", &o.NewOwnerAuthority)
	v.emptyExtensions("extensions", extSet)
}

// RequiredAuthorities: active(recovery_account).
func (o *RequestAccountRecovery) RequiredAuthorities() []Requirement {
	return require(Active, o.RecoveryAccount)
}

// ChangeRecoveryAccount (26) names a new recovery account (effective after
// 30 days).
type ChangeRecoveryAccount struct {
	AccountToRecover   string
	NewRecoveryAccount string
}

// Name returns "change_recovery_account".
func (*ChangeRecoveryAccount) Name() string { return "change_recovery_account" }
func (*ChangeRecoveryAccount) code() opCode { return hiveOp(26) }
func (o *ChangeRecoveryAccount) fields(v visitor) {
	v.account("account_to_recover", &o.AccountToRecover)
	v.account("new_recovery_account", &o.NewRecoveryAccount)
	v.emptyExtensions("extensions", extSet)
}

// RequiredAuthorities: owner(account_to_recover).
func (o *ChangeRecoveryAccount) RequiredAuthorities() []Requirement {
	return require(Owner, o.AccountToRecover)
}

// DeclineVotingRights (36) irrevocably (after 30 days) gives up governance
// voting.
type DeclineVotingRights struct {
	Account string
	Decline bool
}

// Name returns "decline_voting_rights".
func (*DeclineVotingRights) Name() string { return "decline_voting_rights" }
func (*DeclineVotingRights) code() opCode { return hiveOp(36) }
func (o *DeclineVotingRights) fields(v visitor) {
	v.account("account", &o.Account)
	v.boolean("decline", &o.Decline)
}

// RequiredAuthorities: owner(account).
func (o *DeclineVotingRights) RequiredAuthorities() []Requirement {
	return require(Owner, o.Account)
}

// AccountCreateWithDelegation (41) is the pre-HF20 way to create an account
// with delegated VESTS. Current nodes refuse it, but it is still part of the
// protocol, so it is encoded faithfully.
type AccountCreateWithDelegation struct {
	Fee            Asset // HIVE
	Delegation     Asset // VESTS
	Creator        string
	NewAccountName string
	Owner          Authority
	Active         Authority
	Posting        Authority
	MemoKey        keys.PublicKey
	JSONMetadata   string // empty or valid JSON
}

// Name returns "account_create_with_delegation".
func (*AccountCreateWithDelegation) Name() string { return "account_create_with_delegation" }
func (*AccountCreateWithDelegation) code() opCode { return hiveOp(41) }
func (o *AccountCreateWithDelegation) fields(v visitor) {
	v.asset("fee", &o.Fee, assetRule{kinds: liquidOnly})
	v.asset("delegation", &o.Delegation, assetRule{kinds: vestsOnly})
	v.account("creator", &o.Creator)
	v.account("new_account_name", &o.NewAccountName)
	v.object("owner", &o.Owner)
	v.object("active", &o.Active)
	v.object("posting", &o.Posting)
	v.publicKey("memo_key", &o.MemoKey)
	v.text("json_metadata", &o.JSONMetadata, textJSONOrEmpty)
	v.emptyExtensions("extensions", extSet)
}

// RequiredAuthorities: active(creator).
func (o *AccountCreateWithDelegation) RequiredAuthorities() []Requirement {
	return require(Active, o.Creator)
}

// AccountUpdate2 (43) changes keys and metadata, each optional. Changing
// only PostingJSONMetadata needs just the posting key.
type AccountUpdate2 struct {
	Account             string
	Owner               *Authority      // nil: unchanged
	Active              *Authority      // nil: unchanged
	Posting             *Authority      // nil: unchanged
	MemoKey             *keys.PublicKey // nil: unchanged
	JSONMetadata        string          // empty (unchanged) or valid JSON
	PostingJSONMetadata string          // empty (unchanged) or valid JSON
}

// Name returns "account_update2".
func (*AccountUpdate2) Name() string { return "account_update2" }
func (*AccountUpdate2) code() opCode { return hiveOp(43) }
func (o *AccountUpdate2) fields(v visitor) {
	v.account("account", &o.Account)
	optionalObject(v, "owner", &o.Owner)
	optionalObject(v, "active", &o.Active)
	optionalObject(v, "posting", &o.Posting)
	optionalKey(v, "memo_key", &o.MemoKey)
	v.text("json_metadata", &o.JSONMetadata, textJSONOrEmpty)
	v.text("posting_json_metadata", &o.PostingJSONMetadata, textJSONOrEmpty)
	v.emptyExtensions("extensions", extSet)
}

// RequiredAuthorities: owner(account) if Owner is set; else active(account)
// if Active, Posting or MemoKey is set or JSONMetadata is not empty; else
// posting(account).
func (o *AccountUpdate2) RequiredAuthorities() []Requirement {
	switch {
	case o.Owner != nil:
		return require(Owner, o.Account)
	case o.Active != nil || o.Posting != nil || o.MemoKey != nil || o.JSONMetadata != "":
		return require(Active, o.Account)
	}
	return require(Posting, o.Account)
}
