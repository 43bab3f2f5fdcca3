package devnet_test

import (
	"encoding/json"
	"strings"
	"testing"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
)

func transfer(t *testing.T, from, to, amount string) *tx.Transfer {
	return &tx.Transfer{From: from, To: to, Amount: asset(t, amount), Memo: t.Name()}
}

// authorityGenesis: carol's active needs weight 2 from her key (1) and
// alice's active (1); bob's posting can also be met by alice's posting.
func authorityGenesis(t *testing.T) *devnet.Genesis {
	t.Helper()
	g, err := devnet.DefaultGenesis(chain.Hive, "STM", devnet.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	key := func(name, role string) json.RawMessage {
		return json.RawMessage(`["` + pubKey(t, name, role).Format("STM") + `", 1]`)
	}
	for i := range g.Accounts {
		a := &g.Accounts[i]
		switch a.Name {
		case "carol":
			a.Authorities = map[string]devnet.AuthorityJSON{"active": {WeightThreshold: 2,
				AccountAuths: []json.RawMessage{json.RawMessage(`["alice", 1]`)},
				KeyAuths:     []json.RawMessage{key("carol", "active")}}}
		case "bob":
			a.Authorities = map[string]devnet.AuthorityJSON{"posting": {WeightThreshold: 1,
				AccountAuths: []json.RawMessage{json.RawMessage(`["alice", 1]`)},
				KeyAuths:     []json.RawMessage{key("bob", "posting")}}}
		}
	}
	return g
}

type signer struct{ account, role string }

func TestAuthorityRules(t *testing.T) {
	for _, strict := range []bool{false, true} {
		d, fe := start(t, devnet.Config{Genesis: authorityGenesis(t), StrictSignatures: strict})
		post := &tx.Comment{ParentPermlink: "devnet", Author: "alice", Permlink: "hello", Title: "Hello", Body: "First post"}
		tr := prepare(t, d, fe, post)
		signWith(t, tr, "alice", "posting")
		mustBroadcast(t, d, fe, tr)

		tests := []struct {
			name    string
			op      tx.Operation
			signers []signer
			refusal string // empty: accepted
		}{
			{"own key alone is below the threshold", transfer(t, "carol", "bob", "1.000 HIVE"),
				[]signer{{"carol", "active"}}, "Missing Active Authority carol"},
			{"own key plus account auth", transfer(t, "carol", "bob", "1.000 HIVE"),
				[]signer{{"carol", "active"}, {"alice", "active"}}, ""},
			{"account auth alone is weight 1", transfer(t, "carol", "bob", "2.000 HIVE"),
				[]signer{{"alice", "active"}}, "Missing Active Authority carol"},
			{"account auth signs posting for bob", &tx.Vote{Voter: "bob", Author: "alice", Permlink: "hello", Weight: 10000},
				[]signer{{"alice", "posting"}}, ""},
			{"active key does not stand in for posting", &tx.Vote{Voter: "carol", Author: "alice", Permlink: "hello", Weight: 5000},
				[]signer{{"carol", "active"}}, "Missing Posting Authority carol"},
			{"owner key does not stand in for active", transfer(t, "alice", "bob", "1.000 HIVE"),
				[]signer{{"alice", "owner"}}, "Missing Active Authority alice"},
			{"extra signature", &tx.Vote{Voter: "alice", Author: "alice", Permlink: "hello", Weight: 100},
				[]signer{{"alice", "posting"}, {"bob", "posting"}}, map[bool]string{true: "Unnecessary signature"}[strict]},
			{"no signature", transfer(t, "alice", "bob", "1.000 HIVE"), nil, "Missing Active Authority alice"},
		}
		for _, tc := range tests {
			t.Run(map[bool]string{false: "hf28/", true: "strict/"}[strict]+tc.name, func(t *testing.T) {
				tr := prepare(t, d, fe, tc.op)
				for _, s := range tc.signers {
					signWith(t, tr, s.account, s.role)
				}
				_, e := broadcast(t, d, fe, tr)
				switch {
				case tc.refusal == "" && e != nil:
					t.Fatalf("refused: %s", e.Message)
				case tc.refusal != "" && (e == nil || !strings.Contains(e.Message, tc.refusal)):
					t.Fatalf("answer %+v, want a refusal containing %q", e, tc.refusal)
				}
			})
		}
		d.Close()
	}
}

func TestNonCanonicalSignatureRefused(t *testing.T) {
	d, fe := start(t, devnet.Config{})
	tr := prepare(t, d, fe, transfer(t, "alice", "bob", "1.000 HIVE"))
	signWith(t, tr, "alice", "active")
	// Replace s by n - s: the same signature in high-S form, which still
	// recovers the key but is not canonical.
	n := [32]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41}
	sig := tr.Signatures[0]
	var borrow int
	for i := 31; i >= 0; i-- {
		v := int(n[i]) - int(sig[33+i]) - borrow
		borrow = 0
		if v < 0 {
			v += 256
			borrow = 1
		}
		sig[33+i] = byte(v)
	}
	sig[0] ^= 1 // the other recovery id goes with -s
	tr.Signatures[0] = keys.Signature(sig)
	_, e := broadcast(t, d, fe, tr)
	if e == nil || !strings.Contains(e.Message, "not canonical") {
		t.Fatalf("answer %+v, want a non-canonical refusal", e)
	}
}

