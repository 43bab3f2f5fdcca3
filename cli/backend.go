package cli

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"

	"localsigner/signer"
)

// backendText says in words where a backend keeps the keys.
func backendText(backend string) string {
	if backend == signer.VaultBackendKeychain {
		return "the OS keychain"
	}
	return "encrypted files in the data directory"
}

// runBackend prints the vault's backend, or moves the vault to the backend
// named: the command-line twin of the backend choice in the app's Settings,
// for scripts and machines without a display.
func runBackend(env Env, args []string) error {
	fs, vf := newVaultFlagSet(env, "localsigner backend", "[--data-dir DIR] [--passphrase-file FILE] [file|keychain]")
	if err := parseFlags(fs, args, -1); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: localsigner backend: unexpected argument %q", errUsage, fs.Arg(1))
	}
	to := fs.Arg(0)
	switch to {
	case "", signer.VaultBackendFile, signer.VaultBackendKeychain:
	default:
		return fmt.Errorf("%w: localsigner backend: %q is not a backend (file or keychain)", errUsage, to)
	}
	v, dir, err := openVault(env, vf, "", true)
	if err != nil {
		return err
	}
	defer v.Lock()
	from := v.Backend()
	if to == "" {
		fmt.Fprintln(env.Stdout, from)
		return nil
	}
	if to == from {
		fmt.Fprintf(env.Stdout, "the vault in %s already uses the %s backend (%s)\n", dir, to, backendText(to))
		return nil
	}
	p, err := passphrase(vf.passFile, envPassphrase, "vault passphrase", false)
	if err != nil {
		return err
	}
	defer clear(p)
	fmt.Fprintf(env.Stderr, "localsigner: moving the keys from %s to %s\n", backendText(from), backendText(to))
	err = v.MoveToBackend(to, p, progressPrinter(env))
	switch {
	case errors.Is(err, signer.ErrOldCopyRemains):
		// The move is done: report it as done, and say what is left.
		fmt.Fprintf(env.Stdout, "moved the vault in %s to the %s backend (%s)\n", dir, to, backendText(to))
		fmt.Fprintf(env.Stderr, "localsigner: warning: %v\n", err)
		return nil
	case errors.Is(err, signer.ErrKeychainUnavailable):
		return fmt.Errorf("%w; the keys stay in %s", err, backendText(from))
	case err != nil:
		return err
	}
	fmt.Fprintf(env.Stdout, "moved the vault in %s to the %s backend (%s); its copy in %s was deleted\n",
		dir, to, backendText(to), backendText(from))
	return nil
}

// progressPrinter shows a move's progress on one terminal line, and
// nothing when stderr is not a terminal (a log or a pipe).
func progressPrinter(env Env) func(done, total int) {
	f, ok := env.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return func(done, total int) {
		fmt.Fprintf(f, "\rcopied and checked %d of %d items", done, total)
		if done == total {
			fmt.Fprintln(f)
		}
	}
}
