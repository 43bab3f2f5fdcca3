package vault

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/99designs/keyring"
)

// Generations. A generation is one complete vault: a header and the records
// sealed under its data key. The file "current" in the vault directory names
// the live one; every other generation is garbage (an interrupted or
// finished passphrase change, or an interrupted Init). See format.go for the
// layout and ChangePassphrase for how the switch is made atomic.
//
// A generation is named "gen-" and 16 random hex digits. The names are
// random rather than counted so that two data directories using the same OS
// keychain never pick the same one (see keychainLayout).
//
// The legacy generation, named "", is the layout from before generations:
// items directly in vault/items (or unprefixed keychain items) and no
// "current" file. It is read as it is and left behind, like any old
// generation, by the first passphrase change.
const (
	currentFile = "current" // names the live generation
	genPrefix   = "gen-"
	genRandLen  = 8 // random bytes in a generation name
	legacyGen   = ""
)

// newGenName returns a fresh random generation name.
func newGenName() (string, error) {
	var b [genRandLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return genPrefix + hex.EncodeToString(b[:]), nil
}

// isGenName reports whether s is a generation name as newGenName makes them.
func isGenName(s string) bool {
	rest, ok := strings.CutPrefix(s, genPrefix)
	if !ok || len(rest) != 2*genRandLen {
		return false
	}
	for _, c := range rest {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// readCurrent returns the generation the current file names and the
// backend holding it. The backend is "" in a file written before vaults
// could move between backends: the backend file tells it then. The error
// wraps fs.ErrNotExist if there is no such file, and is a *CorruptError if
// the file does not name a generation.
func readCurrent(dir string) (string, Backend, error) {
	p := filepath.Join(dir, currentFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return "", "", err
	}
	line, ok := strings.CutSuffix(string(b), "\n")
	name, backend, hasBackend := strings.Cut(line, " ")
	if !ok || !isGenName(name) || hasBackend && !validBackend(Backend(backend)) {
		return "", "", &CorruptError{Path: p, Err: errors.New(`does not name a generation (want "gen-<16 hex digits>", a space, "file" or "keychain", and a newline)`)}
	}
	return name, Backend(backend), nil
}

// writeCurrent makes gen, held by backend b, the live generation,
// atomically and durably: temporary file, fsync, rename over current, fsync
// of the directory. Naming the backend in the same file is what lets a move
// between backends switch both with one rename.
func writeCurrent(dir, gen string, b Backend) error {
	return writeFileAtomic(dir, currentFile, []byte(gen+" "+string(b)+"\n"))
}

// layout is where a backend keeps its generations.
type layout interface {
	// gens lists the generations that have anything stored, the legacy one
	// included, in no particular order.
	gens() ([]string, error)
	// open returns the store of an existing generation, errNotFound if it
	// does not exist.
	open(gen string) (store, error)
	// create makes a new, empty generation, durably, and returns its store.
	create(gen string) (store, error)
	// drop deletes a generation and everything in it. Interrupted, it
	// leaves the generation listed by gens, so a later drop finishes it.
	drop(gen string) error
}

// fileLayout keeps each generation in a directory of the vault directory:
// gen-<hex>/items and gen-<hex>/staging, as fileStore uses them. The legacy
// generation is items/ and staging/ directly in the vault directory.
type fileLayout struct {
	dir string // the vault directory
}

func (l *fileLayout) genDir(gen string) string {
	if gen == legacyGen {
		return l.dir
	}
	return filepath.Join(l.dir, gen)
}

func (l *fileLayout) gens() ([]string, error) {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return nil, err
	}
	var out []string
	legacy := false
	for _, e := range entries {
		switch {
		case !e.IsDir(): // a symbolic link is no generation
		case isGenName(e.Name()):
			out = append(out, e.Name())
		case e.Name() == itemsDirName || e.Name() == stagingDirName:
			legacy = true
		}
	}
	if legacy {
		out = append(out, legacyGen)
	}
	return out, nil
}

func (l *fileLayout) open(gen string) (store, error) {
	d := l.genDir(gen)
	if _, err := os.Lstat(filepath.Join(d, itemsDirName)); errors.Is(err, fs.ErrNotExist) {
		return nil, errNotFound
	} else if err != nil {
		return nil, err
	}
	if gen != legacyGen {
		if err := ensurePrivateDir(d); err != nil { // refuses a symbolic link
			return nil, err
		}
	}
	return openFileStore(d)
}

func (l *fileLayout) create(gen string) (store, error) {
	d := l.genDir(gen)
	if err := os.Mkdir(d, 0o700); err != nil { // fails if it exists
		return nil, err
	}
	for _, sub := range []string{itemsDirName, stagingDirName} {
		if err := os.Mkdir(filepath.Join(d, sub), 0o700); err != nil {
			return nil, err
		}
	}
	// The directory entries must be durable before current can name them.
	if err := syncDir(d); err != nil {
		return nil, err
	}
	if err := syncDir(l.dir); err != nil {
		return nil, err
	}
	return openFileStore(d)
}

func (l *fileLayout) drop(gen string) error {
	var err error
	if gen == legacyGen {
		// items first: while it exists the legacy generation is still
		// listed, so an interrupted drop is finished later.
		err = errors.Join(os.RemoveAll(filepath.Join(l.dir, itemsDirName)),
			os.RemoveAll(filepath.Join(l.dir, stagingDirName)))
	} else {
		err = os.RemoveAll(l.genDir(gen))
	}
	if err != nil {
		return err
	}
	return syncDir(l.dir)
}

// keychainLayout keeps each generation's items in the OS keychain under the
// prefix "gen-<hex>." and records which generations belong to this vault by
// an empty directory gen-<hex> in the vault directory, created before the
// first item and removed after the last. Only generations so recorded are
// ever dropped: the keychain is shared by every data directory of the user,
// and another directory's items must never look like this one's garbage.
// The legacy generation is the unprefixed items.
type keychainLayout struct {
	dir     string // the vault directory
	ring    keyring.Keyring
	backend keyring.BackendType
}

// keychainService is the service (collection) name items live under; item
// names are opaque, as in files.
const keychainService = "localsigner"

func openKeychainLayout(dir string) (*keychainLayout, error) {
	var b keyring.BackendType
	switch runtime.GOOS {
	case "darwin":
		b = keyring.KeychainBackend
	case "windows":
		b = keyring.WinCredBackend
	default:
		b = keyring.SecretServiceBackend
	}
	ring, err := keyring.Open(keyring.Config{
		AllowedBackends: []keyring.BackendType{b},
		ServiceName:     keychainService,
		// Items stay on this device.
		KeychainSynchronizable: false,
	})
	if err != nil {
		// keyring reports a missing Secret Service (no session bus, or
		// nothing serving org.freedesktop.secrets on it) only here.
		return nil, fmt.Errorf("open the OS keychain (%s): %w: %w", b, ErrKeychainUnavailable, err)
	}
	return &keychainLayout{dir: dir, ring: ring, backend: b}, nil
}

// splitKeychainName tells which generation a keychain item belongs to and
// its name there.
func splitKeychainName(key string) (gen, name string) {
	if g, rest, ok := strings.Cut(key, "."); ok && isGenName(g) {
		return g, rest
	}
	return legacyGen, key
}

func (l *keychainLayout) gens() ([]string, error) {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && isGenName(e.Name()) {
			out = append(out, e.Name())
		}
	}
	keys, err := l.ring.Keys()
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if g, _ := splitKeychainName(k); g == legacyGen {
			return append(out, legacyGen), nil
		}
	}
	return out, nil
}

func (l *keychainLayout) store(gen string) *keychainStore {
	return &keychainStore{ring: l.ring, backend: l.backend, gen: gen}
}

func (l *keychainLayout) open(gen string) (store, error) {
	if gen == legacyGen {
		return l.store(gen), nil
	}
	d := filepath.Join(l.dir, gen)
	if _, err := os.Lstat(d); errors.Is(err, fs.ErrNotExist) {
		return nil, errNotFound
	} else if err != nil {
		return nil, err
	}
	if err := ensurePrivateDir(d); err != nil {
		return nil, err
	}
	return l.store(gen), nil
}

func (l *keychainLayout) create(gen string) (store, error) {
	if err := os.Mkdir(filepath.Join(l.dir, gen), 0o700); err != nil {
		return nil, err
	}
	if err := syncDir(l.dir); err != nil {
		return nil, err
	}
	return l.store(gen), nil
}

func (l *keychainLayout) drop(gen string) error {
	s := l.store(gen)
	names, err := s.list()
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := s.remove(n); err != nil && !errors.Is(err, errNotFound) {
			return err
		}
	}
	if gen == legacyGen {
		return nil
	}
	if err := os.Remove(filepath.Join(l.dir, gen)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(l.dir)
}
