// Package node talks to Hive and Peerplays (Graphene) nodes over JSON-RPC
// 2.0 on websockets: reading chain state, filling a transaction's reference
// block and expiration, and broadcasting signed transactions.
//
// A Client holds an ordered list of node URLs, in order of preference, and
// one live connection. Calls that fail in transport (dropped connection,
// timeout, garbage answer) move on to the next node; a node that failed is
// retried only after a capped exponential backoff, and the health prober
// moves new calls back to an earlier node once it answers again. A node's
// refusal (missing authority, expired, …) is not a transport failure: it
// comes back at once as a *NodeError with the node's message, classified by
// Kind.
//
// Every new connection first asks the node for its chain id and is dropped
// unless it is Options.Chain's: a testnet URL in a mainnet list or a hostile
// node never sees a call (ErrWrongChain, ErrChainUnverified).
//
// Broadcast is safe to retry: it resends exactly the same signed bytes, so
// the chain's duplicate check guarantees the transaction lands at most once,
// and a "duplicate transaction" answer for a transaction this Client already
// sent is reported as success.
package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"localsigner/signer/chain"
)

// Options tune a Client. Zero values select the defaults in parentheses.
type Options struct {
	// Chain selects the dialect (Hive's condenser_api or Graphene's "call")
	// and encodes transactions for Broadcast and PrepareTransaction. Nodes
	// must report its ID, or they are not used. (chain "devnet", a Hive
	// chain)
	Chain *chain.Chain
	// CallTimeout bounds one attempt of one call on one node. Broadcasts
	// wait for the next block, so keep it above the block interval. (30 s)
	CallTimeout time.Duration
	// DialTimeout bounds the websocket handshake. (10 s)
	DialTimeout time.Duration
	// PingInterval is how often the live connection is pinged; a pong not
	// back within PongTimeout fails it. Negative disables pings. (20 s, 10 s)
	PingInterval time.Duration
	PongTimeout  time.Duration
	// BackoffMin and BackoffMax bound the wait before a failed node is
	// tried again; the wait doubles with each consecutive failure. (250 ms, 30 s)
	BackoffMin time.Duration
	BackoffMax time.Duration
	// HealthInterval is how often nodes are probed in the background so
	// Status stays current, a dead live connection is replaced before a
	// user needs it, and calls move back to a preferred node once it is
	// healthy again. Negative disables probing, and with it that move
	// back. (30 s)
	HealthInterval time.Duration
	// MaxMessageBytes caps one message from a node. (16 MiB)
	MaxMessageBytes int64
	// OnStatus, if set, is called after each change of Status, from the
	// Client's goroutines. It must return quickly and must not call the
	// Client's blocking methods.
	OnStatus func(Status)
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.CallTimeout, 30*time.Second)
	def(&o.DialTimeout, 10*time.Second)
	def(&o.PingInterval, 20*time.Second)
	def(&o.PongTimeout, 10*time.Second)
	def(&o.BackoffMin, 250*time.Millisecond)
	def(&o.BackoffMax, 30*time.Second)
	def(&o.HealthInterval, 30*time.Second)
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = o.BackoffMin
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 16 << 20
	}
	if o.Chain == nil {
		o.Chain, _ = chain.Lookup("devnet", "")
	}
	return o
}

// Client is a connection manager for an ordered list of nodes. It is safe
// for concurrent use; Close stops its goroutines.
type Client struct {
	opts   Options
	nodes  []*nodeState
	nextID atomic.Uint64

	mu       sync.Mutex
	live     *conn
	liveIdx  int
	retiring map[*conn]struct{} // former live conns finishing their calls (see failBack)
	closed   bool

	dialSem chan struct{}   // one dial at a time, so a burst of calls opens one socket
	ctx     context.Context // ends at Close; bounds background work
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	sentMu sync.Mutex
	sent   map[string]time.Time // ids of transactions broadcast, until they expire

	rcCache rcParamsCache
}

// Dial returns a Client for urls, tried in the order given. It does not
// connect: the first call (or the first health probe) does. URLs use ws:// or
// wss://; http:// and https:// are taken as the websocket on the same host,
// since nodes are usually published in that form. ctx is not retained.
func Dial(ctx context.Context, urls []string, opts Options) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(urls) == 0 {
		return nil, errors.New("node: no node URL given")
	}
	c := &Client{
		opts:     opts.withDefaults(),
		liveIdx:  -1,
		retiring: make(map[*conn]struct{}),
		dialSem:  make(chan struct{}, 1),
		sent:     make(map[string]time.Time),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	for _, raw := range urls {
		u, err := wsURL(raw)
		if err != nil {
			return nil, err
		}
		c.nodes = append(c.nodes, &nodeState{url: u})
	}
	if c.opts.HealthInterval > 0 {
		c.wg.Add(1)
		go c.healthLoop()
	}
	return c, nil
}

