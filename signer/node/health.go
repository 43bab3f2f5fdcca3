package node

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// NodeState is what the Client knows about one node.
type NodeState int

// Node states, as shown to the user.
const (
	Unknown    NodeState = iota // not tried yet
	Connecting                  // a dial is in progress
	Live                        // the connection calls go to
	Healthy                     // answered the last probe; not the live node
	Down                        // the last attempt failed; see RetryAt
)

// String returns "unknown", "connecting", "live", "healthy" or "down".
func (s NodeState) String() string {
	switch s {
	case Unknown:
		return "unknown"
	case Connecting:
		return "connecting"
	case Live:
		return "live"
	case Healthy:
		return "healthy"
	case Down:
		return "down"
	}
	return fmt.Sprintf("NodeState(%d)", int(s))
}

// nodeState is the Client's record of one URL; guarded by Client.mu.
type nodeState struct {
	url       string
	state     NodeState
	lastErr   error
	failures  int // consecutive
	retryAt   time.Time
	lastOK    time.Time
	latency   time.Duration
	headBlock uint32
}

// NodeStatus describes one node for the GUI.
type NodeStatus struct {
	URL       string
	State     NodeState
	LastError string        // empty after a success
	Failures  int           // consecutive failures
	RetryAt   time.Time     // when a Down node is tried again
	LastOK    time.Time     // last successful answer
	Latency   time.Duration // of the last successful call
	HeadBlock uint32        // last head block number seen (probes, DynamicGlobalProperties)
}

// Status is a snapshot of the Client's nodes, in configured order.
type Status struct {
	Live  string // URL of the live node, empty if none
	Nodes []NodeStatus
}

// Status returns which node is live and every node's health.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	var st Status
	if c.live != nil {
		st.Live = c.nodes[c.liveIdx].url
	}
	for _, n := range c.nodes {
		ns := NodeStatus{URL: n.url, State: n.state, Failures: n.failures, RetryAt: n.retryAt,
			LastOK: n.lastOK, Latency: n.latency, HeadBlock: n.headBlock}
		if n.lastErr != nil {
			ns.LastError = n.lastErr.Error()
		}
		st.Nodes = append(st.Nodes, ns)
	}
	return st
}

func (c *Client) notify() {
	if c.opts.OnStatus != nil {
		c.opts.OnStatus(c.Status())
	}
}

// nodeOK records a successful answer (a refusal counts: the node works).
func (c *Client) nodeOK(idx int, latency time.Duration, head uint32) {
	c.mu.Lock()
	n := c.nodes[idx]
	changed := n.state != Live && n.state != Healthy || n.failures > 0
	n.failures, n.lastErr, n.retryAt = 0, nil, time.Time{}
	n.lastOK, n.latency = time.Now(), latency
	if head > 0 {
		n.headBlock = head
	}
	if c.live != nil && c.liveIdx == idx {
		n.state = Live
	} else {
		n.state = Healthy
	}
	c.mu.Unlock()
	if changed {
		c.notify()
	}
}

// nodeFailed records a transport failure and schedules the next try.
func (c *Client) nodeFailed(idx int, err error) {
	if idx < 0 {
		return
	}
	c.mu.Lock()
	n := c.nodes[idx]
	n.failures++
	n.lastErr = err
	n.state = Down
	n.retryAt = time.Now().Add(c.backoff(n.failures))
	c.mu.Unlock()
	c.notify()
}

// headMethod is the cheapest call that proves a node follows the chain.
func (c *Client) headMethod() (string, any) {
	if c.graphene() {
		return "call", []any{"database", "get_dynamic_global_properties", []any{}}
	}
	return "condenser_api.get_dynamic_global_properties", []any{}
}

// healthLoop probes nodes every HealthInterval until Close.
func (c *Client) healthLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.opts.HealthInterval)
	defer t.Stop()
	for {
		c.checkHealth()
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// checkHealth makes sure there is a live connection and that it answers,
// then probes every other node whose backoff has passed, each on a
// short-lived connection of its own.
func (c *Client) checkHealth() {
	method, params := c.headMethod()
	var dgp struct {
		HeadBlockNumber uint32 `json:"head_block_number"`
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.DialTimeout+c.opts.CallTimeout)
	err := c.Call(ctx, method, params, &dgp)
	cancel()
	if err == nil {
		c.mu.Lock()
		if c.live != nil {
			c.nodes[c.liveIdx].headBlock = dgp.HeadBlockNumber
		}
		c.mu.Unlock()
	}
	for i := range c.nodes {
		if c.ctx.Err() != nil {
			return
		}
		c.mu.Lock()
		n := c.nodes[i]
		due := !(c.live != nil && c.liveIdx == i) && n.state != Connecting && !n.retryAt.After(time.Now())
		c.mu.Unlock()
		if due {
			c.probe(i, method, params)
		}
	}
}

// probe dials node idx, checks its chain, asks for the head block and
// hangs up, unless the node is preferred to the live one: then its
// connection becomes the live one (failBack).
func (c *Client) probe(idx int, method string, params any) {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.DialTimeout+c.opts.CallTimeout)
	defer cancel()
	start := time.Now()
	cn, err := dialConn(ctx, c.nodes[idx].url, &c.opts, c.connClosed)
	if err != nil {
		if c.ctx.Err() == nil {
			c.nodeFailed(idx, err)
		}
		return
	}
	var dgp struct {
		HeadBlockNumber uint32 `json:"head_block_number"`
	}
	err = c.verifyChain(ctx, cn)
	if err == nil {
		var raw json.RawMessage
		if raw, err = c.attempt(ctx, cn, method, params); err == nil {
			err = json.Unmarshal(raw, &dgp)
		}
	}
	if err != nil {
		cn.close(ErrClosed)
		if c.ctx.Err() == nil {
			c.nodeFailed(idx, err)
		}
		return
	}
	c.nodeOK(idx, time.Since(start), dgp.HeadBlockNumber)
	if !c.failBack(idx, cn) {
		cn.close(ErrClosed)
	}
}

// failBack makes cn, a checked connection to node idx, the live connection
// if idx comes before the live node in the configured order (or there is
// no live node), and reports whether it did. The node list is in order of
// preference, so once a preferred node is healthy again new calls go back
// to it. The replaced connection is retired: calls in flight on it,
// broadcasts included, finish there and it closes after the last one;
// Broadcast's exactly-once logic sees no difference from a call that
// simply completed.
//
// It gives up (false) while a call is dialling, so the two cannot both
// install a live connection; the next probe tries again.
func (c *Client) failBack(idx int, cn *conn) bool {
	select {
	case c.dialSem <- struct{}{}:
	default:
		return false
	}
	defer func() { <-c.dialSem }()
	c.mu.Lock()
	// A conn that died since its probe was ignored by connClosed (it was
	// not live); it must not become the live one.
	if c.closed || cn.failure() != nil || c.live != nil && c.liveIdx <= idx {
		c.mu.Unlock()
		return false
	}
	old, oldIdx := c.live, c.liveIdx
	c.live, c.liveIdx = cn, idx
	c.nodes[idx].state = Live
	idle := false
	if old != nil {
		if c.nodes[oldIdx].state == Live {
			c.nodes[oldIdx].state = Healthy
		}
		if idle = old.retireLocked(); !idle {
			c.retiring[old] = struct{}{}
		}
	}
	c.mu.Unlock()
	if idle {
		old.close(ErrClosed)
	}
	c.notify()
	return true
}
