package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"localsigner/authz"
	"localsigner/signer/tx"
)

// Kinds of ApprovalRequest.
const (
	// KindAuthorize asks whether a dapp may have a grant (OAuth authorize).
	KindAuthorize = "authorize"
	// KindTransaction asks the user to confirm one transaction a dapp wants
	// signed with the active key; ApprovalRequest.Transaction describes it.
	// Only Decision.Approved matters for it.
	KindTransaction = "transaction"
)

// TransactionConfirm is the transaction of a KindTransaction request:
// what the dapp asks to sign, one human-readable line per operation with
// its raw JSON, and why the user is asked.
type TransactionConfirm struct {
	GrantID string `json:"grant_id,omitempty"`
	// Authority is the strongest key that will sign: "active" (or
	// "posting").
	Authority  string             `json:"authority"`
	Operations []OperationSummary `json:"operations"`
	// Spending lists what the transaction moves out of the account, one
	// amount per asset ("10.000 HIVE"); empty if nothing or unknown.
	Spending []string `json:"spending,omitempty"`
	// Reason says why the user is asked rather than the grant deciding.
	Reason string `json:"reason"`
	// Remember, when not empty, offers "don't ask again": what the user
	// would stop being asked about, one line per operation kind ("transfer
	// to bob, any amount"). Empty when the transaction cannot be remembered
	// (no grant, or asked because it exceeds a spending allowance).
	Remember []string `json:"remember,omitempty"`
}

// OperationSummary is one operation as the user sees it.
type OperationSummary struct {
	Name string `json:"name"`
	// Summary is a sentence such as "Transfer 10.000 HIVE from @alice to
	// @bob, memo “thanks”"; text chosen by the dapp is cleaned of control
	// and direction-changing characters.
	Summary string `json:"summary"`
	// JSON is the operation in the chain's JSON form, [name, {…}].
	JSON json.RawMessage `json:"json"`
}

// noAskKeys are the "don't ask again" keys of the operations that need the
// active key: the operation (custom_json with its id) and the account it
// sends to or acts on, when it has one.
func noAskKeys(ops []tx.Operation) [][2]string {
	var out [][2]string
	for _, op := range ops {
		active := slices.ContainsFunc(op.RequiredAuthorities(), func(r tx.Requirement) bool { return r.Role >= tx.Active })
		if !active {
			continue
		}
		k := [2]string{op.Name(), ""}
		switch o := op.(type) {
		case *tx.CustomJSON:
			k[0] += ":" + o.ID
		case *tx.Transfer:
			k[1] = o.To
		case *tx.TransferToVesting:
			k[1] = o.To
		case *tx.TransferToSavings:
			k[1] = o.To
		case *tx.RecurrentTransfer:
			k[1] = o.To
		case *tx.EscrowTransfer:
			k[1] = o.To + " via " + o.Agent
		case *tx.DelegateVestingShares:
			k[1] = o.Delegatee
		case *tx.PeerplaysTransfer:
			k[1] = o.To.String()
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// noAskLine says what a "don't ask again" key lets through, for the prompt.
func noAskLine(k [2]string) string {
	line := tx.CleanText(authz.NoAskText(k[0], k[1]), 200)
	if _, spends := spendingOps[strings.SplitN(k[0], ":", 2)[0]]; spends {
		line += ", any amount"
	}
	return line
}

// spendingOps are the operations whose amount a "don't ask again" entry
// does not limit (a spending allowance does).
var spendingOps = map[string]struct{}{"transfer": {}, "transfer_to_vesting": {}, "transfer_to_savings": {},
	"recurrent_transfer": {}, "escrow_transfer": {}, "delegate_vesting_shares": {}, "limit_order_create": {},
	"limit_order_create2": {}, "convert": {}, "collateralized_convert": {}}

// checkRemember refuses a transaction decision whose "don't ask again" the
// request did not offer or that lasts too long.
func checkRemember(ar *ApprovalRequest, d *Decision) error {
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

// confirmTransaction asks the user, through the approver (the queue
// serving the admin channel and the GUI), to confirm one transaction. It
// returns nil once confirmed, ErrConfirmationDenied, ErrConfirmationTimeout
// (after Config.ConfirmTimeout), ErrBusy, or ctx's error if the caller left.
// remember are the "don't ask again" keys the prompt offers (noAskKeys), nil
// when it offers none; g must not be nil when they are given.
func (s *Server) confirmTransaction(ctx context.Context, grant *authz.Token, g *authz.Grant, ops []tx.Operation, spend map[string]int64, reason string, remember [][2]string) error {
	origin := ""
	if g != nil {
		origin = g.Origin
	}
	client, err := s.iss.Client(grant.ClientID)
	if err != nil && !errors.Is(err, authz.ErrNotFound) {
		return fmt.Errorf("read client: %w", err)
	}
	if origin == "" && client != nil {
		if list := client.Origins(); len(list) > 0 {
			origin = list[0]
		}
	}
	key := origin
	if key == "" {
		key = "client:" + grant.ClientID
	}
	if ok, _ := s.prompts.allow(key); !ok {
		return ErrBusy
	}
	now := s.cfg.Now()
	tc := &TransactionConfirm{GrantID: grant.GrantID, Authority: tx.Active.String(), Reason: reason,
		Spending: formatSpending(s.chain, spend)}
	for _, k := range remember {
		tc.Remember = append(tc.Remember, noAskLine(k))
	}
	for _, op := range ops {
		raw, err := tx.MarshalOperationJSON(s.chain, op)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidOperations, err)
		}
		tc.Operations = append(tc.Operations, OperationSummary{Name: op.Name(), Summary: tx.Summary(s.chain, op), JSON: raw})
	}
	ar := &ApprovalRequest{Kind: KindTransaction, ClientID: grant.ClientID, Origin: origin, Account: grant.Account,
		Chain: s.cfg.Chain, CreatedAt: now, ExpiresAt: now.Add(s.cfg.ConfirmTimeout), Transaction: tc}
	if client != nil {
		ar.Registered = client.Kind == authz.App
		if ar.Registered {
			ar.ClientName = client.Name
		}
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.ConfirmTimeout)
	defer cancel()
	s.log.Info("transaction waiting for confirmation", "client", grant.ClientID, "origin", origin)
	d, err := s.approver.Approve(cctx, ar)
	switch {
	case err == nil && d.Approved:
		if d.RememberSeconds > 0 && len(tc.Remember) > 0 {
			// The transaction goes ahead even if this write fails: the user
			// approved it; only the standing choice is lost, and logged.
			if err := s.iss.AddNoAsk(g.ID, remember, time.Duration(d.RememberSeconds)*time.Second); err != nil {
				s.log.Error("remember don't-ask-again", "grant", g.ID, "err", err)
			}
		}
		return nil
	case err == nil:
		return ErrConfirmationDenied
	case errors.Is(err, ErrQueueFull):
		return ErrBusy
	case errors.Is(err, context.DeadlineExceeded):
		return ErrConfirmationTimeout
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fmt.Errorf("confirmation: %w", err)
}
