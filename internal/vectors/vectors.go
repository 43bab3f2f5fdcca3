// Package vectors loads the shared signing test vectors: transactions, keys
// and signatures produced by independent peer libraries (dhive, hive-tx,
// bitsharesjs). Tests in the signer use them to prove byte-exact agreement
// with those peers; nothing outside tests imports this package.
package vectors

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"localsigner/signer/chain"
)

// Dir finds the shared vector directory: $LOCALSIGNER_VECTORS if set, else
// shared/vectors beside the repository (the layout of every checkout and CI).
func Dir() (string, error) {
	if d := os.Getenv("LOCALSIGNER_VECTORS"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(filepath.Dir(dir), "shared", "vectors")
			if _, err := os.Stat(d); err != nil {
				return "", fmt.Errorf("shared vectors not found beside the repository: %w", err)
			}
			return d, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}

// SigningKey is one key a transaction vector was signed with.
type SigningKey struct {
	WIF           string `json:"wif"`
	PrivateKeyHex string `json:"private_key_hex"`
	PublicKey     string `json:"public_key"`
}

// SignatureCheck records what the producing peer said of one signature.
type SignatureCheck struct {
	PublicKey               string `json:"public_key"`
	RecoveryHeader          int    `json:"recovery_header"`
	Canonical               bool   `json:"canonical"`
	LowS                    bool   `json:"low_s"`
	DhiveNonceAttempt       int    `json:"dhive_nonce_attempt"`
	BitsharesjsNonceAttempt *int   `json:"bitsharesjs_nonce_attempt"`
}

// Transaction is one signed-transaction vector.
type Transaction struct {
	Name                string              `json:"name"`
	Chain               string              `json:"chain"`
	Network             string              `json:"network"`
	ChainID             string              `json:"chain_id"`
	AddressPrefix       string              `json:"address_prefix"`
	Tags                []string            `json:"tags"`
	RequiredAuthorities map[string][]string `json:"required_authorities"`
	Transaction         json.RawMessage     `json:"transaction"`
	SerializedHex       string              `json:"serialized_hex"`
	DigestHex           string              `json:"digest_hex"`
	TransactionID       string              `json:"transaction_id"`
	SigningKeys         []SigningKey        `json:"signing_keys"`
	Signatures          []string            `json:"signatures"`
	SignatureChecks     []SignatureCheck    `json:"signature_checks"`
}

// TransactionFiles lists the transaction vector files.
var TransactionFiles = []string{
	"hive_transactions.json",
	"hive_testnet_custom.json",
	"peerplays_transactions.json",
}

// Transactions loads every transaction vector from every file.
func Transactions() ([]Transaction, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	var all []Transaction
	for _, name := range TransactionFiles {
		var f struct {
			Vectors []Transaction `json:"vectors"`
		}
		if err := readJSON(filepath.Join(dir, name), &f); err != nil {
			return nil, err
		}
		if len(f.Vectors) == 0 {
			return nil, fmt.Errorf("%s: no vectors", name)
		}
		all = append(all, f.Vectors...)
	}
	return all, nil
}

// Keys is the key-derivation vector file.
type Keys struct {
	Login []struct {
		Account      string `json:"account"`
		Password     string `json:"password"`
		Role         string `json:"role"`
		PrivateKey   string `json:"private_key_hex"`
		WIF          string `json:"wif"`
		PublicKey    string `json:"public_key"`
		PublicKeyTST string `json:"public_key_tst"`
		PublicKeyPPY string `json:"public_key_ppy"`
		PublicKeyHex string `json:"public_key_hex"`
	} `json:"login"`
	Seed []struct {
		Seed         string `json:"seed"`
		PrivateKey   string `json:"private_key_hex"`
		WIF          string `json:"wif"`
		PublicKey    string `json:"public_key"`
		PublicKeyHex string `json:"public_key_hex"`
	} `json:"seed"`
	WIF []struct {
		WIF          string `json:"wif"`
		PrivateKey   string `json:"private_key_hex"`
		PublicKey    string `json:"public_key"`
		PublicKeyHex string `json:"public_key_hex"`
	} `json:"wif"`
	InvalidWIF []struct {
		WIF    string `json:"wif"`
		Reason string `json:"reason"`
	} `json:"invalid_wif"`
	PublicKeyStrings []struct {
		String         string `json:"string"`
		ExpectedPrefix string `json:"expected_prefix"`
		Valid          bool   `json:"valid"`
		Reason         string `json:"reason"`
		PublicKeyHex   string `json:"public_key_hex"`
	} `json:"public_key_strings"`
	NullKey struct {
		String       string `json:"string"`
		PublicKeyHex string `json:"public_key_hex"`
	} `json:"null_key"`
}

// LoadKeys loads hive_keys.json.
func LoadKeys() (*Keys, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	var k Keys
	if err := readJSON(filepath.Join(dir, "hive_keys.json"), &k); err != nil {
		return nil, err
	}
	if len(k.Login) == 0 || len(k.WIF) == 0 || len(k.PublicKeyStrings) == 0 {
		return nil, fmt.Errorf("hive_keys.json: missing sections")
	}
	return &k, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ChainOf picks the chain a transaction vector was made for; the chain id
// in the vector must match, so a wrong mapping cannot pass silently.
func ChainOf(v Transaction) (*chain.Chain, error) {
	name := v.Chain
	switch {
	case v.Chain == "hive" && v.Network == "testnet":
		name = "hive-testnet"
	case v.Chain == "hive" && v.Network == "custom":
		name = v.ChainID
	}
	c, err := chain.Lookup(name, v.AddressPrefix)
	if err != nil {
		return nil, err
	}
	if c.IDHex() != v.ChainID {
		return nil, fmt.Errorf("chain %s has id %s, vector says %s", name, c.IDHex(), v.ChainID)
	}
	return c, nil
}
