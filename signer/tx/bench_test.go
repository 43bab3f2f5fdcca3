package tx

import (
	"testing"
)

func benchTx(b *testing.B, ops string) *Transaction {
	b.Helper()
	tr, err := Decode(mustChain(b, "hive", ""), []byte(hiveTx(ops)))
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

const benchVote = `["vote",{"voter":"alice","author":"bob","permlink":"my-first-post","weight":10000}]`

const benchFiveOps = `["comment",{"parent_author":"","parent_permlink":"hive-174578","author":"alice","permlink":"hello-hive","title":"Hello Hive","body":"First post from a **local** signer.","json_metadata":"{\"tags\":[\"hive-174578\"],\"app\":\"localsigner/0.1\"}"}],` +
	`["comment_options",{"author":"alice","permlink":"hello-hive","max_accepted_payout":"1000000.000 HBD","percent_hbd":10000,"allow_votes":true,"allow_curation_rewards":true,"extensions":[[0,{"beneficiaries":[{"account":"bob","weight":500},{"account":"carol.test","weight":1000}]}]]}],` +
	`["vote",{"voter":"alice","author":"alice","permlink":"hello-hive","weight":10000}],` +
	`["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"Thanks for lunch"}],` +
	`["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"follow","json":"[\"follow\",{\"follower\":\"alice\",\"following\":\"bob\",\"what\":[\"blog\"]}]"}]`

// BenchmarkDigest measures serialization plus hashing, the work done for
// every signature.
func BenchmarkDigest(b *testing.B) {
	for _, bc := range []struct{ name, ops string }{
		{"vote", benchVote},
		{"five_ops", benchFiveOps},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tr := benchTx(b, bc.ops)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tr.Digest(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSerialize(b *testing.B) {
	for _, bc := range []struct{ name, ops string }{
		{"vote", benchVote},
		{"five_ops", benchFiveOps},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tr := benchTx(b, bc.ops)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tr.Serialize(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	c := mustChain(b, "hive", "")
	data := []byte(hiveTx(benchFiveOps))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(c, data); err != nil {
			b.Fatal(err)
		}
	}
}
