package wallet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/signer/tx"
)

// MaxMessage bounds a message to sign: a person must be able to read it.
const MaxMessage = 16 << 10

// MessageRequest asks for a message to be signed with one key of an
// account: what Keychain calls signBuffer and hive:// links sign/msg.
type MessageRequest struct {
	// Door, ClientID and Origin say where it came from, as in Request.
	Door, ClientID, Origin string
	Account                string
	// Authority is tx.Posting or tx.Active; the owner key is never used.
	Authority tx.Role
	// Message is signed as its bytes' SHA-256: UTF-8 text, or with
	// Binary, any bytes (a dapp's buffer), shown to the user as hex.
	Message string
	Binary  bool
	// Via, Source and Callback are shown on the confirmation (see
	// approval.Message).
	Via, Source, Callback string
}

// MessageResult is a signed message.
type MessageResult struct {
	// Signature is the compact signature over SHA-256(message), hex, as
	// Hive Keychain's signBuffer gives it.
	Signature string
	// PublicKey is the key that signed, in the chain's format.
	PublicKey string
}

// SignMessage signs a message after the user read and confirmed it: every
// time, never remembered, whatever grants the requester holds. Errors:
// ErrInvalidRequest (empty, too long, not text, bad authority),
// ErrMissingKey, ErrLocked, ErrBusy, ErrConfirmationDenied,
// ErrConfirmationTimeout, or ctx's error. Each call is audited, without
// the text.
func (w *Wallet) SignMessage(ctx context.Context, req MessageRequest) (*MessageResult, error) {
	res, err := w.signMessage(ctx, &req)
	ev := authz.Event{Type: authz.EventMessageSigned, Door: req.Door, ClientID: req.ClientID, Origin: req.Origin,
		Account: req.Account, Outcome: "signed", Detail: fmt.Sprintf("%d bytes, %s key", len(req.Message), req.Authority)}
	if err != nil {
		ev.Outcome, ev.Detail = Outcome(err), AuditText(err)
	}
	w.record(ev)
	return res, err
}

func (w *Wallet) signMessage(ctx context.Context, req *MessageRequest) (*MessageResult, error) {
	c := w.cfg.Chain
	switch {
	case req.Account == "":
		return nil, fmt.Errorf("%w: no account", ErrInvalidRequest)
	case req.Authority != tx.Posting && req.Authority != tx.Active:
		return nil, fmt.Errorf("%w: a message is signed with the posting or the active key", ErrInvalidRequest)
	}
	if err := checkMessage(c.ID, req.Message, req.Binary); err != nil {
		return nil, err
	}
	if err := w.untilUnlocked(ctx, approval.Waiting{Origin: req.Origin, ClientID: req.ClientID, What: "signing a message"}); err != nil {
		return nil, err
	}
	role := req.Authority.String()
	pub, err := w.cfg.Signer.PublicKey(c.Name, req.Account, role)
	if err != nil {
		return nil, signerError(err, req.Account, role)
	}
	if !w.allowPrompt(req.Origin, req.ClientID) {
		return nil, ErrBusy
	}
	now := w.cfg.Now()
	ar := &approval.Request{Kind: approval.KindMessage, ClientID: req.ClientID, Origin: req.Origin, Account: req.Account,
		Chain: c.Name, CreatedAt: now, ExpiresAt: now.Add(w.cfg.ConfirmTimeout),
		Message: &approval.Message{Authority: role, Text: req.Message, Via: req.Via, Source: req.Source, Callback: req.Callback}}
	if req.Binary {
		ar.Message.Text, ar.Message.Binary = hex.EncodeToString([]byte(req.Message)), len(req.Message)
	}
	cctx, cancel := context.WithTimeout(ctx, w.cfg.ConfirmTimeout)
	defer cancel()
	w.log.Info("message waiting for confirmation", "door", req.Door, "client", req.ClientID, "origin", req.Origin)
	d, err := w.queue.Approve(cctx, ar)
	switch {
	case err == nil && d.Approved:
	case err == nil:
		return nil, ErrConfirmationDenied
	case errors.Is(err, approval.ErrQueueFull):
		return nil, ErrBusy
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return nil, ErrConfirmationTimeout
	default:
		return nil, fmt.Errorf("confirmation: %w", err)
	}
	sig, err := w.cfg.Signer.Sign(c.Name, req.Account, role, sha256.Sum256([]byte(req.Message)))
	if err != nil {
		return nil, signerError(err, req.Account, role)
	}
	return &MessageResult{Signature: sig.String(), PublicKey: pub.Format(c.Prefix)}, nil
}
