// Package vault keeps the user's private keys encrypted at rest and, while
// unlocked, in memory. It is the only code besides privkey that holds private
// keys; the rest of the program asks it to sign.
//
// A passphrase unlocks the vault: Argon2id turns it into a key-encryption key
// that unwraps a random 32-byte data key (the header item); every private key
// is a record sealed with XChaCha20-Poly1305 under a key derived from the
// data key, stored under an opaque name so that no account name appears on
// disk. See format.go for the byte and directory layout, store.go for how
// bytes reach the disk atomically, and generation.go for generations.
//
// Changing the passphrase replaces the data key too: it writes a whole new
// generation (fresh data key, header and every record re-encrypted) beside
// the live one, then switches to it with one atomic rename of the file that
// names the live generation, then deletes the old generation. A crash at any
// moment leaves a vault that the old or the new passphrase opens, with every
// key, and after the switch nothing on disk opens with the old passphrase.
//
// Moving between the file backend and the OS keychain (move.go) works the
// same way across backends: a checked copy, one atomic switch of the file
// that names the live generation and its backend, then deletion.
package vault

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/keyring"

	"localsigner/signer/internal/privkey"
)

// Backend says where the vault's items are stored.
type Backend string

// Backends. The file backend is the default; the OS keychain is opt-in. The
// choice is recorded in the data directory at Init and changed only by
// MoveTo; opening with a different explicit choice fails rather than
// silently using another store.
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

	// keychain, if set (tests only), stands in for the OS keychain: the
	// keychain backend stores its items there.
	keychain keyring.Keyring
}

// Vault is an encrypted key store. It is safe for concurrent use. Keys are
// decrypted into memory on Unlock and wiped on Lock.
type Vault struct {
	dir      string // <data dir>/vault
	kdf      KDFParams
	autoLock time.Duration
	bo       backoff
	keychain keyring.Keyring // Options.keychain

	// opMu serializes the operations that write the store or read it whole
	// (Open's tidying, Exists, Init, Unlock, ChangePassphrase, adding and
	// removing keys), and with them the backoff file, so at most one Argon2
	// computation runs at a time and an Unlock never misses a key being
	// added. Each of them also holds the directory lock (lockDir) against
	// other processes. Sign and the other readers take only mu. Lock order:
	// opMu, the directory lock, mu.
	opMu sync.Mutex
	// Guarded by opMu: the live generation as resolve last found it, and
	// the layout of its backend. backend is also guarded by mu, so that
	// Backend may read it under mu alone.
	live    string
	store   store // nil until resolved
	backend Backend
	layout  layout
	layouts map[Backend]layout // opened so far, by layoutFor
	// hook, if set (tests only), runs after each step of Init,
	// ChangePassphrase and MoveTo, and of every put into a file store the
	// vault opens, with the step's name; an error stops the operation
	// there, as a crash would, leaving the disk as it is.
	hook func(step string) error

	mu      sync.RWMutex // guards the unlocked state below
	sub     *subkeys     // nil when locked
	subGen  string       // the generation sub belongs to
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
// dataDir itself is created 0700 if missing but left as is otherwise. It
// removes what interrupted operations left behind: stale temporary files,
// and generations other than the live one (see collect).
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
	v := &Vault{dir: dir, backend: backend, kdf: kdf, autoLock: opts.AutoLock, epoch: time.Now(),
		keychain: opts.keychain, layouts: map[Backend]layout{}}
	v.bo = backoff{dir: dir, now: time.Now}
	if v.layout, err = v.layoutFor(backend); err != nil {
		return nil, err
	}
	if err := v.tidy(); err != nil {
		return nil, err
	}
	return v, nil
}

// tidy opens the live generation, which enforces its modes and clears stale
// staging files, and removes every other generation (see collect), which
// also finishes an interrupted move between backends (see settleMove).
// Without a current file there is nothing it may remove, and it leaves the
// vault (none yet, or a legacy one) to be resolved by the first operation. A
// vault that is unreadable is left for Exists and Unlock to report.
func (v *Vault) tidy() error {
	if _, err := os.Lstat(v.currentPath()); err != nil {
		return nil
	}
	v.opMu.Lock()
	defer v.opMu.Unlock()
	release, err := lockDir(v.dir)
	if err != nil {
		return err
	}
	defer release()
	err = v.resolve()
	var ce *CorruptError
	if errors.Is(err, ErrNotInitialized) || errors.As(err, &ce) {
		return nil
	}
	if err != nil {
		return err
	}
	v.collect(false)
	v.syncBackendFile()
	return nil
}

