package devnet_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"localsigner/internal/npmtest"
	"localsigner/signer/devnet"
	"localsigner/signer/internal/privkey"
	"localsigner/signer/tx"
)

// Pinned peers for the HF26 test: wax is hived's protocol code built for
// JavaScript and signs the HF26 packing; beekeeper holds its keys.
var waxPackages = []string{"@hiveio/wax@2.0.2", "@hiveio/beekeeper@1.28.4"}

// The devnet accepts, as hived does since HF26, a transaction whose
// signature is over the HF26 packing: one built and signed by the
// unmodified @hiveio/wax. Localsigner's HF26 digest and id agree with
// wax's, its legacy ones with wax's legacy ones, and the devnet reports
// the transaction under its HF26 id and moves the funds.
func TestHF26SignatureFromWax(t *testing.T) {
	dir := npmtest.Install(t, "localsigner-wax-2.0.2", waxPackages...)
	d, fe := start(t, devnet.Config{})
	head := prepare(t, d, fe, &tx.Vote{Voter: "alice", Author: "bob", Permlink: "p", Weight: 1})
	var dgp struct {
		HeadBlockID string `json:"head_block_id"`
		Time        string `json:"time"`
	}
	mustPost(t, fe, "condenser_api.get_dynamic_global_properties", []any{}, &dgp)
	now, err := time.Parse("2006-01-02T15:04:05", dgp.Time)
	if err != nil {
		t.Fatal(err)
	}
	k, err := privkey.FromLogin("alice", "active", devnet.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	// An ES module finds packages beside it, not on NODE_PATH: run a copy
	// in the install directory.
	src, err := os.ReadFile("testdata/wax-sign.mjs")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "wax-sign.mjs")
	if err := os.WriteFile(script, src, 0o644); err != nil {
		t.Fatal(err)
	}
	out := npmtest.Output(t, dir, time.Minute, script, hex.EncodeToString(head.Chain.ID[:]), dgp.HeadBlockID,
		now.Add(time.Minute).UTC().Format("2006-01-02T15:04:05"), k.WIF(), "alice", "bob")
	k.Zero()
	var w struct {
		SigDigest, LegacySigDigest, ID, LegacyID string
		Transaction                              json.RawMessage
	}
	if err := json.Unmarshal(out, &w); err != nil {
		t.Fatalf("wax output %s: %v", out, err)
	}
	got, err := tx.Decode(d.Chain(), w.Transaction)
	if err != nil {
		t.Fatal(err)
	}
	hd, _ := got.DigestHF26()
	ld, _ := got.Digest()
	hid, _ := got.IDHF26()
	lid, _ := got.ID()
	if hex.EncodeToString(hd[:]) != w.SigDigest || hex.EncodeToString(ld[:]) != w.LegacySigDigest ||
		hid.String() != w.ID || lid.String() != w.LegacyID {
		t.Fatalf("digests and ids: ours %x %x %s %s, wax %+v", hd, ld, hid, lid, w)
	}
	before, _ := d.Balance("bob", "HIVE")
	var res struct {
		ID string `json:"id"`
	}
	mustPost(t, fe, "condenser_api.broadcast_transaction_synchronous", []any{w.Transaction}, &res)
	if res.ID != w.ID {
		t.Errorf("the devnet reports id %s, want the HF26 id %s", res.ID, w.ID)
	}
	if after, _ := d.Balance("bob", "HIVE"); after != before+1500 {
		t.Errorf("bob holds %d, want %d", after, before+1500)
	}
}
