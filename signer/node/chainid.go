package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// WrongChainError says that a node serves another chain than the Client's
// Options.Chain: a testnet URL in a mainnet list, or a hostile node. It
// matches ErrWrongChain. The node is not used for anything until a later
// connection to it reports the right chain.
type WrongChainError struct {
	URL  string // the node
	Want string // the configured chain id, 64 hex characters
	Got  string // the node's chain id, 64 hex characters
}

// Error names the node and both chain ids.
func (e *WrongChainError) Error() string {
	return fmt.Sprintf("%s: %s has chain id %s, want %s", ErrWrongChain, e.URL, e.Got, e.Want)
}

// Is matches ErrWrongChain.
func (e *WrongChainError) Is(target error) bool { return target == ErrWrongChain }

// Hive's config names for the chain id: HIVE_CHAIN_ID since HF24, before
// that (and on Steem-derived forks) STEEM_CHAIN_ID.
var hiveChainIDKeys = []string{"HIVE_CHAIN_ID", "STEEM_CHAIN_ID"}

// verifyChain is checkChain bounded by ctx and by the Client's life, so
// Close does not wait for a slow node's answer. It returns ErrClosed if the
// Client closed meanwhile.
func (c *Client) verifyChain(ctx context.Context, cn *conn) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()
	err := c.checkChain(ctx, cn)
	if err != nil && c.ctx.Err() != nil {
		return ErrClosed
	}
	return err
}

// checkChain asks the node behind cn for its chain id and compares it with
// the configured one. It runs on every new connection before the connection
// serves a call or is probed, so the answer is cached with the connection:
// a node reached again is asked again.
//
// The result is nil, a *WrongChainError, an error matching
// ErrChainUnverified (the node answered, but not with a chain id), a
// transport error (ErrTimeout, ErrConnectionLost, …), or ctx's error. Every
// non-nil result means the connection must not be used.
func (c *Client) checkChain(ctx context.Context, cn *conn) error {
	want := c.opts.Chain.ID
	got, err := c.nodeChainID(ctx, cn)
	if err != nil {
		return err
	}
	if got != want {
		return &WrongChainError{URL: cn.url, Want: hex.EncodeToString(want[:]), Got: hex.EncodeToString(got[:])}
	}
	return nil
}

// nodeChainID asks the node for its chain id: Graphene's
// database.get_chain_id, Hive's database_api.get_config (or, if a proxy
// does not route database_api, condenser_api.get_config).
func (c *Client) nodeChainID(ctx context.Context, cn *conn) ([32]byte, error) {
	if c.graphene() {
		raw, err := c.attempt(ctx, cn, "call", []any{grapheneDatabase, "get_chain_id", []any{}})
		if err != nil {
			return [32]byte{}, chainIDError(cn.url, "get_chain_id", err)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return [32]byte{}, fmt.Errorf("%w: %s: get_chain_id answered %.80s", ErrChainUnverified, cn.url, raw)
		}
		return parseChainID(cn.url, "get_chain_id", s)
	}
	raw, err := c.attempt(ctx, cn, "database_api.get_config", map[string]any{})
	if errors.Is(err, ErrUnknownMethod) {
		raw, err = c.attempt(ctx, cn, hiveAPI+".get_config", []any{})
	}
	if err != nil {
		return [32]byte{}, chainIDError(cn.url, "get_config", err)
	}
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return [32]byte{}, fmt.Errorf("%w: %s: get_config answered %.80s", ErrChainUnverified, cn.url, raw)
	}
	for _, k := range hiveChainIDKeys {
		if v, ok := cfg[k]; ok {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return [32]byte{}, fmt.Errorf("%w: %s: %s is %.80s", ErrChainUnverified, cn.url, k, v)
			}
			return parseChainID(cn.url, k, s)
		}
	}
	return [32]byte{}, fmt.Errorf("%w: %s: get_config has no HIVE_CHAIN_ID", ErrChainUnverified, cn.url)
}

// chainIDError keeps transport failures as they are (the node may just be
// slow or gone) and turns a refusal into ErrChainUnverified, so that the
// chain-id question's answer never reaches a caller as if it were the
// answer to the caller's own call.
func chainIDError(url, what string, err error) error {
	var ne *NodeError
	if errors.As(err, &ne) {
		return fmt.Errorf("%w: %s: %s: %v", ErrChainUnverified, url, what, ne)
	}
	return fmt.Errorf("chain id check (%s): %w", what, err)
}

// parseChainID reads a chain id written as 64 hex characters, as hived and
// Graphene nodes write them.
func parseChainID(url, what, s string) ([32]byte, error) {
	var id [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("%w: %s: %s %.80q is not 64 hex characters", ErrChainUnverified, url, what, s)
	}
	copy(id[:], b)
	return id, nil
}
