package vault

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"localsigner/signer/internal/privkey"
	"localsigner/signer/keys"
)

// Chains the vault accepts keys for. The names are those of package chain;
// the vault keeps its own list so that it depends on nothing but key code.
// A record stores the chain's name, so renaming one would orphan its keys.
var Chains = []string{"hive", "hive-testnet", "peerplays", "devnet"}

// KeyInfo describes one stored key without revealing it.
type KeyInfo struct {
	Chain     string
	Account   string
	Role      string // owner, active, posting or memo
	PublicKey keys.PublicKey
}

// AddWIF stores the key in wallet import format for one role of an account,
// replacing any key already stored for that role. It does not check the key
// against the chain (the vault knows no node): compare the returned public
// key with the account's on-chain authority and warn on a mismatch.
//
// Go strings cannot be wiped, so wif stays in memory until collected; the
// parsed key is zeroed when the vault locks.
func (v *Vault) AddWIF(chain, account, role, wif string) (KeyInfo, error) {
	id := identity{Chain: chain, Account: account, Role: role}
	if err := id.check(); err != nil {
		return KeyInfo{}, err
	}
	k, err := privkey.FromWIF(wif)
	if err != nil {
		return KeyInfo{}, fmt.Errorf("WIF: %w", err)
	}
	if err := v.put(id, k); err != nil {
		k.Zero()
		return KeyInfo{}, err
	}
	return KeyInfo{Chain: chain, Account: account, Role: role, PublicKey: k.PublicKey()}, nil
}

// AddMasterPassword derives and stores the key of every role (owner, active,
// posting, memo) from the account's master password, as Hive wallets do,
// replacing keys stored for those roles. Each role is one atomic write; if
// the process dies midway some roles are stored and running it again
// completes them. A password that is itself a WIF is refused: wallets treat
// such a "password" as a key, and deriving from it would store wrong keys.
func (v *Vault) AddMasterPassword(chain, account, password string) ([]KeyInfo, error) {
	id := identity{Chain: chain, Account: account, Role: privkey.Roles[0]}
	if err := id.check(); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, errors.New("master password is empty")
	}
	if k, err := privkey.FromWIF(password); err == nil {
		k.Zero()
		return nil, errors.New("the master password is a WIF private key; add it for its role instead")
	}
	infos := make([]KeyInfo, 0, len(privkey.Roles))
	for _, role := range privkey.Roles {
		k, err := privkey.FromLogin(account, role, password)
		if err != nil {
			return infos, err
		}
		id.Role = role
		if err := v.put(id, k); err != nil {
			k.Zero()
			return infos, err
		}
		infos = append(infos, KeyInfo{Chain: chain, Account: account, Role: role, PublicKey: k.PublicKey()})
	}
	return infos, nil
}

// errChangedElsewhere is returned by a write to an unlocked vault whose
// generation another process replaced since the unlock, by changing the
// passphrase (and so the data key) or moving the vault to another backend;
// the vault locks itself.
var errChangedElsewhere = fmt.Errorf("%w: its passphrase or backend was changed meanwhile, by another process; unlock again", ErrLocked)

// beginWrite prepares a change of the live generation's records: it takes
// opMu, the directory lock and mu, in that order, and checks that the vault
// is unlocked with the subkeys of the live generation. On success the
// caller runs end when done.
func (v *Vault) beginWrite() (end func(), err error) {
	v.opMu.Lock()
	if v.Locked() { // cheap, before any I/O
		v.opMu.Unlock()
		return nil, ErrLocked
	}
	release, err := lockDir(v.dir)
	if err != nil {
		v.opMu.Unlock()
		return nil, err
	}
	end = func() {
		release()
		v.opMu.Unlock()
	}
	if err := v.resolve(); err != nil {
		end()
		return nil, err
	}
	v.mu.Lock()
	end = func() {
		v.mu.Unlock()
		release()
		v.opMu.Unlock()
	}
	switch {
	case v.sub == nil: // auto-locked meanwhile
		err = ErrLocked
	case v.subGen != v.live:
		v.lockLocked()
		err = errChangedElsewhere
	}
	if err != nil {
		end()
		return nil, err
	}
	v.touch()
	return end, nil
}

// put seals k, writes it into the live generation, and takes ownership of k
// on success.
func (v *Vault) put(id identity, k *privkey.PrivateKey) error {
	end, err := v.beginWrite()
	if err != nil {
		return err
	}
	defer end()
	name := v.sub.itemName(id)
	raw := k.Bytes()
	rec, err := v.sub.sealRecord(name, id, raw)
	clear(raw)
	if err != nil {
		return err
	}
	if err := v.store.put(name, rec); err != nil {
		return err
	}
	if old := v.entries[name]; old != nil {
		old.key.Zero()
	}
	v.entries[name] = &entry{id: id, key: k}
	return nil
}

