package privkey

import (
	"crypto/sha256"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// BenchmarkBareSignCompact is the reference point: one decred SignCompact,
// with no canonical-signature loop.
func BenchmarkBareSignCompact(b *testing.B) {
	key := secp256k1.PrivKeyFromBytes(mustHex("fa44defa836375a78f3a4744d4a77e1a2f0e81677eec975e12d3e8389287ada6"))
	digest := sha256.Sum256([]byte("bench"))
	b.ReportAllocs()
	for b.Loop() {
		ecdsa.SignCompact(key, digest[:], true)
	}
}

// BenchmarkSignCanonical signs a different digest each time so the number of
// nonce attempts averages out as it does in real use (about two).
func BenchmarkSignCanonical(b *testing.B) {
	p, _ := FromBytes(mustHex("fa44defa836375a78f3a4744d4a77e1a2f0e81677eec975e12d3e8389287ada6"))
	var digest [32]byte
	b.ReportAllocs()
	i, attempts := 0, 0
	for b.Loop() {
		digest[0], digest[1], digest[2] = byte(i), byte(i>>8), byte(i>>16)
		i++
		_, n, err := p.sign(digest)
		if err != nil {
			b.Fatal(err)
		}
		attempts += n
	}
	b.ReportMetric(float64(attempts)/float64(i), "attempts/op")
}
