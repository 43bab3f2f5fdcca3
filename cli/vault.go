package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	pwrule "localsigner/internal/passphrase"
	"localsigner/signer"
	"localsigner/signer/chain"
)

// Environment variables the vault commands read.
const (
	envDataDir       = "LOCALSIGNER_DATA_DIR"
	envPassphrase    = "LOCALSIGNER_PASSPHRASE"
	envNewPassphrase = "LOCALSIGNER_NEW_PASSPHRASE"
)

// maxSecretInput caps a passphrase file or a key read from stdin.
const maxSecretInput = 64 << 10

// errNoTTY means no terminal could be opened to prompt on.
var errNoTTY = errors.New("no terminal to prompt on")

// DataDir resolves the data directory: the --data-dir flag if set, else
// $LOCALSIGNER_DATA_DIR, else localsigner in the OS config directory
// (~/.config/localsigner on Linux).
func DataDir(flagValue string) (string, error) {
	if flagValue != "" {
		return filepath.Abs(flagValue)
	}
	if d := os.Getenv(envDataDir); d != "" {
		return filepath.Abs(d)
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no data directory: set --data-dir or $%s (%v)", envDataDir, err)
	}
	return filepath.Join(base, "localsigner"), nil
}

// promptSecret asks for a secret on the controlling terminal without echo.
// It is a variable so tests can play the user at a terminal.
var promptSecret = func(prompt string) ([]byte, error) {
	in, out := "/dev/tty", "/dev/tty"
	if runtime.GOOS == "windows" {
		in, out = "CONIN$", "CONOUT$"
	}
	tin, err := os.OpenFile(in, os.O_RDWR, 0)
	if err != nil {
		return nil, errNoTTY
	}
	defer tin.Close()
	if !term.IsTerminal(int(tin.Fd())) {
		return nil, errNoTTY
	}
	tout := tin
	if out != in {
		if tout, err = os.OpenFile(out, os.O_WRONLY, 0); err != nil {
			return nil, errNoTTY
		}
		defer tout.Close()
	}
	fmt.Fprint(tout, prompt)
	b, err := term.ReadPassword(int(tin.Fd()))
	fmt.Fprintln(tout)
	return b, err
}

// vaultFlags are the flags every vault command shares.
type vaultFlags struct {
	dataDir, passFile string
}

func newVaultFlagSet(env Env, name, synopsis string) (*flag.FlagSet, *vaultFlags) {
	fs := newFlagSet(env, name, synopsis)
	vf := &vaultFlags{}
	fs.StringVar(&vf.dataDir, "data-dir", "", "data directory (default $"+envDataDir+", else the OS config dir)")
	fs.StringVar(&vf.passFile, "passphrase-file", "", "read the vault passphrase from the first line of FILE (else $"+envPassphrase+", else a terminal prompt)")
	return fs, vf
}

// passphrase gets a passphrase from, in order: the file, the environment
// variable, a terminal prompt (asked twice when confirm is set).
func passphrase(file, envVar, what string, confirm bool) ([]byte, error) {
	if file != "" {
		return readPassphraseFile(file)
	}
	if p := os.Getenv(envVar); p != "" {
		return []byte(p), nil
	}
	p, err := promptSecret(fmt.Sprintf("%s: ", what))
	if errors.Is(err, errNoTTY) {
		return nil, fmt.Errorf("%s needed: use --passphrase-file, $%s, or run in a terminal", what, envVar)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if confirm {
		again, err := promptSecret(fmt.Sprintf("%s again: ", what))
		if err != nil {
			clear(p)
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		same := bytes.Equal(p, again)
		clear(again)
		if !same {
			clear(p)
			return nil, fmt.Errorf("the two %ss differ", what)
		}
	}
	return p, nil
}

// readPassphraseFile returns the first line of path, without its line end.
func readPassphraseFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--passphrase-file: %w", err)
	}
	defer f.Close()
	b, err := readLimited(f, maxSecretInput, "passphrase file "+path)
	if err != nil {
		return nil, err
	}
	defer clear(b)
	line, _, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return nil, fmt.Errorf("--passphrase-file %s: the first line is empty", path)
	}
	return bytes.Clone(line), nil
}

