package wallet

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"localsigner/authz"
	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// AllowanceAssets are the assets a daily spending allowance may be set in
// on c: Hive's liquid and debt assets (HIVE, HBD), or a Graphene chain's
// core asset, whose precision is known without asking the chain.
func AllowanceAssets(c *chain.Chain) []string {
	if c.Family == chain.Graphene {
		return []string{c.CoreSymbol}
	}
	var out []string
	for _, kind := range []chain.SymbolKind{chain.Liquid, chain.Debt} {
		if s, ok := c.SymbolByKind(kind); ok {
			out = append(out, s.Name)
		}
	}
	return out
}

// AllowanceApplies reports whether an allowance can cover anything a grant
// with scopes may do on family's chain: some operation in them that the
// registry lets an allowance cover.
func AllowanceApplies(family chain.Family, scopes authz.Scopes) bool {
	for _, s := range scopes {
		if spec := tx.Lookup(family, s); spec != nil && spec.Allowance {
			return true
		}
	}
	return false
}

// ParseAllowance reads a daily limit of perDay ("10.000", with exactly the
// asset's decimals; "0" removes the limit) in asset on c.
func ParseAllowance(c *chain.Chain, asset, perDay string) (authz.Allowance, error) {
	asset = strings.ToUpper(strings.TrimSpace(asset))
	perDay = strings.TrimSpace(perDay)
	if c.Family == chain.Graphene {
		if asset != c.CoreSymbol {
			return authz.Allowance{}, fmt.Errorf("allowances on %s are for %s only", c.Name, c.CoreSymbol)
		}
		if perDay == "0" {
			return authz.Allowance{Asset: asset, Precision: c.CorePrecision}, nil
		}
		units, err := parseUnits(perDay, c.CorePrecision)
		if err != nil {
			return authz.Allowance{}, fmt.Errorf("--per-day %q: %w", perDay, err)
		}
		return authz.Allowance{Asset: asset, PerDay: units, Precision: c.CorePrecision}, nil
	}
	if perDay == "0" {
		if s, ok := c.SymbolByName(asset); ok {
			return authz.Allowance{Asset: s.Name, Precision: s.Precision}, nil
		}
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
