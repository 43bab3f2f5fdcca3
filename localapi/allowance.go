package localapi

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"localsigner/authz"
	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// Spending allowances: the user may let a grant sign transactions that need
// the active key only to move assets, up to a limit per asset per UTC day,
// without confirming each one (localsigner allowance CLIENT_ID --asset HIVE
// --per-day 10.000). What an allowance covered is counted in the grant's
// record in the store, reserved before signing in one storage transaction
// (so concurrent requests cannot together exceed it) and given back only if
// the node certainly refused the transaction. Transactions the user
// confirmed one by one are not counted.

// spendingOf returns what ops move out of the account, per asset symbol in
// smallest units, and whether an allowance can cover the transaction at
// all: every operation needing the active key must be one whose whole cost
// is known from the operation (transfers, power-ups, savings, market
// orders, conversions, escrow). Account changes, witness votes,
// delegations and the like always ask.
func spendingOf(c *chain.Chain, ops []tx.Operation) (map[string]int64, bool) {
	out := map[string]int64{}
	ok := true
	add := func(symbol string, units int64) {
		if units < 0 || out[symbol] > math.MaxInt64-units {
			ok = false
			return
		}
		out[symbol] += units
	}
	hive := func(a tx.Asset) { add(a.Symbol, a.Amount) }
	graphene := func(a tx.GrapheneAsset) {
		if a.AssetID != tx.NewObjectID(tx.AssetObject, 0) || c.CoreSymbol == "" {
			ok = false // other assets' symbols and precision are chain state
			return
		}
		add(c.CoreSymbol, a.Amount)
	}
	for _, op := range ops {
		switch o := op.(type) {
		case *tx.Transfer:
			hive(o.Amount)
		case *tx.TransferToVesting:
			hive(o.Amount)
		case *tx.TransferToSavings:
			hive(o.Amount)
		case *tx.RecurrentTransfer:
			// Every future execution is committed now.
			if o.Amount.Amount > math.MaxInt64/int64(max(o.Executions, 1)) {
				ok = false
				continue
			}
			hive(tx.Asset{Amount: o.Amount.Amount * int64(o.Executions), Precision: o.Amount.Precision, Symbol: o.Amount.Symbol})
		case *tx.LimitOrderCreate:
			hive(o.AmountToSell)
		case *tx.LimitOrderCreate2:
			hive(o.AmountToSell)
		case *tx.Convert:
			hive(o.Amount)
		case *tx.CollateralizedConvert:
			hive(o.Amount)
		case *tx.EscrowTransfer:
			hive(o.HBDAmount)
			hive(o.HiveAmount)
			hive(o.Fee)
		case *tx.PeerplaysTransfer:
			graphene(o.Fee)
			graphene(o.Amount)
		case *tx.PeerplaysLimitOrderCreate:
			graphene(o.Fee)
			graphene(o.AmountToSell)
		default:
			for _, r := range op.RequiredAuthorities() {
				if r.Role != tx.Posting {
					ok = false
				}
			}
		}
	}
	for sym, units := range out {
		if units == 0 {
			delete(out, sym)
		}
	}
	return out, ok
}

// formatSpending writes amounts as the chain does, sorted: "10.000 HIVE".
func formatSpending(c *chain.Chain, amounts map[string]int64) []string {
	var out []string
	for sym, units := range amounts {
		out = append(out, authz.FormatUnits(units, precisionOf(c, sym))+" "+sym)
	}
	slices.Sort(out)
	return out
}

// precisionOf is the number of decimals of an asset symbol on c.
func precisionOf(c *chain.Chain, symbol string) uint8 {
	if c.Family == chain.Graphene {
		return c.CorePrecision
	}
	if s, ok := c.SymbolByName(symbol); ok {
		return s.Precision
	}
	return 0
}

// parseAllowance reads "10.000" of asset on c into an Allowance. The
// amount must have exactly the asset's decimals.
func parseAllowance(c *chain.Chain, asset, perDay string) (authz.Allowance, error) {
	asset = strings.ToUpper(strings.TrimSpace(asset))
	perDay = strings.TrimSpace(perDay)
	if c.Family == chain.Graphene {
		if asset != c.CoreSymbol {
			return authz.Allowance{}, fmt.Errorf("allowances on %s are for %s only", c.Name, c.CoreSymbol)
		}
		units, err := parseUnits(perDay, c.CorePrecision)
		if err != nil {
			return authz.Allowance{}, fmt.Errorf("--per-day %q: %w", perDay, err)
		}
		return authz.Allowance{Asset: asset, PerDay: units, Precision: c.CorePrecision}, nil
	}
	a, err := tx.ParseAsset(c, perDay+" "+asset)
	if err != nil {
		return authz.Allowance{}, fmt.Errorf("allowance: %w", err)
	}
	if a.Amount < 0 {
		return authz.Allowance{}, errors.New("allowance: the amount must not be negative")
	}
	return authz.Allowance{Asset: a.Symbol, PerDay: a.Amount, Precision: a.Precision}, nil
}

// parseUnits reads "<int>.<exactly precision digits>" into smallest units.
func parseUnits(s string, precision uint8) (int64, error) {
	intPart, frac, dot := strings.Cut(s, ".")
	if intPart == "" || (precision > 0 && (!dot || len(frac) != int(precision))) || (precision == 0 && dot) {
		return 0, fmt.Errorf("want an amount with %d decimals", precision)
	}
	var v int64
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return 0, errors.New("not a decimal number")
		}
		if v > (math.MaxInt64-int64(r-'0'))/10 {
			return 0, errors.New("amount out of range")
		}
		v = v*10 + int64(r-'0')
	}
	return v, nil
}

// SetAllowance sets a spending limit per UTC day for asset ("HIVE") on the
// grant with id, or on every current grant of the client with that id;
// perDay is an amount with the asset's decimals ("10.000"), "0" (or
// "0.000") removes it. It returns how many grants changed. For the admin
// channel (localsigner allowance).
func (s *Server) SetAllowance(id, asset, perDay string) (int, error) {
	if perDay == "0" {
		perDay = authz.FormatUnits(0, precisionOf(s.chain, strings.ToUpper(asset)))
	}
	a, err := parseAllowance(s.chain, asset, perDay)
	if err != nil {
		return 0, err
	}
	n, err := s.iss.SetAllowance(id, a)
	if errors.Is(err, authz.ErrNotFound) {
		return 0, fmt.Errorf("no grant or client %q", id)
	}
	return n, err
}

// SetClientFlags lets a client present its token as ?bearer_token= on
// read-only endpoints (query) and as a bearer_token cookie (cookie). For
// the admin channel (localsigner token-carriers).
func (s *Server) SetClientFlags(id string, query, cookie bool) error {
	_, err := s.iss.SetClientFlags(id, query, cookie)
	if errors.Is(err, authz.ErrNotFound) {
		return fmt.Errorf("no client %q", id)
	}
	return err
}
