package localapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"localsigner/authz"
	"localsigner/signer"
	"localsigner/signer/chain"
	"localsigner/signer/keys"
	"localsigner/signer/node"
	"localsigner/signer/tx"
)

// This file is the sign-and-broadcast core every dapp API surface shares
// (Hivesigner's /api/broadcast, PeerID's /api/v1/app/operations, …):
//
//	check every operation against the grant → ask the user if the active key
//	is needed and no allowance covers it → build from the head block → sign
//	with each role needed → broadcast → audit log
//
// Surfaces decode operations their own way, call signAndBroadcast, and map
// its errors to their own error format (see the sentinels below).

// NodeClient is what the dapp API needs from the chain's nodes.
// *node.Client satisfies it; tests use an in-memory fake.
type NodeClient interface {
	// PrepareTransaction builds an unsigned transaction referring to the
	// head block; zero expiration means the client's default.
	PrepareTransaction(ctx context.Context, ops []tx.Operation, expiration time.Duration) (*tx.Transaction, error)
	// Broadcast sends a signed transaction and waits for its block.
	Broadcast(ctx context.Context, t *tx.Transaction) (*node.BroadcastResult, error)
	// Accounts looks accounts up by name, in the order asked.
	Accounts(ctx context.Context, names []string) ([]node.Account, error)
}

var _ NodeClient = (*node.Client)(nil)

// Signer signs transaction digests with the vault's keys; it never hands a
// key out. SignerVault satisfies it.
type Signer interface {
	// PublicKey fails with signer.ErrNoKey if no key is stored for the
	// role, signer.ErrLocked while the vault is locked.
	PublicKey(chain, account, role string) (keys.PublicKey, error)
	Sign(chain, account, role string, digest [32]byte) (keys.Signature, error)
}

// Errors of signAndBroadcast. Each surface maps them to its own format;
// errors.Is works on everything signAndBroadcast returns. A node's refusal
// is passed through as a *node.NodeError (errors.Is(err, node.ErrRejected)).
var (
	// ErrInsufficientScope: an operation is outside the grant (type,
	// custom_json id, acting account or authority). The error is a
	// *ScopeError naming the operation. Nothing was signed.
	ErrInsufficientScope = errors.New("insufficient scope")
	// ErrConfirmationDenied: the user refused the transaction.
	ErrConfirmationDenied = errors.New("the user denied the transaction")
	// ErrConfirmationTimeout: nobody confirmed the transaction in time.
	ErrConfirmationTimeout = errors.New("the transaction was not confirmed in time")
	// ErrLocked: the vault is locked (and was not unlocked within
	// Config.UnlockWait).
	ErrLocked = errors.New("the vault is locked")
	// ErrMissingKey: the vault holds no key of the role the transaction
	// needs for the granted account.
	ErrMissingKey = errors.New("no key for that role in the vault")
	// ErrBusy: too many confirmations are waiting already (per dapp or in
	// all); try again later.
	ErrBusy = errors.New("too many transactions waiting for confirmation")
	// ErrNodeDown: no node could be reached (or none is configured), or a
	// node took the transaction without confirming it. In the latter case
	// the error is a *TxError naming the transaction, which may still land.
	ErrNodeDown = errors.New("the node is unreachable")
	// ErrInvalidOperations: the operations cannot form a transaction (none,
	// too many, or invalid together).
	ErrInvalidOperations = errors.New("invalid operations")
)

// ScopeError says which operation a grant does not allow, and why.
type ScopeError struct {
	Index     int    // position in the request, from 0
	Operation string // operation name
	Reason    string // for the dapp's developer; names no secret
}

// Error returns "operation 1 (transfer): not in the granted scope".
func (e *ScopeError) Error() string {
	return fmt.Sprintf("operation %d (%s): %s", e.Index, e.Operation, e.Reason)
}

// Is makes errors.Is(err, ErrInsufficientScope) true.
func (e *ScopeError) Is(target error) bool { return target == ErrInsufficientScope }

