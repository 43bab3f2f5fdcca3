package devnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"localsigner/signer/chain"
)

// request is a JSON-RPC 2.0 request.
type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// handler runs one method. It takes d.mu itself as needed; ctx ends when the
// caller's connection closes.
type handler func(ctx context.Context, d *Devnet, params json.RawMessage) (any, *fcError)

// grapheneAPIIDs are the numeric API ids Graphene clients use in "call":
// 0 is the database API on every Graphene node; after login (API 1) the
// conventional ids are database 2, network_broadcast 3, history 4.
var grapheneAPIIDs = map[int]string{0: "database", 1: "login", 2: "database", 3: "network_broadcast", 4: "history"}

// route resolves a request to "api.method" and its parameters: the "call"
// form [api, method, args] (api by name or, on Graphene, by number), the
// "api.method" form, or a bare method of the default API (condenser_api,
// database).
func (d *Devnet) route(r *request) (string, json.RawMessage, *fcError) {
	if r.Method == "call" {
		var p []json.RawMessage
		if err := json.Unmarshal(r.Params, &p); err != nil || len(p) < 2 || len(p) > 3 {
			return "", nil, rpcFailure(codeInvalidParams, "call: params must be [api, method, args]")
		}
		var api, method string
		if err := json.Unmarshal(p[0], &api); err != nil {
			var n int
			if err := json.Unmarshal(p[0], &n); err != nil || d.chain.Family != chain.Graphene || grapheneAPIIDs[n] == "" {
				return "", nil, rpcFailure(codeInvalidParams, "call: unknown api "+string(p[0]))
			}
			api = grapheneAPIIDs[n]
		}
		if err := json.Unmarshal(p[1], &method); err != nil {
			return "", nil, rpcFailure(codeInvalidParams, "call: method must be a string")
		}
		var args json.RawMessage
		if len(p) == 3 {
			args = p[2]
		}
		if api == "database_api" && d.chain.Family == chain.Graphene {
			api = "database"
		}
		return api + "." + method, args, nil
	}
	if strings.Contains(r.Method, ".") {
		return r.Method, r.Params, nil
	}
	if d.chain.Family == chain.Graphene {
		return "database." + r.Method, r.Params, nil
	}
	return "condenser_api." + r.Method, r.Params, nil
}

// methods returns the method table of the devnet's dialect.
func (d *Devnet) methods() map[string]handler {
	if d.chain.Family == chain.Graphene {
		return grapheneMethods
	}
	return hiveMethods
}

// dispatch runs a routed method.
func (d *Devnet) dispatch(ctx context.Context, name string, params json.RawMessage) (any, *fcError) {
	if name == "jsonrpc.get_methods" {
		return d.methodNames(), nil
	}
	h, ok := d.methods()[name]
	if !ok {
		api, _, _ := strings.Cut(name, ".")
		if !d.knownAPI(api) {
			return nil, rpcFailure(codeMethodNotFound, "Could not find API "+api)
		}
		return nil, rpcFailure(codeMethodNotFound, "Could not find method "+name)
	}
	return h(ctx, d, params)
}

func (d *Devnet) knownAPI(api string) bool {
	for name := range d.methods() {
		if strings.HasPrefix(name, api+".") {
			return true
		}
	}
	return false
}

// methodNames lists the methods served, sorted (jsonrpc.get_methods).
func (d *Devnet) methodNames() []string {
	names := make([]string, 0, len(d.methods()))
	for n := range d.methods() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// respond encodes one JSON-RPC response. A nil result is written as null:
// Graphene answers null for unknown objects and clients rely on it.
func (d *Devnet) respond(id json.RawMessage, result any, e *fcError) []byte {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	var buf bytes.Buffer
	buf.WriteString(`{"jsonrpc":"2.0","id":`)
	buf.Write(id)
	if e != nil {
		b, _ := json.Marshal(e.toRPC(d.chain.Family, d.cfg.Clock()))
		buf.WriteString(`,"error":`)
		buf.Write(b)
	} else {
		b, err := json.Marshal(result)
		if err != nil {
			b, _ = json.Marshal(rpcFailure(-32603, "internal error: "+err.Error()).toRPC(d.chain.Family, d.cfg.Clock()))
			buf.WriteString(`,"error":`)
		} else {
			buf.WriteString(`,"result":`)
		}
		buf.Write(b)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// positional reads array params into targets; the first min are required.
func positional(params json.RawMessage, min int, targets ...any) *fcError {
	var arr []json.RawMessage
	if t := bytes.TrimSpace(params); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		if err := json.Unmarshal(t, &arr); err != nil {
			return rpcFailure(codeInvalidParams, "params must be an array")
		}
	}
	if len(arr) < min || len(arr) > len(targets) {
		return rpcFailure(codeInvalidParams, fmt.Sprintf("expected %d to %d arguments, got %d", min, len(targets), len(arr)))
	}
	for i, raw := range arr {
		if err := json.Unmarshal(raw, targets[i]); err != nil {
			return rpcFailure(codeInvalidParams, fmt.Sprintf("argument %d: %v", i, err))
		}
	}
	return nil
}

// named reads object params (database_api style) into target.
func named(params json.RawMessage, target any) *fcError {
	t := bytes.TrimSpace(params)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) || bytes.Equal(t, []byte("[]")) {
		return nil
	}
	if err := json.Unmarshal(t, target); err != nil {
		return rpcFailure(codeInvalidParams, "params: "+err.Error())
	}
	return nil
}

// broadcast pushes a transaction and, if wait, waits for its block.
func (d *Devnet) broadcast(ctx context.Context, raw json.RawMessage, wait bool) (*includedTx, *fcError) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, rpcFailure(-32000, "devnet is shutting down")
	}
	it, e := d.push(raw)
	d.mu.Unlock()
	if e != nil {
		d.logf("devnet: refused transaction: %s", e.message())
		return nil, e
	}
	d.logf("devnet: accepted transaction %s", it.id)
	if !wait {
		return it, nil
	}
	select {
	case <-it.done:
		return it, nil
	case <-ctx.Done():
		return nil, rpcFailure(-32000, "broadcast abandoned: "+ctx.Err().Error())
	case <-d.stop:
		return nil, rpcFailure(-32000, "devnet is shutting down")
	}
}

// txParam reads the single transaction argument of a broadcast call.
func txParam(params json.RawMessage) (json.RawMessage, *fcError) {
	var raw json.RawMessage
	if e := positional(params, 1, &raw); e != nil {
		return nil, e
	}
	return raw, nil
}

// blockNumParam accepts a block number given as a number or a string.
type blockNumParam uint32

func (b *blockNumParam) UnmarshalJSON(data []byte) error {
	s := strings.Trim(string(data), `"`)
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return fmt.Errorf("block number %s: %w", data, err)
	}
	*b = blockNumParam(n)
	return nil
}

// blockByNum returns block n or nil; d.mu must be held.
func (d *Devnet) blockByNum(n uint32) *block {
	if n == 0 || int(n) > len(d.blocks) {
		return nil
	}
	return d.blocks[n-1]
}
