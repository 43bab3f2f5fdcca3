package wallet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/signer/tx"
)

// Spending allowances: the user may let a grant sign transactions that need
// the active key only to move assets, up to a limit per asset per UTC day,
// without confirming each one. What an allowance covered is counted in the
// grant's record, reserved before signing in one storage transaction (so
// concurrent requests cannot together exceed it) and given back only if the
// node certainly refused the transaction. Transactions the user confirmed
// one by one are not counted. Which operations an allowance may cover, and
// what they debit, is the registry's (tx.Spec.Allowance, tx.Facts.Debits).

// spending returns what the transaction moves out of the account, per
// asset symbol in smallest units, and whether an allowance can cover it at
// all: every operation that needs the active key is one the registry lets
// an allowance cover, and every amount is in an asset of known precision.
func spending(ops []tx.Operation, facts []tx.Facts) (map[string]int64, bool) {
	out := map[string]int64{}
	ok := true
	for i, f := range facts {
		active := slices.ContainsFunc(ops[i].RequiredAuthorities(), func(r tx.Requirement) bool { return r.Role >= tx.Active })
		if active && !f.Spec.Allowance || !f.DebitsKnown() {
			ok = false
		}
		for _, a := range f.Debits {
			if a.Units < 0 || out[a.Symbol] > 1<<62-a.Units {
				ok = false
				continue
			}
			out[a.Symbol] += a.Units
		}
	}
	return out, ok
}

// spendingText writes what leaves the account, one amount per asset, sorted.
func spendingText(facts []tx.Facts) []string {
	sums := map[string]tx.Amount{}
	for _, f := range facts {
		for _, a := range f.Debits {
			s := sums[a.Symbol]
			if s.Symbol == "" {
				s = a
			} else {
				s.Units += a.Units
				s.Known = s.Known && a.Known
			}
			sums[a.Symbol] = s
		}
	}
	var out []string
	for _, sym := range slices.Sorted(maps.Keys(sums)) {
		out = append(out, sums[sym].String())
	}
	return out
}

// rememberKeys are the "don't ask again" keys of the operations that need
// the active key, or nil when any of them may not be remembered.
func rememberKeys(ops []tx.Operation, facts []tx.Facts) []authz.NoAskKey {
	var out []authz.NoAskKey
	for i, f := range facts {
		if !slices.ContainsFunc(ops[i].RequiredAuthorities(), func(r tx.Requirement) bool { return r.Role >= tx.Active }) {
			continue
		}
		if f.Remember == nil {
			return nil
		}
		k := authz.NoAskKey{Operation: f.Remember.Operation, Match: f.Remember.Match, Text: f.Remember.Text}
		if !slices.ContainsFunc(out, func(o authz.NoAskKey) bool { return o.Operation == k.Operation && maps.Equal(o.Match, k.Match) }) {
			out = append(out, k)
		}
	}
	return out
}

