package wallet

import (
	"context"
	"errors"
	"fmt"

	"localsigner/approval"
	"localsigner/authz"
)

// AskGrant asks the user whether a site or app may have a grant: ar is a
// KindAuthorize request as the door built it (client, origin, scopes,
// account hint). The wallet bounds prompts per origin, waits for a locked
// vault, fills in the scope descriptions and timestamps, and returns the
// decision once the user approved, already checked and completed by the
// queue (scopes, account). Errors: ErrBusy (too many prompts: answer 429),
// ErrLocked, ErrConfirmationDenied, ErrConfirmationTimeout (both audited
// as denials), or ctx's error if the requester left.
func (w *Wallet) AskGrant(ctx context.Context, ar *approval.Request) (approval.Decision, error) {
	ar.Kind, ar.Chain = approval.KindAuthorize, w.cfg.Chain.Name
	ar.Descriptions = authz.Scopes(ar.RequestedScopes).Describe(w.cat)
	if !w.allowPrompt(ar.Origin, ar.ClientID) {
		return approval.Decision{}, ErrBusy
	}
	if err := w.untilUnlocked(ctx, approval.Waiting{Origin: ar.Origin, ClientID: ar.ClientID, What: "sign-in"}); err != nil {
		return approval.Decision{}, err
	}
	now := w.cfg.Now()
	ar.CreatedAt, ar.ExpiresAt = now, now.Add(w.cfg.ApprovalTimeout)
	actx, cancel := context.WithTimeout(ctx, w.cfg.ApprovalTimeout)
	defer cancel()
	w.log.Info("authorization request waiting for approval", "client", ar.ClientID, "origin", ar.Origin)
	d, err := w.queue.Approve(actx, ar)
	switch {
	case errors.Is(err, approval.ErrQueueFull):
		return approval.Decision{}, ErrBusy
	case ctx.Err() != nil:
		w.log.Info("authorization request abandoned", "client", ar.ClientID)
		return approval.Decision{}, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		w.recordDenied(ar, "no decision in time")
		return approval.Decision{}, ErrConfirmationTimeout
	case err != nil:
		return approval.Decision{}, fmt.Errorf("approval: %w", err)
	case !d.Approved:
		w.recordDenied(ar, "denied by the user")
		return approval.Decision{}, ErrConfirmationDenied
	}
	return d, nil
}

// WaitUnlocked holds a door's request until the vault is unlocked, as
// AskGrant and Send do, for a door that must read a standing permission
// before it can ask anything: the permission records open only at the
// first unlock. It counts as a prompt for who's origin and client.
// Errors: ErrBusy, ErrLocked, or ctx's error.
func (w *Wallet) WaitUnlocked(ctx context.Context, who approval.Waiting) error {
	if !w.allowPrompt(who.Origin, who.ClientID) {
		return ErrBusy
	}
	return w.untilUnlocked(ctx, who)
}

func (w *Wallet) recordDenied(ar *approval.Request, why string) {
	w.record(authz.Event{Type: authz.EventDenied, ClientID: ar.ClientID, Origin: ar.Origin,
		Scopes: authz.Scopes(ar.RequestedScopes), Detail: why})
}
