package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"localsigner/authz"
	"localsigner/hiveauth"
	"localsigner/internal/daemon"
	"localsigner/internal/procenv"
	"localsigner/localapi"
	"localsigner/localapi/admin"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/store"
)

// signalContext is the context serve runs under: cancelled by SIGINT or
// SIGTERM. Tests replace it to stop the server.
var signalContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func runServe(env Env, args []string) error {
	fs, vf := newVaultFlagSet(env, "localsigner serve", "--headless [--devnet] [--chain hive|peerplays] [--node URL]... [--listen ADDR] [--data-dir DIR] [--passphrase-file FILE] [--locked] [--auto-lock 15m]")
	headless := fs.Bool("headless", false, "run the dapp server without the desktop app")
	useDevnet := fs.Bool("devnet", false, "run the embedded devnet in-process and grant for it instead of Hive")
	listen := fs.String("listen", localapi.DefaultListen, "loopback address of the dapp server (127.0.0.1:PORT)")
	locked := fs.Bool("locked", false, "start locked without asking for the passphrase; unlock later with 'localsigner unlock'")
	autoLock := fs.Duration("auto-lock", defaultAutoLock, "lock the vault after this long without a request that used it (0: never), as the desktop app does")
	chainFlag := fs.String("chain", "hive", "hive or peerplays: the chain to grant and sign for (with --devnet, the devnet's dialect)")
	var nodes stringList
	fs.Var(&nodes, "node", "node URL (ws://, wss://, http://, https://) for the dapp API; repeatable or comma-separated, tried in order")
	auditKeep := fs.Int("audit-keep", authz.DefaultRetention.Keep, "keep at most this many audit events")
	auditMaxAge := fs.String("audit-max-age", "", "also prune audit events older than this (90d, 720h; empty: any age)")
	noArchive := fs.Bool("no-audit-archive", false, "prune audit events without appending them to "+daemon.ArchiveFile+" first")
	hiveAuth := fs.Bool("hiveauth", false, "answer HiveAuth requests as a PKSA through the relay (off by default)")
	relay := fs.String("hiveauth-relay", hiveauth.DefaultRelay, "the HiveAuth relay to connect to (wss://, or ws:// on this machine)")
	err := parseFlags(fs, args, 0)
	if err != nil {
		return err
	}
	audit := daemon.AuditOptions{Keep: *auditKeep, NoArchive: *noArchive}
	if *auditKeep < 1 {
		return fmt.Errorf("%w: --audit-keep must be at least 1", errUsage)
	}
	if *auditMaxAge != "" {
		if audit.MaxAge, err = parseDays(*auditMaxAge); err != nil {
			return fmt.Errorf("%w: --audit-max-age: want a duration such as 90d or 720h", errUsage)
		}
	}
	ha := daemon.HiveAuthOptions{Enabled: *hiveAuth}
	if *hiveAuth {
		if ha.Relay, err = hiveauth.NormalizeRelay(*relay); err != nil {
			return fmt.Errorf("%w: --hiveauth-relay: %w", errUsage, err)
		}
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
	switch *chainFlag {
	case "hive", "peerplays":
	default:
		return fmt.Errorf("%w: --chain %q: want hive or peerplays", errUsage, *chainFlag)
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
	var c *chain.Chain
	if *useDevnet {
		dn, err := daemon.StartDevnet(log, *chainFlag, "", devnet.Config{Logf: func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }})
		if err != nil {
			return err
		}
		defer dn.Net.Close()
		c = dn.Chain
		if len(nodeURLs) == 0 {
			nodeURLs = []string{dn.URL}
		}
	} else if c, err = chain.Lookup(*chainFlag, ""); err != nil {
		return err
	}
	if !*locked {
		if err := serveUnlock(env, vf, v); err != nil {
			return err
		}
	}
	ctx, stop := signalContext()
	defer stop()
	if *autoLock < 0 {
		return fmt.Errorf("%w: --auto-lock must be 0 (never) or a duration", errUsage)
	}
	idle := newIdleLock(*autoLock)
	d, err := daemon.Start(ctx, daemon.Options{DataDir: dir, Store: db, Vault: v, Chain: c, Nodes: nodeURLs,
		Listen: *listen, Logger: log, OnEvent: idle.touch, Audit: audit, HiveAuth: ha})
	if err != nil {
		return err
	}
	// A request waiting for the user's decision is use: locking under it
	// would make its approval fail to sign.
	waiting := func() bool { return len(d.Queue().Pending()) > 0 }
	go idle.run(ctx, v.Locked, waiting, func() {
		log.Info("locking the vault: unused for the --auto-lock time", "after", autoLock.String())
		d.Server.Lock()
	})
	state := "unlocked"
	if v.Locked() {
		state = "locked (unlock with 'localsigner unlock')"
	}
	log.Info("Localsigner is serving", "issuer", d.Server.IssuerURL(), "chain", c.Name, "vault", state,
		"admin_socket", admin.SocketPath(dir))
	if *useDevnet && c.Family == chain.Hive {
		// The example dapp, on its own loopback origin as a real dapp is.
		if u, err := daemon.StartExampleDapp(ctx, log, d.Server.IssuerURL()); err != nil {
			log.Warn("example dapp not served", "err", err)
		} else {
			log.Info("example dapp: open it in your browser", "url", u)
		}
	}
	err = d.Wait()
	v.Lock()
	log.Info("Localsigner stopped")
	return err
}

// defaultAutoLock is the desktop app's default (app.DefaultAutoLockMinutes):
// a server left running unlocked is a signer anyone with a token can use.
const defaultAutoLock = 15 * time.Minute

// idleLock locks the vault once no audited event (a request that used a
// grant, an unlock) happened for after; zero never locks.
type idleLock struct {
	after time.Duration
	last  atomic.Int64 // unix nanoseconds of the last event
}

func newIdleLock(after time.Duration) *idleLock {
	l := &idleLock{after: after}
	l.last.Store(time.Now().UnixNano())
	return l
}

// touch is the daemon's OnEvent hook.
func (l *idleLock) touch(authz.Event) { l.last.Store(time.Now().UnixNano()) }

// run checks a few times per after until ctx ends, and calls lock when the
// vault is unlocked and idle for after. While busy reports true (a request
// waits for the user) it is not idle: the wait counts as use.
func (l *idleLock) run(ctx context.Context, locked, busy func() bool, lock func()) {
	if l.after <= 0 {
		return
	}
	tick := time.NewTicker(min(max(l.after/4, 50*time.Millisecond), 30*time.Second))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if busy() {
				l.last.Store(time.Now().UnixNano())
				continue
			}
			if !locked() && time.Since(time.Unix(0, l.last.Load())) >= l.after {
				lock()
				l.last.Store(time.Now().UnixNano())
			}
		}
	}
}

// serveUnlock unlocks the vault with a passphrase given the ways every
// command takes one (file, environment, terminal). With none of them
// available, the server starts locked.
func serveUnlock(env Env, vf *vaultFlags, v interface{ Unlock([]byte) error }) error {
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
	// A server lives long: the passphrase must not stay readable in
	// /proc/PID/environ by every program of the user meanwhile.
	if _, serr := procenv.Scrub(envPassphrase); serr != nil {
		fmt.Fprintf(env.Stderr, "localsigner: warning: $%s could not be cleared from the process environment: %v\n", envPassphrase, serr)
	}
	if err != nil {
		return err
	}
	defer clear(p)
	if err := v.Unlock(p); err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	return nil
}
