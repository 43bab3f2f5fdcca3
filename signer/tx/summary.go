package tx

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"localsigner/signer/chain"
)

// Summary describes one operation in a sentence a person can check
// before signing: who acts, what moves where, with amounts and their
// symbols, and the memo. Text chosen by the dapp (memos, titles, JSON) is
// cleaned of control and direction-changing characters and shortened, so
// it cannot disguise the rest of the line. c gives Peerplays' core asset
// symbol; it may be nil for Hive operations.
func Summary(c *chain.Chain, op Operation) string {
	switch o := op.(type) {
	case *Vote:
		post := postRef(o.Author, o.Permlink)
		switch {
		case o.Weight > 0:
			return fmt.Sprintf("%s votes %s on %s", at(o.Voter), percent(int64(o.Weight)), post)
		case o.Weight < 0:
			return fmt.Sprintf("%s downvotes %s on %s", at(o.Voter), percent(-int64(o.Weight)), post)
		}
		return fmt.Sprintf("%s removes the vote on %s", at(o.Voter), post)
	case *Comment:
		if o.ParentAuthor == "" {
			return fmt.Sprintf("%s publishes the post %s (%s)", at(o.Author), quote(o.Title, 80), postRef(o.Author, o.Permlink))
		}
		return fmt.Sprintf("%s replies to %s: %s", at(o.Author), postRef(o.ParentAuthor, o.ParentPermlink), quote(o.Body, 80))
	case *DeleteComment:
		return fmt.Sprintf("%s deletes %s", at(o.Author), postRef(o.Author, o.Permlink))
	case *CommentOptions:
		s := fmt.Sprintf("%s sets the payout of %s: at most %s, %s in HBD", at(o.Author), postRef(o.Author, o.Permlink),
			o.MaxAcceptedPayout, percent(int64(o.PercentHBD)))
		if !o.AllowVotes {
			s += ", votes not allowed"
		}
		if !o.AllowCurationRewards {
			s += ", no curation rewards"
		}
		if len(o.Beneficiaries) > 0 {
			var bs []string
			for _, b := range o.Beneficiaries {
				bs = append(bs, at(b.Account)+" "+percent(int64(b.Weight)))
			}
			s += ", beneficiaries " + strings.Join(bs, ", ")
		}
		return s
	case *Transfer:
		return "Transfer " + o.Amount.String() + " from " + at(o.From) + " to " + at(o.To) + memoText(o.Memo)
	case *RecurrentTransfer:
		if o.Amount.Amount == 0 {
			return fmt.Sprintf("%s cancels the recurrent transfer to %s", at(o.From), at(o.To))
		}
		return fmt.Sprintf("Recurrent transfer: %s from %s to %s every %s, %d times%s", o.Amount, at(o.From), at(o.To),
			hours(int(o.Recurrence)), o.Executions, memoText(o.Memo))
	case *TransferToSavings:
		return fmt.Sprintf("Move %s from %s into the savings of %s%s", o.Amount, at(o.From), at(o.To), memoText(o.Memo))
	case *TransferFromSavings:
		return fmt.Sprintf("Withdraw %s from the savings of %s to %s (arrives in 3 days; request %d)%s", o.Amount, at(o.From), at(o.To), o.RequestID, memoText(o.Memo))
	case *CancelTransferFromSavings:
		return fmt.Sprintf("%s cancels savings withdrawal %d", at(o.From), o.RequestID)
	case *TransferToVesting:
		if o.To == "" || o.To == o.From {
			return fmt.Sprintf("%s powers up %s", at(o.From), o.Amount)
		}
		return fmt.Sprintf("%s powers up %s for %s", at(o.From), o.Amount, at(o.To))
	case *WithdrawVesting:
		if o.VestingShares.Amount == 0 {
			return fmt.Sprintf("%s stops the power down", at(o.Account))
		}
		return fmt.Sprintf("%s powers down %s (paid out weekly over 13 weeks)", at(o.Account), o.VestingShares)
	case *SetWithdrawVestingRoute:
		s := fmt.Sprintf("%s sends %s of the power down to %s", at(o.FromAccount), percent(int64(o.Percent)), at(o.ToAccount))
		if o.AutoVest {
			s += " (powered up again)"
		}
		return s
	case *DelegateVestingShares:
		if o.VestingShares.Amount == 0 {
			return fmt.Sprintf("%s removes the delegation to %s", at(o.Delegator), at(o.Delegatee))
		}
		return fmt.Sprintf("%s delegates %s to %s", at(o.Delegator), o.VestingShares, at(o.Delegatee))
	case *ClaimRewardBalance:
		return fmt.Sprintf("%s claims rewards: %s, %s, %s", at(o.Account), o.RewardHive, o.RewardHBD, o.RewardVests)
	case *Convert:
		return fmt.Sprintf("%s converts %s (takes 3.5 days; request %d)", at(o.Owner), o.Amount, o.RequestID)
	case *CollateralizedConvert:
		return fmt.Sprintf("%s converts %s to HBD with collateral (request %d)", at(o.Owner), o.Amount, o.RequestID)
	case *LimitOrderCreate:
		return fmt.Sprintf("%s offers %s for at least %s on the market (order %d%s)", at(o.Owner), o.AmountToSell, o.MinToReceive,
			o.OrderID, orderTerms(o.FillOrKill, o.Expiration))
	case *LimitOrderCreate2:
		return fmt.Sprintf("%s offers %s at %s per %s on the market (order %d%s)", at(o.Owner), o.AmountToSell,
			o.ExchangeRate.Quote, o.ExchangeRate.Base, o.OrderID, orderTerms(o.FillOrKill, o.Expiration))
	case *LimitOrderCancel:
		return fmt.Sprintf("%s cancels market order %d", at(o.Owner), o.OrderID)
	case *FeedPublish:
		return fmt.Sprintf("%s publishes the price feed %s = %s", at(o.Publisher), o.ExchangeRate.Base, o.ExchangeRate.Quote)
	case *EscrowTransfer:
		return fmt.Sprintf("Escrow %s and %s from %s to %s with agent %s (fee %s, escrow %d)", o.HBDAmount, o.HiveAmount,
			at(o.From), at(o.To), at(o.Agent), o.Fee, o.EscrowID)
	case *EscrowApprove:
		verb := "approves"
		if !o.Approve {
			verb = "rejects"
		}
		return fmt.Sprintf("%s %s escrow %d from %s to %s", at(o.Who), verb, o.EscrowID, at(o.From), at(o.To))
	case *EscrowDispute:
		return fmt.Sprintf("%s disputes escrow %d from %s to %s", at(o.Who), o.EscrowID, at(o.From), at(o.To))
	case *EscrowRelease:
		return fmt.Sprintf("%s releases %s and %s of escrow %d to %s", at(o.Who), o.HBDAmount, o.HiveAmount, o.EscrowID, at(o.Receiver))
	case *CustomJSON:
		signers := append(append([]string(nil), o.RequiredAuths...), o.RequiredPostingAuths...)
		if ts := EngineTransfers(o); len(ts) > 0 && len(signers) == 1 {
			if s := engineSummary(signers[0], ts); s != "" {
				return s
			}
		}
		return fmt.Sprintf("%s sends the app action %s: %s", ats(signers), quote(o.ID, 32), clean(o.JSON, 120))
	case *Custom:
		return fmt.Sprintf("%s sends custom data (id %d, %d bytes)", ats(o.RequiredAuths), o.ID, len(o.Data))
	case *AccountWitnessVote:
		if o.Approve {
			return fmt.Sprintf("%s votes for witness %s", at(o.Account), at(o.Witness))
		}
		return fmt.Sprintf("%s removes the witness vote for %s", at(o.Account), at(o.Witness))
	case *AccountWitnessProxy:
		if o.Proxy == "" {
			return fmt.Sprintf("%s removes the witness voting proxy", at(o.Account))
		}
		return fmt.Sprintf("%s lets %s cast the witness votes (proxy)", at(o.Account), at(o.Proxy))
	case *UpdateProposalVotes:
		verb := "supports"
		if !o.Approve {
			verb = "withdraws support from"
		}
		return fmt.Sprintf("%s %s proposals %s", at(o.Voter), verb, ids(o.ProposalIDs))
	case *CreateProposal:
		return fmt.Sprintf("%s creates the proposal %s paying %s %s a day from %s to %s", at(o.Creator), quote(o.Subject, 80),
			at(o.Receiver), o.DailyPay, day(o.StartDate), day(o.EndDate))
	case *UpdateProposal:
		s := fmt.Sprintf("%s changes proposal %d: %s, %s a day", at(o.Creator), o.ProposalID, quote(o.Subject, 80), o.DailyPay)
		if o.EndDate != nil {
			s += ", ending " + day(*o.EndDate)
		}
		return s
	case *RemoveProposal:
		return fmt.Sprintf("%s removes proposals %s", at(o.ProposalOwner), ids(o.ProposalIDs))
	case *AccountCreate:
		return fmt.Sprintf("%s creates the account %s for a fee of %s", at(o.Creator), at(o.NewAccountName), o.Fee)
	case *AccountCreateWithDelegation:
		return fmt.Sprintf("%s creates the account %s for a fee of %s, delegating %s", at(o.Creator), at(o.NewAccountName), o.Fee, o.Delegation)
	case *ClaimAccount:
		return fmt.Sprintf("%s claims an account creation token for %s", at(o.Creator), o.Fee)
	case *CreateClaimedAccount:
		return fmt.Sprintf("%s creates the account %s with a claimed token", at(o.Creator), at(o.NewAccountName))
	case *AccountUpdate:
		return accountChange(o.Account, o.Owner != nil, o.Active != nil, o.Posting != nil, true, o.JSONMetadata != "")
	case *AccountUpdate2:
		return accountChange(o.Account, o.Owner != nil, o.Active != nil, o.Posting != nil, o.MemoKey != nil,
			o.JSONMetadata != "" || o.PostingJSONMetadata != "")
	case *WitnessUpdate:
		return fmt.Sprintf("%s updates the witness settings (%s)", at(o.Owner), quote(o.URL, 60))
	case *RequestAccountRecovery:
		return fmt.Sprintf("%s asks to recover %s with a new owner authority", at(o.RecoveryAccount), at(o.AccountToRecover))
	case *ChangeRecoveryAccount:
		return fmt.Sprintf("%s makes %s the recovery account (takes 30 days)", at(o.AccountToRecover), at(o.NewRecoveryAccount))
	case *DeclineVotingRights:
		if o.Decline {
			return fmt.Sprintf("%s gives up all voting rights for ever (cannot be undone after 30 days)", at(o.Account))
		}
		return fmt.Sprintf("%s cancels giving up the voting rights", at(o.Account))

	case *PeerplaysTransfer:
		s := fmt.Sprintf("Transfer %s from account %s to account %s", o.Amount.Format(c), o.From, o.To)
		if o.Memo != nil {
			s += " with an encrypted memo"
		}
		return s + feeText(c, o.Fee)
	case *PeerplaysLimitOrderCreate:
		return fmt.Sprintf("Account %s offers %s for at least %s (until %s)", o.Seller, o.AmountToSell.Format(c),
			o.MinToReceive.Format(c), day(o.Expiration)) + feeText(c, o.Fee)
	case *PeerplaysLimitOrderCancel:
		return fmt.Sprintf("Account %s cancels order %s", o.FeePayingAccount, o.Order) + feeText(c, o.Fee)
	case *PeerplaysAccountUpdate:
		var parts []string
		if o.Owner != nil {
			parts = append(parts, "owner authority (full control)")
		}
		if o.Active != nil {
			parts = append(parts, "active authority (funds)")
		}
		if o.NewOptions != nil {
			parts = append(parts, "memo key and votes")
		}
		return fmt.Sprintf("Account %s changes its %s", o.Account, strings.Join(parts, ", ")) + feeText(c, o.Fee)
	}
	return "Operation " + op.Name()
}

