// Package devnet is a small local blockchain that answers like a Hive node
// (hived's condenser_api, database_api, block_api, network_broadcast_api)
// or a Peerplays node (Graphene's "call" API) over websocket JSON-RPC and
// HTTP POST, so Localsigner, its tests and unmodified dapp libraries can run
// the whole sign-and-broadcast flow with no network.
//
// It checks what real nodes check before accepting a transaction: the
// operations are valid, the id is new, every signature is canonical and
// recoverable, the recovered keys satisfy each required authority (weights,
// thresholds, account_auths one level deep), the reference block is one of
// the last 65536 blocks and the expiration lies within the window. It then
// applies the effects users look for (balances, posts, votes, custom_json,
// authority changes) and puts the transaction in the next block.
//
// A Devnet is one chain state; it can serve any number of front-ends
// (listeners), like several public nodes of one network, which is how the
// failover tests kill one node while the chain goes on.
package devnet

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/internal/privkey"
	"localsigner/signer/tx"
)

// DefaultChainID returns the devnet's chain id, sha256("localsigner-devnet"):
// the same as the "devnet" entry of package chain, so Localsigner signs for
// it out of the box.
func DefaultChainID() [32]byte { return sha256.Sum256([]byte("localsigner-devnet")) }

// DefaultBlockInterval is Hive's block interval.
const DefaultBlockInterval = 3 * time.Second

// Config sets up a Devnet. The zero Config is a Hive devnet with the default
// accounts, producing a block every 3 seconds.
type Config struct {
	// Family is chain.Hive (default) or chain.Graphene (Peerplays dialect).
	Family chain.Family
	// ChainID defaults to DefaultChainID(). Tests replaying signed vectors of
	// another chain set it to that chain's id.
	ChainID [32]byte
	// Prefix is the public key prefix: STM for Hive, PPY for Graphene by
	// default. STM lets unmodified Hive libraries work.
	Prefix string
	// Password derives the default genesis keys (DefaultPassword if empty).
	// Ignored when Genesis is set.
	Password string
	// Genesis replaces the default accounts.
	Genesis *Genesis
	// BlockInterval is the time between blocks (DefaultBlockInterval if
	// zero). Negative: blocks are produced only by ProduceBlock.
	BlockInterval time.Duration
	// Clock gives the time of new blocks (time.Now if nil). Expiration is
	// checked against the head block's time, as on real nodes.
	Clock func() time.Time
	// Logf receives the devnet's log lines (none if nil).
	Logf func(format string, args ...any)
	// StrictSignatures rejects signatures no required authority needs, as
	// hived did before HF28 (tx_irrelevant_sig). Off by default, as on Hive
	// today; Graphene chains always reject them.
	StrictSignatures bool
	// ExtraTaposBlocks is for tests only: reference blocks (ref_block_num →
	// ref_block_prefix) to accept as if they were among the recent blocks,
	// so transactions signed elsewhere against a fixed block (the shared
	// vectors) can be replayed. Real blocks with the same low 16 bits
	// replace them.
	ExtraTaposBlocks map[uint16]uint32
}

// Devnet is an in-memory chain. It is safe for concurrent use.
type Devnet struct {
	cfg        Config
	chain      *chain.Chain
	interval   time.Duration
	witnessKey *privkey.PrivateKey

	mu         sync.Mutex
	accounts   []*account
	byName     map[string]*account
	byInstance map[uint64]*account
	blocks     []*block          // blocks[i].num == i+1
	summary    map[uint16]uint32 // TaPoS: ref_block_num → prefix of the last block with those low 16 bits, so the last 65536 blocks
	pending    []*includedTx
	known      map[tx.TransactionID]*includedTx // pending and included, until expired
	posts      map[string]*Post                 // by "author/permlink"
	votes      []*Vote
	customJSON []CustomJSON
	rc         rcState
	frontends  map[*Frontend]struct{}
	closed     bool

	stop chan struct{}
	wg   sync.WaitGroup
}

// ErrClosed is returned by Listen and Serve after Close.
var ErrClosed = errors.New("devnet closed")

