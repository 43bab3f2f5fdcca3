package vault

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"

	"localsigner/signer/internal/privkey"
)

// sealIdentity names the one record that is not a user's key: the secret
// the grant store's records are authenticated under (see StoreKey). Its
// chain is none of Chains, so no call that takes a chain, account and role
// from a caller can reach, replace or remove it, and List leaves it out.
// Stored as an ordinary record, it looks on disk like any key (opaque name,
// fixed size), travels with every passphrase change and backend move, and
// whoever wants to delete it cannot tell which item it is.
var sealIdentity = identity{Chain: "localsigner", Account: "localsigner", Role: "seal"}

// labelStoreKey derives the store's MAC key from the seal record, so the
// secret stored in the vault is never used directly.
const labelStoreKey = "localsigner/store/v1/record-mac-key"

// StoreKey returns the 32-byte key that authenticates the grant store's
// standing permissions, creating its record in the vault the first time.
// fresh reports that no such record existed and nothing suggests it was lost
// (every record of the vault could be read): the caller may then adopt
// records written before sealing existed. A vault with damaged records
// still gets a new key, but fresh is false, since the old one may be among
// the damaged. The key is the same across lock and unlock, passphrase
// changes and backend moves. It needs the vault unlocked (ErrLocked).
func (v *Vault) StoreKey() (key []byte, fresh bool, err error) {
	if k, ok, err := v.readStoreKey(); err != nil || ok {
		return k, false, err
	}
	end, err := v.beginWrite()
	if err != nil {
		return nil, false, err
	}
	defer end()
	name := v.sub.itemName(sealIdentity)
	if e := v.entries[name]; e != nil { // created meanwhile
		k, err := deriveStoreKey(e.key)
		return k, false, err
	}
	var k *privkey.PrivateKey
	for k == nil {
		var raw [32]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return nil, false, err
		}
		k, _ = privkey.FromBytes(raw[:]) // out of range: about 2⁻¹²⁸, draw again
		clear(raw[:])
	}
	raw := k.Bytes()
	rec, err := v.sub.sealRecord(name, sealIdentity, raw)
	clear(raw)
	if err != nil {
		k.Zero()
		return nil, false, err
	}
	if err := v.store.put(name, rec); err != nil {
		k.Zero()
		return nil, false, err
	}
	v.entries[name] = &entry{id: sealIdentity, key: k}
	out, err := deriveStoreKey(k)
	return out, len(v.damaged) == 0, err
}

// readStoreKey returns the store key if the seal record is loaded.
func (v *Vault) readStoreKey() ([]byte, bool, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.sub == nil {
		return nil, false, ErrLocked
	}
	e := v.entries[v.sub.itemName(sealIdentity)]
	if e == nil {
		return nil, false, nil
	}
	k, err := deriveStoreKey(e.key)
	return k, err == nil, err
}

func deriveStoreKey(k *privkey.PrivateKey) ([]byte, error) {
	raw := k.Bytes()
	defer clear(raw)
	out, err := hkdf.Key(sha256.New, raw, nil, labelStoreKey, 32)
	if err != nil {
		return nil, errors.Join(errors.New("derive the store key"), err)
	}
	return out, nil
}
