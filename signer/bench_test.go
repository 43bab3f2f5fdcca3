package signer

import (
	"os"
	"path/filepath"
	"testing"

	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

const benchWIF = "5KiWNHviLoshpXyYELKeJVdikyUPyqYeWUPSqwcHCv1vkyfdck3"

// benchSign measures what a broadcast costs the signer: serialize, digest and
// sign. Each iteration changes ref_block_num, as scripts/bench-dhive.js does,
// so the nonce-attempt count averages out instead of repeating one digest.
func benchSign(b *testing.B, file string) {
	data, err := os.ReadFile(filepath.Join("testdata", "bench", file))
	if err != nil {
		b.Fatal(err)
	}
	c, err := chain.Lookup("hive", "")
	if err != nil {
		b.Fatal(err)
	}
	t, err := tx.Decode(c, data)
	if err != nil {
		b.Fatal(err)
	}
	s, err := newKeySigner([]string{benchWIF})
	if err != nil {
		b.Fatal(err)
	}
	defer s.zero()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		t.RefBlockNum = uint16(i)
		t.Signatures = t.Signatures[:0]
		i++
		if err := s.sign(t); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignVoteTx(b *testing.B)   { benchSign(b, "vote.json") }
func BenchmarkSignFiveOpTx(b *testing.B) { benchSign(b, "five_ops.json") }