// authorize decides a transaction that needs the user's say: covered by an
// allowance (the reservation is returned, to be released if the transaction
// certainly fails), by the user's "don't ask again" entries (remembered), or
// confirmed by the user now. Without a grant it always asks.
func (w *Wallet) authorize(ctx context.Context, req *Request, names []string, roles []tx.Role, facts []tx.Facts, highFee string, warned bool) (_ map[string]int64, remembered bool, _ error) {
	var g *authz.Grant
	if req.Grant != nil && req.Grant.GrantID != "" {
		var err error
		if g, err = w.cfg.Grants.Grant(req.Grant.GrantID); errors.Is(err, authz.ErrNotFound) {
			return nil, false, ErrRevoked
		} else if err != nil {
			return nil, false, fmt.Errorf("read grant: %w", err)
		}
	}
	spend, coverable := spending(req.Ops, facts)
	if g == nil {
		return nil, false, w.confirm(ctx, req, nil, names, roles, facts, "this request holds no standing permission, so every transaction asks you", nil)
	}
	if highFee != "" {
		// The node quoted it: no allowance or remembered entry pays an
		// unusual fee without the user seeing it.
		return nil, false, w.confirm(ctx, req, g, names, roles, facts, "the fee is unusually high ("+highFee+")", nil)
	}
	if warned {
		// A risk the user must read: no allowance or remembered entry
		// signs it unseen, and it cannot be remembered.
		return nil, false, w.confirm(ctx, req, g, names, roles, facts, "Localsigner has a warning about it (below)", nil)
	}
	reason := "the transaction needs the active key"
	rememberable := true
	if len(g.Allowances) > 0 {
		if !coverable {
			reason = "the transaction needs the active key for more than moving funds, which no allowance covers"
		} else {
			err := w.cfg.Grants.ReserveSpending(g.ID, authz.DayOf(w.cfg.Now()), spend)
			if err == nil {
				return spend, false, nil
			}
			if !errors.Is(err, authz.ErrAllowanceExceeded) {
				return nil, false, fmt.Errorf("spending allowance: %w", err)
			}
			// The user's daily limit is a ceiling that "don't ask again"
			// never lifts.
			reason = "the transaction goes beyond today's spending allowance"
			rememberable = false
		}
	}
	var keys []authz.NoAskKey
	if rememberable {
		keys = rememberKeys(req.Ops, facts)
		if g.NoAskCovers(keys, w.cfg.Now()) {
			return nil, true, nil
		}
	}
	return nil, false, w.confirm(ctx, req, g, names, roles, facts, reason, keys)
}

// confirm asks the user, through the approval queue, to confirm one
// transaction. It returns nil once confirmed and the grant (re-read) still
// allows it; ErrConfirmationDenied, ErrConfirmationTimeout, ErrBusy,
// ErrRevoked (the grant went while the prompt was up, which withdraws it),
// or ctx's error if the caller left. keys are the "don't ask again" keys
// the prompt offers, nil when it offers none; g is not nil when they are
// given.
func (w *Wallet) confirm(ctx context.Context, req *Request, g *authz.Grant, names []string, roles []tx.Role, facts []tx.Facts, reason string, keys []authz.NoAskKey) error {
	origin := req.Origin
	if origin == "" && g != nil {
		origin = g.Origin
	}
	client, err := w.cfg.Grants.Client(req.ClientID)
	if err != nil && !errors.Is(err, authz.ErrNotFound) {
		return fmt.Errorf("read client: %w", err)
	}
	if origin == "" && client != nil {
		if list := client.Origins(); len(list) > 0 {
			origin = list[0]
		}
	}
	if !w.allowPrompt(origin, req.ClientID) {
		return ErrBusy
	}
	now := w.cfg.Now()
	authority := tx.Posting
	if len(roles) > 0 {
		authority = roles[len(roles)-1]
	}
	tc := &approval.Transaction{Authority: authority.String(), Reason: reason, Spending: spendingText(facts),
		Via: req.Via, Source: req.Source, Callback: req.Callback, SignOnly: req.NoBroadcast, Notes: req.Notes, RC: req.rc}
	tc.Balances, tc.BalanceChanges = w.balancePreview(ctx, req.Account, req.Ops, facts)
	if g != nil {
		tc.GrantID = g.ID
	}
	for _, k := range keys {
		tc.Remember = append(tc.Remember, tx.CleanText(k.Text, 200))
	}
	for i, op := range req.Ops {
		raw, err := tx.MarshalOperationJSON(w.cfg.Chain, op)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidOperations, err)
		}
		tc.Operations = append(tc.Operations, approval.Operation{Name: op.Name(), Summary: facts[i].Summary,
			Details: facts[i].Details, JSON: raw})
	}
	ar := &approval.Request{Kind: approval.KindTransaction, ClientID: req.ClientID, Origin: origin, Account: req.Account,
		Chain: w.cfg.Chain.Name, CreatedAt: now, ExpiresAt: now.Add(w.cfg.ConfirmTimeout), Transaction: tc}
	if client != nil {
		ar.Registered = client.Kind == authz.App
		if ar.Registered {
			ar.ClientName = client.Name
		}
	}
	wctx, stop := w.watchGrant(ctx, req.Grant)
	defer stop()
	cctx, cancel := context.WithTimeout(wctx, w.cfg.ConfirmTimeout)
	defer cancel()
	w.log.Info("transaction waiting for confirmation", "door", req.Door, "client", req.ClientID, "origin", origin)
	d, err := w.queue.Approve(cctx, ar)
	switch {
	case err == nil && d.Approved:
	case err == nil:
		return ErrConfirmationDenied
	case context.Cause(wctx) == ErrRevoked:
		return ErrRevoked
	case errors.Is(err, approval.ErrQueueFull):
		return ErrBusy
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return ErrConfirmationTimeout
	default:
		return fmt.Errorf("confirmation: %w", err)
	}
	if err := w.recheck(req, names); err != nil {
		return err
	}
	if d.RememberSeconds > 0 && len(keys) > 0 {
		// The transaction goes ahead even if this write fails: the user
		// approved it; only the standing choice is lost, and logged.
		if err := w.cfg.Grants.AddNoAsk(g.ID, keys, time.Duration(d.RememberSeconds)*time.Second); err != nil {
			w.log.Error("remember don't-ask-again", "grant", g.ID, "err", err)
		}
	}
	return nil
}

