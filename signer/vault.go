package signer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"localsigner/signer/internal/vault"
	"localsigner/signer/keys"
	"localsigner/signer/memo"
)

// Vault errors, the same values as the internal vault's so errors.Is works
// on anything a Vault method returns.
var (
	ErrWrongPassphrase    = vault.ErrWrongPassphrase    // the passphrase does not open the vault
	ErrBackoff            = vault.ErrBackoff            // too soon after repeated wrong passphrases; see BackoffError
	ErrLocked             = vault.ErrLocked             // the operation needs an unlocked vault
	ErrNotInitialized     = vault.ErrNotInitialized     // no vault in the data directory yet
	ErrAlreadyInitialized = vault.ErrAlreadyInitialized // Init on an existing vault
	ErrNoKey              = vault.ErrNoKey              // no key stored for that chain, account and role
	ErrCorrupt            = vault.ErrCorrupt            // unreadable vault data; see CorruptError
	ErrEmptyPassphrase    = vault.ErrEmptyPassphrase    // an empty passphrase was given
	ErrInvalidAccount     = vault.ErrInvalidAccount     // the account name breaks Hive's rules
	ErrInvalidRole        = vault.ErrInvalidRole        // not owner, active, posting or memo
	ErrUnknownChain       = vault.ErrUnknownChain       // not a chain the vault keeps keys for
	ErrBackendMismatch    = vault.ErrBackendMismatch    // opened with another backend than the vault uses
	// ErrKeychainUnavailable: the OS keychain cannot be reached (on Linux,
	// no Secret Service on the session bus) or refuses to store items.
	ErrKeychainUnavailable = vault.ErrKeychainUnavailable
	// ErrCopyMismatch: a moved key did not read back from the new backend
	// as written; the vault stayed where it was.
	ErrCopyMismatch = vault.ErrCopyMismatch
	// ErrOldCopyRemains: a move is done but the old copy is not deleted yet
	// (the next OpenVault or move deletes it).
	ErrOldCopyRemains = vault.ErrOldCopyRemains
)

// CorruptError names a vault file (or keychain item) that cannot be read;
// the vault leaves its bytes untouched.
type CorruptError = vault.CorruptError

// BackoffError says how long to wait before the next unlock attempt.
type BackoffError = vault.BackoffError

// Vault backends for VaultOptions.Backend.
const (
	VaultBackendFile     = string(vault.BackendFile)     // files in the data directory (default)
	VaultBackendKeychain = string(vault.BackendKeychain) // the OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)
)

// KDFParams are the Argon2id work factors of the vault's passphrase. The
// zero value means the strong default (256 MiB, 3 passes, 4 lanes).
type KDFParams struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// VaultOptions configure OpenVault. The zero value is the production
// setting.
type VaultOptions struct {
	// Backend is "" (what the vault was created with, else file),
	// VaultBackendFile or VaultBackendKeychain. Exactly the named backend
	// is used; there is no fall-back to another.
	Backend string
	// AutoLock locks the vault after this long without use; 0 = never.
	AutoLock time.Duration
	// KDF lowers or raises the passphrase's Argon2id cost for Init and
	// ChangePassphrase. Leave it zero outside tests.
	KDF KDFParams
}

// KeyInfo describes one stored key; it never carries the private key.
type KeyInfo struct {
	Chain     string
	Account   string
	Role      string // owner, active, posting or memo
	PublicKey keys.PublicKey
}

// Vault is the encrypted key store as the rest of the program sees it: it
// signs and describes keys but never hands them out. It is safe for
// concurrent use.
type Vault struct {
	v *vault.Vault

	hookMu sync.Mutex
	onOpen map[int]func()
	nextID int
}

// OpenVault opens (without unlocking) the vault in dataDir, creating its
// directory if needed. Whether a vault exists there is told by Exists.
func OpenVault(dataDir string, opts VaultOptions) (*Vault, error) {
	v, err := vault.Open(dataDir, vault.Options{
		Backend:  vault.Backend(opts.Backend),
		AutoLock: opts.AutoLock,
		KDF:      vault.KDFParams(opts.KDF),
	})
	if err != nil {
		return nil, err
	}
	return &Vault{v: v}, nil
}

