// Package vault keeps the user's private keys encrypted at rest and, while
// unlocked, in memory. It is the only code besides privkey that holds private
// keys; the rest of the program asks it to sign.
//
// A passphrase unlocks the vault: Argon2id turns it into a key-encryption key
// that unwraps a random 32-byte data key (the header item); every private key
// is a record sealed with XChaCha20-Poly1305 under a key derived from the
// data key, stored under an opaque name so that no account name appears on
// disk. See format.go for the byte layout and store.go for how bytes reach
// the disk atomically.
//
// Changing the passphrase rewraps the data key and rewrites only the header,
// in one atomic replace, so a crash at any moment leaves a vault that the old
// or the new passphrase opens. The records are untouched by it.
package vault

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"localsigner/signer/internal/privkey"
)

// Backend says where the vault's items are stored.
type Backend string

// Backends. The file backend is the default; the OS keychain is opt-in. The
// choice is recorded in the data directory at Init, and opening with a
// different explicit choice fails rather than silently using another store.
const (
	BackendFile     Backend = "file"
	BackendKeychain Backend = "keychain"
)

// Options configure a Vault. The zero value is the production setting: file
// backend, no auto-lock, DefaultKDF.
type Options struct {
	// Backend is "" (what Init recorded, else file), BackendFile or
	// BackendKeychain.
	Backend Backend
	// AutoLock locks the vault after this long without use (0 = never).
	AutoLock time.Duration
	// KDF sets the Argon2id cost for Init and ChangePassphrase. Zero means
	// DefaultKDF; tests lower it here, and only here, to stay fast. Unlock
	// always uses the parameters stored in the header.
	KDF KDFParams
}

// Vault is an encrypted key store. It is safe for concurrent use. Keys are
// decrypted into memory on Unlock and wiped on Lock.
type Vault struct {
	dir      string // <data dir>/vault
	backend  Backend
	store    store
	kdf      KDFParams
	autoLock time.Duration
	bo       backoff

	// opMu serializes the operations that write the store or read it whole
	// (Init, Unlock, ChangePassphrase, adding and removing keys), and with
	// them the backoff file, so at most one Argon2 computation runs at a
	// time and an Unlock never misses a key being added. Sign and the other
	// readers take only mu. Lock order: opMu, then mu.
	opMu sync.Mutex

	mu      sync.RWMutex // guards the unlocked state below
	sub     *subkeys     // nil when locked
	entries map[string]*entry
	damaged []error
	timer   *time.Timer
	gen     uint64 // bumped on every lock and unlock; stale timers see it

	epoch    time.Time    // monotonic origin for lastUse
	lastUse  atomic.Int64 // nanoseconds since epoch
	lockHook func()       // tests: called after an auto-lock
}

// entry is one decrypted key.
type entry struct {
	id  identity
	key *privkey.PrivateKey
}

