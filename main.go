// Command localsigner keeps a person's Hive and Peerplays keys on their own
// machine and lets web dapps act for them only as far as they allow.
//
// main.go is the composition root: the only place that creates the Fyne
// application and hands it to the GUI package; everything else is built and
// wired from here.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	fyneapp "fyne.io/fyne/v2/app"

	"localsigner/app"
	"localsigner/authz"
	"localsigner/cli"
	"localsigner/examples/dapp"
	"localsigner/localapi"
	"localsigner/localapi/admin"
	"localsigner/localapi/jose"
	"localsigner/signer"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
	"localsigner/store"
)

func main() {
	os.Exit(cli.Run(runGUI))
}

// devnetListen is where the embedded devnet serves its JSON-RPC, the
// address `localsigner devnet` and the example dapp use.
const devnetListen = "127.0.0.1:8090"

// runGUI opens the desktop app; the command line calls it when no subcommand
// is given. It owns everything the window uses: the vault, the dapp server
// and its store, the admin channel, the node client, and with --devnet the
// embedded devnet, in the dialect o.Chain ("hive", the default when empty,
// or "peerplays").
func runGUI(o cli.GUIOptions) error {
	dir, err := cli.DataDir(o.DataDir)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// The store is the single-instance lock; take it before anything else.
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		return fmt.Errorf("%w (is Localsigner already running?)", err)
	}
	defer db.Close()
	v, err := signer.OpenVault(dir, signer.VaultOptions{})
	if err != nil {
		return fmt.Errorf("open vault in %s: %w", dir, err)
	}
	defer v.Lock()
	settings, serr := app.LoadSettings(dir) // the window reports a bad file
	if exists, _ := v.Exists(); exists && settings.Network == "" && serr == nil && !o.Devnet {
		// A vault made with the command line: it has no network yet, and
		// the command line's default is Hive.
		settings.Network = app.NetworkHive
		if err := app.SaveSettings(dir, settings); err != nil {
			log.Warn("settings", "err", err)
		}
	}

	opts := app.Options{DataDir: dir, Listen: o.Listen}
	var dn *embeddedDevnet
	if o.Devnet {
		dn, err = startDevnet(log, o.Chain, devnetListen,
			devnet.Config{Logf: func(f string, a ...any) { log.Debug("devnet: " + fmt.Sprintf(f, a...)) }})
		if err != nil {
			return err
		}
		defer dn.net.Close()
		opts.Network = app.NetworkDevnet
		opts.DevnetDialect = dn.dialect
		opts.Nodes = []string{dn.url}
		opts.DemoAccounts = dn.demo
		opts.DemoPassword = devnet.DefaultPassword
	}

	a := fyneapp.NewWithID("io.localsigner.app")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	gv := &guiVault{Vault: v}
	var ui *app.UI
	var once sync.Once
	start := func(network string) {
		once.Do(func() {
			listen := o.Listen
			if listen == "" {
				listen = settings.Listen
			}
			var svc app.Services
			c, nodes, err := networkChain(dn, network, settings)
			if err == nil {
				svc, err = startServices(ctx, &wg, log, dir, c, listen, nodes, db, v, gv, ui.AuditEvent)
			}
			if err != nil {
				log.Error("services", "err", err)
				ui.Notify("The dapp server did not start", err.Error())
			}
			ui.Attach(svc)
		})
	}
	opts.OnNetworkChosen = start
	ui = app.New(a, gv, opts)

	network := opts.Network
	if network == "" {
		network = settings.Network
	}
	if ok, _ := v.Exists(); ok && network != "" {
		start(network)
	}
	ui.Run()
	return nil
}

// embeddedDevnet is the devnet --devnet runs inside the app, with what the
// rest of the composition takes from it.
type embeddedDevnet struct {
	net *devnet.Devnet
	// dialect is app.NetworkHive or app.NetworkPeerplays.
	dialect string
	// url is the JSON-RPC front-end the node client dials.
	url string
	// chain is what the node client and the dapp server sign with: the
	// devnet's own id, prefix (STM or PPY) and family, named "devnet".
	chain *chain.Chain
	// demo names the default genesis accounts (alice, bob, carol), whose
	// keys derive from the devnet's password; empty with a custom genesis.
	demo []string
}

