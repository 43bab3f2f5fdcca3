package tx

import (
	"fmt"

	"localsigner/signer/chain"
)

// Operation is one action in a transaction. The set is closed: only the
// types of this package implement it, because each must know its exact wire
// layout. Use a type switch (or errors from Decode) to inspect operations:
//
//	switch op := op.(type) {
//	case *tx.Transfer:
//		limit.Spend(op.Amount)
//	case *tx.CustomJSON:
//		log.Print(op.ID)
//	}
type Operation interface {
	// Name is the operation's name without the "_operation" suffix, as in
	// the chain's JSON ("vote", "transfer").
	Name() string
	// RequiredAuthorities lists who must sign, as the node computes it.
	RequiredAuthorities() []Requirement

	code() opCode
	fielder
}

// opCode places an operation in its chain family's static_variant.
type opCode struct {
	family chain.Family
	id     uint32
}

func hiveOp(id uint32) opCode     { return opCode{chain.Hive, id} }
func grapheneOp(id uint32) opCode { return opCode{chain.Graphene, id} }

// opTable maps names and ids of one family to constructors, and remembers
// operations that exist but are refused.
type opTable struct {
	byName      map[string]func() Operation
	byID        map[uint32]func() Operation
	unsupported map[uint32]unsupportedOp
	virtualFrom uint32 // ids from here on are virtual (0: none known)
}

type unsupportedOp struct {
	name, reason string
}

func newOpTable(family chain.Family, ctors []func() Operation, unsupported map[uint32]unsupportedOp, virtualFrom uint32) *opTable {
	t := &opTable{
		byName:      make(map[string]func() Operation),
		byID:        make(map[uint32]func() Operation),
		unsupported: unsupported,
		virtualFrom: virtualFrom,
	}
	for _, ctor := range ctors {
		op := ctor()
		c := op.code()
		if c.family != family {
			panic(fmt.Sprintf("tx: %s registered in the wrong family", op.Name()))
		}
		if _, dup := t.byID[c.id]; dup {
			panic(fmt.Sprintf("tx: duplicate operation id %d", c.id))
		}
		t.byName[op.Name()] = ctor
		t.byID[c.id] = ctor
	}
	return t
}

func tableFor(c *chain.Chain) *opTable {
	if c.Family == chain.Graphene {
		return grapheneOps
	}
	return hiveOps
}

// lookupName finds an operation by name; "transfer_operation" is accepted
// for "transfer", as in the HF26 JSON form.
func (t *opTable) lookupName(name string) (Operation, error) {
	if ctor, ok := t.byName[name]; ok {
		return ctor(), nil
	}
	if base, ok := cutSuffix(name, "_operation"); ok {
		if ctor, ok := t.byName[base]; ok {
			return ctor(), nil
		}
		name = base
	}
	for _, u := range t.unsupported {
		if u.name == name {
			return nil, fmt.Errorf("%w: %s (%s)", ErrUnsupportedOperation, u.name, u.reason)
		}
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownOperation, name)
}