// Open prepares the vault in dataDir without unlocking it, creating
// <dataDir>/vault (0700) if needed and enforcing 0700/0600 on what exists.
// dataDir itself is created 0700 if missing but left as is otherwise.
func Open(dataDir string, opts Options) (*Vault, error) {
	kdf, err := opts.KDF.orDefault()
	if err != nil {
		return nil, err
	}
	if opts.AutoLock < 0 {
		return nil, errors.New("AutoLock must not be negative")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	dir := filepath.Join(dataDir, vaultDirName)
	if err := ensurePrivateDir(dir); err != nil {
		return nil, err
	}
	if err := cleanVaultDir(dir); err != nil {
		return nil, err
	}
	backend, err := chooseBackend(dir, opts.Backend)
	if err != nil {
		return nil, err
	}
	v := &Vault{dir: dir, backend: backend, kdf: kdf, autoLock: opts.AutoLock, epoch: time.Now()}
	v.bo = backoff{dir: dir, now: time.Now}
	switch backend {
	case BackendFile:
		v.store, err = openFileStore(dir)
	case BackendKeychain:
		v.store, err = openKeychainStore()
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// chooseBackend reconciles the requested backend with the one recorded.
func chooseBackend(dir string, want Backend) (Backend, error) {
	if want != "" && want != BackendFile && want != BackendKeychain {
		return "", fmt.Errorf("unknown vault backend %q (file or keychain)", want)
	}
	data, err := os.ReadFile(filepath.Join(dir, backendFile))
	if errors.Is(err, os.ErrNotExist) {
		if want == "" {
			return BackendFile, nil
		}
		return want, nil
	}
	if err != nil {
		return "", err
	}
	recorded := Backend(strings.TrimSpace(string(data)))
	if recorded != BackendFile && recorded != BackendKeychain {
		return "", &CorruptError{Path: filepath.Join(dir, backendFile), Err: errors.New("unknown backend name")}
	}
	if want != "" && want != recorded {
		return "", fmt.Errorf("%w: it uses %s, not %s", ErrBackendMismatch, recorded, want)
	}
	return recorded, nil
}

// Backend reports where the vault's items are stored.
func (v *Vault) Backend() Backend { return v.backend }

// Exists reports whether the vault has been initialized.
func (v *Vault) Exists() (bool, error) {
	_, err := v.store.get(headerName)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, errNotFound):
		return false, nil
	default:
		return false, err
	}
}

// Init creates an empty vault protected by passphrase and leaves it
// unlocked. It refuses to overwrite an existing vault, or a store that holds
// records without a header (they would become unreadable). The caller owns
// passphrase and should clear it.
func (v *Vault) Init(passphrase []byte) error {
	if len(passphrase) == 0 {
		return ErrEmptyPassphrase
	}
	v.opMu.Lock()
	defer v.opMu.Unlock()
	if ok, err := v.Exists(); err != nil {
		return err
	} else if ok {
		return ErrAlreadyInitialized
	}
	names, err := v.store.list()
	if err != nil {
		return err
	}
	for _, n := range names {
		if isRecordName(n) {
			return &CorruptError{Path: v.store.where(headerName), Err: errors.New("missing, but key records exist; refusing to start a new vault over them")}
		}
	}
	dk := make([]byte, dataKeyLen)
	defer clear(dk)
	if _, err := rand.Read(dk); err != nil {
		return err
	}
	h, err := newHeader(passphrase, dk, v.kdf)
	if err != nil {
		return err
	}
	// The backend is recorded first: a crash before the header is written
	// leaves no vault, and Init can simply run again.
	if err := writeFileAtomic(v.dir, backendFile, []byte(string(v.backend)+"\n")); err != nil {
		return err
	}
	if err := v.store.put(headerName, h.marshal()); err != nil {
		return err
	}
	sub, err := deriveSubkeys(dk)
	if err != nil {
		return err
	}
	v.install(sub, map[string]*entry{}, nil)
	return nil
}

// readHeader fetches and parses the header.
func (v *Vault) readHeader() (*header, error) {
	b, err := v.store.get(headerName)
	if errors.Is(err, errNotFound) {
		return nil, ErrNotInitialized
	}
	if err != nil {
		return nil, err
	}
	h, err := parseHeader(b)
	if err != nil {
		return nil, &CorruptError{Path: v.store.where(headerName), Err: err}
	}
	return h, nil
}

// openHeader checks the backoff, then the passphrase, recording the outcome;
// the caller holds opMu and must clear the returned data key.
func (v *Vault) openHeader(passphrase []byte) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	if err := v.bo.check(); err != nil {
		return nil, err
	}
	h, err := v.readHeader()
	if err != nil {
		return nil, err
	}
	dk, err := h.openDataKey(passphrase)
	if errors.Is(err, ErrWrongPassphrase) {
		wait, ferr := v.bo.fail()
		if ferr != nil {
			return nil, errors.Join(ErrWrongPassphrase, ferr)
		}
		if wait > 0 {
			return nil, fmt.Errorf("%w (next attempt allowed in %s)", ErrWrongPassphrase, wait)
		}
		return nil, ErrWrongPassphrase
	}
	if err != nil {
		return nil, err
	}
	if err := v.bo.reset(); err != nil {
		clear(dk)
		return nil, err
	}
	return dk, nil
}

// Unlock checks passphrase and decrypts every key into memory. Before
// running the KDF it refuses attempts that come too soon after repeated
// failures (*BackoffError). On an unlocked vault it checks the passphrase
// again and reloads. Records that cannot be read do not stop the unlock:
// they are reported by Damaged, left untouched on disk. The caller owns
// passphrase and should clear it.
func (v *Vault) Unlock(passphrase []byte) error {
	v.opMu.Lock()
	defer v.opMu.Unlock()
	dk, err := v.openHeader(passphrase)
	if err != nil {
		return err
	}
	sub, err := deriveSubkeys(dk)
	clear(dk)
	if err != nil {
		return err
	}
	entries, damaged, err := v.loadRecords(sub)
	if err != nil {
		sub.zero()
		return err
	}
	v.install(sub, entries, damaged)
	return nil
}