// openVault opens the vault of the resolved data directory; unless creating
// it, the vault must exist.
func openVault(env Env, vf *vaultFlags, backend string, mustExist bool) (*signer.Vault, string, error) {
	dir, err := DataDir(vf.dataDir)
	if err != nil {
		return nil, "", err
	}
	opts := env.VaultOptions
	if backend != "" {
		opts.Backend = backend
	}
	v, err := signer.OpenVault(dir, opts)
	if err != nil {
		return nil, "", fmt.Errorf("open vault in %s: %w", dir, err)
	}
	if mustExist {
		ok, err := v.Exists()
		if err != nil {
			return nil, "", err
		}
		if !ok {
			return nil, "", fmt.Errorf("no vault in %s: run 'localsigner init' first", dir)
		}
	}
	return v, dir, nil
}

// openUnlocked opens the existing vault and unlocks it with the
// passphrase; the caller locks it when done.
func openUnlocked(env Env, vf *vaultFlags) (*signer.Vault, error) {
	v, _, err := openVault(env, vf, "", true)
	if err != nil {
		return nil, err
	}
	if err := unlock(env, v, vf); err != nil {
		v.Lock()
		return nil, err
	}
	return v, nil
}

// unlock reads the passphrase and unlocks v, warning about unreadable
// records.
func unlock(env Env, v *signer.Vault, vf *vaultFlags) error {
	p, err := passphrase(vf.passFile, envPassphrase, "vault passphrase", false)
	if err != nil {
		return err
	}
	err = v.Unlock(p)
	clear(p)
	if err != nil {
		return err
	}
	for _, d := range v.Damaged() {
		fmt.Fprintf(env.Stderr, "localsigner: warning: skipped an unreadable key record: %v\n", d)
	}
	return nil
}

// errWeakPassphrase: the new passphrase is below the strength the desktop
// app's meter requires.
var errWeakPassphrase = errors.New("the passphrase is too weak")

// strongEnough applies the first-run screen's rule to a new passphrase,
// unless the user said --weak-passphrase. The error says how to do better,
// never what the passphrase was.
func strongEnough(p []byte, weak bool) error {
	s := pwrule.Estimate(string(p))
	if s.Score >= pwrule.MinScore || weak {
		return nil
	}
	return fmt.Errorf("%w (%s, about %.0f bits; at least %q is needed): %s; or pass --weak-passphrase to use it anyway",
		errWeakPassphrase, s.Label, s.Bits, "fair", strings.TrimSuffix(s.Hint, "."))
}

func runInit(env Env, args []string) error {
	fs, vf := newVaultFlagSet(env, "localsigner init", "[--data-dir DIR] [--passphrase-file FILE] [--backend file|keychain] [--weak-passphrase]")
	backend := fs.String("backend", "", "where to store the vault: file (default, in the data dir) or keychain (the OS keychain)")
	weak := fs.Bool("weak-passphrase", false, "accept a passphrase the strength check refuses")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	switch *backend {
	case "", signer.VaultBackendFile, signer.VaultBackendKeychain:
	default:
		return fmt.Errorf("%w: --backend must be file or keychain", errUsage)
	}
	v, dir, err := openVault(env, vf, *backend, false)
	if err != nil {
		return err
	}
	defer v.Lock()
	if ok, err := v.Exists(); err != nil {
		return err
	} else if ok {
		return fmt.Errorf("%w in %s", signer.ErrAlreadyInitialized, dir)
	}
	p, err := passphrase(vf.passFile, envPassphrase, "new vault passphrase", true)
	if err != nil {
		return err
	}
	if err := strongEnough(p, *weak); err != nil {
		clear(p)
		return err
	}
	err = v.Init(p)
	clear(p)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created the vault in %s (%s backend)\n", dir, v.Backend())
	return nil
}

