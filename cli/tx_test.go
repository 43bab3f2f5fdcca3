package cli

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"localsigner/internal/vectors"
	"localsigner/signer/keys"
)

// run executes the command line in-process and returns its exit code and
// streams.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

// chainArgs maps a vector to the --chain/--prefix flags a user would give.
func chainArgs(v vectors.Transaction) []string {
	switch {
	case v.Chain == "peerplays":
		return []string{"--chain", "peerplays"}
	case v.Network == "testnet":
		return []string{"--chain", "hive-testnet", "--prefix", v.AddressPrefix}
	case v.Network == "mainnet":
		return []string{"--chain", "hive"}
	default:
		return []string{"--chain", v.ChainID, "--prefix", v.AddressPrefix}
	}
}

// unsigned returns the vector's transaction JSON without its signatures.
func unsigned(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "signatures")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTxDigestVectors(t *testing.T) {
	txs, err := vectors.Transactions()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range txs {
		t.Run(v.Name, func(t *testing.T) {
			args := append([]string{"tx", "digest"}, chainArgs(v)...)
			code, out, errOut := run(t, string(v.Transaction), args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			want := map[string]string{"serialized": v.SerializedHex, "digest": v.DigestHex, "id": v.TransactionID}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s = %s, want %s", k, got[k], w)
				}
			}
			if len(got) != 3 {
				t.Errorf("output has %d fields: %v", len(got), got)
			}
		})
	}
}

func TestTxSignVectors(t *testing.T) {
	txs, err := vectors.Transactions()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range txs {
		t.Run(v.Name, func(t *testing.T) {
			var wifs []string
			for _, k := range v.SigningKeys {
				wifs = append(wifs, k.WIF)
			}
			wifFile := filepath.Join(t.TempDir(), "keys")
			if err := os.WriteFile(wifFile, []byte(strings.Join(wifs, "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"tx", "sign", "--wif-file", wifFile}, chainArgs(v)...)
			code, out, errOut := run(t, unsigned(t, v.Transaction), args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var signed struct {
				Signatures []string `json:"signatures"`
			}
			if err := json.Unmarshal([]byte(out), &signed); err != nil {
				t.Fatal(err)
			}
			if len(signed.Signatures) != len(v.SigningKeys) {
				t.Fatalf("%d signatures, want %d", len(signed.Signatures), len(v.SigningKeys))
			}
			var digest [32]byte
			hex.Decode(digest[:], []byte(v.DigestHex))
			for i, s := range signed.Signatures {
				sig, err := keys.ParseSignature(s)
				if err != nil {
					t.Fatal(err)
				}
				pub, err := keys.ParsePublicKey(v.SigningKeys[i].PublicKey, v.AddressPrefix)
				if err != nil {
					t.Fatal(err)
				}
				if err := keys.Verify(pub, digest, sig); err != nil {
					t.Errorf("signature %d: %v", i, err)
				}
			}
			// The signed output digests to the same values: signatures are
			// not part of the digest, and nothing else changed.
			code, out2, errOut := run(t, out, append([]string{"tx", "digest"}, chainArgs(v)...)...)
			if code != 0 || !strings.Contains(out2, v.DigestHex) {
				t.Fatalf("digest of signed output: exit %d %s %s", code, out2, errOut)
			}
		})
	}
}

func TestTxBadInput(t *testing.T) {
	const vote = `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00","operations":[["vote",{"voter":"alice","author":"bob","permlink":"p","weight":10000}]],"extensions":[]}`
	dir := t.TempDir()
	badWIF := filepath.Join(dir, "bad")
	os.WriteFile(badWIF, []byte("\n5JaB7vFB5Pn5RWhKZpZiq2LwZGSc5HNtNx59HSnm3XMTy5VPj6a\n"), 0o600)
	emptyWIF := filepath.Join(dir, "empty")
	os.WriteFile(emptyWIF, []byte("\n\n"), 0o600)
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		errHas []string
	}{
		{"no chain", vote, []string{"tx", "digest"}, 2, []string{"--chain"}},
		{"unknown chain", vote, []string{"tx", "digest", "--chain", "eos"}, 2, []string{"eos"}},
		{"empty stdin", "", []string{"tx", "digest", "--chain", "hive"}, 1, []string{"no transaction"}},
		{"malformed json", `{"ref_block_num":`, []string{"tx", "digest", "--chain", "hive"}, 1, []string{"transaction"}},
		{"unknown operation", strings.Replace(vote, `"vote"`, `"teleport"`, 1), []string{"tx", "digest", "--chain", "hive"}, 1, []string{"teleport"}},
		{"amount decimals", `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00","operations":[["transfer",{"from":"alice","to":"bob","amount":"1.0 HIVE","memo":""}]],"extensions":[]}`, []string{"tx", "digest", "--chain", "hive"}, 1, []string{"amount"}},
		{"amount overflow", `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00","operations":[["transfer",{"from":"alice","to":"bob","amount":"99999999999999999999.000 HIVE","memo":""}]],"extensions":[]}`, []string{"tx", "digest", "--chain", "hive"}, 1, []string{"amount"}},
		{"invalid account", strings.Replace(vote, `"alice"`, `"Alice!"`, 1), []string{"tx", "digest", "--chain", "hive"}, 1, []string{"voter"}},
		{"wif checksum", vote, []string{"tx", "sign", "--chain", "hive", "--wif-file", badWIF}, 1, []string{"line 2", "checksum"}},
		{"no wif file flag", vote, []string{"tx", "sign", "--chain", "hive"}, 2, []string{"--wif-file"}},
		{"missing wif file", vote, []string{"tx", "sign", "--chain", "hive", "--wif-file", filepath.Join(dir, "nope")}, 1, []string{"--wif-file"}},
		{"empty wif file", vote, []string{"tx", "sign", "--chain", "hive", "--wif-file", emptyWIF}, 1, []string{"no keys"}},
		{"unknown subcommand", vote, []string{"tx", "broadcast"}, 2, []string{"broadcast"}},
		{"stray argument", vote, []string{"tx", "digest", "--chain", "hive", "extra"}, 2, []string{"extra"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, errOut)
			}
			if out != "" {
				t.Errorf("stdout not empty on error: %q", out)
			}
			if strings.Count(errOut, "\n") != 1 {
				t.Errorf("stderr should be one line: %q", errOut)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr %q does not mention %q", errOut, s)
				}
			}
			if strings.Contains(errOut, "5JaB7vFB5Pn5RWhKZpZiq2LwZGSc5HNtNx59HSnm3XMTy5VPj6") {
				t.Errorf("stderr repeats a private key")
			}
		})
	}
}

