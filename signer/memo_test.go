package signer

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"localsigner/internal/npmtest"
	"localsigner/internal/vectors"
	"localsigner/signer/internal/privkey"
	"localsigner/signer/keys"
	"localsigner/signer/memo"
)

// The peers the memo formats are checked against, pinned.
const (
	dhivePkg       = "@hiveio/dhive@1.3.6"
	peerplaysjsPkg = "peerplaysjs-lib@0.8.9"
)

// legacySeed derives carol's memo key: the ECDH x coordinate of it and
// alice's memo key starts with a zero byte, so dhive's secret differs from
// fc's for that pair.
const legacySeed = "localsigner memo legacy 101"

// memoKey is a key the JavaScript peer holds its own copy of.
type memoKey struct {
	WIF string
	Pub keys.PublicKey
}

// memoFixture is an unlocked file-backend vault holding every role of alice
// and bob (from the vector passwords) and carol's memo key, on hive and
// peerplays, and the peers' copies of the keys the tests use.
type memoFixture struct {
	v                                         *Vault
	aliceMemo, bobMemo, bobPosting, carolMemo memoKey
}

func newMemoFixture(t *testing.T) *memoFixture {
	t.Helper()
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	passwords := map[string]string{}
	for _, l := range kv.Login {
		passwords[l.Account] = l.Password
	}
	v, err := OpenVault(t.TempDir(), VaultOptions{KDF: KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Lock)
	if err := v.Init([]byte("pw")); err != nil {
		t.Fatal(err)
	}
	carol, err := privkey.FromSeed(legacySeed)
	if err != nil {
		t.Fatal(err)
	}
	defer carol.Zero()
	for _, chain := range []string{"hive", "peerplays"} {
		for _, acct := range []string{"alice", "bob"} {
			if _, err := v.AddMasterPassword(chain, acct, passwords[acct]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := v.AddWIF(chain, "carol", "memo", carol.WIF()); err != nil {
			t.Fatal(err)
		}
	}
	login := func(account, role string) memoKey {
		p, err := privkey.FromLogin(account, role, passwords[account])
		if err != nil {
			t.Fatal(err)
		}
		defer p.Zero()
		return memoKey{p.WIF(), p.PublicKey()}
	}
	return &memoFixture{
		v:          v,
		aliceMemo:  login("alice", "memo"),
		bobMemo:    login("bob", "memo"),
		bobPosting: login("bob", "posting"),
		carolMemo:  memoKey{carol.WIF(), carol.PublicKey()},
	}
}

// TestVaultMemoSecret: the vault finds which role a memo is for, from
// either side, and memos round-trip through it; locked and foreign memos
// give ErrLocked and ErrNoKey.
func TestVaultMemoSecret(t *testing.T) {
	f := newMemoFixture(t)
	v := f.v

	for _, tc := range []struct {
		name, account string
		pub           keys.PublicKey
		role          string
	}{
		{"bob's memo key", "bob", f.bobMemo.Pub, "memo"},
		{"bob's posting key", "bob", f.bobPosting.Pub, "posting"},
		{"carol's only key", "carol", f.carolMemo.Pub, "memo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if role, err := v.RoleOf("hive", tc.account, tc.pub); err != nil || role != tc.role {
				t.Fatalf("RoleOf = %q, %v; want %q", role, err, tc.role)
			}
		})
	}
	if _, err := v.RoleOf("hive", "alice", f.bobMemo.Pub); !errors.Is(err, ErrNoKey) {
		t.Fatalf("RoleOf another account's key: %v", err)
	}

	s, err := v.SharedSecret("hive", "alice", "memo", f.bobMemo.Pub)
	if err != nil {
		t.Fatal(err)
	}
	sent := memo.EncryptHive(&s.Secret, f.aliceMemo.Pub, f.bobMemo.Pub, memo.NewNonce(), "through the vault")
	s.Clear()
	for _, reader := range []string{"bob", "alice"} {
		m, err := memo.ParseHive(sent.String())
		if err != nil {
			t.Fatal(err)
		}
		s, role, err := v.MemoSecret("hive", reader, m.From, m.To)
		if err != nil || role != "memo" {
			t.Fatalf("%s: MemoSecret role %q, %v", reader, role, err)
		}
		text, err := m.Decrypt(&s)
		s.Clear()
		if err != nil || text != "through the vault" {
			t.Fatalf("%s decrypts %q, %v", reader, text, err)
		}
	}
	if _, _, err := v.MemoSecret("hive", "carol", sent.From, sent.To); !errors.Is(err, ErrNoKey) {
		t.Fatalf("carol reads alice's memo to bob: %v, want ErrNoKey", err)
	}
	if _, err := v.SharedSecret("hive", "alice", "memo", keys.PublicKey{}); err == nil {
		t.Fatal("secret with the null key")
	}
	v.Lock()
	if _, _, err := v.MemoSecret("hive", "bob", sent.From, sent.To); !errors.Is(err, ErrLocked) {
		t.Fatalf("locked MemoSecret: %v", err)
	}
	if _, err := v.SharedSecret("hive", "alice", "memo", f.bobMemo.Pub); !errors.Is(err, ErrLocked) {
		t.Fatalf("locked SharedSecret: %v", err)
	}
}

// peerJob is one operation of testdata/memo/peers.js.
type peerJob struct {
	Op         string `json:"op"`
	WIF        string `json:"wif"`
	ToHex      string `json:"to_hex,omitempty"`
	PeerHex    string `json:"peer_hex,omitempty"`
	Nonce      string `json:"nonce,omitempty"`
	Message    string `json:"message"`
	Memo       string `json:"memo,omitempty"`
	MessageHex string `json:"message_hex,omitempty"`
}

type peerResult struct {
	OK    string `json:"ok"`
	Error string `json:"error"`
}

// runPeers installs the pinned peers (skipping without node and npm) and
// runs jobs through them.
func runPeers(t *testing.T, jobs []peerJob) []peerResult {
	t.Helper()
	dir := npmtest.Install(t, "localsigner-memo-peers", dhivePkg, peerplaysjsPkg)
	script, err := filepath.Abs(filepath.Join("testdata", "memo", "peers.js"))
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "jobs.json")
	b, _ := json.Marshal(jobs)
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var res []peerResult
	out := npmtest.Output(t, dir, time.Minute, script, in)
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(jobs) {
		t.Fatalf("peers.js output %q: %v", out, err)
	}
	return res
}