// New creates the chain with its genesis block and starts producing blocks.
func New(cfg Config) (*Devnet, error) {
	if cfg.Family == 0 {
		cfg.Family = chain.Hive
	}
	if cfg.ChainID == ([32]byte{}) {
		cfg.ChainID = DefaultChainID()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Password == "" {
		cfg.Password = DefaultPassword
	}
	d := &Devnet{
		cfg:        cfg,
		interval:   cfg.BlockInterval,
		byName:     map[string]*account{},
		byInstance: map[uint64]*account{},
		summary:    map[uint16]uint32{},
		known:      map[tx.TransactionID]*includedTx{},
		posts:      map[string]*Post{},
		frontends:  map[*Frontend]struct{}{},
		stop:       make(chan struct{}),
	}
	if d.interval == 0 {
		d.interval = DefaultBlockInterval
	}
	switch cfg.Family {
	case chain.Hive:
		c, err := chain.Lookup("devnet", cfg.Prefix)
		if err != nil {
			return nil, err
		}
		c.ID = cfg.ChainID
		d.chain = c
	case chain.Graphene:
		prefix := cfg.Prefix
		if prefix == "" {
			prefix = "PPY"
		}
		d.chain = &chain.Chain{Name: "peerplays-devnet", ID: cfg.ChainID, Prefix: prefix,
			Family: chain.Graphene, CoreSymbol: "PPY", CorePrecision: 5}
	default:
		return nil, fmt.Errorf("devnet: unknown chain family %v", cfg.Family)
	}
	g := cfg.Genesis
	if g == nil {
		var err error
		if g, err = DefaultGenesis(cfg.Family, d.chain.Prefix, cfg.Password); err != nil {
			return nil, err
		}
	}
	accts, err := buildAccounts(g, d.chain)
	if err != nil {
		return nil, fmt.Errorf("devnet: %w", err)
	}
	for _, a := range accts {
		d.addAccount(a)
	}
	if d.witnessKey, err = privkey.FromLogin("initminer", "active", cfg.Password); err != nil {
		return nil, err
	}
	if d.chain.Family == chain.Hive {
		d.initRC(cfg.Clock().UTC().Truncate(time.Second))
	}
	for num, prefix := range cfg.ExtraTaposBlocks {
		d.summary[num] = prefix
	}
	d.ProduceBlock()
	d.logStart()
	if d.interval > 0 {
		d.wg.Add(1)
		go d.produce()
	}
	return d, nil
}

func (d *Devnet) addAccount(a *account) {
	a.lastUpdate = d.cfg.Clock().UTC().Truncate(time.Second)
	d.accounts = append(d.accounts, a)
	d.byName[a.name] = a
	d.byInstance[a.instance] = a
}

func (d *Devnet) logf(format string, args ...any) {
	if d.cfg.Logf != nil {
		d.cfg.Logf(format, args...)
	}
}

// logStart says what the devnet serves, so a developer knows which chain id
// to configure and which accounts to use.
func (d *Devnet) logStart() {
	family := "hive"
	if d.chain.Family == chain.Graphene {
		family = "peerplays"
	}
	d.logf("devnet: %s chain, chain id %s, key prefix %s, a block every %v", family, d.chain.IDHex(), d.chain.Prefix, d.interval)
	if d.cfg.Genesis == nil {
		d.logf("devnet: account keys derived from (name, role, password %q), as Hive wallets do", d.cfg.Password)
	}
	for _, a := range d.accounts {
		d.logf("devnet: account %s: active key %s, balance %s", d.accountLabel(a),
			a.auth[roleActive].describe(d.chain.Prefix), d.balanceSummary(a))
	}
}

func (d *Devnet) accountLabel(a *account) string {
	if d.chain.Family == chain.Graphene {
		return fmt.Sprintf("%s (1.2.%d)", a.name, a.instance)
	}
	return a.name
}

// Chain returns the chain the devnet runs, for signing transactions for it.
func (d *Devnet) Chain() *chain.Chain {
	c := *d.chain
	return &c
}

// produce makes a block every interval until Close.
func (d *Devnet) produce() {
	defer d.wg.Done()
	t := time.NewTicker(d.interval)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			d.ProduceBlock()
		}
	}
}