// startDevnet starts the embedded devnet in dialect (app.NetworkHive, the
// default when empty, or app.NetworkPeerplays) and serves it on listen, or
// on a free loopback port when listen is taken. cfg.Family is set from
// dialect; the rest of cfg is the caller's. The caller closes net.
func startDevnet(log *slog.Logger, dialect, listen string, cfg devnet.Config) (*embeddedDevnet, error) {
	switch dialect {
	case "", app.NetworkHive:
		dialect, cfg.Family = app.NetworkHive, chain.Hive
	case app.NetworkPeerplays:
		cfg.Family = chain.Graphene
	default:
		return nil, fmt.Errorf("devnet dialect %q: want hive or peerplays", dialect)
	}
	d, err := devnet.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("start devnet: %w", err)
	}
	fe, err := d.Listen(listen)
	if err != nil {
		log.Warn("devnet address taken; using a free port", "addr", listen, "err", err)
		if fe, err = d.Listen("127.0.0.1:0"); err != nil {
			d.Close()
			return nil, fmt.Errorf("devnet: %w", err)
		}
	}
	c := d.Chain()
	// Both dialects file keys and grants under "devnet", as `localsigner
	// serve --headless --devnet --chain peerplays` and `localsigner keys add
	// --chain devnet` do; the parameters stay the devnet's own.
	c.Name = app.NetworkDevnet
	var demo []string
	if cfg.Genesis == nil { // the default accounts, whose keys derive from the password
		g, err := devnet.DefaultGenesis(cfg.Family, c.Prefix, devnet.DefaultPassword)
		if err != nil {
			d.Close()
			return nil, err
		}
		for _, a := range g.Accounts {
			demo = append(demo, a.Name)
		}
	}
	log.Info("devnet running", "url", fe.URL(), "dialect", dialect, "chain_id", c.IDHex(), "prefix", c.Prefix)
	return &embeddedDevnet{net: d, dialect: dialect, url: fe.URL(), chain: c, demo: demo}, nil
}

// networkChain gives the chain parameters and node URLs the services use
// for network: the embedded devnet's when there is one (dn not nil), else
// the named chain's and the nodes in settings.
func networkChain(dn *embeddedDevnet, network string, settings app.Settings) (*chain.Chain, []string, error) {
	if dn != nil {
		c := *dn.chain
		return &c, []string{dn.url}, nil
	}
	c, err := chain.Lookup(network, "")
	if err != nil {
		return nil, nil, err
	}
	return c, settings.NodesFor(network), nil
}

// startServices starts the node client, the dapp server and the admin
// channel for chain c (its Name is the vault's and the grants' chain); they
// stop when ctx ends. A server that cannot listen (port taken) is an error,
// but the node client is still returned.
func startServices(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger, dir string, c *chain.Chain, listen string, nodes []string,
	db *store.DB, v *signer.Vault, gv *guiVault, onEvent func(authz.Event)) (app.Services, error) {
	var svc app.Services
	var cat authz.Catalog = authz.HiveOps
	if c.Family == chain.Graphene {
		cat = authz.GrapheneOps
	}
	svc.Catalog = cat
	cfg := localapi.Config{Listen: listen, Chain: c.Name, ChainParams: c, Catalog: cat, Store: auditTap{db, onEvent},
		Vault: localapi.SignerVault{V: v}, Logger: log}
	nc, err := node.Dial(ctx, nodes, node.Options{Chain: c})
	if err != nil {
		log.Warn("node client", "err", err)
	} else {
		wg.Add(1)
		go func() { defer wg.Done(); <-ctx.Done(); nc.Close() }()
		svc.Nodes = nc
		svc.Balances = nodeBalances{nc}
		cfg.Node = nc
	}
	raw, err := db.InstanceKey(jose.NewInstanceKeyBytes)
	if err != nil {
		return svc, err
	}
	cfg.InstanceKey, err = jose.NewInstanceKey(raw)
	clear(raw)
	if err != nil {
		return svc, err
	}

	srv, err := localapi.New(cfg)
	if err != nil {
		return svc, err
	}
	if err := srv.Listen(); err != nil {
		return svc, err
	}
	gv.srv.Store(srv)
	svc.Approvals, svc.Grants, svc.Audit, svc.Allowances = srv.Queue(), srv, srv, srv
	svc.Lifetimes, svc.Issuer = srv.Issuer().Lifetimes(), srv.IssuerURL()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ctx); err != nil {
			log.Error("dapp server", "err", err)
		}
	}()
	if ln, err := admin.Listen(dir); err != nil {
		log.Warn("admin channel not available; the command line cannot reach this window", "err", err)
	} else {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := admin.Serve(ctx, ln, srv, log); err != nil {
				log.Error("admin channel", "err", err)
			}
		}()
	}
	log.Info("Localsigner is serving", "issuer", srv.IssuerURL(), "chain", c.Name, "family", c.Family.String())
	switch {
	case c.Name != app.NetworkDevnet:
	case c.Family == chain.Hive:
		serveExampleDapp(ctx, log, srv.IssuerURL())
	default:
		log.Info("example dapp not served: it is a Hive dapp (votes, posts, HIVE transfers), and this devnet speaks Peerplays")
	}
	return svc, nil
}