// resolve finds the live generation, the one the current file names, and
// makes v.store its store. If current names another backend than v's (this
// process or another moved the vault), v switches to it. Without a current
// file, a legacy vault (one from before generations) is live if it has a
// header; otherwise there is no vault: ErrNotInitialized. The caller holds
// opMu and the directory lock.
func (v *Vault) resolve() error {
	gen, b, err := readCurrent(v.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return v.resolveLegacy()
	}
	if err != nil {
		return err
	}
	if b != "" && b != v.backend {
		if err := v.useBackend(b); err != nil {
			return err
		}
	}
	if v.store != nil && v.live == gen {
		return nil
	}
	s, err := v.layout.open(gen)
	if errors.Is(err, errNotFound) {
		return &CorruptError{Path: v.currentPath(), Err: fmt.Errorf("names %s, which does not exist", gen)}
	}
	if err != nil {
		return err
	}
	v.setStore(gen, s)
	return nil
}

func (v *Vault) resolveLegacy() error {
	v.live, v.store = legacyGen, nil
	s, err := v.layout.open(legacyGen)
	if errors.Is(err, errNotFound) {
		return ErrNotInitialized
	}
	if err != nil {
		return err
	}
	_, err = s.get(headerName)
	var ce *CorruptError
	switch {
	case errors.Is(err, errNotFound):
		return ErrNotInitialized
	case err != nil && !errors.As(err, &ce): // a damaged header is Unlock's to report
		return err
	}
	v.setStore(legacyGen, s)
	return nil
}

// setStore makes s, the store of generation gen, the live store.
func (v *Vault) setStore(gen string, s store) {
	if fs, ok := s.(*fileStore); ok && v.hook != nil {
		fs.hook = v.hook
	}
	v.live, v.store = gen, s
}

func (v *Vault) currentPath() string { return filepath.Join(v.dir, currentFile) }

// collect removes every generation but the live one, best effort: what it
// cannot remove now it removes next time. It does nothing unless the current
// file named the live generation and that generation's header parses (the
// caller says headerOK if it has just parsed it): a generation is garbage
// only next to a live one known to be sound. Without a current file (a
// legacy vault, or a lost file) nothing is removed. The caller holds opMu
// and the directory lock, so no generation is being written.
//
// A move note (see MoveTo) is settled first; while it cannot be settled,
// the generations it names are left alone, and while it cannot be read,
// every generation is.
func (v *Vault) collect(headerOK bool) {
	if gen, _, err := readCurrent(v.dir); err != nil || v.store == nil || gen != v.live {
		return
	}
	note, err := readMoveNote(v.dir)
	noted := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return
	}
	gens, err := v.layout.gens()
	if err != nil {
		return
	}
	gens = slices.DeleteFunc(gens, func(g string) bool { return g == v.live })
	if len(gens) == 0 && !noted {
		return
	}
	if !headerOK {
		if _, err := v.readHeader(); err != nil {
			return
		}
	}
	if noted && v.settleMove() == nil {
		noted = false
		if gens, err = v.layout.gens(); err != nil {
			return
		}
		gens = slices.DeleteFunc(gens, func(g string) bool { return g == v.live })
	}
	for _, g := range gens {
		if noted && note.names(g) {
			continue
		}
		v.layout.drop(g)
	}
}

// step runs the test hook, if any.
func (v *Vault) step(name string) error {
	if v.hook != nil {
		return v.hook(name)
	}
	return nil
}

// validBackend reports whether b names a backend.
func validBackend(b Backend) bool { return b == BackendFile || b == BackendKeychain }