func hexKey(k keys.PublicKey) string { return hex.EncodeToString(k[:]) }

// TestHiveMemoWithDhive: memos dhive encodes (to a memo key, to a posting
// key, and for a pair whose legacy secret differs) decrypt through the
// vault for recipient and sender; memos we encrypt through the vault decode
// in dhive.
func TestHiveMemoWithDhive(t *testing.T) {
	f := newMemoFixture(t)
	cases := []struct {
		name   string
		to     memoKey
		reader string
		role   string
		text   string
	}{
		{"alice to bob's memo key", f.bobMemo, "bob", "memo", "hello bob 💌 #1"},
		{"alice to bob's posting key", f.bobPosting, "bob", "posting", "login challenge"},
		{"alice to carol, legacy secret", f.carolMemo, "carol", "memo", strings.Repeat("long memo ", 30)},
	}

	// dhive encrypts, the vault decrypts.
	var jobs []peerJob
	for _, c := range cases {
		jobs = append(jobs, peerJob{Op: "hive_encode", WIF: f.aliceMemo.WIF, ToHex: hexKey(c.to.Pub),
			Message: c.text, Nonce: strconv.FormatUint(memo.NewNonce(), 10)})
	}
	for i, r := range runPeers(t, jobs) {
		c := cases[i]
		t.Run("dhive encodes/"+c.name, func(t *testing.T) {
			if r.Error != "" {
				t.Fatalf("dhive: %s", r.Error)
			}
			m, err := memo.ParseHive(r.OK)
			if err != nil {
				t.Fatal(err)
			}
			if m.From != f.aliceMemo.Pub || m.To != c.to.Pub || strconv.FormatUint(m.Nonce, 10) != jobs[i].Nonce {
				t.Fatal("header differs from what dhive was given")
			}
			for _, reader := range []struct{ account, role string }{{c.reader, c.role}, {"alice", "memo"}} {
				s, role, err := f.v.MemoSecret("hive", reader.account, m.From, m.To)
				if err != nil || role != reader.role {
					t.Fatalf("%s: MemoSecret role %q, %v", reader.account, role, err)
				}
				text, err := m.Decrypt(&s)
				s.Clear()
				if err != nil || text != c.text {
					t.Fatalf("%s decrypts %q, %v", reader.account, text, err)
				}
			}
		})
	}

	// The vault encrypts, dhive decodes. dhive derives its key from the
	// legacy secret, so a memo made with the fc secret fails in dhive for
	// the pair where they differ (and only there).
	type encoded struct {
		name        string
		wantFailure bool
		text        string
	}
	var out []encoded
	jobs = jobs[:0]
	for _, c := range cases {
		s, err := f.v.SharedSecret("hive", "alice", "memo", c.to.Pub)
		if err != nil {
			t.Fatal(err)
		}
		differs := s.Secret != s.Legacy
		if differs != (c.reader == "carol") {
			t.Fatalf("%s: legacy secret differs = %v", c.name, differs)
		}
		for _, variant := range []struct {
			name   string
			secret *[64]byte
		}{{"fc secret", &s.Secret}, {"legacy secret", &s.Legacy}} {
			m := memo.EncryptHive(variant.secret, f.aliceMemo.Pub, c.to.Pub, memo.NewNonce(), c.text)
			readerWIF := map[string]string{"bob": f.bobMemo.WIF, "carol": f.carolMemo.WIF}[c.reader]
			if c.role == "posting" {
				readerWIF = f.bobPosting.WIF
			}
			jobs = append(jobs, peerJob{Op: "hive_decode", WIF: readerWIF, Memo: m.String()},
				peerJob{Op: "hive_decode", WIF: f.aliceMemo.WIF, Memo: m.String()})
			fails := differs && variant.name == "fc secret"
			out = append(out, encoded{c.name + "/" + variant.name + "/recipient", fails, c.text},
				encoded{c.name + "/" + variant.name + "/sender", fails, c.text})
		}
		s.Clear()
	}
	for i, r := range runPeers(t, jobs) {
		e := out[i]
		t.Run("dhive decodes/"+e.name, func(t *testing.T) {
			switch {
			case e.wantFailure && r.Error == "":
				t.Fatalf("dhive decoded %q with its legacy secret; want its 'Invalid key'", r.OK)
			case e.wantFailure:
				t.Logf("dhive, as expected: %s", r.Error)
			case r.Error != "":
				t.Fatalf("dhive: %s", r.Error)
			case r.OK != "#"+e.text:
				t.Fatalf("dhive decoded %q, want %q", r.OK, "#"+e.text)
			}
		})
	}
}