// TxError is a failure after the transaction was signed: it names the
// transaction, so the dapp (and the audit log) can check whether it landed.
type TxError struct {
	TxID string
	Err  error
}

// Error returns "transaction <id>: <cause>".
func (e *TxError) Error() string { return "transaction " + e.TxID + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *TxError) Unwrap() error { return e.Err }

// BroadcastResult is where a transaction landed. Its JSON is the "result"
// member of /api/broadcast, the form condenser_api's
// broadcast_transaction_synchronous answers with.
type BroadcastResult struct {
	ID       string `json:"id"`
	BlockNum uint32 `json:"block_num"`
	TrxNum   uint32 `json:"trx_num"`
	Expired  bool   `json:"expired"`
}

// maxDappOperations bounds one dapp API transaction; Hive blocks hold 64 KiB.
const maxDappOperations = 100

// signAndBroadcast is the core of the dapp API: it signs ops for the grant
// of an access token and broadcasts them as one transaction.
//
// grant is what Issuer.Lookup returned for the request's token (or, for
// other token kinds, a Token with ClientID, Account, Scopes and GrantID
// filled in; allowances are read from the stored grant GrantID names). ops
// are decoded for the server's chain.
//
// Every operation must be in grant.Scopes (custom_json also by id), act
// only for grant.Account, and need no more than the authority its scope
// allows, never owner; one failure rejects all with a *ScopeError before
// anything is signed. Operations needing only the posting key are signed at
// once. If the active key is needed, the user confirms the transaction in
// the approval queue, unless an allowance on the grant covers everything it
// spends. Then the transaction is built from the head block, signed with
// the account's key of each role needed, and broadcast.
//
// Every call leaves one EventBroadcast in the audit log with its outcome.
// Errors match the sentinels above; after signing they are *TxError.
func (s *Server) signAndBroadcast(ctx context.Context, grant *authz.Token, ops []tx.Operation) (*BroadcastResult, error) {
	ev := authz.Event{Type: authz.EventBroadcast, ClientID: grant.ClientID, Account: grant.Account,
		GrantID: grant.GrantID, Operations: opNames(ops)}
	res, how, err := s.broadcastOps(ctx, grant, ops, &ev)
	if err != nil {
		ev.Outcome = outcomeOf(err)
		ev.Detail = auditText(err)
		if errors.Is(err, ErrNodeDown) && ev.TxID != "" {
			ev.Detail += " (signed; it may still be included)"
		}
	} else {
		ev.Outcome = "broadcast"
		ev.Detail = fmt.Sprintf("block %d; %s", res.BlockNum, how)
	}
	s.record(ev)
	if err != nil {
		s.log.Info("dapp transaction failed", "client", grant.ClientID, "outcome", ev.Outcome, "tx", ev.TxID)
	} else {
		s.log.Info("dapp transaction broadcast", "client", grant.ClientID, "tx", res.ID, "block", res.BlockNum)
	}
	return res, err
}