// chooseBackend reconciles the requested backend with the one recorded: in
// the current file if it names one (a move switches it there), else in the
// backend file. The backend file must be sound either way: nothing but a
// fault or tampering makes it unreadable.
func chooseBackend(dir string, want Backend) (Backend, error) {
	if want != "" && !validBackend(want) {
		return "", fmt.Errorf("unknown vault backend %q (file or keychain)", want)
	}
	var recorded Backend
	data, err := os.ReadFile(filepath.Join(dir, backendFile))
	switch {
	case err == nil:
		recorded = Backend(strings.TrimSpace(string(data)))
		if !validBackend(recorded) {
			return "", &CorruptError{Path: filepath.Join(dir, backendFile), Err: errors.New("unknown backend name")}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return "", err
	}
	if _, b, err := readCurrent(dir); err == nil && b != "" {
		recorded = b
	}
	switch {
	case recorded == "" && want == "":
		return BackendFile, nil
	case recorded == "":
		return want, nil
	case want != "" && want != recorded:
		return "", fmt.Errorf("%w: it uses %s, not %s", ErrBackendMismatch, recorded, want)
	}
	return recorded, nil
}

// Backend reports where the vault's items are stored, as this process last
// found or made it (a move by another process shows after the next
// operation that reads the store).
func (v *Vault) Backend() Backend {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.backend
}

// Exists reports whether the vault has been initialized.
func (v *Vault) Exists() (bool, error) {
	v.opMu.Lock()
	defer v.opMu.Unlock()
	release, err := lockDir(v.dir)
	if err != nil {
		return false, err
	}
	defer release()
	return v.exists()
}

// exists is Exists for a caller holding opMu and the directory lock.
func (v *Vault) exists() (bool, error) {
	err := v.resolve()
	if errors.Is(err, ErrNotInitialized) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := v.store.get(headerName); errors.Is(err, errNotFound) {
		return false, v.missingHeader()
	} else if err != nil {
		return false, err
	}
	return true, nil
}

// missingHeader is the error for a live generation without a header.
func (v *Vault) missingHeader() error {
	return &CorruptError{Path: v.store.where(headerName), Err: errors.New("missing")}
}

// Init creates an empty vault protected by passphrase and leaves it
// unlocked. It refuses to overwrite an existing vault, or a store that holds
// records without a live header (they would become unreadable). The caller
// owns passphrase and should clear it.
//
// It writes a new generation holding only a header, then the current file
// naming it: a crash before that leaves no vault, and Init can simply run
// again (it removes the header-only leftover).
func (v *Vault) Init(passphrase []byte) error {
	if len(passphrase) == 0 {
		return ErrEmptyPassphrase
	}
	v.opMu.Lock()
	defer v.opMu.Unlock()
	release, err := lockDir(v.dir)
	if err != nil {
		return err
	}
	defer release()
	if ok, err := v.exists(); err != nil {
		return err
	} else if ok {
		return ErrAlreadyInitialized
	}
	// A move note names generations that may hold the only copy of a vault
	// whose current file was lost; never start over them.
	if _, err := readMoveNote(v.dir); !errors.Is(err, fs.ErrNotExist) {
		return &CorruptError{Path: filepath.Join(v.dir, moveFile), Err: errors.New("an interrupted move between backends left this, but no current file names a vault; refusing to start a new vault over what it names")}
	}
	// No live generation: what generations there are hold no vault, unless
	// they hold records.
	gens, err := v.layout.gens()
	if err != nil {
		return err
	}
	for _, g := range gens {
		s, err := v.layout.open(g)
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		names, err := s.list()
		if err != nil {
			return err
		}
		if slices.ContainsFunc(names, isRecordName) {
			return &CorruptError{Path: s.where(headerName), Err: errors.New("missing or not current, but key records exist; refusing to start a new vault over them")}
		}
	}
	for _, g := range gens {
		v.layout.drop(g) // best effort: they hold nothing
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
	sub, err := deriveSubkeys(dk)
	if err != nil {
		return err
	}
	gen, err := newGenName()
	if err != nil {
		return err
	}
	// The backend is recorded first: a crash before current is written
	// leaves no vault, and Init can simply run again.
	if err := writeFileAtomic(v.dir, backendFile, []byte(string(v.backend)+"\n")); err != nil {
		sub.zero()
		return err
	}
	s, err := v.createGen(gen)
	if err == nil {
		err = s.put(headerName, h.marshal())
	}
	if err == nil {
		err = v.step("header")
	}
	if err == nil {
		err = writeCurrent(v.dir, gen, v.backend)
	}
	if err != nil {
		sub.zero()
		return err
	}
	v.setStore(gen, s)
	v.install(sub, gen, map[string]*entry{}, nil)
	return nil
}

// createGen creates generation gen in the live backend and returns its
// store, with the test hook attached.
func (v *Vault) createGen(gen string) (store, error) { return v.createGenIn(v.layout, gen) }

// createGenIn creates generation gen in layout l and returns its store, with
// the test hook attached.
func (v *Vault) createGenIn(l layout, gen string) (store, error) {
	s, err := l.create(gen)
	if err != nil {
		return nil, err
	}
	if fs, ok := s.(*fileStore); ok && v.hook != nil {
		fs.hook = v.hook
	}
	return s, nil
}

// readHeader fetches and parses the live generation's header; the caller
// has resolved it.
func (v *Vault) readHeader() (*header, error) {
	b, err := v.store.get(headerName)
	if errors.Is(err, errNotFound) {
		return nil, v.missingHeader()
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

// openHeader resolves the live generation, checks the backoff, then the
// passphrase, recording the outcome. The caller holds opMu and the directory
// lock, and must clear the returned data key.
func (v *Vault) openHeader(passphrase []byte) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, ErrEmptyPassphrase
	}
	if err := v.resolve(); err != nil {
		return nil, err
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
	release, err := lockDir(v.dir)
	if err != nil {
		return err
	}
	defer release()
	sub, entries, damaged, err := v.openAll(passphrase)
	if err != nil {
		return err
	}
	v.install(sub, v.live, entries, damaged)
	return nil
}

// openAll checks passphrase against the live header and decrypts every
// record with the subkeys of its data key; the caller owns the subkeys and
// the entries and must zero them.
func (v *Vault) openAll(passphrase []byte) (*subkeys, map[string]*entry, []error, error) {
	dk, err := v.openHeader(passphrase)
	if err != nil {
		return nil, nil, nil, err
	}
	sub, err := deriveSubkeys(dk)
	clear(dk)
	if err != nil {
		return nil, nil, nil, err
	}
	entries, damaged, err := v.loadRecords(sub)
	if err != nil {
		sub.zero()
		return nil, nil, nil, err
	}
	return sub, entries, damaged, nil
}

// loadRecords decrypts every record the live store lists.
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

// install makes sub (of generation gen) and entries the unlocked state,
// wiping any previous one, and starts the idle timer.
func (v *Vault) install(sub *subkeys, gen string, entries map[string]*entry, damaged []error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.installLocked(sub, gen, entries, damaged)
}

// installLocked is install for a caller holding mu.
func (v *Vault) installLocked(sub *subkeys, gen string, entries map[string]*entry, damaged []error) {
	v.lockLocked()
	v.sub, v.subGen, v.entries, v.damaged = sub, gen, entries, damaged
	v.touch()
	if v.autoLock > 0 {
		g := v.gen
		v.timer = time.AfterFunc(v.autoLock, func() { v.idle(g) })
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

// ChangePassphrase protects the vault with newPass instead of oldPass, with
// the KDF parameters of Options (so it also raises the cost of an old
// vault), and replaces the data key: every record is re-encrypted under a
// fresh one and stored under a new name. After it returns, nothing on disk
// opens with oldPass, not even with a copy of the old header. The locked or
// unlocked state is unchanged. A wrong oldPass counts toward the backoff like
// a failed Unlock.
//
// The steps, each durable before the next (fsync of every file and
// directory written):
//
//  1. Open the live generation with oldPass and decrypt every record. A
//     record that cannot be read stops the change before anything is
//     written: it cannot be re-encrypted, and the vault never deletes
//     it by itself.
//  2. Remove leftovers of earlier interrupted changes (see collect). The
//     old copy of an interrupted move between backends must go first (it
//     opens with oldPass); if its backend cannot be reached, stop.
//  3. Create a new generation, a fresh random name, beside the live one.
//  4. Write every record into it, re-encrypted under the new data key and
//     stored under its new name, one atomic item write each.
//  5. Write its header: the new data key wrapped under newPass.
//  6. Switch: write the current file naming the new generation (temporary
//     file, fsync, rename, fsync of the directory). The rename is the
//     commit point.
//  7. Delete the old generation, best effort.
//
// A crash before the rename in step 6 leaves the old generation current and
// intact (nothing in it was touched), so oldPass opens the vault; the
// partial new generation is garbage, removed at the next Open. A crash after
// the rename leaves the complete new generation current, so newPass opens it;
// the old generation, whole or half deleted, is garbage likewise. An error
// (rather than a crash) leaves the disk the same way.
//
// A copy of the vault taken before the change still opens with oldPass and
// yields the keys as they were: if oldPass leaked, move the funds' authority
// to new keys on chain as well. Deleted files may also survive in backups
// or on the disk's free blocks.
func (v *Vault) ChangePassphrase(oldPass, newPass []byte) error {
	if len(newPass) == 0 {
		return ErrEmptyPassphrase
	}
	v.opMu.Lock()
	defer v.opMu.Unlock()
	release, err := lockDir(v.dir)
	if err != nil {
		return err
	}
	defer release()

	// 1. Everything the live generation holds.
	oldSub, entries, damaged, err := v.openAll(oldPass)
	if err != nil {
		return err
	}
	oldSub.zero()
	defer func() { zeroEntries(entries) }() // whatever is not handed to install
	if len(damaged) > 0 {
		return fmt.Errorf("%d key record(s) cannot be read, so cannot be re-encrypted under a new data key; "+
			"restore them, or remove them (by their identity, or by deleting the files) before changing the passphrase: %w",
			len(damaged), errors.Join(damaged...))
	}

	// 2. Leftovers. openHeader has just parsed the live header. The old
	// copy of an interrupted move would still open with oldPass: it must
	// go first.
	if err := v.settleMove(); err != nil {
		return fmt.Errorf("an interrupted move between backends left a copy of the vault that would still open with the old passphrase, and it cannot be deleted now: %w", err)
	}
	v.collect(true)

	// The new data key, its subkeys and header.
	newDK := make([]byte, dataKeyLen)
	if _, err := rand.Read(newDK); err != nil {
		return err
	}
	h, err := newHeader(newPass, newDK, v.kdf)
	if err != nil {
		clear(newDK)
		return err
	}
	newSub, err := deriveSubkeys(newDK)
	clear(newDK)
	if err != nil {
		return err
	}
	installed := false
	defer func() {
		if !installed {
			newSub.zero()
		}
	}()

	// 3. The new generation.
	gen, err := newGenName()
	if err != nil {
		return err
	}
	s, err := v.createGen(gen)
	if err != nil {
		return err
	}
	if err := v.step("created"); err != nil {
		return err
	}

	// 4. Records, in a fixed order (of their old names) so a test can stop
	// after any one.
	rekeyed := make(map[string]*entry, len(entries))
	for i, oldName := range slices.Sorted(maps.Keys(entries)) {
		e := entries[oldName]
		name := newSub.itemName(e.id)
		raw := e.key.Bytes()
		rec, err := newSub.sealRecord(name, e.id, raw)
		clear(raw)
		if err != nil {
			return err
		}
		if err := s.put(name, rec); err != nil {
			return err
		}
		rekeyed[name] = e
		if err := v.step(fmt.Sprintf("record %d", i+1)); err != nil {
			return err
		}
	}

	// 5. Header.
	if err := s.put(headerName, h.marshal()); err != nil {
		return err
	}
	if err := v.step("header"); err != nil {
		return err
	}

	// 6. Switch.
	if err := v.step("flip"); err != nil {
		return err
	}
	if err := writeCurrent(v.dir, gen, v.backend); err != nil {
		if cur, _, rerr := readCurrent(v.dir); rerr == nil && cur == gen {
			// Renamed, but the directory's fsync failed.
			return fmt.Errorf("the new passphrase is in effect, but the switch may not survive a power loss: %w", err)
		}
		return err
	}
	v.setStore(gen, s)
	if err := v.step("flipped"); err != nil {
		return err
	}

	// 7. The old generation is garbage now, with any other leftover. A
	// failure to delete it is not the change's: Open and the next change
	// retry. The header was just written.
	v.collect(true)
	if err := v.step("cleaned"); err != nil {
		return err
	}

	v.mu.Lock()
	defer v.mu.Unlock()
	if v.sub != nil {
		v.installLocked(newSub, gen, rekeyed, nil)
		installed = true
		entries = nil // now owned by the unlocked state
	}
	return nil
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