// ErrPlainRemoteNode: a node on another computer was given as ws:// or
// http://. Whoever is on the path could then answer in its place (balances,
// account ids, fees, "broadcast ok"), so only loopback nodes (the devnet, a
// node of one's own on this computer) may go unencrypted.
var ErrPlainRemoteNode = errors.New("a node on another computer needs wss:// (or https://); plain ws:// is only for this computer")

// CheckURL checks a node URL as Dial will use it and returns it with
// http(s) mapped to ws(s): the settings screen and the command line call
// it to refuse a bad URL before it is saved.
func CheckURL(raw string) (string, error) { return wsURL(raw) }

// wsURL checks a node URL and maps http(s) to ws(s).
func wsURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("node URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("node URL %q: want ws://, wss://, http:// or https://", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("node URL %q: no host", raw)
	}
	if u.Scheme == "ws" && !loopbackHost(u.Hostname()) {
		return "", fmt.Errorf("node URL %q: %w", raw, ErrPlainRemoteNode)
	}
	return u.String(), nil
}

// loopbackHost reports whether host is this computer by its name or
// address; a name that merely resolves to loopback does not count, since
// resolution is itself what an attacker on the path may answer.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Chain returns the chain the Client was configured for.
func (c *Client) Chain() *chain.Chain { return c.opts.Chain }

// Close closes the live connection, fails calls in flight with ErrClosed
// and waits for the Client's goroutines to end. It is safe to call twice.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	conns := []*conn{c.live}
	c.live = nil
	for cn := range c.retiring {
		conns = append(conns, cn)
	}
	c.cancel()
	c.mu.Unlock()
	for _, cn := range conns {
		if cn != nil {
			cn.close(ErrClosed)
		}
	}
	c.wg.Wait()
	return nil
}

// Call invokes method with params (marshalled as JSON, usually an array) and
// unmarshals the result into result (which may be nil to discard it). On a
// transport failure the call is repeated on the next node, each node at most
// once per call; a node's refusal is returned at once as a *NodeError.
func (c *Client) Call(ctx context.Context, method string, params any, result any) error {
	_, err := c.call(ctx, method, params, result)
	return err
}

// call is Call that also reports how many nodes were sent the request, so
// Broadcast can tell a resend from a first send.
func (c *Client) call(ctx context.Context, method string, params any, result any) (attempts int, err error) {
	if params == nil {
		params = []any{}
	}
	tried := make(map[int]bool)
	var lastErr error
	for {
		cn, idx, side, err := c.connect(ctx, tried, &lastErr)
		if err != nil {
			if errors.Is(err, errNoCandidate) {
				if lastErr == nil {
					lastErr = err
				}
				return attempts, fmt.Errorf("%w (tried %d of %d): %w", ErrAllNodesDown, len(tried), len(c.nodes), lastErr)
			}
			return attempts, err
		}
		attempts++
		start := time.Now()
		raw, err := c.attempt(ctx, cn, method, params)
		if side {
			cn.close(ErrClosed)
		} else {
			cn.release()
		}
		if err == nil {
			c.nodeOK(idx, time.Since(start), 0)
			if result == nil {
				return attempts, nil
			}
			if err := json.Unmarshal(raw, result); err != nil {
				return attempts, fmt.Errorf("%w: %s from %s: %v", ErrMalformedResponse, method, cn.url, err)
			}
			return attempts, nil
		}
		var ne *NodeError
		if errors.As(err, &ne) {
			c.nodeOK(idx, time.Since(start), 0)
			return attempts, err
		}
		if ctx.Err() != nil {
			return attempts, fmt.Errorf("%s: %w", method, ctx.Err())
		}
		// Transport failure: this connection cannot be trusted any more.
		// Closing it marks the node failed (connClosed) if it is still the
		// live one; a side or retired connection is marked here.
		cn.close(err)
		if side || cn.isRetired() {
			c.nodeFailed(idx, err)
		}
		tried[idx] = true
		lastErr = err
	}
}

// attempt runs one call on one connection with the per-call timeout.
func (c *Client) attempt(ctx context.Context, cn *conn, method string, params any) (json.RawMessage, error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
	defer cancel()
	raw, err := cn.call(actx, c.nextID.Add(1), method, params)
	if err != nil && actx.Err() != nil && ctx.Err() == nil {
		return nil, fmt.Errorf("%w: %s on %s after %v", ErrTimeout, method, cn.url, c.opts.CallTimeout)
	}
	return raw, err
}

var errNoCandidate = errors.New("no node left to try")

