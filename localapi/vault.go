package localapi

import (
	"slices"

	"localsigner/signer"
	"localsigner/signer/keys"
)

// SignerVault adapts the signer's vault facade to Vault.
type SignerVault struct{ V *signer.Vault }

var (
	_ Vault  = SignerVault{}
	_ Signer = SignerVault{}
)

// PublicKey implements Signer.
func (s SignerVault) PublicKey(chain, account, role string) (keys.PublicKey, error) {
	return s.V.PublicKey(chain, account, role)
}

// Sign implements Signer.
func (s SignerVault) Sign(chain, account, role string, digest [32]byte) (keys.Signature, error) {
	return s.V.Sign(chain, account, role, digest)
}

// Locked implements Vault.
func (s SignerVault) Locked() bool { return s.V.Locked() }

// Unlock implements Vault.
func (s SignerVault) Unlock(passphrase []byte) error { return s.V.Unlock(passphrase) }

// Lock implements Vault.
func (s SignerVault) Lock() { s.V.Lock() }

// Accounts implements Vault: the accounts with at least one key stored for
// chain, sorted.
func (s SignerVault) Accounts(chain string) ([]string, error) {
	ks, err := s.V.List()
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