// TestTransactionIsAtomic: when a later operation fails, the earlier ones
// leave no trace.
func TestTransactionIsAtomic(t *testing.T) {
	d, fe := start(t, devnet.Config{})
	tr := prepare(t, d, fe, transfer(t, "alice", "bob", "10.000 HIVE"), transfer(t, "alice", "carol", "2000.000 HIVE"))
	signWith(t, tr, "alice", "active")
	_, e := broadcast(t, d, fe, tr)
	if e == nil || !strings.Contains(e.Message, "does not have sufficient funds") {
		t.Fatalf("answer %+v", e)
	}
	if a, _ := d.Balance("alice", "HIVE"); a != 1000000 {
		t.Fatalf("alice has %d after a refused transaction", a)
	}
	if b, _ := d.Balance("bob", "HIVE"); b != 1000000 {
		t.Fatalf("bob has %d after a refused transaction", b)
	}
}

// TestEffects: the devnet shows what a demo looks for, through the API and
// through its Go accessors.
func TestEffects(t *testing.T) {
	d, fe := start(t, devnet.Config{})
	steps := []struct {
		signer signer
		ops    []tx.Operation
	}{
		{signer{"alice", "posting"}, []tx.Operation{&tx.Comment{ParentPermlink: "devnet", Author: "alice", Permlink: "post",
			Title: "A post", Body: "Body", JSONMetadata: `{"tags":["devnet"]}`}}},
		{signer{"bob", "posting"}, []tx.Operation{
			&tx.Comment{ParentAuthor: "alice", ParentPermlink: "post", Author: "bob", Permlink: "reply", Body: "Nice"},
			&tx.Vote{Voter: "bob", Author: "alice", Permlink: "post", Weight: 10000},
			&tx.CustomJSON{RequiredPostingAuths: []string{"bob"}, ID: "follow", JSON: `["follow",{"follower":"bob","following":"alice","what":["blog"]}]`},
		}},
		{signer{"carol", "active"}, []tx.Operation{&tx.TransferToVesting{From: "carol", To: "", Amount: asset(t, "10.000 HIVE")}}},
		{signer{"bob", "posting"}, []tx.Operation{&tx.AccountUpdate2{Account: "bob", PostingJSONMetadata: `{"profile":{"name":"Bob"}}`}}},
	}
	for i, s := range steps {
		tr := prepare(t, d, fe, s.ops...)
		signWith(t, tr, s.signer.account, s.signer.role)
		if _, e := broadcast(t, d, fe, tr); e != nil {
			t.Fatalf("step %d refused: %s", i, e.Message)
		}
	}
	var content struct {
		Author       string `json:"author"`
		Title        string `json:"title"`
		Children     int    `json:"children"`
		NetVotes     int    `json:"net_votes"`
		JSONMetadata string `json:"json_metadata"`
		ActiveVotes  []struct {
			Voter   string `json:"voter"`
			Percent int    `json:"percent"`
		} `json:"active_votes"`
	}
	mustPost(t, fe, "condenser_api.get_content", []any{"alice", "post"}, &content)
	if content.Author != "alice" || content.Title != "A post" || content.Children != 1 || content.NetVotes != 1 ||
		len(content.ActiveVotes) != 1 || content.ActiveVotes[0].Voter != "bob" || content.ActiveVotes[0].Percent != 10000 {
		t.Fatalf("content %+v", content)
	}
	if v := d.Votes(); len(v) != 1 || v[0].Voter != "bob" || v[0].Weight != 10000 {
		t.Fatalf("votes %+v", v)
	}
	if p := d.Posts(); len(p) != 2 || p[0].Permlink != "post" || p[1].ParentPermlink != "post" {
		t.Fatalf("posts %+v", p)
	}
	cj := d.CustomJSONs()
	if len(cj) != 1 || cj[0].ID != "follow" || cj[0].RequiredPostingAuths[0] != "bob" || cj[0].TransactionID == "" {
		t.Fatalf("custom_json %+v", cj)
	}
	blocks := d.TransactionBlocks(cj[0].TransactionID)
	if len(blocks) != 1 {
		t.Fatalf("custom_json transaction in blocks %v", blocks)
	}
	var ops []struct {
		TrxID string            `json:"trx_id"`
		Op    []json.RawMessage `json:"op"`
	}
	mustPost(t, fe, "condenser_api.get_ops_in_block", []any{blocks[0], false}, &ops)
	if len(ops) != 3 || ops[2].TrxID != cj[0].TransactionID || string(ops[2].Op[0]) != `"custom_json"` {
		t.Fatalf("ops in block %d: %+v", blocks[0], ops)
	}
	var tr map[string]any
	mustPost(t, fe, "condenser_api.get_transaction", []any{cj[0].TransactionID}, &tr)
	if tr["block_num"] != float64(blocks[0]) || tr["transaction_id"] != cj[0].TransactionID {
		t.Fatalf("get_transaction %v", tr)
	}
	var blk struct {
		Block struct {
			TransactionIDs []string          `json:"transaction_ids"`
			Transactions   []json.RawMessage `json:"transactions"`
		} `json:"block"`
	}
	mustPost(t, fe, "block_api.get_block", map[string]any{"block_num": blocks[0]}, &blk)
	if len(blk.Block.TransactionIDs) != 1 || blk.Block.TransactionIDs[0] != cj[0].TransactionID {
		t.Fatalf("block_api.get_block %+v", blk)
	}
	if v, _ := d.Balance("carol", "VESTS"); v != 5000_000000+10_000_000000 {
		t.Fatalf("carol's VESTS %d", v)
	}
	var accts []struct {
		PostingJSONMetadata string `json:"posting_json_metadata"`
	}
	mustPost(t, fe, "condenser_api.get_accounts", []any{[]string{"bob"}}, &accts)
	if accts[0].PostingJSONMetadata != `{"profile":{"name":"Bob"}}` {
		t.Fatalf("bob's metadata %q", accts[0].PostingJSONMetadata)
	}
}