func accountChange(account string, owner, active, posting, memoKey, meta bool) string {
	var parts []string
	if owner {
		parts = append(parts, "owner authority (full control)")
	}
	if active {
		parts = append(parts, "active authority (funds)")
	}
	if posting {
		parts = append(parts, "posting authority")
	}
	if memoKey {
		parts = append(parts, "memo key")
	}
	if meta {
		parts = append(parts, "profile")
	}
	if len(parts) == 0 {
		return at(account) + " updates the account (no change)"
	}
	return at(account) + " changes its " + strings.Join(parts, ", ")
}

func feeText(c *chain.Chain, fee GrapheneAsset) string {
	return "; fee " + fee.Format(c)
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
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

func hours(h int) string {
	if h%24 == 0 {
		if h == 24 {
			return "day"
		}
		return strconv.Itoa(h/24) + " days"
	}
	return strconv.Itoa(h) + " hours"
}

func ids(list []int64) string {
	out := make([]string, len(list))
	for i, id := range list {
		out[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(out, ", ")
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func orderTerms(fillOrKill bool, exp time.Time) string {
	if fillOrKill {
		return ", now or never"
	}
	return ", until " + day(exp)
}

func memoText(m string) string {
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

// clean makes untrusted text safe to show inside a sentence: characters
// that are not visible or that change the text direction (U+202E and
// friends, zero-width joiners) are written as \u escapes, line breaks as
// \n, and the text is cut after max characters with an ellipsis.
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

// CleanText prepares text a dapp chose (a memo, a title, an origin) for
// display: control and direction-changing characters are escaped and the
// result is cut to max runes, so it cannot disguise what surrounds it.
func CleanText(s string, max int) string { return clean(s, max) }

// QuoteText is CleanText inside typographic quotes.
func QuoteText(s string, max int) string { return quote(s, max) }
