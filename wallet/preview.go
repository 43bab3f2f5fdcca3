package wallet

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"localsigner/approval"
	"localsigner/signer/chain"
	"localsigner/signer/node"
	"localsigner/signer/tx"
)

// previewTimeout bounds the balance read a confirmation waits for.
const previewTimeout = 3 * time.Second

// powerDownWeeks is HIVE_VESTING_WITHDRAW_INTERVALS: a power down pays out
// in thirteen weekly parts.
const powerDownWeeks = 13

// balanceLine is one balance a transaction changes: which balance of which
// asset, and by how much (in the asset's units; Hive Power in HIVE units).
type balanceLine struct {
	kind      tx.Balance
	symbol    string
	precision uint8
	delta     int64
	suffix    string // said after the amounts: "over 13 weeks"
}

// balanceChanges reads, from the registry's facts, what ops do to the
// balances of account: debits leave the balance the spec names, and reach
// another of the account's own when it is the recipient. Power downs and
// delegations move Hive Power without a debit and are read from the
// operation. The second result lists delegations, which are shown as the
// new total rather than before → after.
func balanceChanges(account string, ops []tx.Operation, facts []tx.Facts) ([]*balanceLine, []*tx.DelegateVestingShares, bool) {
	var out []*balanceLine
	add := func(kind tx.Balance, a tx.Amount, sign int64, suffix string) {
		for _, l := range out {
			if l.kind == kind && l.symbol == a.Symbol && l.suffix == suffix {
				l.delta += sign * a.Units
				return
			}
		}
		out = append(out, &balanceLine{kind: kind, symbol: a.Symbol, precision: a.Precision, delta: sign * a.Units, suffix: suffix})
	}
	var delegations []*tx.DelegateVestingShares
	needRate := false
	for i, op := range ops {
		f := facts[i]
		switch o := op.(type) {
		case *tx.WithdrawVesting:
			add(tx.Staked, tx.Amount{Symbol: "VESTS", Units: o.VestingShares.Amount, Precision: 6, Known: true}, -1,
				fmt.Sprintf("over %d weeks", powerDownWeeks))
			needRate = true
			continue
		case *tx.DelegateVestingShares:
			delegations = append(delegations, o)
			needRate = true
			continue
		}
		if !f.DebitsKnown() || len(f.Debits) == 0 {
			continue
		}
		to := f.Spec.To
		suffix := ""
		switch o := op.(type) {
		case *tx.TransferToVesting:
			if o.To != "" && o.To != account {
				to = tx.NoBalance
			}
		case *tx.TransferToSavings:
			if o.To != account {
				to = tx.NoBalance
			}
		case *tx.TransferFromSavings:
			suffix = "in 3 days"
			if o.To != account {
				to = tx.NoBalance
			}
		}
		for _, d := range f.Debits {
			add(f.Spec.From, d, -1, "")
			if to == tx.Staked {
				needRate = true
			}
			if to != tx.NoBalance {
				add(to, d, 1, suffix)
			}
		}
	}
	return out, delegations, needRate
}

// dgpReader is what the Hive Power lines need besides the account.
type dgpReader interface {
	DynamicGlobalProperties(ctx context.Context) (*node.DynamicGlobalProperties, error)
}

// vestsRate converts VESTS to HIVE units at the chain's rate (nil: not
// known).
type vestsRate struct{ p *node.DynamicGlobalProperties }

func (r vestsRate) hive(vests int64) int64 {
	v, _ := r.p.HivePower(vests)
	return v
}

func readRate(p *node.DynamicGlobalProperties) (vestsRate, bool) {
	_, ok := p.HivePower(0)
	return vestsRate{p}, ok
}

