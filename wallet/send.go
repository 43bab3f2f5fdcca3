package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/signer"
	"localsigner/signer/chain"
	"localsigner/signer/node"
	"localsigner/signer/tx"
)

// Request is one transaction a door asks the wallet to sign and broadcast.
type Request struct {
	// Door names the way the request came in ("hivesigner", "peerid",
	// "oauth", …), for the audit log.
	Door string
	// Grant is the access token that authorized the request, as the door
	// looked it up (authz.Issuer.Lookup). Nil means "ask every time": the
	// user confirms the transaction whatever it holds, nothing is
	// remembered and no allowance applies (for links, which hold no grant).
	Grant *authz.Token
	// ClientID and Account say who asks and for which account when there
	// is no Grant (with a Grant, the grant's are used).
	ClientID, Account string
	// Origin is the origin Localsigner established for the requester (the
	// browser's, or the one the user approved). Empty takes the grant's,
	// then the client's first one.
	Origin string
	Ops    []tx.Operation

	// The fields below serve requests without a grant (links).

	// Header, if set, is the transaction's fixed TaPoS and expiration (a
	// link that names them); nil takes the head block's at signing.
	Header *Header
	// NoBroadcast signs and returns the transaction (Result.Signed)
	// without broadcasting it.
	NoBroadcast bool
	// Via, Source, Callback and Notes are shown on the confirmation: see
	// approval.Transaction. Via and Source serve doors with a grant but
	// no browser origin too (HiveAuth).
	Via, Source, Callback string
	Notes                 []string

	// rc is the resource-credit estimate made before asking, for the
	// confirmation.
	rc *approval.RC
}

// Header is a transaction's reference block and expiration.
type Header struct {
	RefBlockNum    uint16
	RefBlockPrefix uint32
	Expiration     time.Time
}

// Signed is a transaction signed and not broadcast (Request.NoBroadcast).
type Signed struct {
	// Transaction is the signed transaction in the chain's JSON form.
	Transaction json.RawMessage
	// Signatures are the compact signatures, hex, in the transaction's
	// order.
	Signatures []string
}

// Result is where a transaction landed. Its JSON is the form condenser_api's
// broadcast_transaction_synchronous answers with, which Hivesigner's
// /api/broadcast returns as "result".
type Result struct {
	ID       string `json:"id"`
	BlockNum uint32 `json:"block_num"`
	TrxNum   uint32 `json:"trx_num"`
	Expired  bool   `json:"expired"`
	// Signed is set instead of a block for Request.NoBroadcast.
	Signed *Signed `json:"-"`
	// Signatures are the transaction's signatures, hex, for a link's
	// callback.
	Signatures []string `json:"-"`
}

// MaxOperations bounds one transaction; Hive blocks hold 64 KiB.
const MaxOperations = 100

// Send signs req's operations as one transaction and broadcasts it.
//
// Every operation must act only for the account, need no more than the
// authority its scope allows and never owner, and be in the grant's scopes
// (custom_json also by id); one failure refuses all with a *ScopeError
// before anything is signed. Posting-only transactions of a grant are
// signed at once. A transaction that needs the active key is covered by the
// grant's daily spending allowance, by the user's "don't ask again" entries,
// or confirmed by the user now; without a grant every transaction is
// confirmed. After every wait (for the vault to be unlocked, for the user)
// the grant is read again: if it went meanwhile the request ends with
// ErrRevoked, and a confirmation still on screen is withdrawn.
//
// Every call leaves one authz.EventBroadcast in the audit log with its
// outcome. Errors match the sentinels of this package; after signing they
// are *TxError.
func (w *Wallet) Send(ctx context.Context, req Request) (*Result, error) {
	if req.Grant != nil {
		req.ClientID, req.Account = req.Grant.ClientID, req.Grant.Account
	}
	ev := authz.Event{Type: authz.EventBroadcast, Door: req.Door, ClientID: req.ClientID, Account: req.Account,
		Origin: req.Origin, Operations: OperationNames(req.Ops)}
	if req.Grant != nil {
		ev.GrantID = req.Grant.GrantID
	}
	res, how, err := w.send(ctx, &req, &ev)
	if err != nil {
		ev.Outcome = Outcome(err)
		ev.Detail = AuditText(err)
		if errors.Is(err, ErrNodeDown) && ev.TxID != "" {
			ev.Detail += " (signed; it may still be included)"
		}
	} else if res.Signed != nil {
		ev.Outcome = "signed"
		ev.Detail = how
	} else {
		ev.Outcome = "broadcast"
		ev.Detail = fmt.Sprintf("block %d; %s", res.BlockNum, how)
	}
	w.record(ev)
	if err != nil {
		w.log.Info("transaction failed", "door", req.Door, "client", req.ClientID, "outcome", ev.Outcome, "tx", ev.TxID)
	} else {
		w.log.Info("transaction broadcast", "door", req.Door, "client", req.ClientID, "tx", res.ID, "block", res.BlockNum)
	}
	return res, err
}

