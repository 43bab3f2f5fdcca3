package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// conn is one websocket to one node. Any number of calls may be in flight;
// answers are matched to calls by JSON-RPC id. A conn never reconnects: once
// it fails it stays failed (done is closed, err says why) and the Client
// dials a new one.
type conn struct {
	url  string
	ws   *websocket.Conn
	opts *Options

	writeMu sync.Mutex // gorilla allows one writer at a time

	mu      sync.Mutex
	pending map[uint64]chan rpcResponse
	err     error // why the connection ended; set once, before done closes
	users   int   // calls that took this conn as the live one and are not done with it
	retired bool  // no longer live: close as soon as users drops to zero

	done    chan struct{}
	wg      sync.WaitGroup
	onClose func(c *conn, err error) // called once, after done closes
}

// rpcRequest is a JSON-RPC 2.0 request.
type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// rpcResponse is a JSON-RPC 2.0 response. ID is kept raw because nodes
// answer with a number or, for unparseable requests, null.
type rpcResponse struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

// dialConn opens a websocket to url and starts its reader and keep-alive
// goroutines. ctx bounds the handshake only.
func dialConn(ctx context.Context, url string, o *Options, onClose func(*conn, error)) (*conn, error) {
	d := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: o.DialTimeout,
	}
	ctx, cancel := context.WithTimeout(ctx, o.DialTimeout)
	defer cancel()
	ws, resp, err := d.DialContext(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: dial %s: %v", ErrConnectionLost, url, err)
	}
	ws.SetReadLimit(o.MaxMessageBytes)
	c := &conn{
		url:     url,
		ws:      ws,
		opts:    o,
		pending: make(map[uint64]chan rpcResponse),
		done:    make(chan struct{}),
		onClose: onClose,
	}
	if o.PingInterval > 0 {
		deadline := o.PingInterval + o.PongTimeout
		ws.SetReadDeadline(time.Now().Add(deadline))
		ws.SetPongHandler(func(string) error {
			return ws.SetReadDeadline(time.Now().Add(deadline))
		})
		c.wg.Add(1)
		go c.pingLoop()
	}
	c.wg.Add(1)
	go c.readLoop()
	return c, nil
}

// call sends one request and waits for its answer, ctx's end or the
// connection's failure. The caller's ctx carries the per-call timeout.
func (c *conn) call(ctx context.Context, id uint64, method string, params any) (json.RawMessage, error) {
	req, err := json.Marshal(rpcRequest{JSONRPC: "2.0", ID: id, Method: method, Params: params})
	if err != nil {
		return nil, fmt.Errorf("encode %s request: %w", method, err)
	}
	ch := make(chan rpcResponse, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()

	if err := c.write(ctx, req); err != nil {
		c.fail(fmt.Errorf("%w: write to %s: %v", ErrConnectionLost, c.url, err))
		return nil, c.failure()
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return nil, newNodeError(c.url, method, r.Error)
		}
		return r.Result, nil
	case <-c.done:
		return nil, c.failure()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// write sends one text message, giving up at ctx's deadline.
func (c *conn) write(ctx context.Context, msg []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(c.opts.CallTimeout)
	}
	c.ws.SetWriteDeadline(deadline)
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

// readLoop delivers answers to waiting calls until the socket fails.
func (c *conn) readLoop() {
	defer c.wg.Done()
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			c.fail(fmt.Errorf("%w: %s: %v", ErrConnectionLost, c.url, err))
			return
		}
		if c.opts.PingInterval > 0 {
			c.ws.SetReadDeadline(time.Now().Add(c.opts.PingInterval + c.opts.PongTimeout))
		}
		if err := c.deliver(msg); err != nil {
			c.fail(err)
			return
		}
	}
}

// deliver routes one message. Answers to calls that gave up already and
// Graphene notices (no id) are dropped. Anything that is not a JSON-RPC
// response is fatal for the connection: when a node sends garbage nothing
// it says afterwards can be trusted to belong to the right call.
func (c *conn) deliver(msg []byte) error {
	var r rpcResponse
	dec := json.NewDecoder(bytes.NewReader(msg))
	if err := dec.Decode(&r); err != nil || dec.More() {
		if err == nil {
			err = errors.New("trailing data")
		}
		return fmt.Errorf("%w: %s: %v", ErrMalformedResponse, c.url, err)
	}
	if len(r.ID) == 0 || string(r.ID) == "null" {
		return nil
	}
	id, err := strconv.ParseUint(string(bytes.Trim(r.ID, `"`)), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s: response id %s", ErrMalformedResponse, c.url, r.ID)
	}
	if r.Error == nil && len(r.Result) == 0 {
		return fmt.Errorf("%w: %s: response %d has neither result nor error", ErrMalformedResponse, c.url, id)
	}
	c.mu.Lock()
	ch := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if ch != nil {
		ch <- r // buffered; each id is delivered at most once
	}
	return nil
}

// pingLoop keeps the connection alive through proxies and notices a dead
// peer: a missing pong lets the read deadline expire, which fails readLoop.
func (c *conn) pingLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.opts.PongTimeout))
			if err != nil {
				c.fail(fmt.Errorf("%w: ping %s: %v", ErrConnectionLost, c.url, err))
				return
			}
		}
	}
}

// fail ends the connection with err (first caller wins), wakes every
// waiting call and reports to the Client.
func (c *conn) fail(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	c.mu.Unlock()
	close(c.done)
	c.ws.Close()
	if c.onClose != nil {
		c.onClose(c, err)
	}
}

// failure returns why the connection ended.
func (c *conn) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// close ends the connection and waits for its goroutines.
func (c *conn) close(err error) {
	c.fail(err)
	c.wg.Wait()
}

// acquire records a call using the conn as the Client's live connection.
// The Client calls it while holding its own lock and while the conn is
// live, so retireLocked sees every user that could still send on it.
func (c *conn) acquire() {
	c.mu.Lock()
	c.users++
	c.mu.Unlock()
}

// release ends one use taken with acquire, closing a retired conn when its
// last user is done.
func (c *conn) release() {
	c.mu.Lock()
	c.users--
	last := c.retired && c.users == 0
	c.mu.Unlock()
	if last {
		c.close(ErrClosed)
	}
}

// retireLocked marks the conn as no longer live and reports whether no call
// is using it, in which case the caller closes it at once; otherwise the
// last call to release it does. The Client calls it with its lock held, in
// the same critical section that replaces the conn as the live one, so a
// replaced conn is never handed out again and never cut off under a call in
// flight, least of all a broadcast waiting for its block.
func (c *conn) retireLocked() (idle bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retired = true
	return c.users == 0
}

// isRetired reports whether the conn was replaced as the live connection.
func (c *conn) isRetired() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.retired
}
