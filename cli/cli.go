// Package cli is the localsigner command line: it parses arguments, reads
// input, and runs one subcommand. It holds no Fyne code; the GUI is handed in
// as a function by main so the command line builds and tests without a
// display.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"localsigner/signer"
)

// Exit codes: scripts tell bad usage from a failed operation.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// GUIOptions are what the command line passes to the desktop app.
type GUIOptions struct {
	Devnet bool
	// Chain is the devnet's dialect with Devnet: "hive" (also when empty)
	// or "peerplays".
	Chain   string
	Listen  string
	DataDir string
}

// Env is everything a command touches outside its arguments, so tests can run
// commands in-process with their own streams.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// GUI opens the desktop app and blocks until it quits. Nil means the
	// binary was built without one.
	GUI func(GUIOptions) error
	// VaultOptions are passed to signer.OpenVault by the vault commands.
	// Test-only: tests set a cheap KDF here; the program leaves it zero,
	// which means the strong default.
	VaultOptions signer.VaultOptions
}

// errUsage marks errors caused by how the command was called; they exit 2.
var errUsage = errors.New("usage")

type command struct {
	summary string
	run     func(env Env, args []string) error
}

// commands is the table of subcommands. Nested groups ("tx") dispatch again.
var commands = map[string]command{
	"init":    {"create the key vault", runInit},
	"keys":    {"vault keys: add, ls, rm", runKeys},
	"passwd":  {"change the vault passphrase", runPasswd},
	"backend": {"show or change where the vault keeps the keys: file or keychain", runBackend},
	"tx":      {"offline transactions: digest, sign", runTx},
	"devnet":  {"run the local development chain (Hive or Peerplays dialect)", runDevnet},
	"version": {"print the version", runVersion},

	// The local dapp server and the commands that drive it (serve.go, admin.go).
	"serve":     {"run the local dapp server without the desktop app", runServe},
	"unlock":    {"unlock the running Localsigner's vault", runUnlock},
	"lock":      {"lock the running Localsigner's vault", runLock},
	"approvals": {"list dapp requests waiting for approval", runApprovals},
	"approve":   {"approve a pending dapp request", runApprove},
	"deny":      {"deny a pending dapp request", runDeny},
	"refuse":    {"refuse the requests waiting for the vault to be unlocked", runRefuse},
	"grants":    {"list what dapps have been granted", runGrants},
	"revoke":    {"revoke everything a dapp was granted", runRevoke},
	"narrow":    {"narrow what a grant allows to fewer scopes", runNarrow},
	"forget":    {"ask again for what \"don't ask again\" let through", runForget},
	"apps":      {"registered apps (own scripts): add, ls, rm", runApps},
	"log":       {"show the audit log", runLog},
	"open":      {"sign what a hive:// link asks, after your confirmation in the running Localsigner", runOpen},
	// Offline check of a login's id_token, as a dapp's backend does (verify.go).
	"verify-login": {"verify an id_token against the account's key on chain", runVerifyLogin},

	// Dapp API settings (allowance.go).
	"allowance":      {"let a dapp spend up to a limit per day without asking each time", runAllowance},
	"token-carriers": {"let a dapp send its token in the query or a cookie", runTokenCarriers},
}

// Version is set at build time with -ldflags "-X localsigner/cli.Version=…".
var Version = "0.1.0-dev"

// Main runs the command line and returns the process exit code.
func Main(args []string, env Env) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" {
		return report(env, runGUI(env, args))
	}
	name := args[0]
	if isLinkArg(name) {
		// The OS hands a clicked link to a new process: pass it to the
		// running Localsigner, as `localsigner open` does.
		return report(env, runOpen(env, args))
	}
	if name == "help" || name == "-h" || name == "--help" {
		usage(env.Stdout)
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(env.Stderr, "localsigner: unknown command %q (run 'localsigner help')\n", name)
		return exitUsage
	}
	return report(env, c.run(env, args[1:]))
}

func report(env Env, err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(env.Stderr, "localsigner: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(env.Stderr, "localsigner: %v\n", err)
		return exitError
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Localsigner keeps your Hive and Peerplays keys on this machine and signs for dapps only as far as you allow.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  localsigner [--devnet] [--listen ADDR] [--data-dir DIR]   open the desktop app")
	fmt.Fprintln(w, "  localsigner COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'localsigner COMMAND -h' for a command's flags.")
}

func runGUI(env Env, args []string) error {
	fs := newFlagSet(env, "localsigner", "[--devnet [--chain hive|peerplays]] [--listen ADDR] [--data-dir DIR]")
	var o GUIOptions
	fs.BoolVar(&o.Devnet, "devnet", false, "run on the embedded devnet instead of a public chain")
	fs.StringVar(&o.Chain, "chain", "", "with --devnet: the chain the devnet imitates, hive (default) or peerplays")
	fs.StringVar(&o.Listen, "listen", "", "address of the local dapp server (default 127.0.0.1:7777)")
	fs.StringVar(&o.DataDir, "data-dir", "", "data directory (default $LOCALSIGNER_DATA_DIR, else the OS config dir)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	switch {
	case o.Chain != "" && o.Chain != "hive" && o.Chain != "peerplays":
		return fmt.Errorf("%w: --chain %q: want hive or peerplays", errUsage, o.Chain)
	case o.Chain != "" && !o.Devnet:
		return fmt.Errorf("%w: --chain applies to the embedded devnet only: add --devnet (otherwise the first run asks for the network, and Settings changes it)", errUsage)
	}
	if env.GUI == nil {
		return errors.New("this build has no desktop app; see 'localsigner help' for commands")
	}
	return env.GUI(o)
}

func runVersion(env Env, args []string) error {
	fs := newFlagSet(env, "localsigner version", "")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "localsigner %s\n", Version)
	return nil
}

// newFlagSet makes a flag set that reports errors instead of exiting, and
// prints its help to stdout when asked for (-h) so it can be paged.
func newFlagSet(env Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(env.Stdout, "Usage: %s %s\n", name, synopsis)
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args and checks the count of positional arguments left
// (-1 means any number).
func parseFlags(fs *flag.FlagSet, args []string, positional int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp // the flag package has already printed the usage
		}
		return fmt.Errorf("%w: %s: %v", errUsage, fs.Name(), err)
	}
	if positional >= 0 && fs.NArg() != positional {
		return fmt.Errorf("%w: %s: unexpected argument %q", errUsage, fs.Name(), fs.Arg(positional))
	}
	return nil
}

// readLimited reads all of r, refusing more than limit bytes so a runaway
// pipe cannot exhaust memory.
func readLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read %s: more than %d bytes", what, limit)
	}
	return b, nil
}

// stdEnv is the process's real environment, used by main.
func stdEnv(gui func(GUIOptions) error) Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, GUI: gui}
}

// Run is Main with the process's own streams; main calls it.
func Run(gui func(GUIOptions) error) int {
	return Main(os.Args[1:], stdEnv(gui))
}
