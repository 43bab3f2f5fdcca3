package wallet

import (
	"bufio"
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// Offline risk checks on what a transaction sends, from lists bundled in
// risklists/ (their sources and dates are in the files): a transfer to a
// known phishing account is refused; one to an exchange without a memo,
// or in a token the exchange does not take, is confirmed with the warning.

//go:embed risklists/bad_actors.txt
var badActorsList string

//go:embed risklists/exchanges.txt
var exchangesList string

var (
	badActors = parseNames(badActorsList)
	exchanges = parseExchanges(exchangesList)
)

// ErrKnownScam: the transaction sends to an account on the bundled list of
// phishing accounts. It wraps ErrInvalidOperations. Nothing was asked or
// signed.
var ErrKnownScam = fmt.Errorf("%w: the recipient is a known phishing account", ErrInvalidOperations)

func parseNames(s string) map[string]bool {
	out := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out[l] = true
		}
	}
	return out
}

func parseExchanges(s string) map[string][]string {
	out := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, tokens, _ := strings.Cut(l, " ")
		out[name] = nil
		if tokens = strings.TrimSpace(tokens); tokens != "" {
			out[name] = strings.Split(tokens, ",")
		}
	}
	return out
}

// sent is one value transfer to an account, as the checks see it.
type sent struct {
	to, symbol, memo string
	memoField        bool // the operation has a memo the exchange reads
}

// sends lists the transfers in ops (to another account, with a memo where
// the operation has one).
func sends(ops []tx.Operation) []sent {
	var out []sent
	for _, op := range ops {
		switch o := op.(type) {
		case *tx.Transfer:
			out = append(out, sent{o.To, o.Amount.Symbol, o.Memo, true})
		case *tx.TransferToSavings:
			out = append(out, sent{o.To, o.Amount.Symbol, o.Memo, true})
		case *tx.RecurrentTransfer:
			out = append(out, sent{o.To, o.Amount.Symbol, o.Memo, true})
		case *tx.TransferToVesting:
			out = append(out, sent{o.To, o.Amount.Symbol, "", false})
		case *tx.EscrowTransfer:
			out = append(out, sent{o.To, "", "", false})
		}
	}
	return out
}

// riskCheck refuses a transaction to a known phishing account (on Hive)
// and returns the warnings the user must read before it is signed; a
// transaction with warnings is always confirmed.
func riskCheck(c *chain.Chain, account string, ops []tx.Operation) ([]string, error) {
	if c.Family != chain.Hive {
		return nil, nil
	}
	var warn []string
	for _, s := range sends(ops) {
		if s.to == account {
			continue
		}
		if badActors[s.to] {
			return nil, fmt.Errorf("%w: @%s is on Localsigner's list of look-alike accounts that catch transfers meant for others; nothing was signed",
				ErrKnownScam, s.to)
		}
		tokens, isExchange := exchanges[s.to]
		switch {
		case !isExchange:
		case !s.memoField:
			warn = append(warn, fmt.Sprintf("@%s is an exchange: it credits deposits by their memo, and this operation carries none. It may be lost.", s.to))
		case s.symbol != "" && !slices.Contains(tokens, s.symbol):
			warn = append(warn, fmt.Sprintf("@%s is an exchange that does not take %s deposits on Hive: they may not be credited.", s.to, s.symbol))
		case strings.TrimSpace(s.memo) == "":
			warn = append(warn, fmt.Sprintf("@%s is an exchange: it credits a deposit to the customer its memo names, and this memo is empty. Without it the funds may be lost.", s.to))
		}
	}
	return warn, nil
}
