package devnet_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"localsigner/internal/vectors"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/internal/privkey"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
)

// The shared vectors are transactions signed by peer libraries (dhive for
// Hive, bitsharesjs for Peerplays) against a fixed reference block, expiring
// 2024-06-01T12:00:00. Replaying them on a devnet whose clock stands just
// before that, whose accounts carry the vectors' keys and which accepts the
// vectors' reference block (Config.ExtraTaposBlocks) shows that the devnet
// verifies signatures made by someone else than this project's signer.

var vectorClock = time.Date(2024, 6, 1, 11, 59, 0, 0, time.UTC)

type vectorFile struct {
	Vectors []vector `json:"vectors"`
}

type vector struct {
	Name          string          `json:"name"`
	ChainID       string          `json:"chain_id"`
	AddressPrefix string          `json:"address_prefix"`
	Network       string          `json:"network"`
	Transaction   json.RawMessage `json:"transaction"`
	TransactionID string          `json:"transaction_id"`
	SigningKeys   []struct {
		WIF        string `json:"wif"`
		PublicKey  string `json:"public_key"`
		Derivation struct {
			Method   string `json:"method"`
			Account  string `json:"account"`
			Role     string `json:"role"`
			Password string `json:"password"`
		} `json:"derivation"`
	} `json:"signing_keys"`
}

func loadVectors(t *testing.T, file string) []vector {
	t.Helper()
	dir, err := vectors.Dir()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Vectors
}