// TestPeerplaysMemoWithPeerplaysjs: memo_data messages peerplaysjs-lib
// seals open through the vault for both sides, and messages we seal
// through the vault open in peerplaysjs-lib, including for the pair whose
// legacy secret differs (Peerplays peers all use the fc secret).
func TestPeerplaysMemoWithPeerplaysjs(t *testing.T) {
	f := newMemoFixture(t)
	cases := []struct {
		name   string
		to     memoKey
		reader string
		text   string
	}{
		{"alice to bob", f.bobMemo, "bob", "ppy memo ✓"},
		{"alice to carol", f.carolMemo, "carol", strings.Repeat("0123456789abcdef", 3)},
		{"empty", f.bobMemo, "bob", ""},
	}

	var jobs []peerJob
	for _, c := range cases {
		jobs = append(jobs, peerJob{Op: "graphene_seal", WIF: f.aliceMemo.WIF, ToHex: hexKey(c.to.Pub),
			Nonce: strconv.FormatUint(memo.NewNonce(), 10), Message: c.text})
	}
	for i, r := range runPeers(t, jobs) {
		c := cases[i]
		t.Run("peerplaysjs seals/"+c.name, func(t *testing.T) {
			if r.Error != "" {
				t.Fatalf("peerplaysjs-lib: %s", r.Error)
			}
			sealed, err := hex.DecodeString(r.OK)
			if err != nil {
				t.Fatal(err)
			}
			nonce, _ := strconv.ParseUint(jobs[i].Nonce, 10, 64)
			for _, reader := range []string{c.reader, "alice"} {
				s, _, err := f.v.MemoSecret("peerplays", reader, f.aliceMemo.Pub, c.to.Pub)
				if err != nil {
					t.Fatal(err)
				}
				text, err := memo.OpenGraphene(&s, nonce, sealed)
				s.Clear()
				if err != nil || text != c.text {
					t.Fatalf("%s opens %q, %v", reader, text, err)
				}
			}
		})
	}

	jobs = jobs[:0]
	for _, c := range cases {
		s, err := f.v.SharedSecret("peerplays", "alice", "memo", c.to.Pub)
		if err != nil {
			t.Fatal(err)
		}
		nonce := memo.NewNonce()
		sealed := memo.SealGraphene(&s.Secret, nonce, c.text)
		s.Clear()
		readerWIF := map[string]string{"bob": f.bobMemo.WIF, "carol": f.carolMemo.WIF}[c.reader]
		jobs = append(jobs,
			peerJob{Op: "graphene_open", WIF: readerWIF, PeerHex: hexKey(f.aliceMemo.Pub), Nonce: strconv.FormatUint(nonce, 10), MessageHex: hex.EncodeToString(sealed)},
			peerJob{Op: "graphene_open", WIF: f.aliceMemo.WIF, PeerHex: hexKey(c.to.Pub), Nonce: strconv.FormatUint(nonce, 10), MessageHex: hex.EncodeToString(sealed)})
	}
	for i, r := range runPeers(t, jobs) {
		c := cases[i/2]
		t.Run(fmt.Sprintf("peerplaysjs opens/%s/%d", c.name, i%2), func(t *testing.T) {
			if r.Error != "" || r.OK != c.text {
				t.Fatalf("peerplaysjs-lib: %q, %q", r.OK, r.Error)
			}
		})
	}
}