// RecordFailure leaves the audit event of a request a door refused before
// it reached Send (it could not decode the operations, say), so that every
// transaction request is in the log whatever became of it.
func (w *Wallet) RecordFailure(door string, grant *authz.Token, operations []string, err error) {
	ev := authz.Event{Type: authz.EventBroadcast, Door: door, Operations: operations, Outcome: Outcome(err), Detail: AuditText(err)}
	if errors.Is(err, ErrInvalidOperations) || errors.Is(err, ErrInvalidRequest) || Outcome(err) == "failed" {
		ev.Outcome = "invalid"
	}
	if grant != nil {
		ev.ClientID, ev.Account, ev.GrantID = grant.ClientID, grant.Account, grant.GrantID
	}
	w.record(ev)
}

func (w *Wallet) record(e authz.Event) {
	if err := w.cfg.Grants.Record(e); err != nil {
		w.log.Error("audit", "err", err)
	}
}

// send does the work of Send; how says what authorized the transaction,
// for the audit log.
func (w *Wallet) send(ctx context.Context, req *Request, ev *authz.Event) (_ *Result, how string, _ error) {
	c := w.cfg.Chain
	switch {
	case len(req.Ops) == 0:
		return nil, "", fmt.Errorf("%w: no operations", ErrInvalidOperations)
	case len(req.Ops) > MaxOperations:
		return nil, "", fmt.Errorf("%w: %d operations, at most %d", ErrInvalidOperations, len(req.Ops), MaxOperations)
	case slices.Contains(req.Ops, nil):
		return nil, "", fmt.Errorf("%w: missing operation", ErrInvalidOperations)
	case w.cfg.Node == nil:
		return nil, "", fmt.Errorf("%w: no node is configured", ErrNodeDown)
	case req.Grant != nil && req.Grant.Chain != "" && req.Grant.Chain != c.Name:
		return nil, "", &ScopeError{Operation: req.Ops[0].Name(), Reason: "the token is for chain " + req.Grant.Chain}
	case req.Account == "":
		return nil, "", fmt.Errorf("%w: no account", ErrInvalidRequest)
	}
	names, err := w.actingNames(ctx, req.Account)
	if err != nil {
		return nil, "", err
	}
	roles, err := w.checkOperations(req.Grant, names, req.Ops)
	if err != nil {
		return nil, "", err
	}
	if err := w.checkSecrets(req.Ops); err != nil {
		return nil, "", err
	}
	risks, notes, err := riskCheck(c, req.Account, req.Ops, w.sentTo(req.Account))
	if err != nil {
		return nil, "", err
	}
	if len(risks) > 0 || len(notes) > 0 {
		req.Notes = append(append(slices.Clone(risks), notes...), req.Notes...)
	}
	if err := w.waitUnlocked(ctx, req, names); err != nil {
		return nil, "", err
	}
	facts := make([]tx.Facts, len(req.Ops))
	for i, op := range req.Ops {
		facts[i] = tx.Describe(c, op)
	}
	highFee, err := feeCheck(c, facts)
	if err != nil {
		return nil, "", err
	}
	// What the transaction costs in resource credits, before anything is
	// asked: one the account cannot pay for is refused here, for every
	// door, rather than by the chain after the user said yes.
	req.rc = w.estimateRC(ctx, req.Ops, len(roles), req.Header)
	if err := rcRefusal(req.rc); err != nil {
		return nil, "", err
	}
	how = "posting key, in scope"
	var reserved map[string]int64
	day := authz.DayOf(w.cfg.Now())
	if slices.Contains(roles, tx.Active) || req.Grant == nil || highFee != "" || len(risks) > 0 {
		// Never ask the user (or spend an allowance) for what cannot be
		// signed; a missing posting key shows at signing, just as early.
		for _, role := range roles {
			if _, err := w.cfg.Signer.PublicKey(c.Name, req.Account, role.String()); err != nil {
				return nil, "", signerError(err, req.Account, role.String())
			}
		}
		var remembered bool
		reserved, remembered, err = w.authorize(ctx, req, names, roles, facts, highFee, len(risks) > 0)
		if err != nil {
			return nil, "", err
		}
		switch {
		case reserved != nil:
			how = "active key, within the spending allowance"
		case remembered:
			how = "active key, not asked (don't ask again)"
		case slices.Contains(roles, tx.Active):
			how = "active key, confirmed by the user"
		default:
			how = "posting key, confirmed by the user"
		}
	}
	release := func() {
		if reserved != nil {
			if err := w.cfg.Grants.ReleaseSpending(req.Grant.GrantID, day, reserved); err != nil {
				w.log.Error("release spending reservation", "err", err)
			}
		}
	}

	var t *tx.Transaction
	if h := req.Header; h != nil {
		t = &tx.Transaction{Chain: c, RefBlockNum: h.RefBlockNum, RefBlockPrefix: h.RefBlockPrefix,
			Expiration: h.Expiration, Operations: req.Ops}
		if err := t.Validate(); err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrInvalidOperations, err)
		}
	} else if t, err = w.cfg.Node.PrepareTransaction(ctx, req.Ops, 0); err != nil {
		release()
		return nil, "", NodeError("prepare the transaction", err)
	}
	digest, err := t.Digest()
	if err != nil {
		release()
		return nil, "", fmt.Errorf("%w: %w", ErrInvalidOperations, err)
	}
	id, err := t.ID()
	if err != nil {
		release()
		return nil, "", fmt.Errorf("%w: %w", ErrInvalidOperations, err)
	}
	for _, role := range roles {
		sig, err := w.cfg.Signer.Sign(c.Name, req.Account, role.String(), digest)
		if err != nil {
			release()
			return nil, "", signerError(err, req.Account, role.String())
		}
		t.Signatures = append(t.Signatures, sig)
	}
	ev.TxID = id.String()
	if req.NoBroadcast {
		raw, err := t.MarshalJSON()
		if err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrInvalidOperations, err)
		}
		return &Result{ID: ev.TxID, Signed: &Signed{Transaction: raw, Signatures: sigHex(t)}, Signatures: sigHex(t)},
			how + "; signed only, not broadcast", nil
	}
	br, err := w.cfg.Node.Broadcast(ctx, t)
	if err != nil {
		if errors.Is(err, node.ErrRejected) {
			release() // refused: it will never land
		}
		return nil, "", &TxError{TxID: ev.TxID, Err: NodeError("broadcast", err)}
	}
	if req.Grant != nil {
		w.cfg.Grants.NoteUse(req.Grant.GrantID)
	}
	w.noteSent(req.Account, req.Ops)
	return &Result{ID: br.ID, BlockNum: br.BlockNum, TrxNum: br.TrxNum, Signatures: sigHex(t)}, how, nil
}

