package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Moving a vault between backends. MoveTo copies the live generation, byte
// for byte, into a new generation in the other backend, reads the copy back
// and checks it, then switches with one atomic rename of the current file,
// which names the backend beside the generation, and only then deletes the
// old copy. A move note, written before anything else, names both
// generations so that whatever a crash leaves is finished by the next Open
// (settleMove) without guessing which backend a generation belongs to.

// moveFile is the move note in the vault directory: "move", four words on
// one line: the backend and generation moved from, then those moved to. The
// legacy generation is written as legacyWord.
const (
	moveFile   = "move"
	legacyWord = "legacy"
)

// genRef names one generation in one backend.
type genRef struct {
	backend Backend
	gen     string
}

func (r genRef) words() string {
	g := r.gen
	if g == legacyGen {
		g = legacyWord
	}
	return string(r.backend) + " " + g
}

// moveNote records a move between backends until its old copy, or its
// unfinished new one, is deleted.
type moveNote struct {
	from, to genRef
}

// names reports whether gen is one of the note's generations.
func (n moveNote) names(gen string) bool { return n.from.gen == gen || n.to.gen == gen }

// writeMoveNote writes n durably (temporary file, fsync, rename, directory
// fsync).
func writeMoveNote(dir string, n moveNote) error {
	return writeFileAtomic(dir, moveFile, []byte(n.from.words()+" "+n.to.words()+"\n"))
}

// readMoveNote reads the move note. The error wraps fs.ErrNotExist if there
// is none and is a *CorruptError if it cannot be parsed.
func readMoveNote(dir string) (moveNote, error) {
	p := filepath.Join(dir, moveFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return moveNote{}, err
	}
	bad := &CorruptError{Path: p, Err: errors.New(`want "BACKEND GENERATION BACKEND GENERATION" and a newline`)}
	line, ok := strings.CutSuffix(string(b), "\n")
	f := strings.Fields(line)
	if !ok || len(f) != 4 {
		return moveNote{}, bad
	}
	var refs [2]genRef
	for i := range refs {
		r := genRef{backend: Backend(f[2*i]), gen: f[2*i+1]}
		if r.gen == legacyWord {
			r.gen = legacyGen
		} else if !isGenName(r.gen) {
			return moveNote{}, bad
		}
		if !validBackend(r.backend) {
			return moveNote{}, bad
		}
		refs[i] = r
	}
	if refs[0] == refs[1] || refs[1].gen == legacyGen {
		return moveNote{}, bad
	}
	return moveNote{from: refs[0], to: refs[1]}, nil
}

// layoutFor returns the layout of backend b, opening it the first time. The
// caller holds opMu (or is Open, building v).
func (v *Vault) layoutFor(b Backend) (layout, error) {
	if l, ok := v.layouts[b]; ok {
		return l, nil
	}
	var l layout
	switch b {
	case BackendFile:
		l = &fileLayout{dir: v.dir}
	case BackendKeychain:
		if v.keychain != nil {
			l = &keychainLayout{dir: v.dir, ring: v.keychain, backend: "test keychain"}
			break
		}
		kl, err := openKeychainLayout(v.dir)
		if err != nil {
			return nil, err
		}
		l = kl
	default:
		return nil, fmt.Errorf("unknown vault backend %q (file or keychain)", b)
	}
	v.layouts[b] = l
	return l, nil
}

// useBackend makes b the live backend, to be resolved again. The caller
// holds opMu and the directory lock.
func (v *Vault) useBackend(b Backend) error {
	l, err := v.layoutFor(b)
	if err != nil {
		return err
	}
	v.layout, v.store, v.live = l, nil, ""
	v.mu.Lock()
	v.backend = b
	v.mu.Unlock()
	return nil
}

// syncBackendFile rewrites the backend file if the current file names
// another backend: a crash between a move's switch and that rewrite leaves
// it behind. Best effort: the current file is what counts. The caller holds
// opMu and the directory lock.
func (v *Vault) syncBackendFile() {
	_, b, err := readCurrent(v.dir)
	if err != nil || b == "" {
		return
	}
	if data, err := os.ReadFile(filepath.Join(v.dir, backendFile)); err == nil && Backend(strings.TrimSpace(string(data))) == b {
		return
	}
	writeFileAtomic(v.dir, backendFile, []byte(string(b)+"\n"))
}

