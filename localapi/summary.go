package localapi

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// Summarize describes one operation in a sentence a person can check before
// confirming it: what happens, who acts, amounts with their symbols, the
// memo. Text chosen by the dapp (memos, titles, ids, JSON) is cleaned of
// control and direction-changing characters and shortened, so it cannot
// disguise the rest of the line. c gives Peerplays' core asset symbol.
func Summarize(c *chain.Chain, op tx.Operation) string {
	switch o := op.(type) {
	case *tx.Vote:
		post := postRef(o.Author, o.Permlink)
		switch {
		case o.Weight > 0:
			return fmt.Sprintf("Vote %s on %s as %s", percent(int64(o.Weight)), post, at(o.Voter))
		case o.Weight < 0:
			return fmt.Sprintf("Downvote %s on %s as %s", percent(-int64(o.Weight)), post, at(o.Voter))
		}
		return fmt.Sprintf("Remove the vote of %s on %s", at(o.Voter), post)
	case *tx.Comment:
		if o.ParentAuthor == "" {
			return fmt.Sprintf("Publish the post %s as %s (%s)", quote(o.Title, 80), at(o.Author), postRef(o.Author, o.Permlink))
		}
		return fmt.Sprintf("Reply to %s as %s: %s", postRef(o.ParentAuthor, o.ParentPermlink), at(o.Author), quote(o.Body, 80))
	case *tx.DeleteComment:
		return "Delete " + postRef(o.Author, o.Permlink)
	case *tx.CommentOptions:
		s := fmt.Sprintf("Set the payout of %s: at most %s, %s in HBD", postRef(o.Author, o.Permlink), o.MaxAcceptedPayout,
			percent(int64(o.PercentHBD)))
		for _, b := range o.Beneficiaries {
			s += fmt.Sprintf(", %s to %s", percent(int64(b.Weight)), at(b.Account))
		}
		return s
	case *tx.CustomJSON:
		signers := append(append([]string(nil), o.RequiredAuths...), o.RequiredPostingAuths...)
		key := "posting key"
		if len(o.RequiredAuths) > 0 {
			key = "active key"
		}
		return fmt.Sprintf("App action %s as %s (%s): %s", quote(o.ID, 32), ats(signers), key, clean(o.JSON, 120))
	case *tx.ClaimRewardBalance:
		return fmt.Sprintf("Claim rewards of %s: %s, %s, %s", at(o.Account), o.RewardHive, o.RewardHBD, o.RewardVests)
	case *tx.Transfer:
		return fmt.Sprintf("Transfer %s from %s to %s%s", o.Amount, at(o.From), at(o.To), memo(o.Memo))
	case *tx.RecurrentTransfer:
		if o.Amount.Amount == 0 {
			return fmt.Sprintf("Cancel the recurrent transfer from %s to %s", at(o.From), at(o.To))
		}
		return fmt.Sprintf("Transfer %s from %s to %s every %d hours, %d times%s", o.Amount, at(o.From), at(o.To),
			o.Recurrence, o.Executions, memo(o.Memo))
	case *tx.TransferToSavings:
		return fmt.Sprintf("Move %s from %s into the savings of %s%s", o.Amount, at(o.From), at(o.To), memo(o.Memo))
	case *tx.TransferFromSavings:
		return fmt.Sprintf("Withdraw %s from the savings of %s to %s in 3 days%s", o.Amount, at(o.From), at(o.To), memo(o.Memo))
	case *tx.TransferToVesting:
		if o.To == "" || o.To == o.From {
			return fmt.Sprintf("Power up %s for %s", o.Amount, at(o.From))
		}
		return fmt.Sprintf("Power up %s from %s for %s", o.Amount, at(o.From), at(o.To))
	case *tx.WithdrawVesting:
		if o.VestingShares.Amount == 0 {
			return "Stop the power down of " + at(o.Account)
		}
		return fmt.Sprintf("Power down %s of %s over 13 weeks", o.VestingShares, at(o.Account))
	case *tx.DelegateVestingShares:
		return fmt.Sprintf("Delegate %s from %s to %s", o.VestingShares, at(o.Delegator), at(o.Delegatee))
	case *tx.LimitOrderCreate:
		return fmt.Sprintf("Sell %s for at least %s as %s (order %d)", o.AmountToSell, o.MinToReceive, at(o.Owner), o.OrderID)
	case *tx.LimitOrderCreate2:
		return fmt.Sprintf("Sell %s at %s per %s as %s (order %d)", o.AmountToSell, o.ExchangeRate.Quote, o.ExchangeRate.Base,
			at(o.Owner), o.OrderID)
	case *tx.LimitOrderCancel:
		return fmt.Sprintf("Cancel market order %d of %s", o.OrderID, at(o.Owner))
	case *tx.Convert:
		return fmt.Sprintf("Convert %s of %s (takes 3.5 days)", o.Amount, at(o.Owner))
	case *tx.CollateralizedConvert:
		return fmt.Sprintf("Convert %s of %s to HBD with collateral", o.Amount, at(o.Owner))
	case *tx.EscrowTransfer:
		return fmt.Sprintf("Escrow %s and %s from %s to %s with agent %s, fee %s", o.HBDAmount, o.HiveAmount,
			at(o.From), at(o.To), at(o.Agent), o.Fee)
	case *tx.AccountWitnessVote:
		if o.Approve {
			return fmt.Sprintf("Vote for witness %s as %s", at(o.Witness), at(o.Account))
		}
		return fmt.Sprintf("Remove the witness vote of %s for %s", at(o.Account), at(o.Witness))
	case *tx.AccountWitnessProxy:
		if o.Proxy == "" {
			return "Remove the witness voting proxy of " + at(o.Account)
		}
		return fmt.Sprintf("Let %s cast the witness votes of %s", at(o.Proxy), at(o.Account))
	case *tx.AccountUpdate2:
		return accountChange(o.Account, o.Owner != nil, o.Active != nil, o.Posting != nil, o.MemoKey != nil,
			o.JSONMetadata != "" || o.PostingJSONMetadata != "")
	case *tx.AccountUpdate:
		return accountChange(o.Account, o.Owner != nil, o.Active != nil, o.Posting != nil, true, o.JSONMetadata != "")
	case *tx.PeerplaysTransfer:
		s := fmt.Sprintf("Transfer %s from account %s to account %s", o.Amount.Format(c), o.From, o.To)
		if o.Memo != nil {
			s += ", encrypted memo"
		}
		return s + ", fee " + o.Fee.Format(c)
	case *tx.PeerplaysLimitOrderCreate:
		return fmt.Sprintf("Sell %s for at least %s as account %s until %s, fee %s", o.AmountToSell.Format(c),
			o.MinToReceive.Format(c), o.Seller, o.Expiration.UTC().Format(time.DateTime+" UTC"), o.Fee.Format(c))
	case *tx.PeerplaysLimitOrderCancel:
		return fmt.Sprintf("Cancel order %s of account %s, fee %s", o.Order, o.FeePayingAccount, o.Fee.Format(c))
	}
	var who []string
	for _, r := range op.RequiredAuthorities() {
		who = append(who, clean(r.Account, 20)+" ("+r.Role.String()+" key)")
	}
	return fmt.Sprintf("Operation %s as %s", op.Name(), strings.Join(who, ", "))
}

