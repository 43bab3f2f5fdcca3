package links

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"localsigner/internal/npmtest"
	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

const hiveURI = "hive-uri@0.2.8"

// TestHiveURICorpus: links made by the unmodified npm hive-uri encoder, for
// op, ops and tx with every parameter, decode here to the same
// transaction, signer and parameters as hive-uri's own decode and
// resolveTransaction give, resolved against the same values.
func TestHiveURICorpus(t *testing.T) {
	dir := npmtest.Install(t, "localsigner-hive-uri-0.2.8", hiveURI)
	script, err := filepath.Abs(filepath.Join("testdata", "hiveuri_corpus.js"))
	if err != nil {
		t.Fatal(err)
	}
	var corpus []struct {
		URI string `json:"uri"`
		Tx  struct {
			RefBlockNum    json.RawMessage `json:"ref_block_num"`
			RefBlockPrefix json.RawMessage `json:"ref_block_prefix"`
			Expiration     string          `json:"expiration"`
			Operations     json.RawMessage `json:"operations"`
		} `json:"tx"`
		Signer string `json:"signer"`
		Params struct {
			Signer      string `json:"signer"`
			Callback    string `json:"callback"`
			NoBroadcast bool   `json:"no_broadcast"`
			Authority   string `json:"authority"`
		} `json:"params"`
	}
	if err := json.Unmarshal(npmtest.Output(t, dir, time.Minute, script), &corpus); err != nil {
		t.Fatal(err)
	}
	if len(corpus) < 50 {
		t.Fatalf("%d links in the corpus", len(corpus))
	}
	c, err := chain.Lookup("hive", "")
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, want := range corpus {
		l, err := Parse(want.URI)
		if err != nil {
			t.Errorf("%s: %v", want.URI, err)
			continue
		}
		if l.Signer != want.Params.Signer || l.Authority != want.Params.Authority || l.NoBroadcast != want.Params.NoBroadcast ||
			l.callback != want.Params.Callback {
			t.Errorf("%s: params %+v, hive-uri %+v", want.URI, l, want.Params)
		}
		signer := l.Signer
		if signer == "" {
			signer = "alice" // the corpus's preferred signer
		}
		if signer != want.Signer {
			t.Errorf("%s: signer %s, hive-uri %s", want.URI, signer, want.Signer)
		}
		r, err := l.Resolve(Head{Signer: signer, RefBlockNum: 1234, RefBlockPrefix: 3735928559, Expiration: exp})
		if err != nil {
			t.Errorf("%s: resolve: %v", want.URI, err)
			continue
		}
		ours, err := tx.DecodeOperations(c, r.Operations)
		if err != nil {
			t.Errorf("%s: our operations: %v", want.URI, err)
			continue
		}
		theirs, err := tx.DecodeOperations(c, want.Tx.Operations)
		if err != nil {
			t.Errorf("%s: hive-uri's operations: %v", want.URI, err)
			continue
		}
		a := &tx.Transaction{Chain: c, RefBlockNum: r.RefBlockNum, RefBlockPrefix: r.RefBlockPrefix, Expiration: r.Expiration, Operations: ours}
		b := &tx.Transaction{Chain: c, RefBlockNum: uint16(number(t, want.Tx.RefBlockNum)), RefBlockPrefix: uint32(number(t, want.Tx.RefBlockPrefix)),
			Operations: theirs}
		if b.Expiration, err = time.Parse("2006-01-02T15:04:05", want.Tx.Expiration); err != nil {
			t.Fatal(err)
		}
		da, err1 := a.Digest()
		db, err2 := b.Digest()
		if err1 != nil || err2 != nil || da != db {
			ja, _ := a.MarshalJSON()
			jb, _ := b.MarshalJSON()
			t.Errorf("%s:\n ours    %s\n hive-uri %s", want.URI, ja, jb)
		}
	}
}

// number reads hive-uri's resolved header field: a number, or the string
// its placeholder replacement leaves.
func number(t *testing.T, raw json.RawMessage) uint64 {
	t.Helper()
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		t.Fatalf("header field %s: %v", raw, err)
	}
	return n
}
