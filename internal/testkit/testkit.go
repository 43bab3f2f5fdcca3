// Package testkit starts one real Localsigner for a test: the embedded
// devnet producing blocks behind its websocket front-end, the vault (file
// backend, cheap KDF) holding the demo accounts' keys, the bbolt store, and
// the daemon — node client, wallet, local API on a loopback port, admin
// socket — in a short temporary directory (socket paths are limited to
// about 100 bytes, which t.TempDir() can exceed). It is the one harness the
// attack, end-to-end, local API, CLI and desktop app tests build on, so
// that they all run the composition the product runs.
package testkit

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/internal/daemon"
	"localsigner/localapi"
	"localsigner/localapi/admin"
	"localsigner/signer"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
	"localsigner/store"
	"localsigner/wallet"
)

// Passphrase is the test vault's passphrase.
const Passphrase = "correct horse battery staple"

// CheapKDF keeps Argon2 fast in tests; the product uses the strong default.
var CheapKDF = signer.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}

// Options configures Start. The zero value is a Hive devnet with alice's
// and bob's keys, an unlocked vault, and limits high enough that no test
// meets them by accident.
type Options struct {
	// Dialect is the devnet's: "hive" (default) or "peerplays".
	Dialect string
	// NoDevnet runs without a devnet and without a node (chain "devnet"'s
	// parameters): for tests of the OAuth surfaces alone.
	NoDevnet bool
	// BlockInterval of the devnet (default 50 ms).
	BlockInterval time.Duration
	// Accounts get their keys from MasterPassword (default: alice and bob,
	// from devnet.DefaultPassword, which the devnet's accounts use).
	Accounts       []string
	MasterPassword string
	// KDF of the vault (default CheapKDF).
	KDF signer.KDFParams
	// Locked leaves the vault locked after adding the keys.
	Locked bool
	// Vault and Dir, when set, are an existing vault and its data
	// directory to run on (the desktop app's tests share the window's);
	// Accounts, MasterPassword, KDF and Locked are then ignored.
	Vault *signer.Vault
	Dir   string
	// Logger receives the daemon's logs (default: discarded).
	Logger *slog.Logger
	// Daemon, if set, adjusts the daemon's options before the start.
	Daemon func(*daemon.Options)
	// Devnet, if set, adjusts the devnet's configuration (genesis, clock)
	// before it starts.
	Devnet func(*devnet.Config)
}

// Kit is one running Localsigner.
type Kit struct {
	T      testing.TB
	Dir    string
	DB     *store.DB
	Vault  *signer.Vault
	Devnet *daemon.Devnet // nil with NoDevnet
	Daemon *daemon.Daemon
	Server *localapi.Server
	Wallet *wallet.Wallet
	Admin  *admin.Client
	Chain  *chain.Chain
	Node   *node.Client // nil with NoDevnet
	// Base is "http://127.0.0.1:PORT".
	Base string
	Port int
	// HTTP does not follow redirects, so tests see them.
	HTTP *http.Client

	cancel  context.CancelFunc
	stopped chan struct{}
}

// Start starts a Localsigner for t; it stops at t's cleanup.
func Start(t testing.TB, o Options) *Kit {
	t.Helper()
	if o.BlockInterval == 0 {
		o.BlockInterval = 50 * time.Millisecond
	}
	if o.Accounts == nil {
		o.Accounts = []string{"alice", "bob"}
	}
	if o.MasterPassword == "" {
		o.MasterPassword = devnet.DefaultPassword
	}
	if o.KDF == (signer.KDFParams{}) {
		o.KDF = CheapKDF
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	k := &Kit{T: t, stopped: make(chan struct{})}
	var nodes []string
	if o.NoDevnet {
		c, err := chain.Lookup(daemon.DevnetChainName, "")
		if err != nil {
			t.Fatal(err)
		}
		k.Chain = c
	} else {
		cfg := devnet.Config{BlockInterval: o.BlockInterval}
		if o.Devnet != nil {
			o.Devnet(&cfg)
		}
		dn, err := daemon.StartDevnet(nil, o.Dialect, "", cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dn.Net.Close() })
		k.Devnet, k.Chain, nodes = dn, dn.Chain, []string{dn.URL}
	}

	v, dir := o.Vault, o.Dir
	if v == nil {
		var err error
		if dir, err = os.MkdirTemp("", "lsk"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if v, err = signer.OpenVault(dir, signer.VaultOptions{KDF: o.KDF}); err != nil {
			t.Fatal(err)
		}
		if err := v.Init([]byte(Passphrase)); err != nil {
			t.Fatal(err)
		}
		for _, a := range o.Accounts {
			if _, err := v.AddMasterPassword(k.Chain.Name, a, o.MasterPassword); err != nil {
				t.Fatal(err)
			}
		}
		if o.Locked {
			v.Lock()
		}
	}
	k.Dir = dir
	k.Vault = v
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k.DB = db

	opts := daemon.Options{DataDir: dir, Store: db, Vault: v, Chain: k.Chain, Nodes: nodes, Listen: "127.0.0.1:0", Logger: log,
		NodeOptions: node.Options{CallTimeout: 5 * time.Second, DialTimeout: 2 * time.Second, HealthInterval: -1,
			BackoffMin: time.Millisecond, BackoffMax: 10 * time.Millisecond},
		ApprovalTimeout: 10 * time.Second, ConfirmTimeout: 10 * time.Second, UnlockWait: 300 * time.Millisecond,
		Limits: daemon.Limits{PerMinute: 60000, Burst: 1000, PromptsPerMinute: 60000, PromptBurst: 1000}}
	if o.Daemon != nil {
		o.Daemon(&opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := daemon.Start(ctx, opts)
	if err != nil {
		cancel()
		db.Close()
		t.Fatal(err)
	}
	k.cancel = cancel
	k.Daemon, k.Server, k.Wallet, k.Node = d, d.Server, d.Wallet, d.Node
	k.Admin = admin.NewClient(dir)
	k.Port = d.Server.Port()
	k.Base = "http://127.0.0.1:" + strconv.Itoa(k.Port)
	k.HTTP = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	go func() { d.Wait(); close(k.stopped) }()
	t.Cleanup(func() {
		k.Stop()
		db.Close()
	})
	return k
}

// Stop ends the daemon and waits for it (the store stays open until the
// test's cleanup). Calling it twice is harmless.
func (k *Kit) Stop() {
	k.cancel()
	<-k.stopped
}

// Stopped is closed once the daemon has stopped.
func (k *Kit) Stopped() <-chan struct{} { return k.stopped }

// WaitApproval waits (up to 30 s) for a request of kind in the approval
// queue, as the desktop app or `localsigner approvals` would see it, and
// returns the first one.
func (k *Kit) WaitApproval(kind string) approval.Request {
	k.T.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ps, err := k.Admin.Approvals()
		if err != nil {
			k.T.Fatal(err)
		}
		for _, p := range ps {
			if p.Kind == kind {
				return p
			}
		}
		if time.Now().After(deadline) {
			k.T.Fatalf("no %s request in the approval queue (%d pending: %+v)", kind, len(ps), ps)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