// connect returns the live connection unless its node is in skip, otherwise
// dials the first node in order that is not in skip, waiting for its backoff
// to pass if every candidate is backing off. Nodes whose dial or chain check
// fails are added to skip and their error stored in *lastErr. side is true
// for a one-off connection the caller must close after its attempt: made
// when another call has meanwhile reconnected to a node this call already
// gave up on. Otherwise the caller must release the connection after its
// attempt, so that a switch back to a preferred node (failBack) closes it
// only once no call uses it.
func (c *Client) connect(ctx context.Context, skip map[int]bool, lastErr *error) (cn *conn, idx int, side bool, err error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, -1, false, ErrClosed
		}
		if c.live != nil && !skip[c.liveIdx] {
			cn, idx := c.live, c.liveIdx
			cn.acquire()
			c.mu.Unlock()
			return cn, idx, false, nil
		}
		idx, wait := c.pickLocked(skip)
		c.mu.Unlock()
		if idx < 0 {
			return nil, -1, false, errNoCandidate
		}
		if wait > 0 {
			if err := c.sleep(ctx, wait); err != nil {
				return nil, -1, false, err
			}
			continue
		}
		select {
		case c.dialSem <- struct{}{}:
		case <-ctx.Done():
			return nil, -1, false, ctx.Err()
		case <-c.ctx.Done():
			return nil, -1, false, ErrClosed
		}
		cn, side, err := c.dialLocked(ctx, skip, idx, lastErr)
		<-c.dialSem
		if err != nil {
			return nil, -1, false, err
		}
		if cn != nil {
			return cn, idx, side, nil
		}
	}
}

// dialLocked dials node idx while holding dialSem, checks that the node
// serves the configured chain, and makes it the live connection (acquired
// for the caller), or a side connection if a live one to a node in skip
// exists. It returns a nil conn when the caller should pick again: a usable
// live connection appeared meanwhile, or this dial or chain check failed
// and idx joined skip.
func (c *Client) dialLocked(ctx context.Context, skip map[int]bool, idx int, lastErr *error) (*conn, bool, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, false, ErrClosed
	}
	side := c.live != nil
	if side && !skip[c.liveIdx] {
		c.mu.Unlock()
		return nil, false, nil
	}
	n := c.nodes[idx]
	if !side {
		n.state = Connecting
	}
	c.mu.Unlock()
	c.notify()

	onClose := c.connClosed
	if side {
		onClose = nil
	}
	cn, err := dialConn(ctx, n.url, &c.opts, onClose)
	if err == nil {
		// Before the conn serves anything: a node on another chain must
		// never see a call, least of all a broadcast.
		if err = c.verifyChain(ctx, cn); err != nil {
			cn.close(ErrClosed)
		}
	}
	if err != nil {
		if ctx.Err() != nil || c.ctx.Err() != nil {
			c.mu.Lock()
			if n.state == Connecting {
				n.state = Unknown
			}
			c.mu.Unlock()
			if ctx.Err() != nil {
				return nil, false, ctx.Err()
			}
			return nil, false, ErrClosed
		}
		c.nodeFailed(idx, err)
		skip[idx] = true
		*lastErr = err
		return nil, false, nil
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cn.close(ErrClosed)
		return nil, false, ErrClosed
	}
	if side {
		c.mu.Unlock()
		return cn, true, nil
	}
	if err := cn.failure(); err != nil {
		// It died after its check, while not yet live, so connClosed
		// ignored it; installing it would leave a dead live connection.
		c.mu.Unlock()
		cn.close(err)
		c.nodeFailed(idx, err)
		skip[idx] = true
		*lastErr = err
		return nil, false, nil
	}
	c.live, c.liveIdx = cn, idx
	n.state = Live
	cn.acquire()
	c.mu.Unlock()
	c.notify()
	return cn, false, nil
}

// pickLocked chooses the next node: the first in order not in skip whose
// backoff has passed; if all are backing off, the one ready soonest and how
// long to wait for it. -1 if every node is in skip.
func (c *Client) pickLocked(skip map[int]bool) (int, time.Duration) {
	now := time.Now()
	best, bestAt := -1, time.Time{}
	for i, n := range c.nodes {
		if skip[i] {
			continue
		}
		if !n.retryAt.After(now) {
			return i, 0
		}
		if best < 0 || n.retryAt.Before(bestAt) {
			best, bestAt = i, n.retryAt
		}
	}
	if best < 0 {
		return -1, 0
	}
	return best, bestAt.Sub(now)
}

// sleep waits d, or less if ctx ends or the Client closes.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.ctx.Done():
		return ErrClosed
	}
}

// connClosed is every conn's onClose: it forgets the live connection when it
// dies so the next call dials again, and a retired one once it is closed.
func (c *Client) connClosed(cn *conn, err error) {
	c.mu.Lock()
	delete(c.retiring, cn)
	if c.live != cn {
		c.mu.Unlock()
		return
	}
	idx := c.liveIdx
	c.live, c.liveIdx = nil, -1
	closed := c.closed
	c.mu.Unlock()
	if !closed && !errors.Is(err, ErrClosed) {
		c.nodeFailed(idx, err)
	}
}

// backoff returns the wait after the n-th consecutive failure, with ±20%
// jitter so clients that lost the same node do not return in lockstep.
func (c *Client) backoff(n int) time.Duration {
	d := c.opts.BackoffMin
	for i := 1; i < n && d < c.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, c.opts.BackoffMax)
	jitter := time.Duration(rand.Int64N(int64(d)/5 + 1))
	if rand.IntN(2) == 0 {
		return d - jitter
	}
	return min(d+jitter, c.opts.BackoffMax)
}