// VaultChains lists the chain names the vault keeps keys for.
func VaultChains() []string { return slices.Clone(vault.Chains) }

// Backend reports where the vault stores its items: "file" or "keychain".
// MoveToBackend changes it.
func (v *Vault) Backend() string { return string(v.v.Backend()) }

// Exists reports whether the vault has been initialized.
func (v *Vault) Exists() (bool, error) { return v.v.Exists() }

// Init creates an empty vault under passphrase and leaves it unlocked. The
// caller owns passphrase and should clear it.
func (v *Vault) Init(passphrase []byte) error {
	defer releaseKDF()
	if err := v.v.Init(passphrase); err != nil {
		return err
	}
	v.opened()
	return nil
}

// Unlock decrypts the keys into memory. A wrong passphrase gives
// ErrWrongPassphrase; after several, attempts are refused for a while with a
// *BackoffError, across restarts. Records that could not be read are listed
// by Damaged. The caller owns passphrase and should clear it.
func (v *Vault) Unlock(passphrase []byte) error {
	defer releaseKDF()
	if err := v.v.Unlock(passphrase); err != nil {
		return err
	}
	v.opened()
	return nil
}

// OnUnlock registers fn to run after every successful Unlock or Init,
// before that call returns, so that whatever the unlock makes available
// (the grant store's records, see StoreKey) is ready before any waiter sees
// the vault unlocked through the caller. fn runs on the unlocking
// goroutine and must not call Unlock, Init or OnUnlock. remove stops it.
func (v *Vault) OnUnlock(fn func()) (remove func()) {
	v.hookMu.Lock()
	defer v.hookMu.Unlock()
	if v.onOpen == nil {
		v.onOpen = map[int]func(){}
	}
	id := v.nextID
	v.nextID++
	v.onOpen[id] = fn
	return func() {
		v.hookMu.Lock()
		defer v.hookMu.Unlock()
		delete(v.onOpen, id)
	}
}

func (v *Vault) opened() {
	v.hookMu.Lock()
	ids := slices.Sorted(maps.Keys(v.onOpen))
	hooks := make([]func(), 0, len(ids))
	for _, id := range ids {
		hooks = append(hooks, v.onOpen[id])
	}
	v.hookMu.Unlock()
	for _, fn := range hooks {
		fn()
	}
}

// StoreKey returns the 32-byte key under which the grant store
// authenticates its standing permissions, creating it in the vault the
// first time: so grants, don't-ask-again entries and allowances cannot be
// added or widened by editing the store's file without the passphrase. The
// key stays the same across passphrase changes and backend moves. fresh
// reports that the key was just created in a vault whose every record
// could be read: the first unlock since sealing exists, when the store may
// adopt its older, unsealed records. It needs the vault unlocked
// (ErrLocked).
func (v *Vault) StoreKey() (key []byte, fresh bool, err error) { return v.v.StoreKey() }

// Lock wipes the decrypted keys from memory.
func (v *Vault) Lock() { v.v.Lock() }

// Locked reports whether the vault is locked.
func (v *Vault) Locked() bool { return v.v.Locked() }

// Damaged lists the key records the last Unlock could not read, each a
// *CorruptError naming its file.
func (v *Vault) Damaged() []error { return v.v.Damaged() }

// ChangePassphrase replaces the passphrase and the data key under it: every
// key is re-encrypted under a fresh data key into a new copy of the vault,
// which then replaces the old one in one atomic switch; the old copy is
// deleted. After a crash at any moment the old or the new passphrase opens
// the vault, with every key; once it returns, nothing on disk opens with the
// old passphrase, even with an old copy of the vault's header. Keys that
// cannot be read (see Damaged) stop it, with a *CorruptError naming them,
// before anything is written: remove or restore them first. The caller owns
// both slices.
func (v *Vault) ChangePassphrase(oldPass, newPass []byte) error {
	defer releaseKDF()
	return v.v.ChangePassphrase(oldPass, newPass)
}

