package tx

import (
	"bytes"
	"encoding/hex"
	"slices"
	"strconv"
	"testing"

	"localsigner/internal/vectors"
	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

// vectorChain picks the chain a vector was made for (vectors.ChainOf).
func vectorChain(t *testing.T, v vectors.Transaction) *chain.Chain {
	t.Helper()
	c, err := vectors.ChainOf(v)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func loadVectors(t testing.TB) []vectors.Transaction {
	t.Helper()
	vs, err := vectors.Transactions()
	if err != nil {
		t.Fatalf("shared vectors are required: %v", err)
	}
	return vs
}

func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			c := vectorChain(t, v)
			tr, err := Decode(c, v.Transaction)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			raw, err := tr.Serialize()
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(raw); got != v.SerializedHex {
				t.Errorf("serialized\n got %s\nwant %s", got, v.SerializedHex)
			}
			digest, err := tr.Digest()
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(digest[:]); got != v.DigestHex {
				t.Errorf("digest %s, want %s", got, v.DigestHex)
			}
			id, err := tr.ID()
			if err != nil {
				t.Fatal(err)
			}
			if id.String() != v.TransactionID {
				t.Errorf("id %s, want %s", id, v.TransactionID)
			}
			if got := authorityMap(tr.RequiredAuthorities()); !sameAuthorities(got, v.RequiredAuthorities) {
				t.Errorf("required authorities %v, want %v", got, v.RequiredAuthorities)
			}
			checkSignatures(t, c, tr, v, digest)
			checkRoundTrip(t, c, tr, raw)
		})
	}
}

// checkSignatures: the vector's signatures parse, are carried by Decode and
// recover to the published keys over our digest.
func checkSignatures(t *testing.T, c *chain.Chain, tr *Transaction, v vectors.Transaction, digest [32]byte) {
	t.Helper()
	if len(tr.Signatures) != len(v.Signatures) {
		t.Fatalf("%d signatures decoded, vector has %d", len(tr.Signatures), len(v.Signatures))
	}
	for i, s := range v.Signatures {
		sig, err := keys.ParseSignature(s)
		if err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
		if sig != tr.Signatures[i] {
			t.Errorf("signature %d decoded as %s", i, tr.Signatures[i])
		}
		pub, err := keys.Recover(digest, sig)
		if err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
		if i < len(v.SignatureChecks) && pub.Format(c.Prefix) != v.SignatureChecks[i].PublicKey {
			t.Errorf("signature %d recovers to %s, want %s", i, pub.Format(c.Prefix), v.SignatureChecks[i].PublicKey)
		}
	}
}

// checkRoundTrip: MarshalJSON output decodes to the same bytes and prints
// the same JSON again.
func checkRoundTrip(t *testing.T, c *chain.Chain, tr *Transaction, raw []byte) {
	t.Helper()
	js, err := tr.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	again, err := Decode(c, js)
	if err != nil {
		t.Fatalf("Decode(MarshalJSON): %v\n%s", err, js)
	}
	raw2, err := again.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, raw2) {
		t.Errorf("round trip changed the bytes\n%s", js)
	}
	js2, err := again.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(js, js2) {
		t.Errorf("JSON not stable:\n%s\n%s", js, js2)
	}
}

func authorityMap(reqs []Requirement) map[string][]string {
	m := make(map[string][]string)
	for _, r := range reqs {
		m[r.Role.String()] = append(m[r.Role.String()], r.Account)
	}
	return m
}

func sameAuthorities(got, want map[string][]string) bool {
	if len(got) != len(want) {
		return false
	}
	for role, accounts := range want {
		g := slices.Clone(got[role])
		w := slices.Clone(accounts)
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			return false
		}
	}
	return true
}

// TestVectorJSONMatchesOutput checks that MarshalJSON reproduces the
// vectors' JSON exactly where the vector is already in canonical form, which
// shows the output is the form peers and nodes use.
func TestVectorJSONMatchesOutput(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			if slices.Contains(v.Tags, "derived") {
				t.Skip("derived vectors publish non-canonical JSON on purpose")
			}
			c := vectorChain(t, v)
			tr, err := Decode(c, v.Transaction)
			if err != nil {
				t.Fatal(err)
			}
			js, err := tr.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			want, err := parseJSON(v.Transaction)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseJSON(js)
			if err != nil {
				t.Fatal(err)
			}
			if diff := jsonDiff("", &got, &want); diff != "" {
				t.Errorf("%s\n got %s", diff, js)
			}
		})
	}
}

// jsonDiff compares parsed JSON ignoring object member order; a number and
// a string holding it differ.
func jsonDiff(at string, a, b *jsonValue) string {
	if a.kind != b.kind {
		return at + ": " + a.kind.String() + " vs " + b.kind.String()
	}
	switch a.kind {
	case jsonArray:
		if len(a.arr) != len(b.arr) {
			return at + ": array lengths differ"
		}
		for i := range a.arr {
			if d := jsonDiff(at+"["+strconv.Itoa(i)+"]", &a.arr[i], &b.arr[i]); d != "" {
				return d
			}
		}
	case jsonObject:
		if len(a.obj) != len(b.obj) {
			return at + ": object sizes differ"
		}
		for i := range a.obj {
			found := false
			for j := range b.obj {
				if a.obj[i].key == b.obj[j].key {
					found = true
					if d := jsonDiff(at+"."+a.obj[i].key, &a.obj[i].val, &b.obj[j].val); d != "" {
						return d
					}
				}
			}
			if !found {
				return at + ": extra key " + a.obj[i].key
			}
		}
	default:
		if a.s != b.s || a.b != b.b {
			return at + ": " + a.s + " vs " + b.s
		}
	}
	return ""
}