func runKeys(env Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: keys needs a subcommand: add, ls or rm", errUsage)
	}
	switch args[0] {
	case "add":
		return runKeysAdd(env, args[1:])
	case "ls":
		return runKeysLs(env, args[1:])
	case "rm":
		return runKeysRm(env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(env.Stdout, "Usage:")
		fmt.Fprintln(env.Stdout, "  localsigner keys add --chain CHAIN --account NAME --role ROLE < wif")
		fmt.Fprintln(env.Stdout, "  localsigner keys add --chain CHAIN --account NAME --master-password < password")
		fmt.Fprintln(env.Stdout, "  localsigner keys ls [--json]")
		fmt.Fprintln(env.Stdout, "  localsigner keys rm --chain CHAIN --account NAME [--role ROLE]")
		fmt.Fprintf(env.Stdout, "CHAIN is one of %s; ROLE is owner, active, posting or memo.\n", strings.Join(signer.VaultChains(), ", "))
		fmt.Fprintln(env.Stdout, "Each takes --data-dir DIR and --passphrase-file FILE (else $"+envPassphrase+", else a prompt).")
		return nil
	default:
		return fmt.Errorf("%w: unknown keys subcommand %q (add, ls or rm)", errUsage, args[0])
	}
}

// keyFlags registers --chain, --account and --role.
type keyFlags struct{ chain, account, role string }

func (k *keyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.chain, "chain", "", "chain: "+strings.Join(signer.VaultChains(), ", "))
	fs.StringVar(&k.account, "account", "", "account name")
	fs.StringVar(&k.role, "role", "", "role: owner, active, posting or memo")
}

func (k *keyFlags) require() error {
	if k.chain == "" || k.account == "" {
		return fmt.Errorf("%w: --chain and --account are required", errUsage)
	}
	return nil
}

// usageIfInput turns the vault's complaints about names into usage errors.
func usageIfInput(err error) error {
	for _, e := range []error{signer.ErrUnknownChain, signer.ErrInvalidAccount, signer.ErrInvalidRole} {
		if errors.Is(err, e) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
	}
	return err
}

// keyPrefix is the public key prefix to show for a chain.
func keyPrefix(name string) string {
	if c, err := chain.Lookup(name, ""); err == nil {
		return c.Prefix
	}
	return "STM"
}

func runKeysAdd(env Env, args []string) error {
	fs, vf := newVaultFlagSet(env, "localsigner keys add", "--chain CHAIN --account NAME (--role ROLE | --master-password) < secret")
	var kf keyFlags
	kf.register(fs)
	master := fs.Bool("master-password", false, "read the account's master password on stdin and add the keys of all four roles")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := kf.require(); err != nil {
		return err
	}
	if *master == (kf.role != "") {
		return fmt.Errorf("%w: give either --role (with a WIF on stdin) or --master-password", errUsage)
	}
	v, _, err := openVault(env, vf, "", true)
	if err != nil {
		return err
	}
	defer v.Lock()
	what := "WIF private key"
	if *master {
		what = "master password"
	}
	secret, err := readSecretInput(env, what)
	if err != nil {
		return err
	}
	if err := unlock(env, v, vf); err != nil {
		return err
	}
	var added []signer.KeyInfo
	if *master {
		added, err = v.AddMasterPassword(kf.chain, kf.account, secret)
	} else {
		var k signer.KeyInfo
		if k, err = v.AddWIF(kf.chain, kf.account, kf.role, secret); err == nil {
			added = append(added, k)
		}
	}
	if err != nil {
		return usageIfInput(err)
	}
	prefix := keyPrefix(kf.chain)
	for _, k := range added {
		fmt.Fprintf(env.Stdout, "added %s %s %s %s\n", k.Chain, k.Account, k.Role, k.PublicKey.Format(prefix))
	}
	fmt.Fprintln(env.Stderr, "localsigner: note: not yet checked against the account's keys on chain")
	return nil
}