// broadcastOps does the work of signAndBroadcast; how says what authorized
// the transaction, for the audit log.
func (s *Server) broadcastOps(ctx context.Context, grant *authz.Token, ops []tx.Operation, ev *authz.Event) (_ *BroadcastResult, how string, _ error) {
	switch {
	case len(ops) == 0:
		return nil, "", fmt.Errorf("%w: no operations", ErrInvalidOperations)
	case len(ops) > maxDappOperations:
		return nil, "", fmt.Errorf("%w: %d operations, at most %d", ErrInvalidOperations, len(ops), maxDappOperations)
	case s.node == nil:
		return nil, "", fmt.Errorf("%w: no node is configured", ErrNodeDown)
	case grant.Chain != "" && grant.Chain != s.cfg.Chain:
		return nil, "", &ScopeError{Operation: ops[0].Name(), Reason: "the token is for chain " + grant.Chain}
	}
	names, err := s.actingNames(ctx, grant.Account)
	if err != nil {
		return nil, "", err
	}
	roles, err := s.checkOperations(grant, names, ops)
	if err != nil {
		return nil, "", err
	}
	if !s.waitUnlocked(ctx) {
		return nil, "", ErrLocked
	}
	how = "posting key, in scope"
	var reserved map[string]int64
	day := authz.DayOf(s.cfg.Now())
	if slices.Contains(roles, tx.Active) {
		// Never ask the user (or spend an allowance) for what cannot be
		// signed; a missing posting key shows at signing, just as early.
		for _, role := range roles {
			if _, err := s.signer.PublicKey(s.cfg.Chain, grant.Account, role.String()); err != nil {
				return nil, "", signerError(err, grant.Account, role)
			}
		}
		var remembered bool
		reserved, remembered, err = s.authorizeActive(ctx, grant, ops)
		if err != nil {
			return nil, "", err
		}
		switch {
		case reserved != nil:
			how = "active key, within the spending allowance"
		case remembered:
			how = "active key, not asked (don't ask again)"
		default:
			how = "active key, confirmed by the user"
		}
	}
	release := func() {
		if reserved != nil {
			if err := s.iss.ReleaseSpending(grant.GrantID, day, reserved); err != nil {
				s.log.Error("release spending reservation", "err", err)
			}
		}
	}

	t, err := s.node.PrepareTransaction(ctx, ops, 0)
	if err != nil {
		release()
		return nil, "", nodeError("prepare the transaction", err)
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
		sig, err := s.signer.Sign(s.cfg.Chain, grant.Account, role.String(), digest)
		if err != nil {
			release()
			return nil, "", signerError(err, grant.Account, role)
		}
		t.Signatures = append(t.Signatures, sig)
	}
	ev.TxID = id.String()
	br, err := s.node.Broadcast(ctx, t)
	if err != nil {
		if errors.Is(err, node.ErrRejected) {
			release() // refused: it will never land
		}
		return nil, "", &TxError{TxID: ev.TxID, Err: nodeError("broadcast", err)}
	}
	s.iss.NoteUse(grant.GrantID)
	return &BroadcastResult{ID: br.ID, BlockNum: br.BlockNum, TrxNum: br.TrxNum}, how, nil
}

// checkOperations applies the grant to every operation and returns the
// roles the transaction must be signed with, posting before active.
func (s *Server) checkOperations(grant *authz.Token, names []string, ops []tx.Operation) ([]tx.Role, error) {
	var roles []tx.Role
	for i, op := range ops {
		if op == nil {
			return nil, &ScopeError{Index: i, Operation: "?", Reason: "missing operation"}
		}
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
					Reason: fmt.Sprintf("acts for %s; this token acts for @%s only", printableAccount(r.Account), grant.Account)}
			}
			if r.Role >= tx.Owner || r.Role < tx.Posting {
				return nil, &ScopeError{Index: i, Operation: name, Reason: "needs the owner key, which is never used for a dapp"}
			}
			if !grant.Scopes.Permits(s.cfg.Catalog, name, customID, authz.Authority(r.Role)) {
				return nil, &ScopeError{Index: i, Operation: name, Reason: scopeReason(s.cfg.Catalog, grant.Scopes, name, customID, r.Role)}
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
		return fmt.Sprintf("custom_json id %q is not in the granted scope", printableID(customID))
	}
	return "not in the granted scope"
}

// actingNames are the names the granted account goes by in operations: its
// name, and on Graphene chains its object id (1.2.N), looked up once.
func (s *Server) actingNames(ctx context.Context, account string) ([]string, error) {
	if s.chain.Family != chain.Graphene {
		return []string{account}, nil
	}
	if id, ok := s.accountIDs.Load(account); ok {
		return []string{account, id.(string)}, nil
	}
	accts, err := s.node.Accounts(ctx, []string{account})
	if err != nil {
		return nil, nodeError("look up the account", err)
	}
	if len(accts) != 1 || accts[0].ID == "" {
		return nil, fmt.Errorf("%w: no id for account %s", ErrNodeDown, account)
	}
	s.accountIDs.Store(account, accts[0].ID)
	return []string{account, accts[0].ID}, nil
}

