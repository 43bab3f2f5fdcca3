package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"localsigner/localapi"
	"localsigner/localapi/admin"
	"localsigner/localapi/authz"
	"localsigner/localapi/store"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
)

// signalContext is the context serve runs under: cancelled by SIGINT or
// SIGTERM. Tests replace it to stop the server.
var signalContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func runServe(env Env, args []string) error {
	fs, vf := newVaultFlagSet(env, "localsigner serve", "--headless [--devnet] [--listen ADDR] [--data-dir DIR] [--passphrase-file FILE] [--locked]")
	headless := fs.Bool("headless", false, "run the dapp server without the desktop app")
	useDevnet := fs.Bool("devnet", false, "run the embedded devnet in-process and grant for it instead of Hive")
	listen := fs.String("listen", localapi.DefaultListen, "loopback address of the dapp server (127.0.0.1:PORT)")
	locked := fs.Bool("locked", false, "start locked without asking for the passphrase; unlock later with 'localsigner unlock'")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if !*headless {
		return fmt.Errorf("%w: serve needs --headless (the desktop app runs the server itself: run 'localsigner')", errUsage)
	}
	dir, err := DataDir(vf.dataDir)
	if err != nil {
		return err
	}
	// The store is the single-instance lock; take it before anything else.
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	v, _, err := openVault(env, vf, "", true)
	if err != nil {
		return err
	}
	chainName := "hive"
	if *useDevnet {
		chainName = "devnet"
	}
	c, err := chain.Lookup(chainName, "")
	if err != nil {
		return err
	}
	var cat authz.Catalog = authz.HiveOps
	if c.Family == chain.Graphene {
		cat = authz.GrapheneOps
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if *useDevnet {
		d, err := devnet.New(devnet.Config{Logf: func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }})
		if err != nil {
			return fmt.Errorf("start devnet: %w", err)
		}
		defer d.Close()
	}
	if !*locked {
		if err := serveUnlock(env, vf, localapi.SignerVault{V: v}); err != nil {
			return err
		}
	}
	srv, err := localapi.New(localapi.Config{Listen: *listen, Chain: c.Name, Catalog: cat, Store: db,
		Vault: localapi.SignerVault{V: v}, Logger: log})
	if err != nil {
		return err
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	ln, err := admin.Listen(dir)
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	state := "unlocked"
	if v.Locked() {
		state = "locked (unlock with 'localsigner unlock')"
	}
	log.Info("Localsigner is serving", "issuer", srv.IssuerURL(), "chain", c.Name, "vault", state,
		"admin_socket", admin.SocketPath(dir))

	var wg sync.WaitGroup
	errs := make([]error, 2)
	ctx, cancel := context.WithCancel(ctx)
	wg.Add(2)
	go func() { defer wg.Done(); defer cancel(); errs[0] = srv.Serve(ctx) }()
	go func() { defer wg.Done(); defer cancel(); errs[1] = admin.Serve(ctx, ln, srv, log) }()
	wg.Wait()
	v.Lock()
	log.Info("Localsigner stopped")
	return errors.Join(errs...)
}

// serveUnlock unlocks the vault with a passphrase given the ways every
// command takes one (file, environment, terminal). With none of them
// available, the server starts locked.
func serveUnlock(env Env, vf *vaultFlags, v localapi.Vault) error {
	if vf.passFile == "" && os.Getenv(envPassphrase) == "" {
		p, err := promptSecret("vault passphrase (empty: start locked): ")
		if errors.Is(err, errNoTTY) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read vault passphrase: %w", err)
		}
		defer clear(p)
		if len(p) == 0 {
			return nil
		}
		return v.Unlock(p)
	}
	p, err := passphrase(vf.passFile, envPassphrase, "vault passphrase", false)
	if err != nil {
		return err
	}
	defer clear(p)
	if err := v.Unlock(p); err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	return nil
}
