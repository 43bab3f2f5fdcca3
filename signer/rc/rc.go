// Package rc is Hive's resource-credit arithmetic as hived computes it:
// what a transaction uses of each resource, what that costs at the pools'
// current levels, and how an account's credits regenerate. It does no I/O:
// the wallet feeds it a node's rc_api answers to estimate a cost before
// signing, and the devnet its own state to charge one, so both price a
// transaction by the same rules.
//
// The sources are hived's libraries/chain/rc/ (resource_count.cpp,
// rc_utility.cpp, rc_curve.cpp), libraries/chain/util/rd.cpp and
// manabar.hpp, and the resource parameters in
// libraries/jsonball/data/resource_parameters.json.
package rc

import (
	"fmt"
	"time"

	"localsigner/signer/tx"
)

// The resources, in hived's order (rc_resource_types).
const (
	HistoryBytes = iota
	NewAccounts
	MarketBytes
	StateBytes
	ExecutionTime
	// NumResources is how many there are.
	NumResources
)

// Names are the resources' names in rc_api answers.
var Names = [NumResources]string{
	"resource_history_bytes", "resource_new_accounts", "resource_market_bytes",
	"resource_state_bytes", "resource_execution_time",
}

// RegenSeconds is HIVE_RC_REGEN_TIME: an empty account's credits fill up
// in five days.
const RegenSeconds = 5 * 24 * 3600

// blockInterval is HIVE_BLOCK_INTERVAL in seconds.
const blockInterval = 3

// Usage is how much of each resource a transaction uses, in the units
// count_resources gives (bytes, account tokens, byte-hours, nanoseconds).
type Usage [NumResources]int64

// signatureSize is a compact signature on the wire (65 bytes), for the
// size of a transaction not yet signed.
const signatureSize = 65

// SignedSize is the size hived charges history bytes for: the packed
// transaction with its signatures. A transaction not signed yet is sized
// with the signatures it will carry (signatures, at least its current ones).
func SignedSize(t *tx.Transaction, signatures int) (int64, error) {
	b, err := t.Serialize()
	if err != nil {
		return 0, fmt.Errorf("rc: size the transaction: %w", err)
	}
	n := max(signatures, len(t.Signatures))
	return int64(len(b)) + int64(varintLen(uint64(n))) + int64(n)*signatureSize, nil
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// Count is resource_credits::count_resources: what transaction t, of
// packed size size with the given number of signatures, uses when the head
// block time is now. Operations of another family use nothing but the
// transaction's own share.
func Count(t *tx.Transaction, size int64, signatures int, now time.Time) Usage {
	var u Usage
	var state, exec, newAccounts int64
	market := false
	for _, op := range t.Operations {
		o := tx.RCUsage(op, now)
		state += o.State
		exec += o.ExecNS
		newAccounts += o.NewAccounts
		market = market || o.Market
	}
	u[HistoryBytes] = size
	u[NewAccounts] = newAccounts
	if market {
		u[MarketBytes] = size
	}
	s := int64(t.Expiration.Sub(now) / time.Second)
	hours := max((s+3599)/3600, 0)
	u[StateBytes] = state + tx.RCTransactionStateSize*hours
	u[ExecutionTime] = exec + tx.RCTransactionNS + tx.RCSignatureNS*int64(signatures)
	for i := range u {
		u[i] = max(u[i], 0)
	}
	return u
}

// Payer is the account whose credits pay for t (get_resource_user): of
// the first operation that needs any, the first account (in name order, as
// hived's flat_set) it needs active authority from, else owner, else
// posting.
func Payer(t *tx.Transaction) string {
	for _, op := range t.Operations {
		reqs := op.RequiredAuthorities()
		for _, role := range []tx.Role{tx.Active, tx.Owner, tx.Posting} {
			first := ""
			for _, r := range reqs {
				if r.Role == role && (first == "" || r.Account < first) {
					first = r.Account
				}
			}
			if first != "" {
				return first
			}
		}
	}
	return ""
}