// txHeader reads the reference block of a vector's transaction.
func txHeader(t *testing.T, raw json.RawMessage) (refNum uint16, refPrefix uint32) {
	t.Helper()
	var h struct {
		RefBlockNum    uint16 `json:"ref_block_num"`
		RefBlockPrefix uint32 `json:"ref_block_prefix"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.RefBlockNum, h.RefBlockPrefix
}

func mustChainID(t *testing.T, s string) [32]byte {
	t.Helper()
	var id [32]byte
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		t.Fatal(err)
	}
	return id
}

// hiveVectorGenesis gives every account the vectors sign for keys derived
// from the vectors' passwords, and enough funds for every vector.
func hiveVectorGenesis(t *testing.T, vs []vector) (*devnet.Genesis, map[string]string) {
	t.Helper()
	passwords := map[string]string{"carol.test": devnet.DefaultPassword}
	for _, v := range vs {
		for _, k := range v.SigningKeys {
			if k.Derivation.Method == "login" {
				passwords[k.Derivation.Account] = k.Derivation.Password
			}
		}
	}
	g := &devnet.Genesis{}
	for name, pw := range passwords {
		a := devnet.GenesisAccount{Name: name, Balance: "100000.000 HIVE", HBDBalance: "100000.000 HBD", VestingShares: "100000.000000 VESTS",
			SavingsBalance: "100000.000 HIVE", SavingsHBDBalance: "100000.000 HBD"}
		key := func(role string) string {
			k, err := privkey.FromLogin(name, role, pw)
			if err != nil {
				t.Fatal(err)
			}
			defer k.Zero()
			return k.PublicKey().Format("STM")
		}
		a.Keys = devnet.GenesisKeys{Owner: key("owner"), Active: key("active"), Posting: key("posting"), Memo: key("memo")}
		g.Accounts = append(g.Accounts, a)
	}
	return g, passwords
}

// seedPosts creates the posts a vector's votes, replies and deletions
// refer to, with transactions signed here by the authors' vector keys.
func seedPosts(t *testing.T, d *devnet.Devnet, fe *devnet.Frontend, raw json.RawMessage, passwords map[string]string) {
	t.Helper()
	var body struct {
		Operations [][2]json.RawMessage `json:"operations"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	for _, op := range body.Operations {
		var name string
		json.Unmarshal(op[0], &name)
		var f struct {
			Author, Permlink, ParentAuthor, ParentPermlink string
		}
		var m map[string]any
		json.Unmarshal(op[1], &m)
		f.Author, _ = m["author"].(string)
		f.Permlink, _ = m["permlink"].(string)
		f.ParentAuthor, _ = m["parent_author"].(string)
		f.ParentPermlink, _ = m["parent_permlink"].(string)
		switch {
		case name == "vote" || name == "delete_comment":
		case name == "comment" && f.ParentAuthor != "":
			f.Author, f.Permlink = f.ParentAuthor, f.ParentPermlink
		default:
			continue
		}
		pw, ok := passwords[f.Author]
		if !ok {
			t.Fatalf("no key for author %s", f.Author)
		}
		tr := prepare(t, d, fe, &tx.Comment{ParentPermlink: "seed", Author: f.Author, Permlink: f.Permlink, Title: "seed", Body: "seed"})
		k, err := privkey.FromLogin(f.Author, "posting", pw)
		if err != nil {
			t.Fatal(err)
		}
		digest, _ := tr.Digest()
		sig, err := k.Sign(digest)
		k.Zero()
		if err != nil {
			t.Fatal(err)
		}
		tr.Signatures = []keys.Signature{sig}
		mustBroadcast(t, d, fe, tr)
	}
}

// TestHiveVectorsAccepted replays every Hive vector signed for the mainnet
// chain id and the devnet chain id, verbatim.
func TestHiveVectorsAccepted(t *testing.T) {
	var all []vector
	for _, v := range append(loadVectors(t, "hive_transactions.json"), loadVectors(t, "hive_testnet_custom.json")...) {
		// Testnet builds use other asset symbols (TESTS, TBD); the devnet
		// runs mainnet symbols.
		if v.Network != "testnet" {
			all = append(all, v)
		}
	}
	if len(all) < 40 {
		t.Fatalf("only %d Hive vectors found", len(all))
	}
	g, passwords := hiveVectorGenesis(t, all)
	for _, v := range all {
		t.Run(v.Name, func(t *testing.T) {
			refNum, refPrefix := txHeader(t, v.Transaction)
			d, fe := start(t, devnet.Config{
				ChainID:          mustChainID(t, v.ChainID),
				Genesis:          g,
				Clock:            func() time.Time { return vectorClock },
				ExtraTaposBlocks: map[uint16]uint32{refNum: refPrefix},
			})
			seedPosts(t, d, fe, v.Transaction, passwords)
			raw, e := post(t, fe, "condenser_api.broadcast_transaction_synchronous", []any{v.Transaction})
			if e != nil {
				t.Fatalf("refused: %s", e.Message)
			}
			var ans struct {
				ID string `json:"id"`
			}
			json.Unmarshal(raw, &ans)
			if ans.ID != v.TransactionID || len(d.TransactionBlocks(v.TransactionID)) != 1 {
				t.Fatalf("answer %s, want id %s in one block", raw, v.TransactionID)
			}
		})
	}
}

// TestHiveVectorNeedsItsReferenceBlock: without the test-only reference
// block the same signed vector fails TaPoS, and after its expiration it is
// expired: the replay above is not the devnet skipping checks.
func TestHiveVectorNeedsItsReferenceBlock(t *testing.T) {
	var v vector
	for _, c := range loadVectors(t, "hive_testnet_custom.json") {
		if c.Name == "custom/transfer" {
			v = c
		}
	}
	g, _ := hiveVectorGenesis(t, []vector{v})
	refNum, refPrefix := txHeader(t, v.Transaction)
	_, fe := start(t, devnet.Config{Genesis: g, Clock: func() time.Time { return vectorClock }})
	if _, e := post(t, fe, "condenser_api.broadcast_transaction", []any{v.Transaction}); e == nil || e.Data.Name != "transaction_tapos_exception" {
		t.Fatalf("without the reference block: %+v", e)
	}
	late := vectorClock.Add(2 * time.Minute)
	_, fe = start(t, devnet.Config{Genesis: g, Clock: func() time.Time { return late },
		ExtraTaposBlocks: map[uint16]uint32{refNum: refPrefix}})
	if _, e := post(t, fe, "condenser_api.broadcast_transaction", []any{v.Transaction}); e == nil || e.Data.Name != "transaction_expiration_exception" {
		t.Fatalf("after expiration: %+v", e)
	}
}

// TestPeerplaysVectorsAccepted replays the Peerplays vectors (bitsharesjs
// signatures, Peerplays mainnet chain id) on a Graphene devnet. Vectors
// moving assets other than PPY are skipped: the devnet knows only 1.3.0.
func TestPeerplaysVectorsAccepted(t *testing.T) {
	skip := map[string]bool{"peerplays/transfer_other_asset_fee_ppy": true, "peerplays/transfer_large_ids": true}
	ran := 0
	for _, v := range loadVectors(t, "peerplays_transactions.json") {
		if skip[v.Name] {
			continue
		}
		ran++
		t.Run(v.Name, func(t *testing.T) {
			var body struct {
				Operations [][2]json.RawMessage `json:"operations"`
			}
			json.Unmarshal(v.Transaction, &body)
			var op map[string]any
			json.Unmarshal(body.Operations[0][1], &op)
			account, _ := op["from"].(string)
			if account == "" {
				account, _ = op["account"].(string)
			}
			// The signing account's active and owner authorities need all
			// of the vector's keys, so none is unnecessary.
			auth := devnet.AuthorityJSON{WeightThreshold: uint32(len(v.SigningKeys))}
			for _, k := range v.SigningKeys {
				auth.KeyAuths = append(auth.KeyAuths, json.RawMessage(`["`+k.PublicKey+`", 1]`))
			}
			other := pubKey(t, "other", "active").Format("PPY")
			g := &devnet.Genesis{Accounts: []devnet.GenesisAccount{
				{Name: "vector-signer", ID: account, Balance: "100000.00000 PPY",
					Keys:        devnet.GenesisKeys{Owner: other, Active: other, Memo: other},
					Authorities: map[string]devnet.AuthorityJSON{"owner": auth, "active": auth}},
				{Name: "vector-recipient", ID: "1.2.5678", Keys: devnet.GenesisKeys{Owner: other, Active: other, Memo: other}},
			}}
			refNum, refPrefix := txHeader(t, v.Transaction)
			d, fe := start(t, devnet.Config{
				Family:           chain.Graphene,
				ChainID:          mustChainID(t, v.ChainID),
				Genesis:          g,
				Clock:            func() time.Time { return vectorClock },
				ExtraTaposBlocks: map[uint16]uint32{refNum: refPrefix},
			})
			raw, e := post(t, fe, "call", []any{"network_broadcast", "broadcast_transaction_synchronous", []any{v.Transaction}})
			if e != nil {
				t.Fatalf("refused: %s", e.Message)
			}
			var ans struct {
				ID       string `json:"id"`
				BlockNum uint32 `json:"block_num"`
			}
			json.Unmarshal(raw, &ans)
			if ans.ID != v.TransactionID || ans.BlockNum == 0 || len(d.TransactionBlocks(v.TransactionID)) != 1 {
				t.Fatalf("answer %s, want id %s in a block", raw, v.TransactionID)
			}
		})
	}
	if ran < 3 {
		t.Fatalf("only %d Peerplays vectors ran", ran)
	}
}
