// Command localsigner keeps a person's Hive and Peerplays keys on their own
// machine and lets web dapps act for them only as far as they allow.
//
// main.go is the composition root: the only place that creates the Fyne
// application and hands it to the GUI package; everything else is built and
// wired from here.
package main

import (
	// Before anything else: Go initialises packages in import-path order,
	// and this one's sorts before the GUI toolkit's (see its doc).
	"time"

	_ "early.localsigner.invalid/earlylocale"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"localsigner/app"
	"localsigner/approval"
	"localsigner/authz"
	"localsigner/cli"
	"localsigner/examples/dapp"
	"localsigner/internal/daemon"
	"localsigner/localapi"
	"localsigner/signer"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
	"localsigner/signer/tx"
	"localsigner/store"
)

// The local API server is what the desktop app's Apps and Activity tabs
// act on, and the wallet's queue what its prompt windows answer.
var (
	_ app.Grants     = (*localapi.Server)(nil)
	_ app.Allowances = (*localapi.Server)(nil)
	_ app.AuditLog   = (*localapi.Server)(nil)
	_ app.Approvals  = (*approval.Queue)(nil)
)

func main() {
	os.Exit(cli.Run(runGUI))
}

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
	var dn *daemon.Devnet
	if o.Devnet {
		dn, err = daemon.StartDevnet(log, o.Chain, daemon.DevnetListen,
			devnet.Config{Logf: func(f string, a ...any) { log.Debug("devnet: " + fmt.Sprintf(f, a...)) }})
		if err != nil {
			return err
		}
		defer dn.Net.Close()
		opts.Network = app.NetworkDevnet
		opts.DevnetDialect = dn.Dialect
		opts.Nodes = []string{dn.URL}
		opts.DemoAccounts = dn.Demo
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
				audit := daemon.AuditOptions{Keep: settings.AuditKeep, NoArchive: settings.NoAuditArchive,
					MaxAge: time.Duration(settings.AuditMaxAgeDays) * 24 * time.Hour}
				ha := daemon.HiveAuthOptions{Enabled: settings.HiveAuth, Relay: settings.HiveAuthRelay}
				show := func() { fyne.Do(ui.ShowWindow) }
				svc, err = startServices(ctx, &wg, log, dir, c, listen, nodes, db, v, gv, audit, ha, show, ui.AuditEvent)
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

// networkChain gives the chain parameters and node URLs the services use
// for network: the embedded devnet's when there is one (dn not nil), else
// the named chain's and the nodes in settings.
func networkChain(dn *daemon.Devnet, network string, settings app.Settings) (*chain.Chain, []string, error) {
	if dn != nil {
		c := *dn.Chain
		return &c, []string{dn.URL}, nil
	}
	c, err := chain.Lookup(network, "")
	if err != nil {
		return nil, nil, err
	}
	return c, settings.NodesFor(network), nil
}

// startServices starts the node client, the wallet, the dapp server and
// the admin channel for chain c (its Name is the vault's and the grants'
// chain); they stop when ctx ends. A server that cannot listen (port
// taken) is an error.
func startServices(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger, dir string, c *chain.Chain, listen string, nodes []string,
	db *store.DB, v *signer.Vault, gv *guiVault, audit daemon.AuditOptions, ha daemon.HiveAuthOptions, show func(), onEvent func(authz.Event)) (app.Services, error) {
	svc := app.Services{Chain: c}
	d, err := daemon.Start(ctx, daemon.Options{DataDir: dir, Store: db, Vault: v, Chain: c, Nodes: nodes, Listen: listen,
		Logger: log, OnEvent: onEvent, Audit: audit, HiveAuth: ha, ShowWindow: show})
	if err != nil {
		return svc, err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := d.Wait(); err != nil {
			log.Error("dapp server", "err", err)
		}
	}()
	if d.Node != nil {
		svc.Nodes, svc.Balances = d.Node, nodeBalances{d.Node}
	}
	srv := d.Server
	gv.srv.Store(srv)
	svc.Approvals, svc.Grants, svc.Audit, svc.Allowances = d.Queue(), srv, srv, srv
	svc.Catalog, svc.Lifetimes, svc.Issuer = d.Wallet.Catalog(), d.Issuer.Lifetimes(), srv.IssuerURL()
	if d.HiveAuth != nil {
		svc.HiveAuth = d.HiveAuth
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
	u, err := daemon.StartExampleDapp(ctx, log, issuer)
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

// Balances implements app.Balances: on Hive the liquid balances, savings
// when there are any, Hive Power at the chain's rate and the resource
// credits left, the same balances a confirmation previews.
func (b nodeBalances) Balances(ctx context.Context, _ string, names []string) (map[string][]string, error) {
	accts, err := b.c.Accounts(ctx, names)
	if errors.Is(err, node.ErrUnknownAccount) {
		// One name the chain does not know fails the whole call: ask for
		// each, so the others still show.
		accts, err = nil, nil
		for _, n := range names {
			a, err := b.c.Accounts(ctx, []string{n})
			if err == nil {
				accts = append(accts, a...)
			} else if !errors.Is(err, node.ErrUnknownAccount) {
				return nil, err
			}
		}
	}
	if err != nil {
		return nil, err
	}
	hive := b.c.Chain().Family == chain.Hive
	var dgp *node.DynamicGlobalProperties
	if hive {
		dgp, _ = b.c.DynamicGlobalProperties(ctx)
	}
	out := make(map[string][]string, len(accts))
	for _, a := range accts {
		list := []string{}
		for _, bal := range []string{a.Balance, a.HBDBalance} {
			if bal != "" {
				list = append(list, bal)
			}
		}
		for _, s := range []string{a.SavingsBalance, a.SavingsHBDBalance} {
			if s != "" && !strings.HasPrefix(s, "0.000 ") {
				list = append(list, s+" in savings")
			}
		}
		list = append(list, hivePower(b.c.Chain(), dgp, a.VestingShares)...)
		if dgp != nil {
			if rc, err := b.c.RCAccount(ctx, a.Name, dgp.Time.Time); err == nil {
				list = append(list, fmt.Sprintf("RC %.0f%%", rc.Percent()))
			}
		}
		out[a.Name] = list
	}
	return out, nil
}

// hivePower writes vesting shares as Hive Power at the chain's rate, or as
// VESTS when the rate is not known.
func hivePower(c *chain.Chain, dgp *node.DynamicGlobalProperties, vests string) []string {
	if vests == "" {
		return nil
	}
	if dgp != nil {
		if v, err := tx.ParseAsset(c, vests); err == nil && v.Symbol == "VESTS" {
			if hp, ok := dgp.HivePower(v.Amount); ok {
				return []string{tx.Amount{Symbol: "HP", Units: hp, Precision: 3, Known: true}.String()}
			}
		}
	}
	return []string{vests}
}
