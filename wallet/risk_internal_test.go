package wallet

import (
	"errors"
	"strings"
	"testing"

	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// TestRiskLists: the bundled lists parse (hundreds of look-alikes, the
// exchanges with their tokens), no exchange is also a look-alike, and the
// checks read transfers, savings, recurrent transfers and power ups.
func TestRiskLists(t *testing.T) {
	if len(badActors) < 500 || !badActors["bittrex.com"] || badActors["bittrex"] {
		t.Fatalf("bad actors: %d names", len(badActors))
	}
	if tok := exchanges["blocktrades"]; len(tok) != 2 || tok[0] != "HIVE" {
		t.Fatalf("exchanges: %v", exchanges)
	}
	for name := range exchanges {
		if badActors[name] {
			t.Errorf("%s is both an exchange and a look-alike", name)
		}
	}
	c, err := chain.Lookup("hive", "")
	if err != nil {
		t.Fatal(err)
	}
	hive := func(s string) tx.Asset {
		a, err := tx.ParseAsset(c, s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	_, _, err = riskCheck(c, "alice", []tx.Operation{&tx.TransferToVesting{From: "alice", To: "blocktrade", Amount: hive("1.000 HIVE")}}, nil)
	if !errors.Is(err, ErrKnownScam) || !errors.Is(err, ErrInvalidOperations) {
		t.Fatalf("power up to a look-alike: %v", err)
	}
	warn, _, err := riskCheck(c, "alice", []tx.Operation{
		&tx.RecurrentTransfer{From: "alice", To: "huobi-pro", Amount: hive("1.000 HIVE"), Memo: " ", Recurrence: 24, Executions: 2},
		&tx.TransferToSavings{From: "alice", To: "alice", Amount: hive("1.000 HIVE")},
		&tx.Transfer{From: "alice", To: "bob", Amount: hive("1.000 HIVE")},
	}, nil)
	if err != nil || len(warn) != 1 || !strings.Contains(warn[0], "@huobi-pro is an exchange") {
		t.Fatalf("warnings %q, %v", warn, err)
	}
	pp, err := chain.Lookup("peerplays", "")
	if err != nil {
		t.Fatal(err)
	}
	if w, _, err := riskCheck(pp, "alice", nil, nil); w != nil || err != nil {
		t.Fatal("Peerplays has no Hive lists")
	}
}