// releaseKDF gives the Argon2id work area (256 MiB with the default work
// factors, garbage once the derivation returns) back to the operating
// system within moments, instead of over minutes: otherwise a headless
// server holds it long after every unlock, wrong passphrases included. The
// garbage collection it costs runs beside the caller, so an unlock does not
// wait for it.
func releaseKDF() { go debug.FreeOSMemory() }

// MoveToBackend moves every key to backend (VaultBackendFile or
// VaultBackendKeychain), so the user can change where the keys are kept
// after creating the vault. It needs the passphrase even when the vault is
// unlocked, and a wrong one counts toward the backoff like a failed Unlock;
// the passphrase, the keys and the locked or unlocked state do not change.
// Moving to the backend in use does nothing.
//
// The move is crash-safe: the keys are copied, read back and checked in
// the new backend, then one atomic switch makes it the vault's, and only
// then is the old copy deleted; after a crash the next OpenVault finishes or
// undoes it, so the keys are never in neither place. Errors callers branch
// on: ErrWrongPassphrase, ErrKeychainUnavailable, ErrCopyMismatch (the vault
// stayed where it was) and ErrOldCopyRemains (the move is done).
//
// progress, if not nil, is called on the caller's goroutine with the items
// done and the total (each is counted when written and when read back); it
// must not call the vault. It may take seconds with the OS keychain, so
// callers with a UI run it off their UI goroutine. The caller owns
// passphrase.
func (v *Vault) MoveToBackend(backend string, passphrase []byte, progress func(done, total int)) error {
	defer releaseKDF()
	return v.v.MoveTo(vault.Backend(backend), passphrase, progress)
}

// AddWIF stores a WIF private key for one role of an account, replacing the
// key stored for that role, and returns its public key so the caller can
// compare it with the chain (see CheckAccount).
func (v *Vault) AddWIF(chain, account, role, wif string) (KeyInfo, error) {
	k, err := v.v.AddWIF(chain, account, role, wif)
	return KeyInfo(k), err
}

// AddMasterPassword derives and stores the keys of all four roles from an
// account's master password, as Hive wallets derive them.
func (v *Vault) AddMasterPassword(chain, account, password string) ([]KeyInfo, error) {
	ks, err := v.v.AddMasterPassword(chain, account, password)
	return convertInfos(ks), err
}

// Remove deletes the key of one role, or every role of the account when role
// is "". ErrNoKey if there was nothing to remove.
func (v *Vault) Remove(chain, account, role string) error { return v.v.Remove(chain, account, role) }

// List describes every stored key, sorted by chain, account and role.
func (v *Vault) List() ([]KeyInfo, error) {
	ks, err := v.v.List()
	return convertInfos(ks), err
}

// Accounts lists, sorted, the accounts with at least one key stored for
// chain: those a grant may name. It fails while the vault is locked.
func (v *Vault) Accounts(chain string) ([]string, error) {
	ks, err := v.List()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range ks {
		if k.Chain == chain && !slices.Contains(out, k.Account) {
			out = append(out, k.Account)
		}
	}
	slices.Sort(out)
	return out, nil
}

// PublicKey returns the public key stored for one role of an account.
func (v *Vault) PublicKey(chain, account, role string) (keys.PublicKey, error) {
	return v.v.PublicKey(chain, account, role)
}

// Sign signs a transaction digest with the key of one role of an account.
func (v *Vault) Sign(chain, account, role string, digest [32]byte) (keys.Signature, error) {
	return v.v.Sign(chain, account, role, digest)
}

// SharedSecret computes the ECDH secret of one role's key and peer, the
// secret Hive and Peerplays memos between the two keys are encrypted under,
// so memos can be read and written while the private key stays in the vault
// (package memo does the rest). Locking and errors are those of Sign
// (ErrLocked, ErrNoKey); a peer that is not a curve point is an error too.
// The result opens every memo between the two keys, so it is a secret like
// the key: the caller owns it, must not log or return it, and should Clear
// it when done. It holds both forms peers derive (see memo.SharedSecret).
func (v *Vault) SharedSecret(chain, account, role string, peer keys.PublicKey) (memo.SharedSecret, error) {
	var s memo.SharedSecret
	var err error
	s.Secret, s.Legacy, err = v.v.SharedSecret(chain, account, role, peer)
	if err != nil {
		s.Clear()
		return memo.SharedSecret{}, err
	}
	return s, nil
}

