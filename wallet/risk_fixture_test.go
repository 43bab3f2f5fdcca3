package wallet

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// TestRiskFixture runs testdata/risk_cases.json: every risky case (known
// phishing recipients, exchanges without a memo, private keys and master
// passwords in memos, posts and custom_json, look-alikes of accounts sent
// to before) is refused or warned about as it says, and no ordinary
// transfer or dapp operation gets any flag, not even a note.
func TestRiskFixture(t *testing.T) {
	raw, err := os.ReadFile("testdata/risk_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	type kase struct {
		Name string          `json:"name"`
		Op   json.RawMessage `json:"op"`
		Want string          `json:"want"`
		Says string          `json:"says"`
	}
	var f struct {
		History  []string `json:"history"`
		Risky    []kase   `json:"risky"`
		Ordinary []kase   `json:"ordinary"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Risky) < 50 {
		t.Fatalf("%d risky cases, want at least 50", len(f.Risky))
	}
	c, err := chain.Lookup("hive", "")
	if err != nil {
		t.Fatal(err)
	}
	w := &Wallet{cfg: Config{Chain: c}}
	check := func(k kase) (warn, notes []string, err error) {
		op, err := tx.DecodeOperation(c, k.Op)
		if err != nil {
			t.Fatalf("%s: %v", k.Name, err)
		}
		ops := []tx.Operation{op}
		if err := w.checkSecrets(ops); err != nil {
			return nil, nil, err
		}
		return riskCheck(c, "alice", ops, f.History)
	}
	kinds := map[string]int{}
	for _, k := range f.Risky {
		warn, _, err := check(k)
		switch k.Want {
		case "refused":
			if err == nil || !errors.Is(err, ErrInvalidOperations) || !strings.Contains(err.Error(), k.Says) {
				t.Errorf("%s: not refused as %q: %v", k.Name, k.Says, err)
			}
		case "warned":
			if err != nil || !slices.ContainsFunc(warn, func(s string) bool { return strings.Contains(s, k.Says) }) {
				t.Errorf("%s: no warning %q: %q, %v", k.Name, k.Says, warn, err)
			}
		default:
			t.Fatalf("%s: want %q", k.Name, k.Want)
		}
		kinds[k.Want]++
	}
	for _, k := range f.Ordinary {
		if warn, notes, err := check(k); err != nil || len(warn) > 0 || len(notes) > 0 {
			t.Errorf("%s: flagged: %q %q %v", k.Name, warn, notes, err)
		}
	}
	t.Logf("%d risky cases (%v), %d ordinary", len(f.Risky), kinds, len(f.Ordinary))
}

// A recipient never sent to before is a note, not a warning; without a
// record of recipients there is neither.
func TestFirstTransferNote(t *testing.T) {
	c, err := chain.Lookup("hive", "")
	if err != nil {
		t.Fatal(err)
	}
	op := &tx.Transfer{From: "alice", To: "carol", Amount: tx.Asset{Amount: 1000, Precision: 3, Symbol: "HIVE"}}
	warn, notes, err := riskCheck(c, "alice", []tx.Operation{op, op}, []string{"bob"})
	if err != nil || len(warn) != 0 || len(notes) != 1 || notes[0] != "First transfer from @alice to @carol through Localsigner: check the name." {
		t.Fatalf("warn %q notes %q err %v", warn, notes, err)
	}
	if warn, notes, err := riskCheck(c, "alice", []tx.Operation{op}, nil); err != nil || warn != nil || notes != nil {
		t.Fatalf("no record: warn %q notes %q err %v", warn, notes, err)
	}
}
