package tx_test

import (
	"testing"

	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// A Hive-Engine token custom_json reads as the tokens it moves, one action
// or many; anything else moves nothing.
func TestEngineTransfers(t *testing.T) {
	c, err := chain.Lookup("hive", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		name, id, json string
		n              int
		summary        string
	}{
		{"transfer", "ssc-mainnet-hive", `{"contractName":"tokens","contractAction":"transfer","contractPayload":{"symbol":"BEE","to":"bob","quantity":"10.5","memo":"hi"}}`,
			1, "On Hive-Engine, @alice sends 10.5 BEE to @bob, memo “hi”"},
		{"two actions", "ssc-mainnet-hive", `[{"contractName":"tokens","contractAction":"stake","contractPayload":{"symbol":"LEO","to":"alice","quantity":"1"}},{"contractName":"tokens","contractAction":"delegate","contractPayload":{"symbol":"LEO","to":"bob","quantity":2}}]`,
			2, "On Hive-Engine, @alice stakes 1 LEO for @alice; delegates 2 LEO staked to @bob"},
		{"another contract", "ssc-mainnet-hive", `{"contractName":"market","contractAction":"buy","contractPayload":{"symbol":"BEE","quantity":"1","price":"1"}}`, 0, ""},
		{"not a token id", "follow", `{"contractName":"tokens","contractAction":"transfer","contractPayload":{"symbol":"BEE","to":"bob","quantity":"1"}}`, 0, ""},
		{"a bad quantity", "ssc-mainnet-hive", `{"contractName":"tokens","contractAction":"transfer","contractPayload":{"symbol":"BEE","to":"bob","quantity":"1e9"}}`, 0, ""},
	} {
		op := &tx.CustomJSON{RequiredAuths: []string{"alice"}, ID: k.id, JSON: k.json}
		if got := tx.EngineTransfers(op); len(got) != k.n {
			t.Errorf("%s: %d transfers %+v", k.name, len(got), got)
		}
		if s := tx.Summary(c, op); k.summary != "" && s != k.summary {
			t.Errorf("%s: summary %q", k.name, s)
		}
	}
}