// serveExampleDapp serves examples/dapp on its own loopback origin, as a
// real dapp would be, and tells the console where to open it.
func serveExampleDapp(ctx context.Context, log *slog.Logger, issuer string) {
	u, err := dapp.Start(ctx, dapp.DefaultListen, dapp.Options{Signer: issuer})
	if err != nil {
		log.Warn("example dapp not served", "err", err)
		return
	}
	fmt.Fprintf(os.Stderr, "\nExample dapp: open %s in your browser\n(the Hivesigner SDK page needs: %s)\n\n", u, dapp.SDKInstallCommand)
}

// guiVault is the vault as the window uses it: unlocking and locking go
// through the dapp server once it runs, so they are in the audit log.
type guiVault struct {
	*signer.Vault
	srv atomic.Pointer[localapi.Server]
}

// Unlock implements app.Vault.
func (g *guiVault) Unlock(passphrase []byte) error {
	if s := g.srv.Load(); s != nil {
		return s.Unlock(passphrase)
	}
	return g.Vault.Unlock(passphrase)
}

// Lock implements app.Vault.
func (g *guiVault) Lock() {
	if s := g.srv.Load(); s != nil {
		if err := s.Lock(); err == nil {
			return
		}
	}
	g.Vault.Lock()
}

// nodeBalances reads balances through the node client.
type nodeBalances struct{ c *node.Client }

// Balances implements app.Balances.
func (b nodeBalances) Balances(ctx context.Context, _ string, names []string) (map[string][]string, error) {
	accts, err := b.c.Accounts(ctx, names)
	if err != nil && !errors.Is(err, node.ErrUnknownAccount) {
		return nil, err
	}
	out := make(map[string][]string, len(accts))
	for _, a := range accts {
		for _, bal := range []string{a.Balance, a.HBDBalance, a.VestingShares} {
			if bal != "" {
				out[a.Name] = append(out[a.Name], bal)
			}
		}
	}
	return out, nil
}

// auditTap is the server's store with an ear on the audit log: each event
// a committed transaction appended is passed to onEvent (the window's
// notifications), so nothing polls the log.
type auditTap struct {
	authz.Store
	onEvent func(authz.Event)
}

// Update implements authz.Store.
func (s auditTap) Update(fn func(authz.Tx) error) error {
	var events []authz.Event
	err := s.Store.Update(func(tx authz.Tx) error {
		events = events[:0] // a retried transaction starts over
		return fn(tapTx{tx, &events})
	})
	if err == nil {
		for _, e := range events {
			s.onEvent(e)
		}
	}
	return err
}

type tapTx struct {
	authz.Tx
	events *[]authz.Event
}

// AppendAudit implements authz.Tx.
func (t tapTx) AppendAudit(e *authz.Event) error {
	if err := t.Tx.AppendAudit(e); err != nil {
		return err
	}
	*t.events = append(*t.events, *e)
	return nil
}
