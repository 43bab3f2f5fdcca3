package tx

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"localsigner/signer/keys"
)

// TestOperationBytes pins the bytes of a single operation: the serialized
// transaction minus its 10 header bytes, the operation count and the final
// extensions byte.
func TestOperationBytes(t *testing.T) {
	ppyFee := "000000000000000000" // amount 0, asset 1.3.0
	tests := []struct {
		name, chain, ops, want string
	}{
		{"numeric id equals name", "hive", `[2,{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":""}]`,
			"02" + "05616c696365" + "03626f62" + "e80300000000000003535445454d0000" + "00"},
		{"STEEM alias", "hive", `["transfer",{"from":"alice","to":"bob","amount":"1.000 STEEM","memo":""}]`,
			"02" + "05616c696365" + "03626f62" + "e80300000000000003535445454d0000" + "00"},
		{"NAI asset", "hive", `["transfer",{"from":"alice","to":"bob","amount":{"amount":"1000","precision":3,"nai":"@@000000021"},"memo":""}]`,
			"02" + "05616c696365" + "03626f62" + "e80300000000000003535445454d0000" + "00"},
		{"HF26 object form", "hive", `{"type":"transfer_operation","value":{"from":"alice","to":"bob","amount":"1.000 HBD","memo":""}}`,
			"02" + "05616c696365" + "03626f62" + "e8030000000000000353424400000000" + "00"},
		{"testnet symbols", "hive-testnet", `["transfer",{"from":"alice","to":"bob","amount":"1.000 TBD","memo":""}]`,
			"02" + "05616c696365" + "03626f62" + "e8030000000000000354424400000000" + "00"},
		{"numeric strings", "hive", `["vote",{"voter":"alice","author":"bob","permlink":"","weight":"-1"}]`,
			"00" + "05616c696365" + "03626f62" + "00" + "ffff"},
		{"recurrent transfer pair id", "hive", `["recurrent_transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"","recurrence":24,"executions":2,"extensions":[{"type":"recurrent_transfer_pair_id","value":{"pair_id":7}}]}]`,
			"31" + "05616c696365" + "03626f62" + "e80300000000000003535445454d0000" + "00" + "1800" + "0200" + "010107"},
		{"recurrent transfer pair id numeric type", "hive", `["recurrent_transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"","recurrence":24,"executions":2,"extensions":[{"type":1,"value":{"pair_id":7}}]}]`,
			"31" + "05616c696365" + "03626f62" + "e80300000000000003535445454d0000" + "00" + "1800" + "0200" + "010107"},
		{"null witness key", "hive", `["witness_update",{"owner":"alice","url":"u","block_signing_key":"STM1111111111111111111111111111111114T1Anm","props":{"account_creation_fee":"3.000 HIVE","maximum_block_size":65536,"hbd_interest_rate":0},"fee":"0.000 HIVE"}]`,
			"0b" + "05616c696365" + "0175" + strings.Repeat("00", 33) + "b80b00000000000003535445454d0000" + "00000100" + "0000" + "000000000000000003535445454d0000"},
		{"custom_json sets sorted", "hive", `["custom_json",{"required_auths":[],"required_posting_auths":["bob","alice","bob"],"id":"x","json":"{}"}]`,
			"12" + "00" + "02" + "05616c696365" + "03626f62" + "0178" + "027b7d"},
		{"custom binary data", "hive", `["custom",{"required_auths":["alice"],"id":7,"data":"DEADbeef"}]`,
			"0f" + "01" + "05616c696365" + "0700" + "04deadbeef"},
		{"update proposal without extension", "hive", `["update_proposal",{"proposal_id":"12","creator":"alice","daily_pay":"1.000 HBD","subject":"s","permlink":"p"}]`,
			"2f" + "0c00000000000000" + "05616c696365" + "e8030000000000000353424400000000" + "0173" + "0170" + "00"},
		{"peerplays limit order create", "peerplays", `[1,{"fee":{"amount":0,"asset_id":"1.3.0"},"seller":"1.2.1234","amount_to_sell":{"amount":100000,"asset_id":"1.3.0"},"min_to_receive":{"amount":5,"asset_id":"1.3.1"},"expiration":"2024-06-01T12:00:00","fill_or_kill":true,"extensions":[]}]`,
			"01" + ppyFee + "d209" + "a086010000000000" + "00" + "0500000000000000" + "01" + "400d5b66" + "01" + "00"},
		{"peerplays limit order cancel", "peerplays", `["limit_order_cancel",{"fee":{"amount":0,"asset_id":"1.3.0"},"fee_paying_account":"1.2.1234","order":"1.7.5","extensions":[]}]`,
			"02" + ppyFee + "d209" + "05" + "00"},
		{"peerplays memo", "peerplays", `[0,{"fee":{"amount":0,"asset_id":"1.3.0"},"from":"1.2.1","to":"1.2.2","amount":{"amount":1,"asset_id":"1.3.0"},"memo":{"from":"` + ppyKey + `","to":"PPY1111111111111111111111111111111114T1Anm","nonce":"18446744073709551615","message":"abcd"},"extensions":[]}]`,
			"00" + ppyFee + "01" + "02" + "010000000000000000" + "01" +
				"03f1b0c4ec8af4fc5e1a47c5f40c2c55aa0ec79c0a76cf5a15a9a2e2e0ab970319" + strings.Repeat("00", 33) +
				"ffffffffffffffff" + "02abcd" + "00"},
		{"peerplays unsorted auths and votes", "peerplays", `[6,{"fee":{"amount":0,"asset_id":"1.3.0"},"account":"1.2.1234","owner":{"weight_threshold":1,"account_auths":[["1.2.20",1],["1.2.10",1]],"key_auths":[]},"new_options":{"memo_key":"` + ppyKey + `","voting_account":"1.2.5","num_witness":1,"num_committee":0,"votes":["2:300","1:3"]},"extensions":[]}]`,
			"06" + ppyFee + "d209" + "01" + "01000000" + "02" + "0a0100" + "140100" + "00" + "00" + "00" + "01" +
				"03f1b0c4ec8af4fc5e1a47c5f40c2c55aa0ec79c0a76cf5a15a9a2e2e0ab970319" + "05" + "0100" + "0000" + "02" + "01030000" + "022c0100" + "00" + "00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustChain(t, tt.chain, "")
			tr, err := Decode(c, []byte(hiveTx(tt.ops)))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			raw, err := tr.Serialize()
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(raw[11 : len(raw)-1]); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
			checkRoundTrip(t, c, tr, raw)
		})
	}
}