// ExampleVault_MemoSecret decodes a Hive memo addressed to an account, as
// Hivesigner's POST /api/decode does: read the memo's keys, let the vault
// pick the account's key among them and compute the secret, decrypt.
func ExampleVault_MemoSecret() {
	dir, _ := os.MkdirTemp("", "memo-example")
	defer os.RemoveAll(dir)
	v, _ := OpenVault(dir, VaultOptions{KDF: KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}) // cheap KDF: example only
	defer v.Lock()
	_ = v.Init([]byte("example passphrase"))
	_, _ = v.AddMasterPassword("hive", "alice", "alice's example password")
	bob, _ := v.AddMasterPassword("hive", "bob", "bob's example password")

	// alice sends bob a memo (to his memo key, the last role listed).
	alice, _ := v.PublicKey("hive", "alice", "memo")
	s, _ := v.SharedSecret("hive", "alice", "memo", bob[3].PublicKey)
	encoded := memo.EncryptHive(&s.Secret, alice, bob[3].PublicKey, memo.NewNonce(), "see you at 5").String()
	s.Clear()

	// bob's wallet decodes it.
	m, err := memo.ParseHive(encoded)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, role, err := v.MemoSecret("hive", "bob", m.From, m.To)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Clear()
	text, err := m.Decrypt(&s)
	fmt.Println(role, text, err)
	// Output: memo see you at 5 <nil>
}