func sigHex(t *tx.Transaction) []string {
	out := make([]string, len(t.Signatures))
	for i, s := range t.Signatures {
		out[i] = s.String()
	}
	return out
}

// checkSecrets refuses operations that carry a private key anywhere in
// their text (a memo, a post, a custom_json): once signed it is on chain,
// public, forever. Nothing is asked, nothing is signed, and the key is
// never repeated in the error.
func (w *Wallet) checkSecrets(ops []tx.Operation) error {
	for i, op := range ops {
		raw, err := tx.MarshalOperationJSON(w.cfg.Chain, op)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidOperations, err)
		}
		if signer.ContainsPrivateKey(string(raw)) {
			return fmt.Errorf("%w: operation %d (%s) carries a private key or a master password; "+
				"once signed it would be public forever, so nothing was signed (if it was sent to you, move your funds to a new key)",
				ErrSecretInOperation, i, op.Name())
		}
	}
	return nil
}

// checkOperations applies the grant (nil: none, the user decides) to every
// operation and returns the roles the transaction must be signed with,
// posting before active.
func (w *Wallet) checkOperations(grant *authz.Token, names []string, ops []tx.Operation) ([]tx.Role, error) {
	var roles []tx.Role
	for i, op := range ops {
		name := op.Name()
		customID := ""
		if cj, ok := op.(*tx.CustomJSON); ok {
			customID = cj.ID
		}
		reqs := op.RequiredAuthorities()
		if len(reqs) == 0 {
			return nil, &ScopeError{Index: i, Operation: name, Reason: "names no account to act for"}
		}
		for _, r := range reqs {
			if !slices.Contains(names, r.Account) {
				return nil, &ScopeError{Index: i, Operation: name,
					Reason: fmt.Sprintf("acts for %s; this request acts for @%s only", PrintableAccount(r.Account), names[0])}
			}
			if r.Role >= tx.Owner || r.Role < tx.Posting {
				return nil, &ScopeError{Index: i, Operation: name, Reason: "needs the owner key, which is never used for a site or app"}
			}
			if grant != nil && !grant.Scopes.Permits(w.cat, name, customID, authz.Authority(r.Role)) {
				return nil, &ScopeError{Index: i, Operation: name, Reason: scopeReason(w.cat, grant.Scopes, name, customID, r.Role)}
			}
			if !slices.Contains(roles, r.Role) {
				roles = append(roles, r.Role)
			}
		}
	}
	slices.Sort(roles)
	return roles, nil
}