// TestGoBuiltTransaction builds the transfer/hive_with_memo vector from Go
// values, with the old STEEM symbol, and must get the vector's bytes.
func TestGoBuiltTransaction(t *testing.T) {
	tr := &Transaction{
		Chain:          mustChain(t, "hive", ""),
		RefBlockNum:    34567,
		RefBlockPrefix: 2919465563,
		Expiration:     time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC),
		Operations: []Operation{&Transfer{
			From: "alice", To: "bob", Memo: "Thanks for lunch",
			Amount: Asset{Amount: 1000, Precision: 3, Symbol: "STEEM"},
		}},
	}
	for _, v := range loadVectors(t) {
		if v.Name != "transfer/hive_with_memo" {
			continue
		}
		raw, err := tr.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(raw); got != v.SerializedHex {
			t.Errorf("got %s\nwant %s", got, v.SerializedHex)
		}
		id, _ := tr.ID()
		if id.String() != v.TransactionID {
			t.Errorf("id %s", id)
		}
		js, _ := tr.MarshalJSON()
		if !strings.Contains(string(js), `"amount":"1.000 HIVE"`) {
			t.Errorf("alias not normalized in JSON: %s", js)
		}
		return
	}
	t.Fatal("vector transfer/hive_with_memo not found")
}

// TestGoBuiltUnsorted: sets built unsorted in Go serialize sorted, and the
// caller's slices are left alone.
func TestGoBuiltUnsorted(t *testing.T) {
	bob, err := keys.ParsePublicKey(bobKey, "STM")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := keys.ParsePublicKey(aliceKey, "STM")
	if err != nil {
		t.Fatal(err)
	}
	auth := &Authority{
		WeightThreshold: 1,
		AccountAuths:    []AccountWeight{{"zed", 1}, {"app.test", 1}},
		KeyAuths:        []KeyWeight{{bob, 1}, {alice, 1}},
	}
	sorted := &Authority{
		WeightThreshold: 1,
		AccountAuths:    []AccountWeight{{"app.test", 1}, {"zed", 1}},
		KeyAuths:        []KeyWeight{{bob, 1}, {alice, 1}},
	}
	if bob.Compare(alice) > 0 {
		sorted.KeyAuths = []KeyWeight{{alice, 1}, {bob, 1}}
	}
	build := func(a *Authority) []byte {
		tr := &Transaction{
			Chain:      mustChain(t, "hive", ""),
			Expiration: time.Unix(1717243200, 0),
			Operations: []Operation{&AccountUpdate2{Account: "bob", Posting: a}},
		}
		raw, err := tr.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	if !bytes.Equal(build(auth), build(sorted)) {
		t.Error("unsorted authority serialized differently from the sorted one")
	}
	if auth.AccountAuths[0].Account != "zed" {
		t.Error("Serialize modified the caller's slice")
	}
}

func TestGoBuiltErrors(t *testing.T) {
	hive := mustChain(t, "hive", "")
	ppy := mustChain(t, "peerplays", "")
	exp := time.Unix(1717243200, 0)
	tests := []struct {
		name string
		tx   *Transaction
		want string
	}{
		{"nil chain", &Transaction{Expiration: exp, Operations: []Operation{&Vote{}}}, "transaction has no chain"},
		{"nil operation", &Transaction{Chain: hive, Expiration: exp, Operations: []Operation{nil}}, "operations[0]: nil operation"},
		{"hive op on peerplays", &Transaction{Chain: ppy, Expiration: exp, Operations: []Operation{&Vote{Voter: "alice", Author: "bob"}}},
			"operations[0]: operation does not belong to this chain: vote is a hive operation"},
		{"sub-second expiration", &Transaction{Chain: hive, Expiration: exp.Add(time.Millisecond), Operations: []Operation{&Vote{Voter: "alice", Author: "bob"}}},
			"expiration: 2024-06-01T12:00:00.001Z: must be whole seconds"},
		{"wrong precision", &Transaction{Chain: hive, Expiration: exp, Operations: []Operation{&Transfer{From: "alice", To: "bob", Amount: Asset{1, 2, "HIVE"}}}},
			"operations[0][1].amount: HIVE has precision 3, not 2"},
		{"invalid UTF-8 memo", &Transaction{Chain: hive, Expiration: exp, Operations: []Operation{&Transfer{From: "alice", To: "bob", Amount: Asset{1, 3, "HIVE"}, Memo: "\xff"}}},
			"operations[0][1].memo: not valid UTF-8"},
		{"too many operations", &Transaction{Chain: hive, Expiration: exp, Operations: make([]Operation, MaxOperations+1)},
			"operations: 1001 operations, at most 1000 allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.tx.Serialize()
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
			if _, err := tt.tx.MarshalJSON(); err == nil {
				t.Error("MarshalJSON accepted an invalid transaction")
			}
		})
	}
}

