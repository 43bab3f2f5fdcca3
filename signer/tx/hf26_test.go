package tx_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// HF26 packing writes each asset's number (4 bytes, hived's asset_num) in
// place of its precision and symbol (8 bytes), on mainnet and testnet
// alike; a transaction without amounts packs the same both ways.
func TestHF26Packing(t *testing.T) {
	for _, net := range []string{"hive", "hive-testnet"} {
		c, err := chain.Lookup(net, "")
		if err != nil {
			t.Fatal(err)
		}
		liquid, debt := "HIVE", "HBD"
		if net == "hive-testnet" {
			liquid, debt = "TESTS", "TBD"
		}
		exp := time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC)
		tr := &tx.Transaction{Chain: c, RefBlockNum: 1, RefBlockPrefix: 2, Expiration: exp, Operations: []tx.Operation{
			&tx.Transfer{From: "alice", To: "bob", Amount: tx.Asset{Amount: 1000, Precision: 3, Symbol: liquid}, Memo: "hi"},
			&tx.Convert{Owner: "alice", RequestID: 1, Amount: tx.Asset{Amount: 5, Precision: 3, Symbol: debt}},
			&tx.WithdrawVesting{Account: "alice", VestingShares: tx.Asset{Amount: 7, Precision: 6, Symbol: "VESTS"}},
		}}
		legacy, err := tr.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		hf26, err := tr.SerializeHF26()
		if err != nil {
			t.Fatal(err)
		}
		if len(legacy)-len(hf26) != 3*4 {
			t.Fatalf("%s: %d legacy bytes, %d HF26", net, len(legacy), len(hf26))
		}
		for _, want := range []struct {
			amount int64
			num    uint32
		}{{1000, 3200000035}, {5, 3200000003}, {7, 3200000070}} {
			var b []byte
			b = binary.LittleEndian.AppendUint64(b, uint64(want.amount))
			b = binary.LittleEndian.AppendUint32(b, want.num)
			if !bytes.Contains(hf26, b) {
				t.Errorf("%s: no asset %d with number %d in %x", net, want.amount, want.num, hf26)
			}
		}
		d1, _ := tr.Digest()
		d2, _ := tr.DigestHF26()
		id1, _ := tr.ID()
		id2, _ := tr.IDHF26()
		if d1 == d2 || id1 == id2 {
			t.Errorf("%s: the packings give the same digest or id", net)
		}
		vote := &tx.Transaction{Chain: c, RefBlockNum: 1, RefBlockPrefix: 2, Expiration: exp,
			Operations: []tx.Operation{&tx.Vote{Voter: "alice", Author: "bob", Permlink: "p", Weight: 10000}}}
		v1, _ := vote.Digest()
		v2, _ := vote.DigestHF26()
		if v1 != v2 {
			t.Errorf("%s: a vote packs differently", net)
		}
	}
}
