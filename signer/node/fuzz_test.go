package node

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzNodeResponse feeds a node's websocket message to the connection's
// JSON-RPC response reader (deliver), then what it delivers to the error
// classifier and to the decoders of every result the client reads. A node
// is outside input: nothing may panic, a delivered answer has a result or
// an error, and anything refused is ErrMalformedResponse. Seeds live in
// testdata/fuzz/FuzzNodeResponse.
func FuzzNodeResponse(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":{"head_block_number":7,"head_block_id":"0000000709b6e9e0c8c0b2a4fdd4ad8c1b2a7d30","time":"2024-01-01T00:00:00"}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":"1","result":[{"name":"alice","posting":{"weight_threshold":1,"account_auths":[["bob",1]],"key_auths":[["STM6LLegbAgLAy28EHrffBVuANFWcFgmqRMW13wBmTExqFE9SCkg4",1]]}}]}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"missing required posting authority","data":{"code":10,"name":"assert_exception","message":"Assert Exception","stack":[{"context":{"level":"error"},"format":"missing authority"}]}}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":{"id":"4f2c9d5b3e1a0c8e7d6b5a4f3e2d1c0b9a8f7e6d","block_num":12,"trx_num":0,"expired":false}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":{"previous":"0000000b","timestamp":"2024-01-01T00:00:03","witness":"initminer","transaction_ids":["ab"]}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","method":"notice","params":[1,[]]}`))
	f.Add([]byte(`{"id":null,"error":{"code":-32700,"message":"parse error"}}`))
	f.Add([]byte(`{"id":1}{"id":2}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		ch := make(chan rpcResponse, 1)
		c := &conn{url: "ws://node.example", pending: map[uint64]chan rpcResponse{1: ch}}
		if err := c.deliver(msg); err != nil {
			if !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("refusal %v is not ErrMalformedResponse", err)
			}
			return
		}
		var r rpcResponse
		select {
		case r = <-ch:
		default:
			return // not for call 1: dropped
		}
		if r.Error == nil && len(r.Result) == 0 {
			t.Fatal("delivered an answer with neither result nor error")
		}
		if r.Error != nil {
			ne := newNodeError(c.url, "condenser_api.broadcast_transaction_synchronous", r.Error)
			if ne.Error() == "" || !errors.Is(ne, ErrRejected) {
				t.Fatalf("node error %#v is not a described ErrRejected", ne)
			}
			return
		}
		var (
			dgp   DynamicGlobalProperties
			accts []Account
			b     Block
			br    BroadcastResult
			tm    Time
		)
		for _, v := range []any{&dgp, &accts, &b, &br, &tm} {
			if json.Unmarshal(r.Result, v) == nil {
				if _, err := json.Marshal(v); err != nil {
					t.Fatalf("%T decoded but does not encode: %v", v, err)
				}
			}
		}
	})
}