// scopeReason explains a Permits refusal.
func scopeReason(cat authz.Catalog, sc authz.Scopes, name, customID string, need tx.Role) string {
	base, known := cat.Authority(name)
	switch {
	case !known:
		return "not an operation this chain's dapps can be granted"
	case authz.Authority(need) > base && (sc.Has(name) || customID != "" && sc.Has(name+":"+customID)):
		return fmt.Sprintf("needs the %s key here, more than the scope allows", need)
	case customID != "" && !sc.Has(name):
		return fmt.Sprintf("custom_json id %q is not in the granted scope", PrintableID(customID))
	}
	return "not in the granted scope"
}

// actingNames are the names the account goes by in operations: its name,
// and on Graphene chains its object id (1.2.N), looked up once.
func (w *Wallet) actingNames(ctx context.Context, account string) ([]string, error) {
	if w.cfg.Chain.Family != chain.Graphene {
		return []string{account}, nil
	}
	if id, ok := w.accountIDs.Load(account); ok {
		return []string{account, id.(string)}, nil
	}
	accts, err := w.cfg.Node.Accounts(ctx, []string{account})
	if err != nil {
		return nil, NodeError("look up the account", err)
	}
	if len(accts) != 1 || accts[0].ID == "" {
		return nil, fmt.Errorf("%w: no id for account %s", ErrNodeDown, account)
	}
	w.accountIDs.Store(account, accts[0].ID)
	return []string{account, accts[0].ID}, nil
}

// recheck reads the request's grant again after a wait and applies it to
// the operations once more: ErrRevoked if it went, a *ScopeError if it was
// narrowed below them. req.Grant becomes the token as it is now.
func (w *Wallet) recheck(req *Request, names []string) error {
	if req.Grant == nil {
		return nil
	}
	t, err := w.cfg.Grants.Recheck(req.Grant)
	if errors.Is(err, authz.ErrNotFound) {
		return ErrRevoked
	}
	if err != nil {
		return fmt.Errorf("read grant: %w", err)
	}
	if _, err := w.checkOperations(t, names, req.Ops); err != nil {
		return err
	}
	req.Grant = t
	return nil
}

// watchGrant returns a context that ends with cause ErrRevoked as soon as
// grant stops being valid, for a wait that should not outlive it; nil
// grant watches nothing. The caller must call stop.
func (w *Wallet) watchGrant(ctx context.Context, grant *authz.Token) (_ context.Context, stop func()) {
	cctx, cancel := context.WithCancelCause(ctx)
	if grant == nil {
		return cctx, func() { cancel(context.Canceled) }
	}
	go func() {
		for {
			changed := w.cfg.Grants.Changed()
			if _, err := w.cfg.Grants.Recheck(grant); errors.Is(err, authz.ErrNotFound) {
				cancel(ErrRevoked)
				return
			}
			select {
			case <-changed:
			case <-cctx.Done():
				return
			}
		}
	}()
	return cctx, func() { cancel(context.Canceled) }
}

// waitUnlocked returns once the vault is unlocked and the grant (re-read)
// still allows the request: ErrLocked if it stays locked for UnlockWait,
// ErrRevoked if the grant goes meanwhile, ctx's error if the caller left.
func (w *Wallet) waitUnlocked(ctx context.Context, req *Request, names []string) error {
	if !w.cfg.Vault.Locked() {
		return nil
	}
	w.log.Info("request waiting for the vault to be unlocked", "door", req.Door, "client", req.ClientID)
	wctx, stop := w.watchGrant(ctx, req.Grant)
	defer stop()
	what := "transaction"
	if req.Source != "" {
		what += " from " + req.Source
	}
	if err := w.untilUnlocked(wctx, approval.Waiting{Origin: req.Origin, ClientID: req.ClientID, What: what}); err != nil {
		if context.Cause(wctx) == ErrRevoked {
			return ErrRevoked
		}
		return err
	}
	return w.recheck(req, names)
}