func (t *opTable) lookupID(id uint64) (Operation, error) {
	if id <= 0xffffffff {
		if ctor, ok := t.byID[uint32(id)]; ok {
			return ctor(), nil
		}
		if u, ok := t.unsupported[uint32(id)]; ok {
			return nil, fmt.Errorf("%w: %s (%s)", ErrUnsupportedOperation, u.name, u.reason)
		}
	}
	if t.virtualFrom != 0 && id >= uint64(t.virtualFrom) {
		return nil, fmt.Errorf("%w: id %d is a virtual operation, produced by the node and never signed", ErrUnknownOperation, id)
	}
	return nil, fmt.Errorf("%w: id %d", ErrUnknownOperation, id)
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// hiveVirtualFrom is the first Hive virtual operation id
// (fill_convert_request).
const hiveVirtualFrom = 50

var hiveOps = newOpTable(chain.Hive, []func() Operation{
	func() Operation { return new(Vote) },
	func() Operation { return new(Comment) },
	func() Operation { return new(Transfer) },
	func() Operation { return new(TransferToVesting) },
	func() Operation { return new(WithdrawVesting) },
	func() Operation { return new(LimitOrderCreate) },
	func() Operation { return new(LimitOrderCancel) },
	func() Operation { return new(FeedPublish) },
	func() Operation { return new(Convert) },
	func() Operation { return new(AccountCreate) },
	func() Operation { return new(AccountUpdate) },
	func() Operation { return new(WitnessUpdate) },
	func() Operation { return new(AccountWitnessVote) },
	func() Operation { return new(AccountWitnessProxy) },
	func() Operation { return new(Custom) },
	func() Operation { return new(DeleteComment) },
	func() Operation { return new(CustomJSON) },
	func() Operation { return new(CommentOptions) },
	func() Operation { return new(SetWithdrawVestingRoute) },
	func() Operation { return new(LimitOrderCreate2) },
	func() Operation { return new(ClaimAccount) },
	func() Operation { return new(CreateClaimedAccount) },
	func() Operation { return new(RequestAccountRecovery) },
	func() Operation { return new(ChangeRecoveryAccount) },
	func() Operation { return new(EscrowTransfer) },
	func() Operation { return new(EscrowDispute) },
	func() Operation { return new(EscrowRelease) },
	func() Operation { return new(EscrowApprove) },
	func() Operation { return new(TransferToSavings) },
	func() Operation { return new(TransferFromSavings) },
	func() Operation { return new(CancelTransferFromSavings) },
	func() Operation { return new(DeclineVotingRights) },
	func() Operation { return new(ClaimRewardBalance) },
	func() Operation { return new(DelegateVestingShares) },
	func() Operation { return new(AccountCreateWithDelegation) },
	func() Operation { return new(AccountUpdate2) },
	func() Operation { return new(CreateProposal) },
	func() Operation { return new(UpdateProposalVotes) },
	func() Operation { return new(RemoveProposal) },
	func() Operation { return new(UpdateProposal) },
	func() Operation { return new(CollateralizedConvert) },
	func() Operation { return new(RecurrentTransfer) },
}, map[uint32]unsupportedOp{
	14: {"pow", "mining was removed at HF13"},
	16: {"witness_block_approve", "only witnesses' block producers use it"},
	25: {"recover_account", "needs signatures of two owner authorities, one of them past"},
	30: {"pow2", "mining was disabled at HF17"},
	35: {"custom_binary", "disallowed by the node"},
	37: {"reset_account", "never enabled; validate() always fails"},
	38: {"set_reset_account", "never enabled; validate() always fails"},
	42: {"witness_set_properties", "signed by a witness signing key, not an account authority"},
}, hiveVirtualFrom)

var grapheneOps = newOpTable(chain.Graphene, []func() Operation{
	func() Operation { return new(PeerplaysTransfer) },
	func() Operation { return new(PeerplaysLimitOrderCreate) },
	func() Operation { return new(PeerplaysLimitOrderCancel) },
	func() Operation { return new(PeerplaysAccountUpdate) },
}, map[uint32]unsupportedOp{
	3:  {"call_order_update", "not implemented by Localsigner"},
	4:  {"fill_order", "virtual operation"},
	5:  {"account_create", "not implemented by Localsigner"},
	7:  {"account_whitelist", "not implemented by Localsigner"},
	8:  {"account_upgrade", "not implemented by Localsigner"},
	9:  {"account_transfer", "not implemented by Localsigner"},
	22: {"proposal_create", "not implemented by Localsigner"},
	23: {"proposal_update", "not implemented by Localsigner"},
	24: {"proposal_delete", "not implemented by Localsigner"},
	32: {"vesting_balance_create", "not implemented by Localsigner"},
	33: {"vesting_balance_withdraw", "not implemented by Localsigner"},
	35: {"custom", "not implemented by Localsigner"},
}, 0)
