package localapi_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"localsigner/localapi"
)

// FuzzParsePeerIDOperations feeds arbitrary bodies to the PeerID operation
// parser. It must never panic; what it accepts must re-encode to a body it
// parses to the same operations (decode → encode → decode).
func FuzzParsePeerIDOperations(f *testing.F) {
	f.Add([]byte(`{"operations":[{"op_name":"transfer","fee_asset":"1.3.0","from":"1.2.1","to":"bob","amount":{"amount":1,"asset_id":"1.3.0"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ops, err := localapi.ParsePeerIDOperations(body)
		if err != nil {
			if !errors.Is(err, localapi.ErrPeerIDOperations) {
				t.Fatalf("error does not wrap ErrPeerIDOperations: %v", err)
			}
			return
		}
		if len(ops) == 0 || len(ops) > 100 {
			t.Fatalf("accepted %d operations", len(ops))
		}
		list := make([]map[string]json.RawMessage, len(ops))
		for i, op := range ops {
			m := map[string]json.RawMessage{}
			for k, v := range op.Fields {
				m[k] = v
			}
			m["op_name"], _ = json.Marshal(op.Name)
			m["fee_asset"], _ = json.Marshal(op.FeeAsset)
			list[i] = m
		}
		again, err := json.Marshal(map[string]any{"operations": list})
		if err != nil {
			t.Fatal(err)
		}
		ops2, err := localapi.ParsePeerIDOperations(again)
		if err != nil {
			t.Fatalf("re-encoded body refused: %v\n%s", err, again)
		}
		if len(ops2) != len(ops) {
			t.Fatal("operation count changed")
		}
		for i := range ops {
			if ops[i].Name != ops2[i].Name || ops[i].FeeAsset != ops2[i].FeeAsset || !sameFields(ops[i].Fields, ops2[i].Fields) {
				t.Fatalf("operation %d changed in a round trip", i)
			}
		}
	})
}

// sameFields compares members by their decoded JSON values.
func sameFields(a, b map[string]json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		var x, y any
		if json.Unmarshal(va, &x) != nil || json.Unmarshal(b[k], &y) != nil || !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}
