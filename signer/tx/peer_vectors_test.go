package tx_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"localsigner/internal/vectors"
	"localsigner/signer/chain"
	"localsigner/signer/internal/privkey"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
)

// peerVectorFile holds the vectors scripts/peer-vectors/gen.mjs makes with
// dhive and hive-tx for the Hive operations the shared vectors lack.
const peerVectorFile = "peer_vectors.json"

// peerKey is a signing key with the derivation the generator used.
type peerKey struct {
	vectors.SigningKey
	Derivation struct {
		Method   string `json:"method"`
		Account  string `json:"account"`
		Password string `json:"password"`
		Role     string `json:"role"`
		Seed     string `json:"seed"`
	} `json:"derivation"`
}

// peerVector is a shared-format vector whose signing keys keep their
// derivation (the outer field shadows the embedded one).
type peerVector struct {
	vectors.Transaction
	SigningKeys []peerKey `json:"signing_keys"`
}

func loadPeerVectors(t *testing.T) []peerVector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", peerVectorFile))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Format  string            `json:"format"`
		Set     string            `json:"set"`
		Peers   map[string]string `json:"peers"`
		Vectors []peerVector      `json:"vectors"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", peerVectorFile, err)
	}
	if f.Format != "localsigner-signing-vectors/1" || f.Set != "localsigner_peer_vectors" {
		t.Fatalf("%s: format %q set %q", peerVectorFile, f.Format, f.Set)
	}
	if f.Peers["@hiveio/dhive"] == "" || f.Peers["hive-tx"] == "" {
		t.Fatalf("%s: peers %v, want dhive and hive-tx", peerVectorFile, f.Peers)
	}
	if len(f.Vectors) == 0 {
		t.Fatalf("%s: no vectors", peerVectorFile)
	}
	return f.Vectors
}

// chainOf picks the chain a vector was made for and checks its id, as
// vectorChain does for the shared vectors.
func chainOf(t *testing.T, v vectors.Transaction) *chain.Chain {
	t.Helper()
	name := v.Chain
	switch {
	case v.Chain == "hive" && v.Network == "testnet":
		name = "hive-testnet"
	case v.Chain == "hive" && v.Network == "custom":
		name = v.ChainID
	}
	c, err := chain.Lookup(name, v.AddressPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if c.IDHex() != v.ChainID {
		t.Fatalf("chain %s has id %s, vector says %s", name, c.IDHex(), v.ChainID)
	}
	return c
}

func TestPeerVectors(t *testing.T) {
	for _, v := range loadPeerVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			c := chainOf(t, v.Transaction)
			tr, err := tx.Decode(c, v.Transaction.Transaction)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			raw, err := tr.Serialize()
			if err != nil {
				t.Fatalf("Serialize: %v", err)
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
			if got := requirements(tr.RequiredAuthorities()); !reflect.DeepEqual(got, sortedAuthorities(v.RequiredAuthorities)) {
				t.Errorf("required authorities %v, want %v", got, v.RequiredAuthorities)
			}
			checkPeerSignatures(t, c, tr, v, digest)
			checkPeerSigning(t, c, v, digest)
			checkPeerJSON(t, c, tr, v, raw)
		})
	}
}

// checkPeerSignatures: the published signatures are the ones Decode carries
// and each recovers, over our digest, to the key that made it.
func checkPeerSignatures(t *testing.T, c *chain.Chain, tr *tx.Transaction, v peerVector, digest [32]byte) {
	t.Helper()
	if len(v.Signatures) == 0 || len(v.Signatures) != len(v.SigningKeys) || len(v.Signatures) != len(v.SignatureChecks) {
		t.Fatalf("%d signatures, %d signing keys, %d checks", len(v.Signatures), len(v.SigningKeys), len(v.SignatureChecks))
	}
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
		if !sig.IsCanonical() {
			t.Errorf("signature %d is not canonical", i)
		}
		pub, err := keys.Recover(digest, sig)
		if err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
		got := pub.Format(c.Prefix)
		if got != v.SigningKeys[i].PublicKey || got != v.SignatureChecks[i].PublicKey {
			t.Errorf("signature %d recovers to %s, want %s", i, got, v.SigningKeys[i].PublicKey)
		}
	}
}

// checkPeerSigning: each key derives from its login as published, and our
// signer, given its WIF, signs the digest with a signature that recovers to
// it. The signer reproduces dhive's nonces, so the bytes must match too.
func checkPeerSigning(t *testing.T, c *chain.Chain, v peerVector, digest [32]byte) {
	t.Helper()
	for i, k := range v.SigningKeys {
		p, err := privkey.FromWIF(k.WIF)
		if err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		if got := p.PublicKey().Format(c.Prefix); got != k.PublicKey {
			t.Errorf("key %d: WIF gives %s, want %s", i, got, k.PublicKey)
		}
		if b := p.Bytes(); hex.EncodeToString(b) != k.PrivateKeyHex {
			t.Errorf("key %d: private key hex differs from the WIF", i)
		}
		if d := k.Derivation; d.Method == "login" {
			if d.Seed != d.Account+d.Role+d.Password {
				t.Errorf("key %d: seed %q is not account+role+password", i, d.Seed)
			}
			q, err := privkey.FromLogin(d.Account, d.Role, d.Password)
			if err != nil {
				t.Fatalf("key %d: %v", i, err)
			}
			if q.WIF() != k.WIF {
				t.Errorf("key %d: login %s/%s derives a different key", i, d.Account, d.Role)
			}
			q.Zero()
		} else {
			t.Errorf("key %d: derivation %q, want login", i, d.Method)
		}
		sig, err := p.Sign(digest)
		p.Zero()
		if err != nil {
			t.Fatalf("key %d: Sign: %v", i, err)
		}
		pub, err := keys.Recover(digest, sig)
		if err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		if got := pub.Format(c.Prefix); got != k.PublicKey {
			t.Errorf("key %d: our signature recovers to %s, want %s", i, got, k.PublicKey)
		}
		if sig.String() != v.Signatures[i] {
			t.Errorf("key %d: our signature\n%s\ndhive's (nonce attempt %d)\n%s", i, sig, v.SignatureChecks[i].DhiveNonceAttempt, v.Signatures[i])
		}
	}
}

// checkPeerJSON: our JSON output is the vector's JSON (member order aside)
// and decodes back to the same bytes.
func checkPeerJSON(t *testing.T, c *chain.Chain, tr *tx.Transaction, v peerVector, raw []byte) {
	t.Helper()
	js, err := tr.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	if got, want := parseAny(t, js), parseAny(t, v.Transaction.Transaction); !reflect.DeepEqual(got, want) {
		t.Errorf("MarshalJSON\n got %s\nwant %s", js, v.Transaction.Transaction)
	}
	again, err := tx.Decode(c, js)
	if err != nil {
		t.Fatalf("Decode(MarshalJSON): %v\n%s", err, js)
	}
	raw2, err := again.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, raw2) {
		t.Errorf("JSON round trip changed the bytes\n%s", js)
	}
}

// parseAny parses JSON keeping numbers as written, so 1 and "1" differ.
func parseAny(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return v
}

func requirements(reqs []tx.Requirement) map[string][]string {
	m := map[string][]string{}
	for _, r := range reqs {
		m[r.Role.String()] = append(m[r.Role.String()], r.Account)
	}
	return sortedAuthorities(m)
}

func sortedAuthorities(m map[string][]string) map[string][]string {
	out := make(map[string][]string, len(m))
	for role, accounts := range m {
		out[role] = slices.Sorted(slices.Values(accounts))
	}
	return out
}

// TestPeerVectorsCoverHive: with the shared vectors, every Hive operation
// in the registry has at least one peer-made vector.
func TestPeerVectorsCoverHive(t *testing.T) {
	shared, err := vectors.Transactions()
	if err != nil {
		t.Fatalf("shared vectors are required: %v", err)
	}
	all := slices.Clone(shared)
	for _, v := range loadPeerVectors(t) {
		all = append(all, v.Transaction)
	}
	covered := map[string][]string{}
	for _, v := range all {
		c := chainOf(t, v)
		if c.Family != chain.Hive {
			continue
		}
		tr, err := tx.Decode(c, v.Transaction)
		if err != nil {
			t.Fatalf("%s: Decode: %v", v.Name, err)
		}
		for _, op := range tr.Operations {
			covered[op.Name()] = append(covered[op.Name()], v.Name)
		}
	}
	specs := tx.Specs(chain.Hive)
	if len(specs) == 0 {
		t.Fatal("no Hive operations in the registry")
	}
	for _, s := range specs {
		if len(covered[s.Name]) == 0 {
			t.Errorf("Hive operation %s (%d) has no peer vector", s.Name, s.ID)
		}
	}
}
