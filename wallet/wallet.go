// Package wallet is Localsigner's policy: the one place that decides what
// a request from any door may have signed. A door (the OAuth, Hivesigner,
// PeerID and app-token surfaces of the local API today; the browser bridge,
// hive:// links and HiveAuth later) decodes its wire format, establishes
// who asks, and calls the wallet; the wallet checks the grant, asks the
// user through the approval queue when it must, checks the grant again
// after every wait, signs through the vault, broadcasts through the node,
// and leaves one audit event per transaction.
//
// What an operation means — its authority, counterparties, debits and
// effects — comes from the transaction layer's registry (tx.Describe),
// never from a list here. The wallet knows no HTTP, no Fyne and no door.
package wallet

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/internal/ratelimit"
	"localsigner/signer/chain"
	"localsigner/signer/keys"
	"localsigner/signer/memo"
	"localsigner/signer/node"
	"localsigner/signer/tx"
)

// Signer signs digests and computes memo secrets with the vault's keys; it
// never hands a key out. *signer.Vault satisfies it.
type Signer interface {
	// PublicKey fails with signer.ErrNoKey if no key is stored for the
	// role, signer.ErrLocked while the vault is locked.
	PublicKey(chain, account, role string) (keys.PublicKey, error)
	Sign(chain, account, role string, digest [32]byte) (keys.Signature, error)
	// MemoSecret is the secret of a memo between from and to, computed
	// with whichever of the two the account holds, and that key's role.
	MemoSecret(chain, account string, from, to keys.PublicKey) (memo.SharedSecret, string, error)
	// SharedSecret is the secret of the account's key for role with peer.
	SharedSecret(chain, account, role string, peer keys.PublicKey) (memo.SharedSecret, error)
}

// Vault is the lock state of the vault and the accounts it holds.
type Vault interface {
	Locked() bool
	// Accounts lists the accounts with at least one key on chain; it
	// fails while the vault is locked.
	Accounts(chain string) ([]string, error)
}

// Node is what the wallet needs from the chain's nodes. *node.Client
// satisfies it.
type Node interface {
	// PrepareTransaction builds an unsigned transaction referring to the
	// head block; zero expiration means the client's default.
	PrepareTransaction(ctx context.Context, ops []tx.Operation, expiration time.Duration) (*tx.Transaction, error)
	// Broadcast sends a signed transaction and waits for its block.
	Broadcast(ctx context.Context, t *tx.Transaction) (*node.BroadcastResult, error)
	// Accounts looks accounts up by name, in the order asked.
	Accounts(ctx context.Context, names []string) ([]node.Account, error)
}

var _ Node = (*node.Client)(nil)

// Grants is the grant store as the policy reads and changes it.
// *authz.Issuer satisfies it.
type Grants interface {
	Grant(id string) (*authz.Grant, error)
	Client(id string) (*authz.Client, error)
	// Recheck re-reads the token that authorized a request after a wait:
	// authz.ErrNotFound once it or its grant is gone.
	Recheck(t *authz.Token) (*authz.Token, error)
	// Changed is closed at the next change of any grant or token.
	Changed() <-chan struct{}
	ReserveSpending(gid, day string, amounts map[string]int64) error
	ReleaseSpending(gid, day string, amounts map[string]int64) error
	AddNoAsk(gid string, keys []authz.NoAskKey, d time.Duration) error
	PruneNoAsk(keep func(authz.NoAsk) bool) (int, error)
	NoteUse(gid string)
	Record(e authz.Event) error
}

var _ Grants = (*authz.Issuer)(nil)

// Defaults of Config.
const (
	DefaultApprovalTimeout = 5 * time.Minute
	DefaultUnlockWait      = 2 * time.Minute
)

// Config configures a Wallet. Chain, Grants, Vault and Signer are
// required.
type Config struct {
	// Chain is the chain signed for; its Name files keys and grants.
	Chain  *chain.Chain
	Grants Grants
	Vault  Vault
	Signer Signer
	// Node is nil when no node is configured: every transaction then
	// fails with ErrNodeDown before anything is signed.
	Node Node
	// Logger receives operational logs (never secrets); nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ApprovalTimeout bounds how long a grant request waits for the user,
	// ConfirmTimeout a transaction (default ApprovalTimeout), UnlockWait
	// how long any request waits for a locked vault.
	ApprovalTimeout, ConfirmTimeout, UnlockWait time.Duration
	// PromptsPerMinute and PromptBurst bound prompts per origin (defaults
	// 2 and 3); MaxPending and MaxPendingPerOrigin bound the approval queue
	// (defaults 16 and 3), so that one site cannot bury the user in
	// prompts.
	PromptsPerMinute, PromptBurst   int
	MaxPending, MaxPendingPerOrigin int
	// MaxUnlockWaiters bounds the requests waiting for a locked vault
	// (default 16); more get ErrBusy at once.
	MaxUnlockWaiters int
}

