package tx_test

import (
	"fmt"
	"sync"
	"testing"

	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

func ExampleDecode() {
	c, err := chain.Lookup("hive", "")
	if err != nil {
		panic(err)
	}
	t, err := tx.Decode(c, []byte(`{
		"ref_block_num": 34567,
		"ref_block_prefix": 2919465563,
		"expiration": "2024-06-01T12:00:00",
		"operations": [["vote", {"voter": "alice", "author": "bob", "permlink": "my-first-post", "weight": 10000}]],
		"extensions": []
	}`))
	if err != nil {
		panic(err)
	}
	raw, _ := t.Serialize()
	digest, _ := t.Digest()
	id, _ := t.ID()
	fmt.Printf("bytes  %x\ndigest %x\nid     %s\n", raw, digest, id)
	for _, r := range t.RequiredAuthorities() {
		fmt.Println(r.Role, r.Account)
	}
	// Output:
	// bytes  07875b8203ae400d5b66010005616c69636503626f620d6d792d66697273742d706f7374102700
	// digest df6dbf222a1d8f9a449a4c6865ef27cb2198b4c8e9816e35d5bccdebc4ae36e4
	// id     38a2fdc504023a579ea599171612d9da25c125d7
	// posting alice
}

func ExampleDecodeOperation() {
	c, _ := chain.Lookup("hive", "")
	_, err := tx.DecodeOperation(c, []byte(`["transfer", {"from": "alice", "to": "bob", "amount": "1.0 HIVE", "memo": ""}]`))
	fmt.Println(err)
	// Output:
	// operation[1].amount: "1.0 HIVE": expected 3 decimals
}

// TestConcurrentUse backs the package's promise that reading methods may run
// in parallel on one transaction (run with -race).
func TestConcurrentUse(t *testing.T) {
	c, _ := chain.Lookup("hive", "")
	tr, err := tx.Decode(c, []byte(`{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00",
		"operations":[["account_update2",{"account":"bob","posting":{"weight_threshold":1,"account_auths":[["app.test",1]],"key_auths":[]},"json_metadata":"","posting_json_metadata":""}]]}`))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := tr.Digest()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if d, err := tr.Digest(); err != nil || d != want {
					t.Errorf("digest %x, %v", d, err)
				}
				if _, err := tr.MarshalJSON(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}
