package devnet

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// maxRequestBytes bounds one request message or POST body: a transaction
// is at most 64 KiB on Hive; this leaves room for hex and batches.
const maxRequestBytes = 8 << 20

// writeTimeout bounds writing one answer to a slow or stuck client.
const writeTimeout = 10 * time.Second

// Stage is when a Faults hook is consulted for a request.
type Stage int

const (
	// BeforeCall: the request has been read, the method has not run.
	BeforeCall Stage = iota
	// BeforeReply: the method has run (a broadcast was accepted and, if
	// synchronous, included in a block); the answer is not written yet.
	BeforeReply
)

// Fault says how a front-end misbehaves on one request. The zero Fault
// behaves. Delay is applied first, then at most one of Kill, Drop,
// Malformed, in that order of precedence.
type Fault struct {
	Delay     time.Duration // wait before going on (e.g. past the client's timeout)
	Drop      bool          // close the connection without answering
	Malformed bool          // answer with broken JSON
	Kill      bool          // close the whole front-end, as a node that dies
	// Lie, at BeforeReply, replaces the method's result with what it
	// returns: a hostile node's answer (another account's id, an inflated
	// fee) built from the honest one.
	Lie func(result any) any
}

// Faults is a test hook: it is asked, for every request at both stages,
// whether to misbehave. method is "api.method" after resolving the "call"
// form, e.g. "condenser_api.broadcast_transaction_synchronous" or
// "network_broadcast.broadcast_transaction_synchronous". It is called from
// connection goroutines, concurrently.
type Faults func(stage Stage, method string) Fault

// Frontend is one listener serving the devnet's JSON-RPC, like one public
// node: websocket and HTTP POST on the same port.
type Frontend struct {
	d      *Devnet
	l      net.Listener
	srv    *http.Server
	faults atomic.Pointer[Faults]

	ctx    context.Context // ends at Close: aborts waiting broadcasts
	cancel context.CancelFunc

	mu     sync.Mutex
	conns  map[*websocket.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Listen serves the devnet on a new TCP listener at addr (e.g.
// "127.0.0.1:0" for a free port).
func (d *Devnet) Listen(addr string) (*Frontend, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	fe, err := d.Serve(l)
	if err != nil {
		l.Close()
		return nil, err
	}
	return fe, nil
}

// Serve serves the devnet on l in the background until the front-end or the
// devnet is closed. Each Serve is an independent front-end over the same
// chain.
func (d *Devnet) Serve(l net.Listener) (*Frontend, error) {
	fe := &Frontend{d: d, l: l, conns: map[*websocket.Conn]struct{}{}}
	fe.ctx, fe.cancel = context.WithCancel(context.Background())
	fe.srv = &http.Server{
		Handler:           fe,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return fe.ctx },
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		fe.cancel()
		return nil, ErrClosed
	}
	d.frontends[fe] = struct{}{}
	d.mu.Unlock()
	fe.wg.Add(1)
	go func() {
		defer fe.wg.Done()
		fe.srv.Serve(l)
	}()
	d.logf("devnet: serving %s (websocket) and %s (HTTP POST)", fe.URL(), fe.HTTPURL())
	return fe, nil
}

// URL is the websocket URL of the front-end, e.g. ws://127.0.0.1:8090.
func (fe *Frontend) URL() string { return "ws://" + fe.l.Addr().String() }

// HTTPURL is the same endpoint for JSON-RPC over HTTP POST.
func (fe *Frontend) HTTPURL() string { return "http://" + fe.l.Addr().String() }

// Addr is the listener's address.
func (fe *Frontend) Addr() net.Addr { return fe.l.Addr() }

// SetFaults installs (or, with nil, removes) the fault hook.
func (fe *Frontend) SetFaults(f Faults) {
	if f == nil {
		fe.faults.Store(nil)
		return
	}
	fe.faults.Store(&f)
}

func (fe *Frontend) fault(stage Stage, method string) Fault {
	if f := fe.faults.Load(); f != nil {
		return (*f)(stage, method)
	}
	return Fault{}
}

// Close stops the front-end: the listener and every connection close, as if
// the node died. The chain goes on; other front-ends are unaffected.
func (fe *Frontend) Close() error {
	fe.shutdown()
	fe.wg.Wait()
	fe.d.mu.Lock()
	delete(fe.d.frontends, fe)
	fe.d.mu.Unlock()
	return nil
}

// shutdown closes everything without waiting, so a request handler can
// kill its own front-end.
func (fe *Frontend) shutdown() {
	fe.mu.Lock()
	if fe.closed {
		fe.mu.Unlock()
		return
	}
	fe.closed = true
	conns := fe.conns
	fe.conns = nil
	fe.mu.Unlock()
	fe.cancel()
	fe.srv.Close()
	for c := range conns {
		c.Close()
	}
}

var upgrader = websocket.Upgrader{
	// Browser dapps connect from their own origin. The devnet is loopback
	// only and holds nothing of value, so any origin may use it.
	CheckOrigin: func(*http.Request) bool { return true },
}

// ServeHTTP upgrades websocket requests and answers JSON-RPC POSTs.
func (fe *Frontend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
	switch {
	case websocket.IsWebSocketUpgrade(r):
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		fe.serveWS(ws)
	case r.Method == http.MethodPost:
		fe.servePOST(w, r)
	case r.Method == http.MethodOptions:
		w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Localsigner devnet: JSON-RPC 2.0 over websocket or HTTP POST on this URL.\n")
	}
}

// serveWS reads requests until the connection closes. Each request runs in
// its own goroutine, so a synchronous broadcast waiting for its block does
// not hold up other calls, as on real nodes.
func (fe *Frontend) serveWS(ws *websocket.Conn) {
	fe.mu.Lock()
	if fe.closed {
		fe.mu.Unlock()
		ws.Close()
		return
	}
	fe.conns[ws] = struct{}{}
	fe.wg.Add(1)
	fe.mu.Unlock()
	defer fe.wg.Done()

	ctx, cancel := context.WithCancel(fe.ctx)
	var writeMu sync.Mutex
	var handlers sync.WaitGroup
	ws.SetReadLimit(maxRequestBytes)
	write := func(b []byte) {
		writeMu.Lock()
		defer writeMu.Unlock()
		ws.SetWriteDeadline(time.Now().Add(writeTimeout))
		ws.WriteMessage(websocket.TextMessage, b)
	}
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			break
		}
		handlers.Add(1)
		go func() {
			defer handlers.Done()
			fe.handleMessage(ctx, msg, write, func() { ws.Close() })
		}()
	}
	cancel()
	ws.Close()
	handlers.Wait()
	fe.mu.Lock()
	delete(fe.conns, ws)
	fe.mu.Unlock()
}