// readSecretInput reads one line from stdin: without echo if stdin is a
// terminal, else from the pipe. Go strings cannot be wiped; the bytes read
// are.
func readSecretInput(env Env, what string) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := promptSecret(what + ": ")
		if err != nil {
			return "", fmt.Errorf("read %s: %w", what, err)
		}
		defer clear(b)
		return strings.TrimSpace(string(b)), nil
	}
	b, err := readLimited(env.Stdin, maxSecretInput, what+" from stdin")
	if err != nil {
		return "", err
	}
	defer clear(b)
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("no %s on stdin", what)
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("expected one %s on stdin, got several lines", what)
	}
	return s, nil
}

func runKeysLs(env Env, args []string) error {
	fs, vf := newVaultFlagSet(env, "localsigner keys ls", "[--json]")
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	v, err := openUnlocked(env, vf)
	if err != nil {
		return err
	}
	defer v.Lock()
	list, err := v.List()
	if err != nil {
		return err
	}
	type row struct {
		Chain     string `json:"chain"`
		Account   string `json:"account"`
		Role      string `json:"role"`
		PublicKey string `json:"public_key"`
	}
	rows := make([]row, 0, len(list))
	for _, k := range list {
		rows = append(rows, row{k.Chain, k.Account, k.Role, k.PublicKey.Format(keyPrefix(k.Chain))})
	}
	if *asJSON {
		return writeJSON(env, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(env.Stderr, "localsigner: the vault holds no keys (add some with 'localsigner keys add')")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHAIN\tACCOUNT\tROLE\tPUBLIC KEY")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Chain, r.Account, r.Role, r.PublicKey)
	}
	return tw.Flush()
}

func runKeysRm(env Env, args []string) error {
	fs, vf := newVaultFlagSet(env, "localsigner keys rm", "--chain CHAIN --account NAME [--role ROLE]")
	var kf keyFlags
	kf.register(fs)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := kf.require(); err != nil {
		return err
	}
	v, err := openUnlocked(env, vf)
	if err != nil {
		return err
	}
	defer v.Lock()
	if err := v.Remove(kf.chain, kf.account, kf.role); err != nil {
		return usageIfInput(err)
	}
	which := kf.role
	if which == "" {
		which = "(every role)"
	}
	fmt.Fprintf(env.Stdout, "removed %s %s %s\n", kf.chain, kf.account, which)
	return nil
}

// runPasswd changes the vault passphrase. The vault re-encrypts every key
// under a new data key and switches to it atomically, so a kill at any
// moment leaves a vault that the old or the new passphrase opens, and once
// done the old passphrase opens nothing left on disk.
func runPasswd(env Env, args []string) error {
	fs, vf := newVaultFlagSet(env, "localsigner passwd", "[--passphrase-file FILE] [--new-passphrase-file FILE] [--weak-passphrase]")
	newFile := fs.String("new-passphrase-file", "", "read the new passphrase from the first line of FILE (else $"+envNewPassphrase+", else a prompt)")
	weak := fs.Bool("weak-passphrase", false, "accept a passphrase the strength check refuses")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	v, _, err := openVault(env, vf, "", true)
	if err != nil {
		return err
	}
	defer v.Lock()
	oldPass, err := passphrase(vf.passFile, envPassphrase, "current vault passphrase", false)
	if err != nil {
		return err
	}
	defer clear(oldPass)
	newPass, err := passphrase(*newFile, envNewPassphrase, "new vault passphrase", true)
	if err != nil {
		return err
	}
	defer clear(newPass)
	if err := strongEnough(newPass, *weak); err != nil {
		return err
	}
	if err := v.ChangePassphrase(oldPass, newPass); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "changed the vault passphrase; every key was re-encrypted under a new data key")
	return nil
}
