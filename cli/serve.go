package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"localsigner/authz"
	"localsigner/examples/dapp"
	"localsigner/localapi"
	"localsigner/localapi/admin"
	"localsigner/localapi/jose"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
	"localsigner/store"
)

// signalContext is the context serve runs under: cancelled by SIGINT or
// SIGTERM. Tests replace it to stop the server.
var signalContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func runServe(env Env, args []string) error {
	fs, vf := newVaultFlagSet(env, "localsigner serve", "--headless [--devnet] [--chain hive|peerplays] [--node URL]... [--listen ADDR] [--data-dir DIR] [--passphrase-file FILE] [--locked]")
	headless := fs.Bool("headless", false, "run the dapp server without the desktop app")
	useDevnet := fs.Bool("devnet", false, "run the embedded devnet in-process and grant for it instead of Hive")
	listen := fs.String("listen", localapi.DefaultListen, "loopback address of the dapp server (127.0.0.1:PORT)")
	locked := fs.Bool("locked", false, "start locked without asking for the passphrase; unlock later with 'localsigner unlock'")
	chainFlag := fs.String("chain", "hive", "hive or peerplays: the chain to grant and sign for (with --devnet, the devnet's dialect)")
	var nodes stringList
	fs.Var(&nodes, "node", "node URL (ws://, wss://, http://, https://) for the dapp API; repeatable or comma-separated, tried in order")
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
	chainName, family := *chainFlag, chain.Hive
	switch chainName {
	case "hive":
	case "peerplays":
		family = chain.Graphene
	default:
		return fmt.Errorf("%w: --chain %q: want hive or peerplays", errUsage, chainName)
	}
	if *useDevnet {
		chainName = "devnet"
	}
	c, err := chain.Lookup(chainName, "")
	if err != nil {
		return err
	}
	var cat authz.Catalog = authz.HiveOps
	if family == chain.Graphene {
		cat = authz.GrapheneOps
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var nodeURLs []string
	for _, n := range nodes {
		for _, u := range strings.Split(n, ",") {
			if u = strings.TrimSpace(u); u != "" {
				nodeURLs = append(nodeURLs, u)
			}
		}
	}
	if *useDevnet {
		d, err := devnet.New(devnet.Config{Family: family, Logf: func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }})
		if err != nil {
			return fmt.Errorf("start devnet: %w", err)
		}
		defer d.Close()
		if family == chain.Graphene {
			c = d.Chain()     // the Peerplays devnet: devnet chain id, PPY keys, Graphene operations
			c.Name = "devnet" // grants and vault keys are filed under "devnet"
		}
		fe, err := d.Listen("127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("devnet: %w", err)
		}
		if len(nodeURLs) == 0 {
			nodeURLs = []string{fe.URL()}
		}
	}
	var nodeClient localapi.NodeClient
	if len(nodeURLs) > 0 {
		nc, err := node.Dial(context.Background(), nodeURLs, node.Options{Chain: c})
		if err != nil {
			return err
		}
		defer nc.Close()
		nodeClient = nc
	} else {
		log.Warn("no node configured: /api/broadcast and /api/me will answer 503; pass --node URL")
	}
	if !*locked {
		if err := serveUnlock(env, vf, localapi.SignerVault{V: v}); err != nil {
			return err
		}
	}
	ik, err := loadInstanceKey(db)
	if err != nil {
		return err
	}
	srv, err := localapi.New(localapi.Config{Listen: *listen, Chain: c.Name, Catalog: cat, Store: db, InstanceKey: ik,
		Vault: localapi.SignerVault{V: v}, Logger: log, Node: nodeClient, ChainParams: c})
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
	if *useDevnet && c.Family == chain.Hive {
		// The example dapp, on its own loopback origin as a real dapp is.
		if u, err := dapp.Start(ctx, dapp.DefaultListen, dapp.Options{Signer: srv.IssuerURL()}); err != nil {
			log.Warn("example dapp not served", "err", err)
		} else {
			log.Info("example dapp: open it in your browser", "url", u)
		}
	}
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

// loadInstanceKey reads the key that signs app tokens from the store,
// creating it on first start (see store.DB.InstanceKey for why it lives
// there). localapi.New self-tests it.
func loadInstanceKey(db *store.DB) (*jose.InstanceKey, error) {
	raw, err := db.InstanceKey(jose.NewInstanceKeyBytes)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	return jose.NewInstanceKey(raw)
}