// settleMove finishes what an interrupted move left: it deletes whichever
// generations of the move note are not the live one (the old copy after the
// switch, the unfinished new one before it), each from its own backend,
// then the note. The live generation is never deleted. Without a note it
// does nothing. It fails, leaving the note for a later try, if a backend
// cannot be opened or a deletion fails, and if the note cannot be read.
//
// The caller holds opMu and the directory lock, and has resolved the live
// generation and parsed its header, so live is known to be sound.
func (v *Vault) settleMove() error {
	n, err := readMoveNote(v.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if v.store == nil {
		return errors.New("the live generation is not resolved") // a bug: callers resolve first
	}
	live := genRef{backend: v.backend, gen: v.live}
	for _, r := range []genRef{n.from, n.to} {
		if r == live {
			continue
		}
		l, err := v.layoutFor(r.backend)
		if err != nil {
			return fmt.Errorf("delete the copy in the %s backend left by a move: %w", r.backend, err)
		}
		if err := l.drop(r.gen); err != nil {
			return v.targetErr(r.backend, fmt.Errorf("delete the copy in the %s backend left by a move: %w", r.backend, err))
		}
	}
	if err := os.Remove(filepath.Join(v.dir, moveFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(v.dir)
}

// MoveTo moves every item of the vault (its header and key records) to
// backend to, so that the user can change where the keys are kept after
// Init. It needs the passphrase, even on an unlocked vault: moving the keys
// is as sensitive as reading them, and a wrong passphrase counts toward the
// backoff like a failed Unlock. The passphrase and data key do not change;
// the locked or unlocked state is kept. Moving to the backend in use does
// nothing and returns nil without checking the passphrase.
//
// progress, if not nil, is called after each item is written and after
// each is read back, with the count done and the total; it runs on the
// caller's goroutine while the vault's operation lock is held, so it must
// not call the vault. Signing goes on meanwhile; adding or removing keys
// waits.
//
// The steps, each durable before the next:
//
//  1. Open the live generation with passphrase and decrypt every record. A
//     record that cannot be read stops the move before anything is
//     written, as in ChangePassphrase.
//  2. Finish an earlier interrupted move (see settleMove); if that cannot
//     be done (the keychain it needs is unavailable), stop.
//  3. Open the target backend (ErrKeychainUnavailable if it cannot be).
//  4. Write the move note naming the live generation and a new one in the
//     target backend.
//  5. Create the new generation and copy every item into it, byte for byte
//     (so nothing is re-encrypted and the passphrase stays), records
//     first, then the header.
//  6. Read the copy back through a fresh store: exactly the items written,
//     each with the same bytes, every record decrypting to the identity it
//     had and the header parsing (ErrCopyMismatch otherwise).
//  7. Switch: write the current file naming the new generation and the
//     target backend. The rename is the commit point.
//  8. Rewrite the backend file (informational once current names the
//     backend), then delete the old generation from the old backend and
//     the note. If the old copy cannot be deleted, MoveTo returns an error
//     wrapping ErrOldCopyRemains although the move is done.
//
// A crash (or an error) before the rename in step 7 leaves the old backend
// live and untouched; the partial copy is deleted by the next Open or move.
// A crash after it leaves the complete copy live in the new backend; the old
// copy is deleted likewise. At no moment are the keys in neither place.
//
// The items are ciphertext under the passphrase-derived key in both
// backends; deleting them from the old one does not erase earlier copies
// of it (backups, a file system's free blocks).
func (v *Vault) MoveTo(to Backend, passphrase []byte, progress func(done, total int)) error {
	if !validBackend(to) {
		return fmt.Errorf("unknown vault backend %q (file or keychain)", to)
	}
	if len(passphrase) == 0 {
		return ErrEmptyPassphrase
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	v.opMu.Lock()
	defer v.opMu.Unlock()
	release, err := lockDir(v.dir)
	if err != nil {
		return err
	}
	defer release()
	if err := v.resolve(); err != nil {
		return err
	}
	if v.backend == to {
		return nil
	}

	// 1. Everything the live generation holds.
	sub, entries, damaged, err := v.openAll(passphrase)
	if err != nil {
		return err
	}
	installed := false
	defer func() {
		if !installed {
			sub.zero()
			zeroEntries(entries)
		}
	}()
	if len(damaged) > 0 {
		return fmt.Errorf("%d key record(s) cannot be read, so their copy cannot be checked; "+
			"restore them, or remove them (by their identity, or by deleting the files) before moving the vault: %w",
			len(damaged), errors.Join(damaged...))
	}
	from := genRef{backend: v.backend, gen: v.live}
	names := append(slices.Sorted(maps.Keys(entries)), headerName)
	items := make(map[string][]byte, len(names))
	for _, name := range names {
		b, err := v.store.get(name)
		if err != nil {
			return fmt.Errorf("read %s: %w", v.store.where(name), err)
		}
		items[name] = b
	}

	// 2. An earlier move's leftovers, then this backend's.
	if err := v.settleMove(); err != nil {
		return fmt.Errorf("an earlier move is unfinished: %w", err)
	}
	v.collect(true)

	// 3. The target.
	target, err := v.layoutFor(to)
	if err != nil {
		return err
	}

	// 4. The note.
	gen, err := newGenName()
	if err != nil {
		return err
	}
	if err := writeMoveNote(v.dir, moveNote{from: from, to: genRef{backend: to, gen: gen}}); err != nil {
		return err
	}
	if err := v.step("noted"); err != nil {
		return err
	}

	// 5. The copy.
	s, err := v.createGenIn(target, gen)
	if err != nil {
		return fmt.Errorf("create generation %s: %w", gen, err)
	}
	if err := v.step("created"); err != nil {
		return err
	}
	done, total := 0, 2*len(names)
	for i, name := range names {
		if err := s.put(name, items[name]); err != nil {
			return v.targetErr(to, fmt.Errorf("write %s: %w", s.where(name), err))
		}
		done++
		progress(done, total)
		if err := v.step(fmt.Sprintf("copied %d", i+1)); err != nil {
			return err
		}
	}

	// 6. Read back.
	copied, err := target.open(gen)
	if err != nil {
		return v.targetErr(to, fmt.Errorf("reopen generation %s: %w", gen, err))
	}
	listed, err := copied.list()
	if err != nil {
		return v.targetErr(to, fmt.Errorf("list generation %s: %w", gen, err))
	}
	if slices.Sort(listed); !slices.Equal(listed, slices.Sorted(slices.Values(names))) {
		return fmt.Errorf("%w: generation %s in the %s backend holds %d items, want %d", ErrCopyMismatch, gen, to, len(listed), len(names))
	}
	for _, name := range names {
		b, err := copied.get(name)
		if err != nil {
			return v.targetErr(to, fmt.Errorf("read back %s: %w", copied.where(name), err))
		}
		if err := checkCopy(sub, entries, name, items[name], b); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCopyMismatch, copied.where(name), err)
		}
		done++
		progress(done, total)
	}
	if err := v.step("verified"); err != nil {
		return err
	}

	// 7. Switch.
	if err := v.step("flip"); err != nil {
		return err
	}
	if err := writeCurrent(v.dir, gen, to); err != nil {
		if cur, b, rerr := readCurrent(v.dir); rerr == nil && cur == gen && b == to {
			// Renamed, but the directory's fsync failed.
			v.switched(to, gen, s)
			return fmt.Errorf("the vault is in the %s backend now, but the switch may not survive a power loss: %w", to, err)
		}
		return err
	}
	v.switched(to, gen, s)
	if err := v.step("flipped"); err != nil {
		return err
	}

	// 8. The old copy.
	v.syncBackendFile()
	dropErr := v.settleMove()
	if err := v.step("dropped"); err != nil {
		return err
	}
	v.collect(true)

	v.mu.Lock()
	if v.sub != nil {
		v.installLocked(sub, gen, entries, nil)
		installed = true
	}
	v.mu.Unlock()
	if dropErr != nil {
		return fmt.Errorf("%w: %w", ErrOldCopyRemains, dropErr)
	}
	return nil
}

// switched makes generation gen (store s) in backend to live after the
// switch. The target layout is open already, so it cannot fail.
func (v *Vault) switched(to Backend, gen string, s store) {
	if err := v.useBackend(to); err != nil {
		panic(err) // unreachable: layoutFor(to) succeeded before the copy
	}
	v.setStore(gen, s)
}

// targetErr marks a failure of the keychain to store, read back or delete
// items during a move as ErrKeychainUnavailable: it opened, but cannot be
// used (on Linux, a keyring that stays locked because its unlock prompt
// cannot be shown).
func (v *Vault) targetErr(b Backend, err error) error {
	if b == BackendKeychain && !errors.Is(err, ErrKeychainUnavailable) {
		return fmt.Errorf("%w: %w", ErrKeychainUnavailable, err)
	}
	return err
}

// checkCopy compares an item read back from the new backend with the bytes
// written: the same bytes, and for a record, one that decrypts to the
// identity it was unlocked as.
func checkCopy(sub *subkeys, entries map[string]*entry, name string, want, got []byte) error {
	if !bytes.Equal(got, want) {
		return errors.New("bytes differ from those written")
	}
	if name == headerName {
		if _, err := parseHeader(got); err != nil {
			return err
		}
		return nil
	}
	id, raw, err := sub.openRecord(name, got)
	clear(raw)
	if err != nil {
		return err
	}
	if e := entries[name]; e == nil || e.id != id {
		return errors.New("record names another key")
	}
	return nil
}