// check is the approval queue's validation of an approving decision: the
// one place, whoever decides (a window, the command line).
func (w *Wallet) check(ar *approval.Request, d *approval.Decision) error {
	switch ar.Kind {
	case approval.KindTransaction:
		return checkRemember(ar, d)
	case approval.KindMessage:
		if d.RememberSeconds != 0 {
			return errors.New("don't ask again is never offered for signing a message")
		}
		return nil
	case approval.KindPair:
		if d.RememberSeconds != 0 || len(d.Scopes) > 0 || d.Account != "" {
			return errors.New("pairing a browser takes no scopes, account or don't ask again: approve or deny it")
		}
		return nil
	}
	return w.completeGrant(ar, d)
}

// checkRemember refuses a transaction decision whose "don't ask again" the
// request did not offer or that lasts too long.
func checkRemember(ar *approval.Request, d *approval.Decision) error {
	switch {
	case d.RememberSeconds == 0:
		return nil
	case d.RememberSeconds < 60 || time.Duration(d.RememberSeconds)*time.Second > authz.MaxNoAsk:
		return fmt.Errorf("don't ask again: between 60 seconds and %d days", int(authz.MaxNoAsk/(24*time.Hour)))
	case ar.Transaction == nil || len(ar.Transaction.Remember) == 0:
		return errors.New("don't ask again is not offered for this transaction")
	}
	return nil
}

// completeGrant checks an approving decision on a grant request and fills
// in its defaults: scopes (all requested), account (the hint, or the
// vault's only account). The account must be one the vault holds keys for.
func (w *Wallet) completeGrant(ar *approval.Request, d *approval.Decision) error {
	if d.RememberSeconds != 0 {
		return errors.New("don't ask again applies to transaction confirmations, not to authorizations")
	}
	requested := authz.Scopes(ar.RequestedScopes)
	if d.Scopes == nil {
		d.Scopes = slices.Clone(ar.RequestedScopes)
	} else {
		sc, err := authz.ParseScopes(strings.Join(d.Scopes, " "), w.cat)
		if err != nil {
			return err
		}
		if len(sc) == 0 || !requested.Covers(sc) {
			return fmt.Errorf("scopes must be a non-empty subset of: %s", requested.String())
		}
		d.Scopes = approval.Scopes(sc)
	}
	if ar.NeedsImplicitOptIn && !d.AllowImplicit {
		return errors.New("this dapp asks for the implicit flow (the token travels in the redirect URL); approve with --implicit to allow it, or deny")
	}
	accounts, err := w.cfg.Vault.Accounts(ar.Chain)
	if err != nil {
		return fmt.Errorf("list accounts (is the vault unlocked?): %w", err)
	}
	acct := d.Account
	if acct == "" {
		acct = ar.Account
	}
	if acct == "" && len(accounts) == 1 {
		acct = accounts[0]
	}
	if acct == "" {
		return fmt.Errorf("choose the account with --account (one of: %s)", strings.Join(accounts, ", "))
	}
	if !slices.Contains(accounts, acct) {
		return fmt.Errorf("the vault holds no keys for account %q on %s", acct, ar.Chain)
	}
	d.Account = acct
	return nil
}
