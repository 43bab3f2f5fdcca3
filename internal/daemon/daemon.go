// Package daemon wires Localsigner's running parts once, for the desktop
// app and for `localsigner serve --headless` alike: the node client, the
// grant store's OAuth core, the wallet (the policy and its approval queue),
// the local API server and the admin socket. The caller opens the store
// first (it is the single-instance lock) and the vault, and decides the
// chain; everything else is built here, in one order, with one set of
// defaults.
package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/hiveauth"
	"localsigner/links"
	"localsigner/localapi"
	"localsigner/localapi/admin"
	"localsigner/localapi/jose"
	"localsigner/signer"
	"localsigner/signer/chain"
	"localsigner/signer/node"
	"localsigner/store"
	"localsigner/wallet"
)

// The local API server is what the admin channel acts on.
var _ admin.Backend = (*localapi.Server)(nil)

// Limits bound requests and prompts; zero fields take the defaults of
// localapi.Limits and wallet.Config.
type Limits struct {
	// PerMinute and Burst bound requests per client per endpoint.
	PerMinute, Burst int
	// PromptsPerMinute and PromptBurst bound prompts per origin;
	// MaxPending and MaxPendingPerOrigin the approval queue.
	PromptsPerMinute, PromptBurst   int
	MaxPending, MaxPendingPerOrigin int
	// MaxUnlockWaiters bounds the requests waiting for a locked vault.
	MaxUnlockWaiters int
}

// Options configures Start. DataDir, Store, Vault and Chain are required.
type Options struct {
	DataDir string
	// Store is the open grant store: the caller opened it first, since it
	// is the single-instance lock.
	Store *store.DB
	Vault *signer.Vault
	// Chain is the chain to sign for; its Name files keys and grants.
	Chain *chain.Chain
	// Nodes are the node URLs, tried in order; none leaves the dapp API
	// without a node (it answers so). NodeOptions tunes the client (its
	// Chain is set from Chain).
	Nodes       []string
	NodeOptions node.Options
	// NodeClient, if set, is used instead of dialling Nodes: benchmarks
	// time the rest against an in-memory node.
	NodeClient NodeClient
	// Listen is the local API's loopback address (localapi.DefaultListen
	// when empty).
	Listen string
	// NoAdmin leaves the admin socket closed (a test that runs two servers
	// on one data directory).
	NoAdmin bool
	// Logger receives operational logs; nil discards.
	Logger *slog.Logger
	// OnEvent, if set, receives every audit event once its write committed
	// (the desktop app's notifications).
	OnEvent func(authz.Event)
	// Now is the clock (tests); nil means time.Now.
	Now       func() time.Time
	Lifetimes authz.Lifetimes
	Limits    Limits
	// ApprovalTimeout, ConfirmTimeout and UnlockWait bound the waits for
	// the user and for the vault (wallet.Config's defaults when zero).
	ApprovalTimeout, ConfirmTimeout, UnlockWait time.Duration
	// SweepInterval and AccountCacheTTL: see localapi.Config.
	SweepInterval, AccountCacheTTL time.Duration
	// Audit is the audit log's retention.
	Audit AuditOptions
	// HiveAuth turns the HiveAuth PKSA on (off by default).
	HiveAuth HiveAuthOptions
	// ShowWindow, from the desktop app, brings its window to the front
	// (see localapi.Config.ShowWindow); nil when headless.
	ShowWindow func()
}

// AuditOptions bound the audit log. The zero value keeps the newest
// authz.DefaultRetention.Keep events, of any age, and archives what is
// pruned.
type AuditOptions struct {
	// Keep is how many events are kept at most (0: the default).
	Keep int
	// MaxAge, when not zero, prunes events older than that too.
	MaxAge time.Duration
	// NoArchive prunes without writing the events to ArchiveFile first.
	NoArchive bool
}

// ArchiveFile is the file in the data directory that pruned audit events
// are appended to, one JSON object a line.
const ArchiveFile = "audit-archive.jsonl"

