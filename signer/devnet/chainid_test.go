package devnet_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
)

// TestChainIDAnswers: clients check a node's chain before trusting it, so
// the devnet must tell its configured chain id where and as real nodes do:
// hived's get_config (database_api and condenser_api) has HIVE_CHAIN_ID,
// Graphene's database.get_chain_id is the id itself, both as a JSON string
// of 64 lower-case hex characters.
func TestChainIDAnswers(t *testing.T) {
	custom := sha256.Sum256([]byte("a chain of its own"))
	tests := []struct {
		name   string
		cfg    devnet.Config
		method string
		params any
		field  string // the member of an object answer holding the id; "" for the answer itself
	}{
		{"hive database_api default id", devnet.Config{}, "database_api.get_config", map[string]any{}, "HIVE_CHAIN_ID"},
		{"hive database_api", devnet.Config{ChainID: custom}, "database_api.get_config", map[string]any{}, "HIVE_CHAIN_ID"},
		{"hive condenser_api", devnet.Config{ChainID: custom}, "condenser_api.get_config", []any{}, "HIVE_CHAIN_ID"},
		{"peerplays by api name", devnet.Config{Family: chain.Graphene, ChainID: custom},
			"call", []any{"database", "get_chain_id", []any{}}, ""},
		{"peerplays by api id", devnet.Config{Family: chain.Graphene, ChainID: custom},
			"call", []any{0, "get_chain_id", []any{}}, ""},
		{"peerplays default id", devnet.Config{Family: chain.Graphene},
			"call", []any{"database", "get_chain_id", []any{}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.cfg.ChainID
			if want == ([32]byte{}) {
				want = devnet.DefaultChainID()
			}
			_, fe := start(t, tc.cfg)
			var raw json.RawMessage
			mustPost(t, fe, tc.method, tc.params, &raw)
			if tc.field != "" {
				var obj map[string]json.RawMessage
				if err := json.Unmarshal(raw, &obj); err != nil {
					t.Fatalf("%s answered %s: %v", tc.method, raw, err)
				}
				raw = obj[tc.field]
			}
			if got, wantJSON := string(raw), `"`+hex.EncodeToString(want[:])+`"`; got != wantJSON {
				t.Fatalf("chain id %s, want %s", got, wantJSON)
			}
		})
	}
}
