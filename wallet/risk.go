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
		case *tx.CustomJSON:
			// Hive-Engine tokens: the exchanges' token lists are of Hive's
			// own assets, so only the memo is checked.
			for _, e := range tx.EngineTransfers(o) {
				switch e.Action {
				case "transfer":
					out = append(out, sent{e.To, "", e.Memo, true})
				case "stake", "delegate":
					out = append(out, sent{e.To, "", "", false})
				}
			}
		}
	}
	return out
}

// riskCheck refuses a transaction to a known phishing account (on Hive)
// and returns the warnings the user must read before it is signed (a
// transaction with warnings is always confirmed) and the notes a
// confirmation shows if there is one. sentTo is whom the account has sent
// value to before, oldest first; nil when not known.
func riskCheck(c *chain.Chain, account string, ops []tx.Operation, sentTo []string) (warn, notes []string, _ error) {
	if c.Family != chain.Hive {
		return nil, nil, nil
	}
	for _, s := range sends(ops) {
		if s.to == account || s.to == "" { // a power up of oneself names no one
			continue
		}
		if badActors[s.to] {
			return nil, nil, fmt.Errorf("%w: @%s is on Localsigner's list of look-alike accounts that catch transfers meant for others; nothing was signed",
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
		if sentTo == nil || slices.Contains(sentTo, s.to) {
			continue
		}
		if like := lookAlike(s.to, sentTo); like != "" {
			warn = append(warn, fmt.Sprintf("@%s is not an account @%s has sent to, but it looks like @%s, which it has: check every letter. Look-alike names catch transfers meant for others.",
				s.to, account, like))
		} else if !slices.Contains(notes, firstNote(account, s.to)) {
			notes = append(notes, firstNote(account, s.to))
		}
	}
	return warn, notes, nil
}

func firstNote(account, to string) string {
	return fmt.Sprintf("First transfer from @%s to @%s through Localsigner: check the name.", account, to)
}

// lookAlike returns the known recipient name looks like: the same once
// characters people confuse are folded (0 and o, 1 l and i, rn and m, vv
// and w, dots and dashes dropped), or one edit away for names of five
// characters or more, two for nine or more. Empty: none.
func lookAlike(name string, known []string) string {
	skel := skeleton(name)
	for i := len(known) - 1; i >= 0; i-- { // the most recent first
		k := known[i]
		if k == name {
			return ""
		}
		if skeleton(k) == skel {
			return k
		}
		limit := 0
		switch n := min(len(name), len(k)); {
		case n >= 9:
			limit = 2
		case n >= 5:
			limit = 1
		}
		if limit > 0 && editDistance(name, k, limit) <= limit {
			return k
		}
	}
	return ""
}

// confusables fold what looks alike in account names to one form.
var confusables = strings.NewReplacer("rn", "m", "vv", "w", "cl", "d", "0", "o", "1", "l", "i", "l", "5", "s",
	"3", "e", "4", "a", "8", "b", "9", "g", "-", "", ".", "")

func skeleton(name string) string { return confusables.Replace(strings.ToLower(name)) }

// editDistance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and swaps of neighbours), or
// limit+1 once it is sure to exceed limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