// memoRoles is the order RoleOf prefers when one key holds several roles:
// the least powerful first. Any of them gives the same secret.
var memoRoles = []string{"memo", "posting", "active", "owner"}

// RoleOf reports which role of an account holds the public key pub, so a
// caller can pick the key a memo was encrypted to: normally the memo key,
// though some dapps encrypt to the posting key. ErrNoKey when the vault
// has no key of the account equal to pub; ErrLocked when locked.
func (v *Vault) RoleOf(chain, account string, pub keys.PublicKey) (string, error) {
	all, err := v.List()
	if err != nil {
		return "", err
	}
	for _, role := range memoRoles {
		for _, k := range all {
			if k.Chain == chain && k.Account == account && k.Role == role && k.PublicKey == pub {
				return role, nil
			}
		}
	}
	return "", fmt.Errorf("%w: no stored key of %s/%s is that public key", ErrNoKey, chain, account)
}

// MemoSecret returns the secret of a memo between the keys from and to,
// one of which the account holds: to when the account received the memo,
// from when it sent it (to is tried first, as a received memo is the usual
// case). It also reports the role whose key was used. Errors are those of
// RoleOf and SharedSecret.
func (v *Vault) MemoSecret(chain, account string, from, to keys.PublicKey) (memo.SharedSecret, string, error) {
	peer := from
	role, err := v.RoleOf(chain, account, to)
	if errors.Is(err, ErrNoKey) {
		peer = to
		role, err = v.RoleOf(chain, account, from)
	}
	if errors.Is(err, ErrNoKey) {
		return memo.SharedSecret{}, "", fmt.Errorf("%w: neither key of the memo is stored for %s/%s", ErrNoKey, chain, account)
	}
	if err != nil {
		return memo.SharedSecret{}, "", err
	}
	s, err := v.SharedSecret(chain, account, role, peer)
	return s, role, err
}

func convertInfos(ks []vault.KeyInfo) []KeyInfo {
	if ks == nil {
		return nil
	}
	out := make([]KeyInfo, len(ks))
	for i, k := range ks {
		out[i] = KeyInfo(k)
	}
	return out
}

// AccountKeys is what CheckAccount needs from a node client: the public keys
// each role of an account holds on chain (the key_auths of owner, active and
// posting, and the memo key), keyed by role.
type AccountKeys interface {
	AccountKeys(ctx context.Context, chain, account string) (map[string][]keys.PublicKey, error)
}

// KeyMismatch is a warning: a stored key is not among the keys its role
// holds on chain, so it cannot sign for that role (the account's keys were
// changed, or the wrong key or password was imported).
type KeyMismatch struct {
	KeyInfo
	OnChain []keys.PublicKey
}

// String is the warning to show the user; it names no secret.
func (m KeyMismatch) String() string {
	return fmt.Sprintf("%s/%s: the stored %s key is not one of the account's %d on-chain %s keys",
		m.Chain, m.Account, m.Role, len(m.OnChain), m.Role)
}

// CheckAccount compares the keys stored for an account with those it holds
// on chain and returns one KeyMismatch per stored key that does not match.
// Mismatches are warnings, not errors: the key stays in the vault. It needs
// the vault unlocked.
func (v *Vault) CheckAccount(ctx context.Context, src AccountKeys, chain, account string) ([]KeyMismatch, error) {
	all, err := v.List()
	if err != nil {
		return nil, err
	}
	var mine []KeyInfo
	for _, k := range all {
		if k.Chain == chain && k.Account == account {
			mine = append(mine, k)
		}
	}
	if len(mine) == 0 {
		return nil, fmt.Errorf("%w: %s/%s", ErrNoKey, chain, account)
	}
	onChain, err := src.AccountKeys(ctx, chain, account)
	if err != nil {
		return nil, fmt.Errorf("on-chain keys of %s: %w", account, err)
	}
	var out []KeyMismatch
	for _, k := range mine {
		if !slices.Contains(onChain[k.Role], k.PublicKey) {
			out = append(out, KeyMismatch{KeyInfo: k, OnChain: onChain[k.Role]})
		}
	}
	return out, nil
}
