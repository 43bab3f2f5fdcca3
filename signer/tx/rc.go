package tx

import (
	"encoding/json"
	"time"
)

// Resource-credit facts per operation, as hived counts them. The numbers
// come from hived's libraries/chain/rc/resource_sizes.cpp (state object
// sizes and measured execution times, hived 1.27/1.28) and the rules for
// when they apply from libraries/chain/rc/resource_count.cpp
// (count_operation_visitor). Package rc turns them into a transaction's
// usage and price.

// RCFacts is what one operation of a kind uses in its plain form.
type RCFacts struct {
	// ExecNS is its measured execution time in nanoseconds
	// (operation_exec_info).
	ExecNS int64
	// State is the chain state it keeps, in byte-hours: object size times
	// the hours it lives (state_object_size_info). Operations whose state
	// depends on their fields start from this and RCUsage adds the rest.
	State int64
	// Market: exchanges watch it, so its bytes count again as market bytes.
	Market bool
}

// State byte-hours: an object kept for an hour costs its size; one that
// lasts (no fixed end, 2.5 years on average) or persists (5 years, node
// memory doubling every 5 years) costs that many hours of its size.
const (
	rcTemporary  = 1
	rcLasting    = rcTemporary * 5 * 365 * 12
	rcPersistent = rcTemporary * 5 * 365 * 24
)

// State sizes, each the size hived's multi-index node has times its
// lifetime (resource_sizes.cpp, USE_FIXED_SIZE values).
const (
	rcAccountCreateBaseSize     = (616+144)*rcPersistent + 312*rcPersistent
	rcAuthorityAccountSize      = 24 * rcPersistent
	rcAuthorityKeySize          = 36 * rcPersistent
	rcOwnerHistorySize          = 168 * rcTemporary * 30 * 24 // HIVE_OWNER_AUTH_RECOVERY_PERIOD
	rcTransferToVestingSize     = 16 * rcTemporary * 30 * 24  // delayed voting
	rcRecoveryRequestSize       = 192 * rcTemporary * 24
	rcChangeRecoverySize        = 136 * rcTemporary * 30 * 24
	rcCommentBaseSize           = 96*rcPersistent + 192*rcTemporary*7*24 // comment + cashout window
	rcCommentPermlinkCharSize   = rcTemporary * 7 * 24
	rcBeneficiarySize           = 8 * rcTemporary * 7 * 24
	rcVoteSize                  = 144 * rcTemporary * 7 * 24
	rcConvertSize               = 120 * rcTemporary * 7 * 12 // HIVE_CONVERSION_DELAY
	rcCollateralizedConvertSize = 128 * rcTemporary * 7 * 12
	rcDeclineVotingSize         = 128 * rcTemporary * 30 * 24
	rcEscrowSize                = 216 * rcLasting
	rcLimitOrderSize            = 208 * rcTemporary * 28 * 24 // HIVE_MAX_LIMIT_ORDER_EXPIRATION
	rcSavingsWithdrawSize       = 232 * rcTemporary * 3 * 24  // HIVE_SAVINGS_WITHDRAW_TIME
	rcDelegationObjectSize      = 88 * rcLasting
	rcDelegationExpirySize      = 120 * rcTemporary * 5 * 24 // HIVE_DELEGATION_RETURN_PERIOD_HF20
	rcDelegationSize            = max(rcDelegationObjectSize, rcDelegationExpirySize)
	rcWithdrawRouteSize         = 144 * rcLasting
	rcWitnessUpdateBaseSize     = 544 * rcPersistent
	rcWitnessURLCharSize        = rcPersistent
	rcWitnessVoteSize           = 136 * rcTemporary * 365 * 24 // HIVE_GOVERNANCE_VOTE_EXPIRATION_PERIOD
	rcProposalBaseSize          = 336 * rcTemporary            // times its lifetime in hours
	rcProposalCharSize          = rcTemporary                  // times its lifetime in hours
	rcProposalVoteSize          = 128 * rcTemporary * 365 * 24
	rcRecurrentBaseSize         = 200 * rcTemporary // times its lifetime in hours
	rcRecurrentMemoCharSize     = rcTemporary       // times its lifetime in hours
	rcDelegateRCSize            = 88 * rcLasting    // per delegatee
)

// Execution times that depend on fields (resource_sizes.cpp).
const (
	rcRecurrentProcessingNS = 14347 // per execution
	rcDelegateRCNS          = 75000 // delegate_rc over the custom_json it rides in
)

// Transaction-level facts (resource_sizes.cpp): the transaction object
// kept until it expires, the dupe and TaPoS checks, and verifying each
// signature.
const (
	RCTransactionStateSize = 128 * rcTemporary // per hour until expiration
	RCTransactionNS        = 2821 + 386 + 3415
	RCSignatureNS          = 94165
)