// ProduceBlock puts every pending transaction in a new block and returns its
// number. Tests with BlockInterval < 0 call it to move the chain on.
func (d *Devnet) ProduceBlock() uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	ts := d.cfg.Clock().UTC().Truncate(time.Second)
	b := &block{num: uint32(len(d.blocks)) + 1, txs: d.pending}
	if len(d.blocks) > 0 {
		prev := d.blocks[len(d.blocks)-1]
		b.previous = prev.id
		if ts.Before(prev.timestamp) {
			ts = prev.timestamp
		}
	}
	b.timestamp = ts
	b.id = blockID(b.num, b.previous, ts, b.txs)
	var digest [32]byte
	copy(digest[:], b.id[:])
	b.sig, _ = d.witnessKey.Sign(digest)
	d.pending = nil
	d.blocks = append(d.blocks, b)
	if d.chain.Family == chain.Hive {
		d.endRCBlock(ts)
	}
	d.summary[uint16(b.num)] = refPrefix(b.id)
	for i, t := range b.txs {
		t.blockNum, t.trxNum = b.num, uint32(i)
		close(t.done)
	}
	for id, t := range d.known {
		if t.blockNum != 0 && !t.t.Expiration.After(ts) {
			delete(d.known, id)
		}
	}
	if len(b.txs) > 0 {
		ids := make([]string, len(b.txs))
		for i, t := range b.txs {
			ids[i] = t.id.String()
		}
		d.logf("devnet: block %d: %d transaction(s) %v", b.num, len(b.txs), ids)
	}
	return b.num
}

// head returns the head block; d.mu must be held.
func (d *Devnet) head() *block { return d.blocks[len(d.blocks)-1] }

// HeadBlockNum returns the number of the last block produced.
func (d *Devnet) HeadBlockNum() uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.head().num
}

// Close stops block production, closes every front-end and waits for their
// goroutines. Pending synchronous broadcasts are abandoned.
func (d *Devnet) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	fes := make([]*Frontend, 0, len(d.frontends))
	for fe := range d.frontends {
		fes = append(fes, fe)
	}
	d.mu.Unlock()
	close(d.stop)
	for _, fe := range fes {
		fe.Close()
	}
	d.wg.Wait()
	d.witnessKey.Zero()
	return nil
}

// Balance returns an account's balance in the smallest unit: on Hive of
// "HIVE", "HBD" or "VESTS"; on Graphene of "PPY" or an asset id. ok is
// false for an unknown account.
func (d *Devnet) Balance(name, symbol string) (units int64, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.byName[name]
	if a == nil {
		return 0, false
	}
	if symbol == d.chain.CoreSymbol && d.chain.Family == chain.Graphene {
		symbol = coreAssetID
	}
	return a.balances[symbol], true
}

// TransactionBlocks returns the numbers of the blocks that contain the
// transaction id (hex): one for a transaction that landed, none while it is
// pending or unknown. More than one would be a double spend.
func (d *Devnet) TransactionBlocks(id string) []uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []uint32
	for _, b := range d.blocks {
		for _, t := range b.txs {
			if t.id.String() == id {
				out = append(out, b.num)
			}
		}
	}
	return out
}

// Votes returns the votes recorded, oldest first.
func (d *Devnet) Votes() []Vote {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Vote, len(d.votes))
	for i, v := range d.votes {
		out[i] = *v
	}
	return out
}

// Posts returns the posts and comments recorded, by author and permlink.
func (d *Devnet) Posts() []Post {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Post, 0, len(d.posts))
	for _, p := range d.posts {
		c := *p
		c.votes = nil
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Author+"/"+out[i].Permlink < out[j].Author+"/"+out[j].Permlink
	})
	return out
}

// CustomJSONs returns the custom_json operations recorded, oldest first.
func (d *Devnet) CustomJSONs() []CustomJSON {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]CustomJSON(nil), d.customJSON...)
}