func TestSetReferenceBlock(t *testing.T) {
	var tr Transaction
	// Block 0x0123d8c7 with bytes 4..7 = 5b 82 03 ae.
	if err := tr.SetReferenceBlock("0123d8c75b8203ae400d5b660100000000000000"); err != nil {
		t.Fatal(err)
	}
	if tr.RefBlockNum != 0xd8c7 || tr.RefBlockPrefix != 0xae03825b {
		t.Errorf("got %d %d", tr.RefBlockNum, tr.RefBlockPrefix)
	}
	if err := tr.SetReferenceBlock("0123"); err == nil {
		t.Error("short block id accepted")
	}
}

func TestTimeInputForms(t *testing.T) {
	c := mustChain(t, "hive", "")
	a, err := Decode(c, []byte(`{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00Z","operations":[`+transferOp+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := a.MarshalJSON()
	if !strings.Contains(string(js), `"expiration":"2024-06-01T12:00:00"`) {
		t.Errorf("expiration not written without zone: %s", js)
	}
}

func TestRequiredAuthorities(t *testing.T) {
	c := mustChain(t, "hive", "")
	tr, err := Decode(c, []byte(hiveTx(
		`["custom_json",{"required_auths":["bob"],"required_posting_auths":["alice"],"id":"x","json":"{}"}],`+
			`["vote",{"voter":"alice","author":"bob","permlink":"p","weight":1}],`+
			`["account_update",{"account":"carol","owner":{"weight_threshold":1,"account_auths":[],"key_auths":[["`+aliceKey+`",1]]},"memo_key":"`+aliceKey+`","json_metadata":""}],`+
			`["account_update2",{"account":"dave","json_metadata":"{}","posting_json_metadata":""}]`)))
	if err != nil {
		t.Fatal(err)
	}
	want := []Requirement{{"bob", Active}, {"alice", Posting}, {"carol", Owner}, {"dave", Active}}
	got := tr.RequiredAuthorities()
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}
