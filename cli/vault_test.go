package cli

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"localsigner/internal/vectors"
	"localsigner/signer"
	"localsigner/signer/chain"
)

// cheapVault is the explicit test option that makes Argon2 nearly free.
var cheapVault = signer.VaultOptions{KDF: signer.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}

// aliceVector is one of alice's login-derived keys in hive_keys.json.
type aliceVector struct {
	Account, Password, Role, PrivHex, WIF string
	PubSTM, PubTST, PubPPY                string
}

// loadAlice returns alice's keys from the shared vectors, in role order.
func loadAlice(t *testing.T) []aliceVector {
	t.Helper()
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	var out []aliceVector
	for _, l := range kv.Login {
		if l.Account == "alice" {
			out = append(out, aliceVector{l.Account, l.Password, l.Role, l.PrivateKey, l.WIF, l.PublicKey, l.PublicKeyTST, l.PublicKeyPPY})
		}
	}
	if len(out) != 4 {
		t.Fatalf("%d alice vectors, want 4", len(out))
	}
	return out
}

// cliRun runs one command in-process and records everything it printed.
type cliRun struct {
	t       *testing.T
	outputs []string // every stdout and stderr, for the secrets scan
}

func (r *cliRun) run(stdin string, args ...string) (code int, stdout, stderr string) {
	r.t.Helper()
	var out, errOut bytes.Buffer
	env := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, VaultOptions: cheapVault}
	code = Main(args, env)
	r.outputs = append(r.outputs, out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

func (r *cliRun) ok(stdin string, args ...string) string {
	r.t.Helper()
	code, out, errOut := r.run(stdin, args...)
	if code != 0 {
		r.t.Fatalf("localsigner %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// fakeTerminal plays the user at a terminal: each prompt gets the next
// answer; running out is "no terminal".
func fakeTerminal(t *testing.T, answers ...string) *[]string {
	t.Helper()
	prompts := &[]string{}
	old := promptSecret
	promptSecret = func(prompt string) ([]byte, error) {
		*prompts = append(*prompts, prompt)
		if len(answers) == 0 {
			return nil, errNoTTY
		}
		a := answers[0]
		answers = answers[1:]
		return []byte(a), nil
	}
	t.Cleanup(func() { promptSecret = old })
	return prompts
}

// isolate clears the environment variables the vault commands read.
func isolate(t *testing.T) {
	for _, v := range []string{envDataDir, envPassphrase, envNewPassphrase} {
		t.Setenv(v, "")
	}
}

type lsRow struct {
	Chain, Account, Role string
	PublicKey            string `json:"public_key"`
}

func (r *cliRun) ls(args ...string) []lsRow {
	r.t.Helper()
	var rows []lsRow
	if err := json.Unmarshal([]byte(r.ok("", append([]string{"keys", "ls", "--json"}, args...)...)), &rows); err != nil {
		r.t.Fatal(err)
	}
	return rows
}

// TestVaultCLIKeepsSecretsOffDisk drives every vault command with known keys
// and a known passphrase, then scans every byte under the data directory,
// and everything the commands printed, for the secrets and account names.
func TestVaultCLIKeepsSecretsOffDisk(t *testing.T) {
	isolate(t)
	ak := loadAlice(t)
	root := t.TempDir()
	data := filepath.Join(root, "data")
	pass1, pass2, pass3 := "first passphrase, typed by a quiet lantern", "second passphrase, from a file", "third passphrase, typed in orbit over tundra"
	passFile := filepath.Join(root, "pass2") // outside the data dir
	os.WriteFile(passFile, []byte(pass2+"\nignored second line\n"), 0o600)
	r := &cliRun{t: t}

	// init: passphrase typed twice at the terminal.
	prompts := fakeTerminal(t, pass1, pass1)
	if out := r.ok("", "init", "--data-dir", data); !strings.Contains(out, data) {
		t.Fatalf("init printed %q", out)
	}
	if len(*prompts) != 2 {
		t.Fatalf("init prompted %v", *prompts)
	}
	if code, _, errOut := r.run("", "init", "--data-dir", data); code != 1 || !strings.Contains(errOut, "already initialized") {
		t.Fatalf("second init: exit %d, %s", code, errOut)
	}

	// keys add with a WIF; passphrase from the environment.
	t.Setenv(envPassphrase, pass1)
	out := r.ok(ak[2].WIF+"\n", "keys", "add", "--data-dir", data, "--chain", "hive", "--account", "alice", "--role", "posting")
	if !strings.Contains(out, ak[2].PubSTM) {
		t.Fatalf("keys add printed %q, want the public key %s", out, ak[2].PubSTM)
	}
	// keys add --master-password; data dir from the environment.
	t.Setenv(envDataDir, data)
	out = r.ok(ak[0].Password+"\n", "keys", "add", "--chain", "peerplays", "--account", "alice", "--master-password")
	for _, k := range ak {
		if !strings.Contains(out, k.PubPPY) {
			t.Errorf("keys add --master-password did not print %s", k.PubPPY)
		}
	}
	r.ok(ak[1].WIF, "keys", "add", "--chain", "hive-testnet", "--account", "carol.test", "--role", "active")

	// keys ls, as a table and as JSON.
	table := r.ok("", "keys", "ls")
	for _, want := range []string{"CHAIN", ak[2].PubSTM, ak[3].PubPPY, ak[1].PubTST, "carol.test"} {
		if !strings.Contains(table, want) {
			t.Errorf("keys ls lacks %q:\n%s", want, table)
		}
	}
	if rows := r.ls(); len(rows) != 6 || rows[0] != (lsRow{"hive", "alice", "posting", ak[2].PubSTM}) {
		t.Fatalf("keys ls --json = %+v", rows)
	}

	// keys rm: one role, then the rest of the account.
	r.ok("", "keys", "rm", "--chain", "peerplays", "--account", "alice", "--role", "memo")
	if rows := r.ls(); len(rows) != 5 {
		t.Fatalf("after rm memo: %+v", rows)
	}
	r.ok("", "keys", "rm", "--chain", "peerplays", "--account", "alice")
	if code, _, errOut := r.run("", "keys", "rm", "--chain", "peerplays", "--account", "alice"); code != 1 || !strings.Contains(errOut, "no such key") {
		t.Fatalf("rm of nothing: exit %d: %s", code, errOut)
	}

	// passwd: old from the environment, new from a file.
	if out := r.ok("", "passwd", "--new-passphrase-file", passFile); !strings.Contains(out, "re-encrypted") {
		t.Fatalf("passwd printed %q", out)
	}
	// The old generation is gone: one generation directory is left.
	if gens, _ := filepath.Glob(filepath.Join(data, "vault", "gen-*")); len(gens) != 1 {
		t.Fatalf("generation directories after passwd: %v", gens)
	}
	if code, _, errOut := r.run("", "keys", "ls"); code != 1 || !strings.Contains(errOut, "wrong passphrase") {
		t.Fatalf("old passphrase after passwd: exit %d: %s", code, errOut)
	}
	if rows := r.ls("--passphrase-file", passFile); len(rows) != 2 {
		t.Fatalf("after passwd: %+v", rows)
	}
	// passwd again, all typed at the terminal: a weak new passphrase is
	// refused and the old one still opens the vault.
	t.Setenv(envPassphrase, "")
	fakeTerminal(t, pass2, "hive1234", "hive1234")
	if code, _, errOut := r.run("", "passwd"); code != 1 || !strings.Contains(errOut, "too weak") {
		t.Fatalf("passwd to a weak passphrase: exit %d: %s", code, errOut)
	}
	if rows := r.ls("--passphrase-file", passFile); len(rows) != 2 {
		t.Fatalf("after a refused passwd: %+v", rows)
	}
	fakeTerminal(t, pass2, pass3, pass3)
	r.ok("", "passwd")
	t.Setenv(envPassphrase, pass3)
	if rows := r.ls(); len(rows) != 2 {
		t.Fatalf("after the second passwd: %+v", rows)
	}

	// The scan.
	needles := map[string]string{
		"passphrase 1": pass1, "passphrase 2": pass2, "passphrase 3": pass3,
		"master password": ak[0].Password, "account alice": "alice", "account carol": "carol.test",
	}
	for _, k := range ak {
		raw, _ := hex.DecodeString(k.PrivHex)
		needles[k.Role+" WIF"] = k.WIF
		needles[k.Role+" key"] = string(raw)
		needles[k.Role+" key hex"] = k.PrivHex
		needles[k.Role+" key HEX"] = strings.ToUpper(k.PrivHex)
	}
	files := 0
	err := filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		for what, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("%s contains the %s", p, what)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 4 {
		t.Fatalf("only %d files under the data dir", files)
	}
	for _, o := range r.outputs {
		for what, n := range needles {
			if strings.HasPrefix(what, "account") {
				continue // account names are meant to be printed
			}
			if strings.Contains(o, n) {
				t.Errorf("a command printed the %s", what)
			}
		}
	}
}

func TestVaultCLIErrors(t *testing.T) {
	isolate(t)
	ak := loadAlice(t)
	data := t.TempDir()
	r := &cliRun{t: t}
	t.Setenv(envDataDir, data)
	fakeTerminal(t) // no terminal

	if code, _, errOut := r.run("", "keys", "ls", "--passphrase-file", "/nonexistent"); code != 1 || !strings.Contains(errOut, "localsigner init") {
		t.Fatalf("ls without a vault: exit %d: %s", code, errOut)
	}
	if code, _, errOut := r.run("", "init"); code != 1 || !strings.Contains(errOut, "--passphrase-file") {
		t.Fatalf("init without a passphrase source: exit %d: %s", code, errOut)
	}
	fakeTerminal(t, "one", "two")
	if code, _, errOut := r.run("", "init"); code != 1 || !strings.Contains(errOut, "differ") {
		t.Fatalf("init with a mistyped confirmation: exit %d: %s", code, errOut)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("\nsecond line"), 0o600)
	if code, _, errOut := r.run("", "init", "--passphrase-file", empty); code != 1 || !strings.Contains(errOut, "empty") {
		t.Fatalf("init with an empty first line: exit %d: %s", code, errOut)
	}
	if code, _, _ := r.run("", "init", "--backend", "floppy"); code != 2 {
		t.Fatalf("init --backend floppy: exit %d", code)
	}
	// The first-run screen's strength rule: a weak passphrase is refused
	// with a hint and no vault, unless the user insists.
	t.Setenv(envPassphrase, "pw")
	if code, _, errOut := r.run("", "init"); code != 1 || !strings.Contains(errOut, "too weak") || !strings.Contains(errOut, "--weak-passphrase") ||
		strings.Contains(errOut, "pw\n") {
		t.Fatalf("init with a weak passphrase: exit %d: %s", code, errOut)
	}
	if code, _, errOut := r.run("", "keys", "ls"); code != 1 || !strings.Contains(errOut, "localsigner init") {
		t.Fatalf("a vault was created for a refused passphrase: exit %d: %s", code, errOut)
	}
	r.ok("", "init", "--weak-passphrase")

	usage := [][]string{
		{"keys"},
		{"keys", "frob"},
		{"keys", "add", "--account", "alice", "--role", "posting"},
		{"keys", "add", "--chain", "hive", "--account", "alice"},
		{"keys", "add", "--chain", "hive", "--account", "alice", "--role", "posting", "--master-password"},
		{"keys", "add", "--chain", "hive", "--account", "Alice", "--role", "posting"},
		{"keys", "add", "--chain", "bitcoin", "--account", "alice", "--role", "posting"},
		{"keys", "add", "--chain", "hive", "--account", "alice", "--role", "admin"},
		{"keys", "rm", "--chain", "hive"},
		{"keys", "ls", "extra"},
	}
	for _, args := range usage {
		if code, _, errOut := r.run(ak[2].WIF, args...); code != 2 {
			t.Errorf("localsigner %s: exit %d (%s), want 2", strings.Join(args, " "), code, errOut)
		}
	}
	bad := map[string]string{
		"two lines":     ak[2].WIF + "\n" + ak[3].WIF,
		"nothing":       " \n",
		"a corrupt WIF": ak[2].WIF[:40],
	}
	for name, stdin := range bad {
		code, _, errOut := r.run(stdin, "keys", "add", "--chain", "hive", "--account", "alice", "--role", "posting")
		if code != 1 {
			t.Errorf("keys add with %s: exit %d", name, code)
		}
		if strings.Contains(errOut, ak[2].WIF[:40]) {
			t.Errorf("keys add with %s echoed the key: %s", name, errOut)
		}
	}
	t.Setenv(envPassphrase, "wrong")
	if code, _, errOut := r.run(ak[2].WIF, "keys", "add", "--chain", "hive", "--account", "alice", "--role", "posting"); code != 1 || !strings.Contains(errOut, "wrong passphrase") {
		t.Fatalf("wrong passphrase: exit %d: %s", code, errOut)
	}
}

func TestDataDir(t *testing.T) {
	isolate(t)
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	t.Setenv(envDataDir, "/from/env")
	if d, _ := DataDir("rel/flag"); d != abs("rel/flag") {
		t.Errorf("flag: %s", d)
	}
	if d, _ := DataDir(""); d != "/from/env" {
		t.Errorf("env: %s", d)
	}
	t.Setenv(envDataDir, "")
	cfg, err := os.UserConfigDir()
	if err != nil {
		t.Skip(err)
	}
	if d, _ := DataDir(""); d != filepath.Join(cfg, "localsigner") {
		t.Errorf("default: %s", d)
	}
}

// TestVaultChainsMatchChainPackage keeps the vault's own chain list in step
// with package chain's.
func TestVaultChainsMatchChainPackage(t *testing.T) {
	if got, want := signer.VaultChains(), chain.Names(); !slices.Equal(got, want) {
		t.Fatalf("vault chains %v, chain package %v", got, want)
	}
	for _, name := range signer.VaultChains() {
		if _, err := chain.Lookup(name, ""); err != nil {
			t.Errorf("chain %s: %v", name, err)
		}
	}
}