// OpUsage is what one operation uses, before the transaction's own share.
type OpUsage struct {
	State, ExecNS int64
	NewAccounts   int64 // account tokens claimed for free
	Market        bool
}

// RCUsage returns what op uses of the chain's resources at time now (the
// head block time; proposals and recurrent transfers keep state for a time
// counted from it). A Graphene operation uses nothing: Peerplays charges
// fees instead.
func RCUsage(op Operation, now time.Time) OpUsage {
	spec := SpecOf(op)
	if spec == nil {
		return OpUsage{}
	}
	u := OpUsage{State: spec.RC.State, ExecNS: spec.RC.ExecNS, Market: spec.RC.Market}
	authSize := func(a *Authority) int64 {
		if a == nil {
			return 0
		}
		return rcAuthorityAccountSize*int64(len(a.AccountAuths)) + rcAuthorityKeySize*int64(len(a.KeyAuths))
	}
	accountSize := func(o, a, p *Authority) int64 { return authSize(o) + authSize(a) + authSize(p) }
	updateSize := func(o, a, p *Authority) int64 {
		n := authSize(a) + authSize(p)
		if o != nil {
			n += authSize(o) + rcOwnerHistorySize
		}
		return n
	}
	hoursUntil := func(t time.Time) int64 {
		s := int64(t.Sub(now) / time.Second)
		return max((s+3599)/3600, 0)
	}
	switch o := op.(type) {
	case *Comment:
		u.State += rcCommentPermlinkCharSize * int64(len(o.Permlink))
	case *CommentOptions:
		u.State += rcBeneficiarySize * int64(len(o.Beneficiaries))
	case *AccountCreate:
		u.State += accountSize(&o.Owner, &o.Active, &o.Posting)
	case *CreateClaimedAccount:
		u.State += accountSize(&o.Owner, &o.Active, &o.Posting)
	case *AccountCreateWithDelegation:
		u.State += accountSize(&o.Owner, &o.Active, &o.Posting)
	case *AccountUpdate:
		u.State += updateSize(o.Owner, o.Active, o.Posting)
	case *AccountUpdate2:
		u.State += updateSize(o.Owner, o.Active, o.Posting)
	case *AccountWitnessVote:
		if !o.Approve {
			u.State = 0
		}
	case *DeclineVotingRights:
		if !o.Decline {
			u.State = 0
		}
	case *DelegateVestingShares:
		if o.VestingShares.Amount <= 0 {
			u.State = rcDelegationExpirySize
		}
	case *LimitOrderCreate:
		if o.FillOrKill {
			u.State = 0
		}
	case *LimitOrderCreate2:
		if o.FillOrKill {
			u.State = 0
		}
	case *RequestAccountRecovery:
		if o.NewOwnerAuthority.WeightThreshold == 0 {
			u.State = 0
		}
	case *SetWithdrawVestingRoute:
		if o.Percent == 0 {
			u.State = 0
		}
	case *WitnessUpdate:
		u.State += rcWitnessURLCharSize * int64(len(o.URL))
	case *ClaimAccount:
		if o.Fee.Amount == 0 {
			u.NewAccounts = 1
		}
	case *CreateProposal:
		u.State = (rcProposalBaseSize + rcProposalCharSize*int64(len(o.Subject)+len(o.Permlink))) * hoursUntil(o.EndDate)
	case *UpdateProposalVotes:
		u.State = 0
		if o.Approve {
			u.State = rcProposalVoteSize * int64(len(o.ProposalIDs))
		}
	case *RecurrentTransfer:
		u.State = 0
		if o.Amount.Amount > 0 {
			lifetime := int64(o.Recurrence) * int64(o.Executions)
			u.State = (rcRecurrentBaseSize + rcRecurrentMemoCharSize*int64(len(o.Memo))) * lifetime
		}
		u.ExecNS += rcRecurrentProcessingNS * int64(o.Executions)
	case *CustomJSON:
		if o.ID == "rc" {
			if n, ok := delegateRC(o.JSON); ok {
				u.ExecNS += rcDelegateRCNS
				u.State += rcDelegateRCSize * n
			}
		}
	}
	return u
}

// delegateRC reads an RC delegation (custom_json "rc", ["delegate_rc",
// {max_rc, delegatees}]) and returns how many delegations it keeps in
// state: none when it removes them (max_rc 0).
func delegateRC(js string) (int64, bool) {
	var body []json.RawMessage
	if json.Unmarshal([]byte(js), &body) != nil || len(body) != 2 {
		return 0, false
	}
	var name string
	if json.Unmarshal(body[0], &name) != nil || name != "delegate_rc" {
		return 0, false
	}
	var d struct {
		MaxRC      json.Number `json:"max_rc"`
		Delegatees []string    `json:"delegatees"`
	}
	if json.Unmarshal(body[1], &d) != nil {
		return 0, false
	}
	if d.MaxRC.String() == "0" {
		return 0, true
	}
	return int64(len(d.Delegatees)), true
}