// loadRecords decrypts every record the store lists.
func (v *Vault) loadRecords(sub *subkeys) (map[string]*entry, []error, error) {
	names, err := v.store.list()
	if err != nil {
		return nil, nil, err
	}
	entries := make(map[string]*entry, len(names))
	var damaged []error
	for _, name := range names {
		if !isRecordName(name) {
			continue
		}
		b, err := v.store.get(name)
		if errors.Is(err, errNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) {
				zeroEntries(entries)
				return nil, nil, err
			}
			damaged = append(damaged, err)
			continue
		}
		id, raw, err := sub.openRecord(name, b)
		if err != nil {
			damaged = append(damaged, &CorruptError{Path: v.store.where(name), Err: err})
			continue
		}
		k, err := privkey.FromBytes(raw)
		clear(raw)
		if err != nil {
			damaged = append(damaged, &CorruptError{Path: v.store.where(name), Err: err})
			continue
		}
		entries[name] = &entry{id: id, key: k}
	}
	return entries, damaged, nil
}

// install makes sub and entries the unlocked state, wiping any previous one,
// and starts the idle timer.
func (v *Vault) install(sub *subkeys, entries map[string]*entry, damaged []error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.lockLocked()
	v.sub, v.entries, v.damaged = sub, entries, damaged
	v.touch()
	if v.autoLock > 0 {
		gen := v.gen
		v.timer = time.AfterFunc(v.autoLock, func() { v.idle(gen) })
	}
}

// Lock wipes every decrypted key and the data key's subkeys from memory. The
// vault stays usable: Unlock opens it again. Go may have copied key bytes
// during garbage collection or into registers and stacks; Lock clears every
// copy the vault and privkey own, which is as far as Go allows.
func (v *Vault) Lock() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.lockLocked()
}

func (v *Vault) lockLocked() {
	v.gen++
	if v.timer != nil {
		v.timer.Stop()
		v.timer = nil
	}
	zeroEntries(v.entries)
	v.entries = nil
	v.sub.zero()
	v.sub = nil
	v.damaged = nil
}

func zeroEntries(m map[string]*entry) {
	for _, e := range m {
		e.key.Zero()
	}
}

// Locked reports whether the vault is locked.
func (v *Vault) Locked() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.sub == nil
}

// Damaged lists the records the last Unlock could not read, each a
// *CorruptError naming its file. The bytes are left on disk untouched.
func (v *Vault) Damaged() []error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return append([]error(nil), v.damaged...)
}

// touch marks the vault as used now, deferring auto-lock.
func (v *Vault) touch() { v.lastUse.Store(int64(time.Since(v.epoch))) }

// idle runs when the auto-lock timer fires: it locks if the vault has been
// unused for AutoLock, else re-arms for the rest.
func (v *Vault) idle(gen uint64) {
	v.mu.Lock()
	if v.gen != gen || v.sub == nil {
		v.mu.Unlock()
		return
	}
	unused := time.Since(v.epoch) - time.Duration(v.lastUse.Load())
	if unused < v.autoLock {
		v.timer.Reset(v.autoLock - unused)
		v.mu.Unlock()
		return
	}
	v.lockLocked()
	hook := v.lockHook
	v.mu.Unlock()
	if hook != nil {
		hook()
	}
}

// ChangePassphrase rewraps the data key under newPass, with the KDF
// parameters of Options (so it also raises the cost of an old vault). Only
// the header item is rewritten, in one atomic replace: after a crash at any
// point, either oldPass or newPass opens the vault, with every key. The
// locked or unlocked state is unchanged. A wrong oldPass counts toward the
// backoff like a failed Unlock.
//
// The data key itself is kept, so a copy of the old header taken earlier
// still opens with oldPass: if oldPass leaked, move the funds' authority to
// new keys on chain as well.
func (v *Vault) ChangePassphrase(oldPass, newPass []byte) error {
	if len(newPass) == 0 {
		return ErrEmptyPassphrase
	}
	v.opMu.Lock()
	defer v.opMu.Unlock()
	dk, err := v.openHeader(oldPass)
	if err != nil {
		return err
	}
	defer clear(dk)
	h, err := newHeader(newPass, dk, v.kdf)
	if err != nil {
		return err
	}
	return v.store.put(headerName, h.marshal())
}

// isRecordName tells record items from the header and from foreign files.
func isRecordName(n string) bool {
	if len(n) != 64 {
		return false
	}
	for _, c := range n {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
