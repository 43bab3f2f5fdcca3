package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"localsigner/localapi/authz"
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

// confirmTransaction asks the user, through the approver (the queue
// serving the admin channel and the GUI), to confirm one transaction. It
// returns nil once confirmed, ErrConfirmationDenied, ErrConfirmationTimeout
// (after Config.ConfirmTimeout), ErrBusy, or ctx's error if the caller left.
func (s *Server) confirmTransaction(ctx context.Context, grant *authz.Token, g *authz.Grant, ops []tx.Operation, spend map[string]int64, reason string) error {
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
	for _, op := range ops {
		raw, err := tx.MarshalOperationJSON(s.chain, op)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidOperations, err)
		}
		tc.Operations = append(tc.Operations, OperationSummary{Name: op.Name(), Summary: Summarize(s.chain, op), JSON: raw})
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