// servePOST answers one HTTP JSON-RPC request (or batch).
func (fe *Frontend) servePOST(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	var answer []byte
	written := false
	write := func(b []byte) { answer, written = b, true }
	drop := func() {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
		}
		written = true
		answer = nil
	}
	fe.handleMessage(r.Context(), body, write, drop)
	if written && answer != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	}
}

// handleMessage answers one message: a request or a batch of requests.
// write sends the answer; drop closes the connection instead.
func (fe *Frontend) handleMessage(ctx context.Context, msg []byte, write func([]byte), drop func()) {
	d := fe.d
	trimmed := bytes.TrimSpace(msg)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var batch []json.RawMessage
		if err := json.Unmarshal(trimmed, &batch); err != nil || len(batch) == 0 {
			write(d.respond(nil, nil, rpcFailure(codeInvalidRequest, "invalid batch")))
			return
		}
		var out [][]byte
		for _, m := range batch {
			ans, ok := fe.handleOne(ctx, m, drop)
			if !ok {
				return
			}
			out = append(out, ans)
		}
		write(append(append([]byte{'['}, bytes.Join(out, []byte{','})...), ']'))
		return
	}
	if ans, ok := fe.handleOne(ctx, trimmed, drop); ok {
		write(ans)
	}
}

// handleOne runs one request with the fault hook around it. ok is false
// when a fault replaced the answer (the connection is gone, or garbage was
// the answer: then the garbage is returned with ok true).
func (fe *Frontend) handleOne(ctx context.Context, msg []byte, drop func()) ([]byte, bool) {
	d := fe.d
	var r request
	if err := json.Unmarshal(msg, &r); err != nil {
		return d.respond(nil, nil, rpcFailure(codeParseError, "Parse error: "+err.Error())), true
	}
	if r.Method == "" {
		return d.respond(r.ID, nil, rpcFailure(codeInvalidRequest, "missing method")), true
	}
	name, params, e := d.route(&r)
	if e == nil {
		if ans, done := fe.misbehave(ctx, fe.fault(BeforeCall, name), r.ID, drop); done {
			return ans, ans != nil
		}
	}
	var result any
	if e == nil {
		result, e = d.dispatch(ctx, name, params)
	}
	f := fe.fault(BeforeReply, name)
	if ans, done := fe.misbehave(ctx, f, r.ID, drop); done {
		return ans, ans != nil
	}
	if f.Lie != nil && e == nil {
		result = f.Lie(result)
	}
	return d.respond(r.ID, result, e), true
}

// misbehave applies a fault. done means the request is finished: with
// garbage to send (Malformed) or nothing (Drop, Kill, or ctx ended).
func (fe *Frontend) misbehave(ctx context.Context, f Fault, id json.RawMessage, drop func()) (answer []byte, done bool) {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, true
		}
	}
	switch {
	case f.Kill:
		fe.d.logf("devnet: fault: killing front-end %s", fe.URL())
		drop()
		fe.shutdown()
		return nil, true
	case f.Drop:
		drop()
		return nil, true
	case f.Malformed:
		if len(id) == 0 {
			id = json.RawMessage("null")
		}
		return append(append([]byte(`{"jsonrpc":"2.0","id":`), id...), `,"result":{"head_block_number":`...), true
	}
	return nil, false
}