// untilUnlocked polls the vault until it is unlocked (nil): ErrLocked if
// UnlockWait passes first, ErrBusy if MaxUnlockWaiters requests already
// wait (each holds a connection and, once unlocked, a prompt: callers that
// pick a new origin or client_id for every request must not pile up), or
// ctx's error.
func (w *Wallet) untilUnlocked(ctx context.Context, who approval.Waiting) error {
	if !w.cfg.Vault.Locked() {
		return nil
	}
	select {
	case w.unlockWaiters <- struct{}{}:
		defer func() { <-w.unlockWaiters }()
	default:
		return ErrBusy
	}
	// Listed for the desktop app, which raises its window and names the
	// site; the user may refuse them all instead of unlocking.
	who.Since = w.cfg.Now()
	outer := ctx
	ctx, done := w.queue.Wait(ctx, who)
	defer done()
	deadline := time.NewTimer(w.cfg.UnlockWait)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := outer.Err(); err != nil {
				return err
			}
			return ErrLocked // the user refused to unlock for it
		case <-deadline.C:
			if !w.cfg.Vault.Locked() {
				return nil
			}
			return ErrLocked
		case <-tick.C:
			if !w.cfg.Vault.Locked() {
				return nil
			}
		}
	}
}

// OperationNames names operations for the audit log: custom_json with its
// id ("custom_json:follow").
func OperationNames(ops []tx.Operation) []string {
	out := make([]string, len(ops))
	for i, op := range ops {
		if op == nil {
			out[i] = "?"
			continue
		}
		out[i] = op.Name()
		if cj, ok := op.(*tx.CustomJSON); ok {
			out[i] += ":" + PrintableID(cj.ID)
		}
	}
	return out
}

// feeCheck bounds the fees of a Graphene transaction by the chain's
// FeeBounds: a fee above MaxFee is ErrFeeTooHigh (nothing signed); one
// above FeeToAsk, or in an asset without a bound, is returned as text, and
// the transaction then always asks.
func feeCheck(c *chain.Chain, facts []tx.Facts) (high string, err error) {
	ask, maxFee := c.FeeBounds()
	for i, f := range facts {
		if f.Fee == nil || f.Fee.Units == 0 {
			continue
		}
		switch {
		case !f.Fee.Known:
			high = f.Fee.String() // another asset: no bound to compare with, so the user decides
		case f.Fee.Units > maxFee:
			return "", fmt.Errorf("%w: operation %d: %s, above the most this signer pays (%s)", ErrFeeTooHigh, i, f.Fee,
				tx.Amount{Symbol: c.CoreSymbol, Units: maxFee, Precision: c.CorePrecision, Known: true})
		case f.Fee.Units > ask:
			high = f.Fee.String()
		}
	}
	return high, nil
}

// recipientBook remembers whom each account sent value to; *authz.Issuer
// has it. Without one the first-transfer and look-alike checks are off.
type recipientBook interface {
	SentTo(chain, account string) ([]string, error)
	NoteSent(chain, account string, names []string) error
}

// sentTo is whom account has sent value to, nil when not known.
func (w *Wallet) sentTo(account string) []string {
	b, ok := w.cfg.Grants.(recipientBook)
	if !ok || w.cfg.Chain.Family != chain.Hive {
		return nil
	}
	list, err := b.SentTo(w.cfg.Chain.Name, account)
	if err != nil {
		w.log.Error("read recipients", "err", err)
		return nil
	}
	if list == nil {
		list = []string{}
	}
	return list
}

// noteSent remembers the recipients of a broadcast transaction.
func (w *Wallet) noteSent(account string, ops []tx.Operation) {
	b, ok := w.cfg.Grants.(recipientBook)
	if !ok {
		return
	}
	var names []string
	for _, s := range sends(ops) {
		if s.to != account && s.to != "" && !slices.Contains(names, s.to) {
			names = append(names, s.to)
		}
	}
	if err := b.NoteSent(w.cfg.Chain.Name, account, names); err != nil {
		w.log.Error("note recipients", "err", err)
	}
}