// balancePreview reads the account's balances from the node at prompt time
// and writes, per balance the transaction changes, "HIVE: 1000.000 HIVE →
// 999.000 HIVE (as the node reports it)", with savings and Hive Power
// (vesting shares in HIVE at the chain's rate) likewise. It says so when
// the node cannot be read, or the account holds less than it would take.
// Nothing here decides anything: the node's word is shown as the node's.
func (w *Wallet) balancePreview(ctx context.Context, account string, ops []tx.Operation, facts []tx.Facts) ([]string, []approval.BalanceChange) {
	engine := engineLines(account, ops)
	lines, delegations, needRate := balanceChanges(account, ops, facts)
	if (len(lines) == 0 && len(delegations) == 0) || w.cfg.Node == nil {
		return engine, nil
	}
	rctx, cancel := context.WithTimeout(ctx, previewTimeout)
	defer cancel()
	accts, err := w.cfg.Node.Accounts(rctx, []string{account})
	if err != nil || len(accts) != 1 {
		return append([]string{"Balances: the node did not answer, so the balance after is not shown."}, engine...), nil
	}
	a := accts[0]
	var rate vestsRate
	haveRate := false
	if needRate && w.cfg.Chain.Family == chain.Hive {
		if n, ok := w.cfg.Node.(dgpReader); ok {
			if p, err := n.DynamicGlobalProperties(rctx); err == nil {
				rate, haveRate = readRate(p)
			}
		}
	}
	held := func(kind tx.Balance, symbol string) (int64, bool) {
		var s []string
		switch kind {
		case tx.Liquid:
			s = []string{a.Balance, a.HBDBalance}
		case tx.Savings:
			s = []string{a.SavingsBalance, a.SavingsHBDBalance}
		}
		for _, v := range s {
			if w.cfg.Chain.Family == chain.Graphene {
				if u, ok := coreUnits(w.cfg.Chain, v); ok && symbol == w.cfg.Chain.CoreSymbol {
					return u, true
				}
				continue
			}
			if amt, err := tx.ParseAsset(w.cfg.Chain, v); err == nil && amt.Symbol == symbol {
				return amt.Amount, true
			}
		}
		return 0, false
	}
	vests := func(s string) (int64, bool) {
		amt, err := tx.ParseAsset(w.cfg.Chain, s)
		return amt.Amount, err == nil && amt.Symbol == "VESTS"
	}
	var out []string
	var changes []approval.BalanceChange
	for _, kind := range []tx.Balance{tx.Liquid, tx.Savings, tx.Staked} {
		for _, l := range lines {
			if l.kind != kind {
				continue
			}
			if line, ch, ok := balanceText(l, held, vests, a, rate, haveRate); ok {
				out = append(out, line)
				changes = append(changes, ch)
			}
		}
	}
	for _, d := range delegations {
		if !haveRate {
			continue
		}
		total, ok := vests(a.DelegatedVestingShares)
		if !ok {
			continue
		}
		hp := tx.Amount{Symbol: "HP", Units: rate.hive(d.VestingShares.Amount), Precision: 3, Known: true}
		all := tx.Amount{Symbol: "HP", Units: rate.hive(total), Precision: 3, Known: true}
		out = append(out, fmt.Sprintf("Hive Power delegated to @%s becomes %s; the account delegates %s in all now (as the node reports it)",
			tx.CleanText(d.Delegatee, 16), hp.String(), all.String()))
	}
	return append(out, engine...), changes
}

// engineLines says, per Hive-Engine token a custom_json takes from the
// account, how much leaves it: the sidechain keeps those balances and
// Localsigner reads Hive's nodes only, so there is no before → after.
func engineLines(account string, ops []tx.Operation) []string {
	var out []string
	for _, op := range ops {
		for _, e := range tx.EngineTransfers(op) {
			if e.Action == "stake" && (e.To == account || e.To == "") {
				continue // staked for oneself: it stays the account's
			}
			out = append(out, fmt.Sprintf("%s on Hive-Engine: %s leave the account (Localsigner does not read Hive-Engine balances, so the balance after is not shown)",
				tx.CleanText(e.Symbol, 10), tx.CleanText(e.Quantity, 24)))
		}
	}
	return out
}

// balanceText writes one line of the preview and the change for scripts,
// or false when the node's answer does not give the balance.
func balanceText(l *balanceLine, held func(tx.Balance, string) (int64, bool), vests func(string) (int64, bool),
	a node.Account, rate vestsRate, haveRate bool) (string, approval.BalanceChange, bool) {
	label, symbol, precision := l.symbol, l.symbol, l.precision
	kind := "liquid"
	var before, delta int64
	switch l.kind {
	case tx.Staked:
		v, ok := vests(a.VestingShares)
		if !ok || !haveRate {
			return "", approval.BalanceChange{}, false
		}
		kind = "hive_power"
		label, symbol, precision = "Hive Power", "HP", 3
		before, delta = rate.hive(v), l.delta
		if l.symbol == "VESTS" {
			delta = -rate.hive(-l.delta)
		}
	default:
		h, ok := held(l.kind, l.symbol)
		if !ok {
			return "", approval.BalanceChange{}, false
		}
		before, delta = h, l.delta
		if l.kind == tx.Savings {
			label, kind = "Savings", "savings"
		}
	}
	amt := func(u int64) string {
		return tx.Amount{Symbol: symbol, Units: u, Precision: precision, Known: true}.String()
	}
	after := before + delta
	ch := approval.BalanceChange{Balance: kind, Asset: symbol, Before: amt(before), After: amt(after), When: l.suffix}
	if after < 0 {
		return fmt.Sprintf("%s: the account holds %s, less than the %s this takes: the chain will refuse it",
			label, amt(before), amt(-delta)), ch, true
	}
	suffix := ""
	if l.suffix != "" {
		suffix = " " + l.suffix
	}
	return fmt.Sprintf("%s: %s → %s%s (as the node reports it)", label, amt(before), amt(after), suffix), ch, true
}

// coreUnits reads a Graphene core balance as the node client writes it
// ("10000.00000 PPY") in units.
func coreUnits(c *chain.Chain, s string) (int64, bool) {
	num, sym, _ := strings.Cut(s, " ")
	whole, frac, _ := strings.Cut(num, ".")
	if sym != c.CoreSymbol || len(frac) != int(c.CorePrecision) {
		return 0, false
	}
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	return v, err == nil && v >= 0
}
