package tx

import (
	"bytes"
	"testing"

	"localsigner/signer/chain"
)

// FuzzDecodeTransaction: whatever Decode accepts must serialize, print as
// JSON that decodes to the same bytes, and print the same JSON again; and
// nothing may panic. Seeds live in testdata/fuzz/FuzzDecodeTransaction.
func FuzzDecodeTransaction(f *testing.F) {
	chains := []*chain.Chain{
		mustChain(f, "hive", ""),
		mustChain(f, "hive-testnet", ""),
		mustChain(f, "peerplays", ""),
	}
	f.Add([]byte(hiveTx(transferOp)))
	f.Add([]byte(hiveTx(`["recurrent_transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"","recurrence":24,"executions":2,"extensions":[{"type":"recurrent_transfer_pair_id","value":{"pair_id":7}}]}]`)))
	f.Add([]byte(hiveTx(`{"type":"transfer_operation","value":{"from":"alice","to":"bob","amount":{"amount":"1000","precision":3,"nai":"@@000000021"},"memo":"\u00e9\ud83d\ude00"}}`)))
	f.Add([]byte(hiveTx(`["update_proposal",{"proposal_id":1,"creator":"alice","daily_pay":"1.000 HBD","subject":"s","permlink":"p","extensions":[[1,{"end_date":"2025-01-01T00:00:00"}]]}]`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range chains {
			tr, err := Decode(c, data)
			if err != nil {
				continue
			}
			raw, err := tr.Serialize()
			if err != nil {
				t.Fatalf("%s: decoded but does not serialize: %v", c, err)
			}
			if _, err := tr.Digest(); err != nil {
				t.Fatalf("%s: no digest: %v", c, err)
			}
			js, err := tr.MarshalJSON()
			if err != nil {
				t.Fatalf("%s: MarshalJSON: %v", c, err)
			}
			again, err := Decode(c, js)
			if err != nil {
				t.Fatalf("%s: own JSON rejected: %v\n%s", c, err, js)
			}
			raw2, err := again.Serialize()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, raw2) {
				t.Fatalf("%s: bytes changed through JSON\n%x\n%x\n%s", c, raw, raw2, js)
			}
			js2, err := again.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(js, js2) {
				t.Fatalf("%s: JSON not stable\n%s\n%s", c, js, js2)
			}
		}
	})
}