func accountChange(account string, owner, active, posting, memoKey, meta bool) string {
	var parts []string
	for _, p := range []struct {
		set  bool
		name string
	}{{owner, "owner authority"}, {active, "active authority"}, {posting, "posting authority"}, {memoKey, "memo key"}, {meta, "profile"}} {
		if p.set {
			parts = append(parts, p.name)
		}
	}
	if len(parts) == 0 {
		return "Update the account " + at(account) + " (no change)"
	}
	return "Change the " + strings.Join(parts, ", ") + " of " + at(account)
}

// at formats an account name as Hive shows it: @alice.
func at(account string) string { return "@" + clean(account, 16) }

func ats(accounts []string) string {
	out := make([]string, len(accounts))
	for i, a := range accounts {
		out[i] = at(a)
	}
	return strings.Join(out, ", ")
}

func postRef(author, permlink string) string { return at(author) + "/" + clean(permlink, 60) }

// percent formats hundredths of a percent (Hive's 10000 = 100%).
func percent(bp int64) string {
	s := strconv.FormatFloat(float64(bp)/100, 'f', 2, 64)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".") + "%"
}

func memo(m string) string {
	switch {
	case m == "":
		return ""
	case strings.HasPrefix(m, "#"):
		return ", encrypted memo"
	}
	return ", memo " + quote(m, 120)
}

// quote cleans s and puts it in typographic quotes.
func quote(s string, max int) string { return "“" + clean(s, max) + "”" }

// clean makes untrusted text safe inside a sentence: invisible and
// direction-changing characters (U+202E, zero-width joiners, …) become \u
// escapes, line breaks \n, and the text is cut after max characters.
func clean(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == ' ' || (unicode.IsGraphic(r) && !unicode.Is(unicode.Cf, r)):
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, `\u%04X`, r)
		}
		n++
	}
	return b.String()
}
