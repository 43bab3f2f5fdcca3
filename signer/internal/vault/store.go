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
	"time"

	"github.com/99designs/keyring"
)

// store is what the vault needs from wherever its bytes live. Items are
// opaque names to opaque bytes; put replaces an item atomically: a reader
// (or a restart after a crash) sees the old bytes or the new, never a mix.
type store interface {
	// get returns errNotFound if the item is absent and a *CorruptError if
	// it exists but cannot be decoded.
	get(name string) ([]byte, error)
	put(name string, data []byte) error
	// remove returns errNotFound if the item is absent.
	remove(name string) error
	list() ([]string, error)
	// where names an item for error messages: a file path, or a keychain
	// entry.
	where(name string) string
}

var errNotFound = errors.New("item not found")

// fileBackendPassword is the password keyring's file backend encrypts each
// item with (JWE, PBES2-HS256+A128KW). It is deliberately not a secret: our
// own AEAD under the passphrase-derived key is what protects the data, and a
// fixed value means keyring never prompts and never "creates a new entry"
// under a mistyped password.
const fileBackendPassword = "localsigner-vault-file-backend-not-a-secret"

// Names in the data directory; see format.go for the whole layout.
const (
	vaultDirName   = "vault"   // 0700: everything below
	itemsDirName   = "items"   // in a generation: one file per item
	stagingDirName = "staging" // in a generation: keyring writes here first; see fileStore
	backendFile    = "backend" // which backend holds the items
	backoffFile    = "backoff" // wrong-passphrase counter
	lockFileName   = "lock"    // inter-process lock; see lockDir
	tmpInfix       = ".tmp-"   // temporary files of writeFileAtomic
)

// fileStore keeps one generation's items with keyring's file backend, fixing what that
// backend does not guarantee by itself. keyring v1.2.2's file.go writes an
// item with a bare os.WriteFile onto the final name: not atomic (a crash
// mid-write leaves a truncated item), no fsync, and the 0600 mode applies only
// when the file is created. It creates its directory 0700 but never corrects
// one that exists with looser rights.
//
// So every put goes through a second keyring file backend rooted in a
// staging directory beside the items directory (same filesystem): keyring
// writes the item there under a unique name, then we chmod 0600, fsync,
// rename onto the final name in the items directory, and fsync the
// directory. Reads and removal use keyring's backend on the items directory
// as is. Opening the store enforces 0700 on the directories and
// 0600 on every file, and clears stale leftovers of interrupted writes.
type fileStore struct {
	items, staging string
	ring, stage    keyring.Keyring
	// hook, if set (tests only), runs after each step of put with the
	// step's name; an error stops put there, as a crash would.
	hook func(step string) error
}

// openFileStore opens the generation in genDir (its items and staging
// directories), creating what is missing.
func openFileStore(genDir string) (*fileStore, error) {
	s := &fileStore{
		items:   filepath.Join(genDir, itemsDirName),
		staging: filepath.Join(genDir, stagingDirName),
	}
	for _, d := range []string{s.items, s.staging} {
		if err := ensurePrivateDir(d); err != nil {
			return nil, err
		}
	}
	for _, d := range []string{s.items, s.staging} {
		if err := enforceFileModes(d); err != nil {
			return nil, err
		}
	}
	// A file left in staging is an item whose write never completed: the
	// old version (or nothing) is still in place and staging is never read,
	// so dropping it is only tidying. Recent files may be another process's
	// write in flight, so only stale ones go.
	if err := removeStale(s.staging, func(string) bool { return true }); err != nil {
		return nil, err
	}
	pw := keyring.FixedStringPrompt(fileBackendPassword)
	only := []keyring.BackendType{keyring.FileBackend}
	var err error
	if s.ring, err = keyring.Open(keyring.Config{AllowedBackends: only, FileDir: s.items, FilePasswordFunc: pw}); err != nil {
		return nil, fmt.Errorf("open keyring file backend: %w", err)
	}
	if s.stage, err = keyring.Open(keyring.Config{AllowedBackends: only, FileDir: s.staging, FilePasswordFunc: pw}); err != nil {
		return nil, fmt.Errorf("open keyring file backend: %w", err)
	}
	return s, nil
}

func (s *fileStore) where(name string) string { return filepath.Join(s.items, name) }

func (s *fileStore) step(name string) error {
	if s.hook != nil {
		return s.hook(name)
	}
	return nil
}

func (s *fileStore) get(name string) ([]byte, error) {
	it, err := s.ring.Get(name)
	var pe *fs.PathError
	switch {
	case errors.Is(err, keyring.ErrKeyNotFound):
		return nil, errNotFound
	case errors.As(err, &pe):
		return nil, err // I/O, not content: the message names the file
	case err != nil:
		return nil, &CorruptError{Path: s.where(name), Err: fmt.Errorf("keyring file item: %w", err)}
	}
	return it.Data, nil
}