// archiveTo returns the archive function that appends events to path
// (created 0600), synced before the events are deleted from the store.
func archiveTo(path string) func([]authz.Event) error {
	return func(es []authz.Event) error {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(f)
		enc := json.NewEncoder(w)
		for i := range es {
			if err := enc.Encode(&es[i]); err != nil {
				f.Close()
				return err
			}
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
}

// NodeClient is what the wallet and the doors need of the nodes together.
// *node.Client satisfies it.
type NodeClient interface {
	wallet.Node
	localapi.Node
}

var _ NodeClient = (*node.Client)(nil)

// Daemon is one running Localsigner.
type Daemon struct {
	Server *localapi.Server
	Wallet *wallet.Wallet
	Issuer *authz.Issuer
	// Node is the node client, nil without nodes (or if none answered at
	// start: the server runs and says the node is unreachable).
	Node  *node.Client
	Chain *chain.Chain
	// Links is the door for hive:// links (the admin socket's "open").
	Links *links.Door
	// HiveAuth is the HiveAuth PKSA, nil while it is turned off.
	HiveAuth *hiveauth.PKSA

	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

// Queue is the approval queue the desktop app and the command line answer.
func (d *Daemon) Queue() *approval.Queue { return d.Wallet.Queue() }

// Start builds everything, binds the local API (a taken port is an error
// wrapping localapi.ErrPortInUse) and the admin socket, and serves until
// ctx ends; Wait then returns once all has stopped. A node that cannot be
// dialled is logged, not fatal: the server says so to every request.
func Start(ctx context.Context, o Options) (*Daemon, error) {
	if o.Store == nil || o.Vault == nil || o.Chain == nil || o.DataDir == "" {
		return nil, errors.New("daemon: options need DataDir, Store, Vault and Chain")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Daemon{Chain: o.Chain}
	var grants authz.Store = o.Store
	if o.OnEvent != nil {
		grants = auditTap{o.Store, o.OnEvent}
	}

	var srv *localapi.Server // the app token check needs the server's issuer URL
	iss, err := authz.NewIssuer(authz.IssuerConfig{Store: grants, Catalog: wallet.Catalog(o.Chain.Family), Chain: o.Chain.Name,
		Now: o.Now, Lifetimes: o.Lifetimes, Retention: retention(o),
		VerifySigned: func(t string) (string, string, error) { return srv.VerifyAppToken(t) }})
	if err != nil {
		return nil, err
	}
	d.Issuer = iss

	var wnode wallet.Node
	var rnode localapi.Node
	switch {
	case o.NodeClient != nil:
		wnode, rnode = o.NodeClient, o.NodeClient
	case len(o.Nodes) > 0:
		no := o.NodeOptions
		no.Chain = o.Chain
		nc, err := node.Dial(ctx, o.Nodes, no)
		if err != nil {
			log.Warn("node client", "err", err)
		} else {
			d.Node, wnode, rnode = nc, nc, nc
			d.wg.Add(1)
			go func() { defer d.wg.Done(); <-ctx.Done(); nc.Close() }()
		}
	default:
		log.Warn("no node configured: transactions and /api/me will answer that the node is unreachable; pass --node URL")
	}

	// The permission records open at the first unlock (their key is in the
	// vault); until then the wallet and the doors see the vault as locked,
	// so that a request waiting for the unlock goes on only once the
	// records it needs can be read.
	gate := recordsGate{o.Vault, o.Store}
	w, err := wallet.New(wallet.Config{Chain: o.Chain, Grants: iss, Vault: gate, Signer: o.Vault, Node: wnode,
		Logger: log, Now: o.Now, ApprovalTimeout: o.ApprovalTimeout, ConfirmTimeout: o.ConfirmTimeout, UnlockWait: o.UnlockWait,
		PromptsPerMinute: o.Limits.PromptsPerMinute, PromptBurst: o.Limits.PromptBurst,
		MaxPending: o.Limits.MaxPending, MaxPendingPerOrigin: o.Limits.MaxPendingPerOrigin, MaxUnlockWaiters: o.Limits.MaxUnlockWaiters})
	if err != nil {
		return nil, err
	}
	d.Wallet = w
	var prune sync.Once
	opened := func() {
		if openRecords(o.Vault, o.Store, grants, o.Now, log) {
			prune.Do(func() { pruneNoAsk(w, log) })
		}
	}
	remove := o.Vault.OnUnlock(opened)
	d.wg.Add(1)
	go func() { defer d.wg.Done(); <-ctx.Done(); remove() }()
	if !o.Vault.Locked() {
		opened()
	}

	ik, err := loadInstanceKey(o.Store)
	if err != nil {
		return nil, err
	}
	srv, err = localapi.New(localapi.Config{Listen: o.Listen, Wallet: w, Issuer: iss, Vault: gate, Node: rnode,
		Logger: log, Now: o.Now, Limits: localapi.Limits{PerMinute: o.Limits.PerMinute, Burst: o.Limits.Burst},
		SweepInterval: o.SweepInterval, AccountCacheTTL: o.AccountCacheTTL, InstanceKey: ik, ShowWindow: o.ShowWindow})
	if err != nil {
		return nil, err
	}
	if err := srv.Listen(); err != nil {
		return nil, err
	}
	d.Server = srv
	var lnode links.Node
	if wnode != nil {
		lnode = wnode
	}
	d.Links = links.NewDoor(o.Chain, w, lnode, gate)
	d.serve(func() error { return srv.Serve(ctx) })
	if err := d.startHiveAuth(ctx, o, gate); err != nil {
		return nil, fmt.Errorf("hiveauth: %w", err)
	}
	if !o.NoAdmin {
		ln, err := admin.Listen(o.DataDir)
		if err != nil {
			log.Warn("admin channel not available; the command line cannot reach this instance", "err", err)
		} else {
			d.serve(func() error { return admin.Serve(ctx, ln, adminBackend{srv, d.Links, d.HiveAuth}, log) })
		}
	}
	return d, nil
}

func (d *Daemon) serve(run func() error) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := run(); err != nil {
			d.mu.Lock()
			d.errs = append(d.errs, err)
			d.mu.Unlock()
		}
	}()
}

// Wait returns once the server, the admin channel and the node client
// stopped (after Start's ctx ended), with their errors.
func (d *Daemon) Wait() error {
	d.wg.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	return errors.Join(d.errs...)
}

// loadInstanceKey reads the key that signs app tokens from the store,
// creating it on first start (see store.DB.InstanceKey for why it lives
// there).
func loadInstanceKey(db *store.DB) (*jose.InstanceKey, error) {
	raw, err := db.InstanceKey(jose.NewInstanceKeyBytes)
	if err != nil {
		return nil, fmt.Errorf("instance key: %w", err)
	}
	defer clear(raw)
	return jose.NewInstanceKey(raw)
}

// adminBackend is what the admin socket serves: the local API server's
// management calls and the link door.
type adminBackend struct {
	*localapi.Server
	links    *links.Door
	hiveauth *hiveauth.PKSA
}

// OpenLink implements admin.LinkBackend.
func (b adminBackend) OpenLink(ctx context.Context, a links.OpenArgs) (*links.Outcome, error) {
	if isHiveAuthLink(a) {
		return nil, fmt.Errorf("%w: a has:// link is a HiveAuth sign-in; hand it over with the op \"hiveauth\" (localsigner open does)", links.ErrBadLink)
	}
	return b.links.Open(ctx, a)
}

var (
	_ admin.LinkBackend     = adminBackend{}
	_ admin.HiveAuthBackend = adminBackend{}
)

// retention is o's audit retention for the issuer.
func retention(o Options) authz.Retention {
	r := authz.Retention{Keep: o.Audit.Keep, MaxAge: o.Audit.MaxAge}
	if !o.Audit.NoArchive {
		r.Archive = archiveTo(filepath.Join(o.DataDir, ArchiveFile))
	}
	return r
}

// recordsGate is the vault as the wallet and the doors see it: locked
// until the store's permission records are open too.
type recordsGate struct {
	*signer.Vault
	db *store.DB
}

// Locked implements wallet.Vault and localapi.Vault.
func (g recordsGate) Locked() bool { return g.Vault.Locked() || g.db.Sealed() }

// openRecords opens the store's permission records under the vault's store
// key, once, at the first unlock: it logs and audits what failed its check
// (and so is ignored) or was adopted from an older version. It reports
// whether the records are open.
func openRecords(v *signer.Vault, db *store.DB, grants authz.Store, now func() time.Time, log *slog.Logger) (open bool) {
	if !db.Sealed() {
		return true
	}
	key, fresh, err := v.StoreKey()
	if err != nil {
		log.Error("permission records stay closed: no store key from the vault", "err", err)
		return false
	}
	rep, err := db.OpenRecords(key, fresh)
	clear(key)
	if err != nil {
		log.Error("permission records stay closed", "err", err)
		return false
	}
	if now == nil {
		now = time.Now
	}
	var events []authz.Event
	if rep.Adopted > 0 {
		log.Info("sealed the permission records of an older version under the vault's key", "count", rep.Adopted)
		events = append(events, authz.Event{Type: authz.EventRecordsAdopted, Time: now(),
			Detail: fmt.Sprintf("%d records of an older version sealed under the vault's key", rep.Adopted)})
	}
	if len(rep.Rejected) > 0 {
		log.Warn("permission records failed their check and are ignored (written or changed without the passphrase)",
			"count", len(rep.Rejected), "other_key", rep.OtherKey, "records", rejectedList(rep.Rejected, 10))
		events = append(events, authz.Event{Type: authz.EventRecordsRejected, Time: now(),
			Detail: fmt.Sprintf("%d records failed their check and are ignored: %s", len(rep.Rejected), rejectedList(rep.Rejected, 10))})
	}
	if len(events) > 0 {
		err := grants.Update(func(tx authz.Tx) error {
			for i := range events {
				if err := tx.AppendAudit(&events[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			log.Error("audit the permission records' check", "err", err)
		}
	}
	db.OnRejected(func(r store.RejectedRecord) {
		log.Warn("a permission record failed its check and is ignored", "kind", r.Kind, "id", r.ID, "why", r.Why)
	})
	return true
}

// pruneNoAsk applies the current rules to the stored don't-ask-again
// entries, once the records are open.
func pruneNoAsk(w *wallet.Wallet, log *slog.Logger) {
	if n, err := w.PruneNoAsk(); err != nil {
		log.Error("check stored don't-ask-again entries", "err", err)
	} else if n > 0 {
		log.Warn("dropped don't-ask-again entries the current rules do not allow (see the audit log)", "count", n)
	}
}

// rejectedList names up to n rejected records, for a log line or an audit
// event's detail.
func rejectedList(rs []store.RejectedRecord, n int) string {
	var b strings.Builder
	for i, r := range rs {
		if i == n {
			fmt.Fprintf(&b, " and %d more", len(rs)-n)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s (%s)", r.Kind, r.ID, r.Why)
	}
	return b.String()
}

// auditTap is the store with an ear on the audit log: each event a
// committed transaction appended is passed to onEvent, so nothing polls
// the log.
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
