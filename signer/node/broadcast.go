package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"localsigner/signer/tx"
)

// Expiration limits.
const (
	// DefaultExpiration is used when PrepareTransaction is given zero: long
	// enough for a user to approve, short enough that a stuck transaction
	// does not linger (dhive uses the same).
	DefaultExpiration = 60 * time.Second
	// MaxHiveExpiration is HIVE_MAX_TIME_UNTIL_EXPIRATION: nodes refuse a
	// transaction expiring later than this after the head block.
	MaxHiveExpiration = time.Hour
	// MaxGrapheneExpiration is the default of the Graphene chain parameter
	// maximum_time_until_expiration.
	MaxGrapheneExpiration = 24 * time.Hour
)

// maxSent bounds the memory of broadcast ids; far beyond what a desktop
// signer sends within one expiration window.
const maxSent = 10000

// ErrUnsigned: Broadcast was given a transaction without signatures.
var ErrUnsigned = errors.New("transaction has no signatures")

// MaxExpiration is the longest expiration the Client's chain accepts.
func (c *Client) MaxExpiration() time.Duration {
	if c.graphene() {
		return MaxGrapheneExpiration
	}
	return MaxHiveExpiration
}

// PrepareTransaction builds an unsigned transaction of ops referring to the
// current head block (TaPoS), expiring expiration after the head block's
// time: zero means DefaultExpiration, more than MaxExpiration is capped.
// Expiration counts from the chain's clock, not this machine's, so a skewed
// local clock cannot make a transaction expired on arrival.
func (c *Client) PrepareTransaction(ctx context.Context, ops []tx.Operation, expiration time.Duration) (*tx.Transaction, error) {
	if len(ops) == 0 {
		return nil, errors.New("prepare transaction: no operations")
	}
	switch {
	case expiration <= 0:
		expiration = DefaultExpiration
	case expiration > c.MaxExpiration():
		expiration = c.MaxExpiration()
	}
	p, err := c.DynamicGlobalProperties(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare transaction: %w", err)
	}
	t := &tx.Transaction{
		Chain:      c.opts.Chain,
		Expiration: p.Time.Add(expiration).Truncate(time.Second),
		Operations: ops,
	}
	if err := t.SetReferenceBlock(p.HeadBlockID); err != nil {
		return nil, fmt.Errorf("prepare transaction: %w: %v", ErrMalformedResponse, err)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("prepare transaction: %w", err)
	}
	return t, nil
}

// BroadcastResult says where a transaction landed.
type BroadcastResult struct {
	ID       string // transaction id, 40 hex characters
	BlockNum uint32 // 0 if not known (see Resent)
	TrxNum   uint32 // position in the block
	// Resent is true when a node answered "duplicate transaction" to a
	// transaction this Client had sent before (to a node that then failed):
	// the first send reached the chain and this is that same transaction,
	// not a second one. BlockNum is looked up when the node can tell.
	Resent bool
}

type broadcastAnswer struct {
	ID       string `json:"id"`
	BlockNum uint32 `json:"block_num"`
	TrxNum   uint32 `json:"trx_num"`
	Expired  bool   `json:"expired"`
}

// Broadcast sends a signed transaction and waits until a node has put it in
// a block (broadcast_transaction_synchronous).
//
// It is safe against lost answers: if a connection drops or a node does not
// answer in time, the very same signed transaction (same id) is sent to the
// next node. The chain refuses a transaction id it already has, so the
// transaction lands at most once; when that refusal comes for an id this
// Client sent before, Broadcast reports success with Resent set. A genuine
// duplicate (first sent elsewhere) is an error matching ErrDuplicate.
//
// If ctx ends first the transaction may still land; sending the same
// signed transaction again is safe.
func (c *Client) Broadcast(ctx context.Context, t *tx.Transaction) (*BroadcastResult, error) {
	if t == nil || t.Chain == nil {
		return nil, errors.New("broadcast: no transaction")
	}
	if t.Chain.ID != c.opts.Chain.ID || t.Chain.Family != c.opts.Chain.Family {
		return nil, fmt.Errorf("broadcast: transaction is for chain %s, the nodes serve %s", t.Chain, c.opts.Chain)
	}
	if len(t.Signatures) == 0 {
		return nil, fmt.Errorf("broadcast: %w", ErrUnsigned)
	}
	id, err := t.ID()
	if err != nil {
		return nil, fmt.Errorf("broadcast: %w", err)
	}
	body, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("broadcast: %w", err)
	}
	idHex := id.String()
	sentBefore := c.markSent(idHex, t.Expiration)

	api := hiveAPI
	if c.graphene() {
		api = grapheneBroadcast
	}
	var ans broadcastAnswer
	attempts, err := c.api(ctx, api, "broadcast_transaction_synchronous", []any{json.RawMessage(body)}, &ans)
	switch {
	case err == nil:
	case errors.Is(err, ErrDuplicate) && (sentBefore || attempts > 1):
		res := &BroadcastResult{ID: idHex, Resent: true}
		c.lookupTransaction(ctx, res)
		return res, nil
	case ctx.Err() != nil || !errors.Is(err, ErrRejected):
		// No node refused it, but none confirmed it either: it may have
		// reached one before the failure.
		return nil, fmt.Errorf("broadcast %s: %w (the transaction may still be included; sending the same signed transaction again is safe)", idHex, err)
	default:
		return nil, fmt.Errorf("broadcast %s: %w", idHex, err)
	}
	if ans.Expired {
		return nil, &NodeError{Kind: Expired, Method: "broadcast_transaction_synchronous",
			Message: "transaction " + idHex + " expired before it was included in a block"}
	}
	return &BroadcastResult{ID: idHex, BlockNum: ans.BlockNum, TrxNum: ans.TrxNum}, nil
}

// lookupTransaction fills the block of an already known transaction, if the
// node can tell at once (hived's condenser_api.get_transaction needs the
// account history plugin; Graphene has no lookup by id). Failure is not an
// error: the transaction is known to the chain either way.
func (c *Client) lookupTransaction(ctx context.Context, res *BroadcastResult) {
	if c.graphene() {
		return
	}
	var found struct {
		BlockNum       uint32 `json:"block_num"`
		TransactionNum uint32 `json:"transaction_num"`
	}
	if c.API(ctx, hiveAPI, "get_transaction", []any{res.ID}, &found) == nil {
		res.BlockNum, res.TrxNum = found.BlockNum, found.TransactionNum
	}
}

// markSent remembers id until its expiration and reports whether it was
// already known. Expired ids are forgotten: the chain forgets them too, so
// a "duplicate" for them cannot come from an earlier send.
func (c *Client) markSent(id string, expiration time.Time) bool {
	c.sentMu.Lock()
	defer c.sentMu.Unlock()
	_, seen := c.sent[id]
	if len(c.sent) >= maxSent {
		now := time.Now()
		for k, exp := range c.sent {
			if exp.Before(now) {
				delete(c.sent, k)
			}
		}
	}
	if len(c.sent) < maxSent || seen {
		c.sent[id] = expiration
	}
	return seen
}
