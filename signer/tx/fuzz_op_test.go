package tx

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"localsigner/signer/chain"
)

// FuzzDecodeOperation feeds one operation payload, as a dapp sends it to
// /api/broadcast, to DecodeOperation on each chain. Whatever it accepts
// must also be accepted as a one-element list by DecodeOperations, name
// its signers, serialize inside a transaction, and survive that
// transaction's JSON round trip byte for byte; nothing may panic. Seeds
// live in testdata/fuzz/FuzzDecodeOperation.
func FuzzDecodeOperation(f *testing.F) {
	chains := []*chain.Chain{mustChain(f, "hive", ""), mustChain(f, "peerplays", "")}
	for _, s := range []string{
		transferOp,
		`["vote",{"voter":"alice","author":"bob","permlink":"hello","weight":10000}]`,
		`["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"follow","json":"[\"follow\",{}]"}]`,
		`["comment",{"parent_author":"","parent_permlink":"x","author":"alice","permlink":"p","title":"t","body":"b","json_metadata":"{}"}]`,
		`{"type":"transfer_operation","value":{"from":"alice","to":"bob","amount":{"amount":"1","precision":3,"nai":"@@000000021"},"memo":""}}`,
		`["transfer",{"from":"alice","to":"bob","amount":"-1.000 HIVE","memo":""}]`,
		`["account_update",{"account":"alice","owner":{"weight_threshold":1,"account_auths":[],"key_auths":[["STM6LLegbAgLAy28EHrffBVuANFWcFgmqRMW13wBmTExqFE9SCkg4",1]]},"memo_key":"STM6LLegbAgLAy28EHrffBVuANFWcFgmqRMW13wBmTExqFE9SCkg4","json_metadata":""}]`,
		`[0,{"fee":{"amount":0,"asset_id":"1.3.0"},"from":"1.2.7","to":"1.2.8","amount":{"amount":1,"asset_id":"1.3.0"},"extensions":[]}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range chains {
			op, err := DecodeOperation(c, data)
			list, lerr := DecodeOperations(c, append(append([]byte("["), data...), ']'))
			if (err == nil) != (lerr == nil) && json.Valid(data) {
				t.Fatalf("%s: DecodeOperation %v but DecodeOperations %v", c, err, lerr)
			}
			if err != nil {
				continue
			}
			if op.Name() == "" || len(list) != 1 {
				t.Fatalf("%s: name %q, list %d", c, op.Name(), len(list))
			}
			_ = op.RequiredAuthorities()
			tr := &Transaction{Chain: c, RefBlockNum: 1, RefBlockPrefix: 2, Expiration: time.Unix(1717243200, 0).UTC(), Operations: []Operation{op}}
			raw, err := tr.Serialize()
			if err != nil {
				t.Fatalf("%s: decoded but does not serialize: %v", c, err)
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
			if err != nil || !bytes.Equal(raw, raw2) {
				t.Fatalf("%s: bytes changed through JSON (%v)\n%x\n%x", c, err, raw, raw2)
			}
		}
	})
}
