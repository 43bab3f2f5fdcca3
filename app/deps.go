package app

import (
	"context"
	"time"

	"localsigner/approval"
	"localsigner/hiveauth"

	"fyne.io/fyne/v2"

	"localsigner/authz"
	"localsigner/signer"
	"localsigner/signer/chain"
	"localsigner/signer/node"
	"localsigner/wallet"
)

// The interfaces below are what the desktop app needs from the rest of the
// program, declared here by their consumer and kept to the methods it calls.
// main.go passes the real parts (signer.Vault, the local API server, the
// approval queue,
// node.Client); tests pass the same real parts or small fakes.

// Vault is the key vault as the app uses it: create, unlock and lock it, and
// list, add and remove keys. It never hands out a private key. *signer.Vault
// satisfies it; main.go may wrap it, for example to record unlocks in the
// audit log. Every method may be called from the Fyne goroutine, so none may
// block for long except Init and Unlock, which the app runs off it.
type Vault interface {
	Exists() (bool, error)
	Init(passphrase []byte) error
	Unlock(passphrase []byte) error
	Lock()
	Locked() bool
	// Backend is "file" or "keychain".
	Backend() string
	List() ([]signer.KeyInfo, error)
	AddWIF(chain, account, role, wif string) (signer.KeyInfo, error)
	AddMasterPassword(chain, account, password string) ([]signer.KeyInfo, error)
	Remove(chain, account, role string) error
}

var _ Vault = (*signer.Vault)(nil)

// Balances reads account balances from the chain, for the Accounts tab. It
// is a hook for the node client: with none, balances show as "—".
type Balances interface {
	// Balances returns, per account name, its balances as the node formats
	// them with their symbols ("1000.000 HIVE", "100.000 HBD"). Accounts the
	// chain does not know are left out.
	Balances(ctx context.Context, chain string, accounts []string) (map[string][]string, error)
}

// Nodes reports the health of the configured chain nodes for the Settings
// tab. *node.Client satisfies it.
type Nodes interface {
	Status() node.Status
}

var _ Nodes = (*node.Client)(nil)

// Approvals is the queue of dapp authorization requests waiting for the
// user. The app watches it and opens one approval window per request;
// *approval.Queue satisfies it, so the command line (localsigner approve)
// and the window answer the same queue.
type Approvals interface {
	// Watch signals (coalesced) whenever the set of pending requests
	// changes, until ctx ends.
	Watch(ctx context.Context) <-chan struct{}
	// Pending lists the waiting requests, oldest first.
	Pending() []approval.Request
	// Decide answers a request; an approval is checked first, and its
	// error (the request stays pending) is shown in the window.
	Decide(id string, d approval.Decision) error
	// Waiting lists the requests held until the vault is unlocked, and
	// RefuseWaiting ends them at once (the user will not unlock now).
	Waiting() []approval.Waiting
	RefuseWaiting() int
}

var _ Approvals = (*approval.Queue)(nil)

// Grants is what the Apps tab shows and changes: the grants dapps hold,
// narrowing and revoking them. The local API server satisfies it (the
// composition root checks).
type Grants interface {
	Grants() ([]authz.GrantInfo, error)
	// RevokeClient ends every grant of a client and the tokens issued
	// under them.
	RevokeClient(id string) (int, error)
	// NarrowGrant replaces a grant's scopes with a non-empty subset of
	// them and narrows its live tokens at once; it never widens.
	NarrowGrant(grantID string, scopes []string) error
	// ForgetNoAsk removes a grant's "don't ask again" entries for
	// operation and counterparty to, so that they ask again.
	ForgetNoAsk(grantID, operation, to string) (int, error)
}

// Allowances sets a grant's standing daily spending limits: transfers
// within one are signed without asking. The local API server satisfies it (the
// composition root checks).
type Allowances interface {
	// SetAllowance sets the limit per UTC day for asset ("HIVE") on the
	// grant (or every grant of the client) with id; perDay is an amount
	// with the asset's decimals ("10.000"), and "0" removes the limit.
	SetAllowance(id, asset, perDay string) (int, error)
}

// AuditLog is the Activity tab's source. The local API server satisfies it (the
// composition root checks).
type AuditLog interface {
	// Audit returns the newest limit events, oldest first.
	Audit(limit int) ([]authz.Event, error)
	// AuditFind returns the newest events f selects (all of the log, not
	// only what the tab shows), oldest first.
	AuditFind(f authz.AuditFilter) ([]authz.Event, error)
}

// Services are the parts that run beside the window: the dapp server's
// queue, grants and audit log, and the node client. Any of them may be nil
// (the screens that need it say it is not running). They are attached after
// the window exists, with UI.Attach, because main.go may start them only
// once the first run has picked a network.
type Services struct {
	Approvals  Approvals
	Grants     Grants
	Allowances Allowances
	Audit      AuditLog
	Balances   Balances
	Nodes      Nodes
	// Chain is the chain the services sign for; nil means Hive.
	Chain *chain.Chain
	// Catalog gives each scope's authority; nil means the chain's
	// (wallet.Catalog).
	Catalog authz.Catalog
	// Lifetimes are the token lifetimes shown in the approval window;
	// zero fields mean authz.DefaultLifetimes.
	Lifetimes authz.Lifetimes
	// Issuer is the dapp server's base URL, shown in Settings.
	Issuer string
	// HiveAuth is the HiveAuth PKSA, nil while it is turned off.
	HiveAuth HiveAuth
}

// HiveAuth is the HiveAuth door as Settings uses it: its state, and a
// has:// link pasted by the user. *hiveauth.PKSA satisfies it.
type HiveAuth interface {
	Status() hiveauth.Status
	OpenLink(ctx context.Context, uri string) (*hiveauth.LinkResult, error)
}

func (s Services) chain() *chain.Chain {
	if s.Chain == nil {
		c, _ := chain.Lookup("hive", "")
		return c
	}
	return s.Chain
}

func (s Services) catalog() authz.Catalog {
	if s.Catalog == nil {
		return wallet.Catalog(s.chain().Family)
	}
	return s.Catalog
}

func (s Services) lifetimes() authz.Lifetimes {
	l, d := s.Lifetimes, authz.DefaultLifetimes
	if l.Access <= 0 {
		l.Access = d.Access
	}
	if l.Implicit <= 0 {
		l.Implicit = d.Implicit
	}
	if l.Refresh <= 0 {
		l.Refresh = d.Refresh
	}
	return l
}

// clock and scheduling hooks, replaced in tests so that nothing depends on
// real time or on goroutines racing the test.
type hooks struct {
	now func() time.Time
	// async runs slow work (Argon2id in Init and Unlock, node calls) off
	// the Fyne goroutine; the work reports back with fyne.Do.
	async func(func())
	// every checks due every d, off the Fyne goroutine, and when it
	// reports true calls f on the Fyne goroutine, until stop is called.
	// An idle app wakes its event loop only when there is work.
	every func(d time.Duration, due func() bool, f func()) (stop func())
	// background starts a long-running goroutine (the approval queue
	// watcher); tests run without it and poll by hand.
	background func(func())
	// after calls f on the Fyne goroutine once d has passed; tests call it
	// at once.
	after func(d time.Duration, f func())
}

func realHooks() hooks {
	return hooks{
		now:        time.Now,
		async:      func(f func()) { go f() },
		every:      everyTicker,
		background: func(f func()) { go f() },
		after:      func(d time.Duration, f func()) { time.AfterFunc(d, func() { fyne.Do(f) }) },
	}
}