// globalPromptFactor: all origins and clients together may prompt this many
// times as often as one, so that varying the origin or the client_id
// buys a caller only that much.
const globalPromptFactor = 10

// Wallet is the policy core. Create it with New. Safe for concurrent use.
type Wallet struct {
	cfg     Config
	cat     authz.Catalog
	log     *slog.Logger
	queue   *approval.Queue
	prompts *ratelimit.Limiter // per origin and per client_id
	// allPrompts bounds prompts across every origin and client.
	allPrompts    *ratelimit.Limiter
	unlockWaiters chan struct{}

	accountIDs sync.Map // Graphene: account name → "1.2.N"
}

// New checks cfg and returns a wallet with its approval queue.
func New(cfg Config) (*Wallet, error) {
	if cfg.Chain == nil || cfg.Grants == nil || cfg.Vault == nil || cfg.Signer == nil {
		return nil, errors.New("wallet: config needs Chain, Grants, Vault and Signer")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.ApprovalTimeout, DefaultApprovalTimeout)
	def(&cfg.ConfirmTimeout, cfg.ApprovalTimeout)
	def(&cfg.UnlockWait, DefaultUnlockWait)
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt(&cfg.PromptsPerMinute, 2)
	defInt(&cfg.PromptBurst, 3)
	defInt(&cfg.MaxPending, 16)
	defInt(&cfg.MaxPendingPerOrigin, 3)
	defInt(&cfg.MaxUnlockWaiters, 16)
	w := &Wallet{cfg: cfg, cat: Catalog(cfg.Chain.Family), log: cfg.Logger,
		prompts:       ratelimit.New(cfg.PromptsPerMinute, cfg.PromptBurst, cfg.Now),
		allPrompts:    ratelimit.New(globalPromptFactor*cfg.PromptsPerMinute, globalPromptFactor*cfg.PromptBurst, cfg.Now),
		unlockWaiters: make(chan struct{}, cfg.MaxUnlockWaiters)}
	w.queue = approval.NewQueue(cfg.MaxPending, cfg.MaxPendingPerOrigin, w.check)
	return w, nil
}

// allowPrompt takes a prompt from the origin's, the client's and the
// global budget: each is chosen by the caller but the last, so all three
// must agree.
func (w *Wallet) allowPrompt(origin, clientID string) bool {
	ok := true
	if origin != "" {
		ok, _ = w.prompts.Allow("origin:" + origin)
	}
	if ok && clientID != "" {
		ok, _ = w.prompts.Allow("client:" + clientID)
	}
	if ok {
		ok, _ = w.allPrompts.Allow("*")
	}
	return ok
}

// Queue is the approval queue the wallet asks the user through: the
// desktop app and the command line answer it.
func (w *Wallet) Queue() *approval.Queue { return w.queue }

// Catalog is the chain's scope catalog, from the operation registry.
func (w *Wallet) Catalog() authz.Catalog { return w.cat }

// Chain is the chain the wallet signs for.
func (w *Wallet) Chain() *chain.Chain { return w.cfg.Chain }

// PruneNoAsk drops the stored "don't ask again" entries that the
// operation registry no longer allows, each with an audit event. The
// composition root calls it once at start.
func (w *Wallet) PruneNoAsk() (int, error) {
	fam := w.cfg.Chain.Family
	return w.cfg.Grants.PruneNoAsk(func(e authz.NoAsk) bool {
		return e.To == "" && tx.RememberQualifies(fam, e.Operation, e.Match)
	})
}

// registryCatalog is authz.Catalog read from the operation registry.
type registryCatalog struct {
	family chain.Family
	names  []string
}

// Catalog returns family's scope catalog: every operation of the registry
// at its plain authority, with its label.
func Catalog(family chain.Family) authz.Catalog {
	c := registryCatalog{family: family}
	for _, s := range tx.Specs(family) {
		c.names = append(c.names, s.Name)
	}
	slices.Sort(c.names)
	return c
}

// Authority implements authz.Catalog.
func (c registryCatalog) Authority(op string) (authz.Authority, bool) {
	s := tx.Lookup(c.family, op)
	if s == nil {
		return 0, false
	}
	return authz.Authority(s.Role), true
}

// Label implements authz.Catalog.
func (c registryCatalog) Label(op string) string {
	if s := tx.Lookup(c.family, op); s != nil {
		return s.Label
	}
	return ""
}

// Names implements authz.Catalog.
func (c registryCatalog) Names() []string { return c.names }