// authorizeActive decides a transaction needing the active key: covered by
// an allowance (the reservation is returned, to be released if the
// transaction certainly fails), by the user's "don't ask again" entries
// (remembered), or confirmed by the user now.
func (s *Server) authorizeActive(ctx context.Context, grant *authz.Token, ops []tx.Operation) (_ map[string]int64, remembered bool, _ error) {
	var g *authz.Grant
	if grant.GrantID != "" {
		var err error
		if g, err = s.iss.Grant(grant.GrantID); err != nil && !errors.Is(err, authz.ErrNotFound) {
			return nil, false, fmt.Errorf("read grant: %w", err)
		}
	}
	spend, coverable := spendingOf(s.chain, ops)
	reason := "the transaction needs the active key"
	rememberable := g != nil
	if g != nil && len(g.Allowances) > 0 {
		if !coverable {
			reason = "the transaction needs the active key for more than spending, which no allowance covers"
		} else {
			err := s.iss.ReserveSpending(g.ID, authz.DayOf(s.cfg.Now()), spend)
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
	var remember [][2]string
	if rememberable {
		remember = noAskKeys(ops)
		if g.NoAskCovers(remember, s.cfg.Now()) {
			return nil, true, nil
		}
	}
	return nil, false, s.confirmTransaction(ctx, grant, g, ops, spend, reason, remember)
}

// signerError maps a vault failure.
func signerError(err error, account string, role tx.Role) error {
	switch {
	case errors.Is(err, signer.ErrLocked):
		return ErrLocked
	case errors.Is(err, signer.ErrNoKey):
		return fmt.Errorf("%w: Localsigner holds no %s key for @%s", ErrMissingKey, role, account)
	}
	return fmt.Errorf("sign: %w", err)
}

// nodeError classifies a node client failure: a refusal passes through,
// anything else means the node could not be used.
func nodeError(what string, err error) error {
	if errors.Is(err, node.ErrRejected) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrNodeDown, what, err)
}

// outcomeOf names an error's class for the audit log.
func outcomeOf(err error) string {
	switch {
	case errors.Is(err, ErrInsufficientScope):
		return "refused"
	case errors.Is(err, ErrConfirmationDenied):
		return "denied"
	case errors.Is(err, ErrConfirmationTimeout):
		return "timeout"
	case errors.Is(err, ErrLocked):
		return "locked"
	case errors.Is(err, ErrMissingKey):
		return "no_key"
	case errors.Is(err, ErrBusy):
		return "busy"
	case errors.Is(err, ErrNodeDown):
		return "node_down"
	case errors.Is(err, node.ErrRejected):
		return "rejected"
	case errors.Is(err, ErrInvalidOperations):
		return "invalid"
	case errors.Is(err, context.Canceled):
		return "abandoned"
	}
	return "failed"
}

// auditText is an error's text for the audit log, bounded.
func auditText(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func opNames(ops []tx.Operation) []string {
	out := make([]string, len(ops))
	for i, op := range ops {
		if op == nil {
			out[i] = "?"
			continue
		}
		out[i] = op.Name()
		if cj, ok := op.(*tx.CustomJSON); ok {
			out[i] += ":" + printableID(cj.ID)
		}
	}
	return out
}

// printableAccount shows an account name or id from a request in an error.
func printableAccount(a string) string {
	if len(a) > 20 || strings.ContainsFunc(a, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-')
	}) {
		return "another account"
	}
	if strings.HasPrefix(a, "1.2.") {
		return "account " + a
	}
	return "@" + a
}

// printableID shows a custom_json id from a request in an error or a log.
func printableID(id string) string {
	if len(id) > 32 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e || r == '"' || r == '<' || r == '>' || r == '&' }) {
		return "(unprintable)"
	}
	return id
}
