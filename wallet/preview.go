package wallet

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"localsigner/signer/tx"
)

// previewOps are the operations whose debits come out of the account's
// liquid balance at once, so that "before → after" is what the account
// holds right after the transaction. Others (savings withdrawals, power
// downs, delegations) move value on a schedule or between balances the
// account keeps; they show what leaves, without a balance line.
var previewOps = map[string]bool{
	"transfer": true, "transfer_to_savings": true, "transfer_to_vesting": true, "recurrent_transfer": true,
	"convert": true, "collateralized_convert": true, "limit_order_create": true, "escrow_transfer": true,
}

// previewTimeout bounds the balance read a confirmation waits for.
const previewTimeout = 3 * time.Second

// balancePreview reads the account's liquid balances from the node at
// prompt time and writes, per asset the transaction takes from them,
// "HIVE: 1000.000 → 999.000 (as the node reports it)". It says so when
// the node cannot be read, or the account holds less than it would send.
// Nothing here decides anything: the node's word is shown as the node's.
func (w *Wallet) balancePreview(ctx context.Context, account string, ops []tx.Operation, facts []tx.Facts) []string {
	debits := map[string]tx.Amount{}
	for i, f := range facts {
		if !previewOps[ops[i].Name()] || !f.DebitsKnown() {
			continue
		}
		for _, a := range f.Debits {
			s, ok := debits[a.Symbol]
			if !ok {
				s = a
			} else {
				s.Units += a.Units
			}
			debits[a.Symbol] = s
		}
	}
	if len(debits) == 0 || w.cfg.Node == nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, previewTimeout)
	defer cancel()
	accts, err := w.cfg.Node.Accounts(rctx, []string{account})
	if err != nil || len(accts) != 1 {
		return []string{"Balances: the node did not answer, so the balance after is not shown."}
	}
	held := map[string]string{}
	a := accts[0]
	for _, s := range []string{a.Balance, a.HBDBalance} {
		if s == "" {
			continue
		}
		if amt, err := tx.ParseAsset(w.cfg.Chain, s); err == nil {
			held[amt.Symbol] = s
		}
	}
	var out []string
	for _, sym := range slices.Sorted(maps.Keys(debits)) {
		d := debits[sym]
		have, ok := held[sym]
		if !ok {
			continue
		}
		before, err := tx.ParseAsset(w.cfg.Chain, have)
		if err != nil || before.Precision != d.Precision {
			continue
		}
		after := tx.Amount{Symbol: sym, Units: before.Amount - d.Units, Precision: d.Precision, Known: true}
		b := tx.Amount{Symbol: sym, Units: before.Amount, Precision: d.Precision, Known: true}
		line := fmt.Sprintf("%s: %s → %s (as the node reports it)", sym, b.String(), after.String())
		if after.Units < 0 {
			line = fmt.Sprintf("%s: the account holds %s, less than the %s this sends: the chain will refuse it", sym, b.String(), d.String())
		}
		out = append(out, line)
	}
	return out
}
