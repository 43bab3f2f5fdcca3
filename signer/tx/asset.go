package tx

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"localsigner/signer/chain"
)

// Asset is a Hive amount: Amount in the smallest unit (0.001 HIVE = 1), the
// number of decimals and the symbol's JSON name ("HIVE", "HBD", "VESTS"; on
// testnet "TESTS", "TBD"). Amounts are exact integers: they are never
// converted to floating point, because VESTS amounts above 2^53 units occur.
type Asset struct {
	Amount    int64
	Precision uint8
	Symbol    string
}

// String formats the asset as hived does: "10.000 HIVE".
func (a Asset) String() string {
	return string(appendAmount(nil, a.Amount, a.Precision)) + " " + a.Symbol
}

// appendAmount writes amount/10^precision with exactly precision decimals.
func appendAmount(b []byte, amount int64, precision uint8) []byte {
	mag := uint64(amount)
	if amount < 0 {
		b = append(b, '-')
		mag = -mag // two's complement: also right for math.MinInt64
	}
	digits := strconv.AppendUint(nil, mag, 10)
	p := int(precision)
	if len(digits) <= p {
		pad := make([]byte, p+1-len(digits))
		for i := range pad {
			pad[i] = '0'
		}
		digits = append(pad, digits...)
	}
	b = append(b, digits[:len(digits)-p]...)
	if p > 0 {
		b = append(b, '.')
		b = append(b, digits[len(digits)-p:]...)
	}
	return b
}

// ParseAsset reads a Hive asset string "<int>[.<frac>] <SYMBOL>" for chain c
// as hived's legacy parser does, but strictly: the number of decimals must
// equal the symbol's precision ("1.0 HIVE" is rejected), the value is
// computed with integer arithmetic and must fit int64, and there is exactly
// one space and no other white space. Mainnet also accepts the old symbols
// STEEM and SBD, returned as HIVE and HBD. Negative amounts parse (so errors
// can say "negative") but no operation accepts them.
func ParseAsset(c *chain.Chain, s string) (Asset, error) {
	sp := strings.IndexByte(s, ' ')
	if sp <= 0 || strings.Count(s, " ") != 1 {
		return Asset{}, fmt.Errorf("%q: want \"<amount> <SYMBOL>\", e.g. \"1.000 HIVE\"", s)
	}
	num, name := s[:sp], s[sp+1:]
	sym, ok := c.SymbolByName(name)
	if !ok {
		return Asset{}, fmt.Errorf("%q: unknown asset symbol %q on %s (want %s)", s, name, c, symbolList(c))
	}
	amount, err := parseDecimal(num, sym.Precision)
	if err != nil {
		return Asset{}, fmt.Errorf("%q: %w", s, err)
	}
	return Asset{Amount: amount, Precision: sym.Precision, Symbol: sym.Name}, nil
}

var errAmountRange = errors.New("amount out of range")

// parseDecimal converts "[-]<digits>[.<digits>]" with exactly precision
// fraction digits into an integer number of smallest units.
func parseDecimal(num string, precision uint8) (int64, error) {
	neg := strings.HasPrefix(num, "-")
	if neg {
		num = num[1:]
	}
	intPart, frac, hasDot := strings.Cut(num, ".")
	if !allDigits(intPart) || (hasDot && !allDigits(frac)) {
		return 0, errors.New("amount is not a decimal number")
	}
	if !hasDot && precision > 0 || len(frac) != int(precision) {
		return 0, fmt.Errorf("expected %d decimals", precision)
	}
	// limit is the largest magnitude allowed: MaxInt64, or 2^63 if negative.
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var v uint64
	for _, c := range intPart + frac {
		d := uint64(c - '0')
		if v > (limit-d)/10 {
			return 0, errAmountRange
		}
		v = v*10 + d
	}
	if neg {
		return int64(-v), nil
	}
	return int64(v), nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func symbolList(c *chain.Chain) string {
	names := make([]string, len(c.Symbols))
	for i, s := range c.Symbols {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// resolveSymbol finds the chain symbol of an asset built in Go or decoded,
// and checks its precision.
func resolveSymbol(c *chain.Chain, a Asset) (chain.Symbol, error) {
	sym, ok := c.SymbolByName(a.Symbol)
	if !ok {
		return sym, fmt.Errorf("unknown asset symbol %q on %s (want %s)", a.Symbol, c, symbolList(c))
	}
	if a.Precision != sym.Precision {
		return sym, fmt.Errorf("%s has precision %d, not %d", sym.Name, sym.Precision, a.Precision)
	}
	return sym, nil
}

// checkAsset applies an operation's rule to a resolved asset.
func checkAsset(c *chain.Chain, a Asset, r assetRule) (chain.Symbol, error) {
	sym, err := resolveSymbol(c, a)
	if err != nil {
		return sym, err
	}
	if r.kinds&(1<<sym.Kind) == 0 {
		var allowed []string
		for _, s := range c.Symbols {
			if r.kinds&(1<<s.Kind) != 0 {
				allowed = append(allowed, s.Name)
			}
		}
		return sym, fmt.Errorf("%s: must be %s", a, strings.Join(allowed, " or "))
	}
	switch {
	case a.Amount < 0:
		return sym, fmt.Errorf("%s: amount must not be negative", a)
	case r.positive && a.Amount == 0:
		return sym, fmt.Errorf("%s: amount must be greater than zero", a)
	}
	return sym, nil
}

// kindOf returns the kind of an asset already validated by the encoder.
func kindOf(c *chain.Chain, a Asset) chain.SymbolKind {
	sym, _ := c.SymbolByName(a.Symbol)
	return sym.Kind
}

// Price is an exchange rate, base per quote, as used by feed_publish and
// limit_order_create2.
type Price struct {
	Base  Asset
	Quote Asset
}

func (p *Price) fields(v visitor) {
	v.asset("base", &p.Base, assetRule{kinds: market, positive: true})
	v.asset("quote", &p.Quote, assetRule{kinds: market, positive: true})
}

func (p *Price) check(c *chain.Chain) error {
	if kindOf(c, p.Base) == kindOf(c, p.Quote) {
		return invalid("", "base and quote must be different assets")
	}
	return nil
}