func (s *fileStore) put(name string, data []byte) error {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	// A unique staging name keeps two processes writing the same item from
	// interleaving in one file.
	tmpName := name + "." + hex.EncodeToString(rnd[:])
	tmp := filepath.Join(s.staging, tmpName)
	if err := s.stage.Set(keyring.Item{Key: tmpName, Data: data}); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := s.step("staged"); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := s.step("synced"); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.where(name)); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := s.step("renamed"); err != nil {
		return err
	}
	if err := syncDir(s.items); err != nil {
		return err
	}
	return s.step("dir-synced")
}

func (s *fileStore) remove(name string) error {
	err := s.ring.Remove(name)
	if errors.Is(err, fs.ErrNotExist) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return syncDir(s.items)
}

// list reads the directory itself: keyring's Keys ignores a failed read and
// would report an unreadable vault as empty. Item names are lowercase hex or
// "header", which keyring's file-name escaping leaves as they are.
func (s *fileStore) list() ([]string, error) {
	entries, err := os.ReadDir(s.items)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

// keychainStore keeps one generation's items in the OS keychain through
// keyring with exactly one backend (never a fall-through to another), each
// under the generation's name and a dot (unprefixed for the legacy
// generation). Each put is one item replace, as atomic as the OS keychain
// makes it.
type keychainStore struct {
	ring    keyring.Keyring
	backend keyring.BackendType
	gen     string
}

func (s *keychainStore) key(name string) string {
	if s.gen == legacyGen {
		return name
	}
	return s.gen + "." + name
}

func (s *keychainStore) where(name string) string {
	return fmt.Sprintf("%s item %s/%s", s.backend, keychainService, s.key(name))
}

func (s *keychainStore) get(name string) ([]byte, error) {
	it, err := s.ring.Get(s.key(name))
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.where(name), err)
	}
	return it.Data, nil
}

func (s *keychainStore) put(name string, data []byte) error {
	return s.ring.Set(keyring.Item{Key: s.key(name), Data: data, Label: "Localsigner vault item", KeychainNotSynchronizable: true})
}

func (s *keychainStore) remove(name string) error {
	err := s.ring.Remove(s.key(name))
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return errNotFound
	}
	return err
}

func (s *keychainStore) list() ([]string, error) {
	keys, err := s.ring.Keys()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, k := range keys {
		if g, n := splitKeychainName(k); g == s.gen {
			names = append(names, n)
		}
	}
	return names, nil
}

// ensurePrivateDir creates dir 0700, or corrects an existing directory to
// 0700. A symbolic link or a file in its place is an error, not followed.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: not a directory", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restrict %s to 0700: %w", dir, err)
		}
	}
	return nil
}

// enforceFileModes sets 0600 on every file directly in dir and refuses
// anything but regular files there.
func enforceFileModes(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if !e.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file; the vault directory holds only its own files", p)
		}
		if err := restrictFile(p); err != nil {
			return err
		}
	}
	return nil
}

func restrictFile(p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if fi.Mode().Perm() != 0o600 {
		if err := os.Chmod(p, 0o600); err != nil {
			return fmt.Errorf("restrict %s to 0600: %w", p, err)
		}
	}
	return nil
}

func syncFile(p string) error {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync %s: %w", p, err)
	}
	return f.Close()
}

// syncDir makes a rename or removal in dir durable. Windows cannot fsync a
// directory; NTFS journals renames itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return d.Close()
}

// writeFileAtomic replaces dir/name with data, mode 0600: temporary file in
// the same directory, fsync, rename, fsync of the directory.
func writeFileAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, name+tmpInfix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	return syncDir(dir)
}

// cleanVaultDir removes temporary files left by interrupted writeFileAtomic
// calls and restricts the vault directory's own files to 0600.
func cleanVaultDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			continue // generations: their layout handles them
		case strings.Contains(e.Name(), tmpInfix):
			continue // removeStale below
		case e.Type().IsRegular():
			if err := restrictFile(p); err != nil {
				return err
			}
		}
	}
	return removeStale(dir, func(name string) bool { return strings.Contains(name, tmpInfix) })
}

// staleAfter is how old a temporary file must be before it counts as left
// by a crash rather than a write in flight in another process.
const staleAfter = time.Minute

// removeStale deletes the regular files in dir that match and were last
// modified more than staleAfter ago.
func removeStale(dir string, match func(name string) bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !match(e.Name()) {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if time.Since(fi.ModTime()) > staleAfter {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}
