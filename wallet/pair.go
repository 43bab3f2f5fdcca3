package wallet

import (
	"context"
	"errors"
	"fmt"

	"localsigner/approval"
	"localsigner/authz"
)

// AskPairing asks the user whether a browser extension may pass its sites'
// requests to Localsigner (the Keychain bridge). Pairing grants nothing by
// itself: each site is still approved on its own, by the origin the
// browser reports. Errors: ErrBusy, ErrLocked, ErrConfirmationDenied,
// ErrConfirmationTimeout, or ctx's error; each outcome is audited.
func (w *Wallet) AskPairing(ctx context.Context, p approval.Pair) error {
	if !w.allowPrompt(p.Extension, "") {
		return ErrBusy
	}
	if err := w.untilUnlocked(ctx, approval.Waiting{Origin: p.Extension, What: "pairing a browser"}); err != nil {
		return err
	}
	now := w.cfg.Now()
	ar := &approval.Request{Kind: approval.KindPair, Origin: p.Extension, Chain: w.cfg.Chain.Name,
		CreatedAt: now, ExpiresAt: now.Add(w.cfg.ApprovalTimeout), Pair: &p}
	actx, cancel := context.WithTimeout(ctx, w.cfg.ApprovalTimeout)
	defer cancel()
	w.log.Info("browser pairing waiting for approval", "extension", p.Extension)
	d, err := w.queue.Approve(actx, ar)
	ev := authz.Event{Type: authz.EventPaired, Origin: p.Extension, Outcome: "paired", Detail: p.Browser}
	switch {
	case err == nil && d.Approved:
	case err == nil:
		ev.Outcome, err = "denied", ErrConfirmationDenied
	case errors.Is(err, approval.ErrQueueFull):
		ev.Outcome, err = "busy", ErrBusy
	case ctx.Err() != nil:
		ev.Outcome, err = "abandoned", ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		ev.Outcome, err = "timeout", ErrConfirmationTimeout
	default:
		err = fmt.Errorf("approval: %w", err)
		ev.Outcome = "failed"
	}
	w.record(ev)
	return err
}