func TestTxSignDuplicateKey(t *testing.T) {
	const vote = `{"ref_block_num":1,"ref_block_prefix":2,"expiration":"2024-06-01T12:00:00","operations":[["vote",{"voter":"alice","author":"bob","permlink":"p","weight":10000}]],"extensions":[]}`
	f := filepath.Join(t.TempDir(), "keys")
	w := "5JaB7vFB5Pn5RWhKZpZiq2LwZGSc5HNtNx59HSnm3XMTy5VPj6E"
	os.WriteFile(f, []byte(w+"\n"+w+"\n"), 0o600)
	code, out, errOut := run(t, vote, "tx", "sign", "--chain", "hive", "--wif-file", f)
	if code != 1 || out != "" || !strings.Contains(errOut, "line 2") || !strings.Contains(errOut, "twice") {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
	}
}

func TestHelpAndVersion(t *testing.T) {
	if code, out, _ := run(t, "", "help"); code != 0 || !strings.Contains(out, "tx") {
		t.Fatalf("help: %d %q", code, out)
	}
	if code, out, _ := run(t, "", "version"); code != 0 || !strings.HasPrefix(out, "localsigner ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, _, errOut := run(t, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "frobnicate") {
		t.Fatalf("unknown: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, ""); code != 1 || !strings.Contains(errOut, "desktop app") {
		t.Fatalf("no GUI: %d %q", code, errOut)
	}
	var got GUIOptions
	code := Main([]string{"--devnet", "--listen", "127.0.0.1:9999"}, Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, GUI: func(o GUIOptions) error { got = o; return nil }})
	if code != 0 || !got.Devnet || got.Listen != "127.0.0.1:9999" || got.Chain != "" {
		t.Fatalf("GUI options: %d %+v", code, got)
	}
	// --chain picks the devnet's dialect, and only the devnet's.
	for _, c := range []struct {
		args  []string
		code  int
		chain string
	}{
		{[]string{"--devnet", "--chain", "peerplays"}, 0, "peerplays"},
		{[]string{"--chain=hive", "--devnet"}, 0, "hive"},
		{[]string{"--devnet", "--chain", "steem"}, 2, ""},
		{[]string{"--devnet", "--chain"}, 2, ""},
		{[]string{"--chain", "peerplays"}, 2, ""},
	} {
		got = GUIOptions{}
		var errOut bytes.Buffer
		code := Main(c.args, Env{Stdout: &bytes.Buffer{}, Stderr: &errOut, GUI: func(o GUIOptions) error { got = o; return nil }})
		if code != c.code || got.Chain != c.chain {
			t.Fatalf("%q: exit %d, chain %q; want %d, %q (%s)", c.args, code, got.Chain, c.code, c.chain, errOut.String())
		}
	}
}