// Remove deletes the key of one role, or of every role of the account when
// role is "". It returns ErrNoKey if nothing was stored. A record that could
// not be read at unlock (see Damaged) is removed too when its identity is
// named here.
func (v *Vault) Remove(chain, account, role string) error {
	roles := []string{role}
	if role == "" {
		roles = privkey.Roles
	}
	end, err := v.beginWrite()
	if err != nil {
		return err
	}
	defer end()
	removed := 0
	for _, r := range roles {
		id := identity{Chain: chain, Account: account, Role: r}
		if err := id.check(); err != nil {
			return err
		}
		name := v.sub.itemName(id)
		err := v.store.remove(name)
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		removed++
		if e := v.entries[name]; e != nil {
			e.key.Zero()
			delete(v.entries, name)
		}
	}
	if removed == 0 {
		return ErrNoKey
	}
	return nil
}

// List describes every stored key, sorted by chain, account and role (in
// the order owner, active, posting, memo). The identities are encrypted on
// disk, so List needs the vault unlocked.
func (v *Vault) List() ([]KeyInfo, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.sub == nil {
		return nil, ErrLocked
	}
	v.touch()
	out := make([]KeyInfo, 0, len(v.entries))
	for _, e := range v.entries {
		if e.id == sealIdentity {
			continue // not a key of the user's (see StoreKey)
		}
		out = append(out, KeyInfo{Chain: e.id.Chain, Account: e.id.Account, Role: e.id.Role, PublicKey: e.key.PublicKey()})
	}
	slices.SortFunc(out, func(a, b KeyInfo) int {
		return cmp.Or(cmp.Compare(a.Chain, b.Chain), cmp.Compare(a.Account, b.Account),
			cmp.Compare(slices.Index(privkey.Roles, a.Role), slices.Index(privkey.Roles, b.Role)))
	})
	return out, nil
}

// lookup finds the key for an identity; the caller holds mu for reading.
func (v *Vault) lookup(chain, account, role string) (*entry, error) {
	id := identity{Chain: chain, Account: account, Role: role}
	if err := id.check(); err != nil {
		return nil, err
	}
	if v.sub == nil {
		return nil, ErrLocked
	}
	v.touch()
	e := v.entries[v.sub.itemName(id)]
	if e == nil {
		return nil, fmt.Errorf("%w: %s/%s/%s", ErrNoKey, chain, account, role)
	}
	return e, nil
}

// PublicKey returns the public key stored for one role of an account.
func (v *Vault) PublicKey(chain, account, role string) (keys.PublicKey, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	e, err := v.lookup(chain, account, role)
	if err != nil {
		return keys.PublicKey{}, err
	}
	return e.key.PublicKey(), nil
}

// Sign signs a 32-byte transaction digest with the key of one role of an
// account, producing a canonical compact signature. Concurrent calls sign in
// parallel; Lock waits for them to finish before wiping keys.
func (v *Vault) Sign(chain, account, role string, digest [32]byte) (keys.Signature, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	e, err := v.lookup(chain, account, role)
	if err != nil {
		return keys.Signature{}, err
	}
	return e.key.Sign(digest)
}

// SharedSecret computes the ECDH secret of one role's key and peer, in fc's
// form and in the legacy form some JavaScript peers use (see
// privkey.PrivateKey.SharedSecret), so memos can be encrypted and decrypted
// without the key leaving the vault. Locking and concurrency are those of
// Sign.
func (v *Vault) SharedSecret(chain, account, role string, peer keys.PublicKey) (secret, legacy [64]byte, err error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	e, err := v.lookup(chain, account, role)
	if err != nil {
		return secret, legacy, err
	}
	return e.key.SharedSecret(peer)
}

// check validates an identity before it is hashed or stored.
func (id identity) check() error {
	if !slices.Contains(Chains, id.Chain) {
		return fmt.Errorf("%w %q (one of %v)", ErrUnknownChain, id.Chain, Chains)
	}
	if !ValidAccountName(id.Account) {
		return fmt.Errorf("%w %q", ErrInvalidAccount, id.Account)
	}
	if !slices.Contains(privkey.Roles, id.Role) {
		return fmt.Errorf("%w %q (one of %v)", ErrInvalidRole, id.Role, privkey.Roles)
	}
	return nil
}

// ValidAccountName applies Hive's rules (protocol is_valid_account_name):
// 3 to 16 characters; dot-separated segments of at least 3, each starting
// with a lowercase letter, ending with a letter or digit, and containing only
// lowercase letters, digits and hyphens. Peerplays names are checked by the
// same rules for now.
func ValidAccountName(name string) bool {
	if len(name) < 3 || len(name) > 16 {
		return false
	}
	start := 0
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] != '.' {
			continue
		}
		seg := name[start:i]
		start = i + 1
		if len(seg) < 3 || !isLower(seg[0]) {
			return false
		}
		if last := seg[len(seg)-1]; !isLower(last) && !isDigit(last) {
			return false
		}
		for j := 1; j < len(seg)-1; j++ {
			if c := seg[j]; !isLower(c) && !isDigit(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
