package devnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"localsigner/signer/chain"
	"localsigner/signer/internal/privkey"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
)

// DefaultPassword is the password the default genesis keys are derived
// from, as Hive wallets derive them: sha256(name ‖ role ‖ password). It is
// public on purpose: the devnet holds nothing of value.
const DefaultPassword = "localsigner-devnet"

// defaultAccounts are the accounts of the default genesis.
var defaultAccounts = []string{"alice", "bob", "carol"}

// Genesis is the devnet's initial state. As a file (--genesis) it is JSON:
//
//	{"accounts": [{
//	    "name": "alice",
//	    "id": "1.2.100",                      // Peerplays only, optional
//	    "keys": {"owner": "STM…", "active": "STM…", "posting": "STM…", "memo": "STM…"},
//	    "authorities": {"active": {"weight_threshold": 2,
//	        "account_auths": [["bob", 1]], "key_auths": [["STM…", 1]]}},   // optional
//	    "balance": "1000.000 HIVE",           // Peerplays: "1000.00000 PPY"
//	    "hbd_balance": "100.000 HBD",         // Hive only, optional
//	    "vesting_shares": "5000.000000 VESTS" // Hive only, optional
//	}]}
//
// Keys use the devnet's prefix (STM by default; PPY for Peerplays). A role
// under "authorities" replaces the single key of that role; Peerplays has
// no posting role and ignores it.
type Genesis struct {
	Accounts []GenesisAccount `json:"accounts"`
}

// GenesisAccount is one account of a Genesis.
type GenesisAccount struct {
	Name          string                   `json:"name"`
	ID            string                   `json:"id,omitempty"`
	Keys          GenesisKeys              `json:"keys"`
	Authorities   map[string]AuthorityJSON `json:"authorities,omitempty"`
	Balance       string                   `json:"balance,omitempty"`
	HBDBalance    string                   `json:"hbd_balance,omitempty"`
	VestingShares string                   `json:"vesting_shares,omitempty"`
	// SavingsBalance and SavingsHBDBalance are Hive's savings (optional).
	SavingsBalance    string `json:"savings_balance,omitempty"`
	SavingsHBDBalance string `json:"savings_hbd_balance,omitempty"`
}

// GenesisKeys are an account's public keys by role.
type GenesisKeys struct {
	Owner   string `json:"owner"`
	Active  string `json:"active"`
	Posting string `json:"posting,omitempty"`
	Memo    string `json:"memo"`
}

// AuthorityJSON is an authority in the nodes' JSON form.
type AuthorityJSON struct {
	WeightThreshold uint32            `json:"weight_threshold"`
	AccountAuths    []json.RawMessage `json:"account_auths"`
	KeyAuths        []json.RawMessage `json:"key_auths"`
}

// LoadGenesis reads a genesis file.
func LoadGenesis(path string) (*Genesis, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	var g Genesis
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("genesis %s: %w", path, err)
	}
	if len(g.Accounts) == 0 {
		return nil, fmt.Errorf("genesis %s: no accounts", path)
	}
	return &g, nil
}

// DefaultGenesis gives alice, bob and carol keys derived from password and
// starting balances (Hive: 1000.000 HIVE, 100.000 HBD, 5000.000000 VESTS,
// 10.000 HIVE and 10.000 HBD in savings;
// Peerplays: 10000.00000 PPY).
func DefaultGenesis(family chain.Family, prefix, password string) (*Genesis, error) {
	g := &Genesis{}
	for _, name := range defaultAccounts {
		a := GenesisAccount{Name: name}
		for _, role := range privkey.Roles {
			k, err := privkey.FromLogin(name, role, password)
			if err != nil {
				return nil, err
			}
			pub := k.PublicKey().Format(prefix)
			k.Zero()
			switch role {
			case "owner":
				a.Keys.Owner = pub
			case "active":
				a.Keys.Active = pub
			case "posting":
				a.Keys.Posting = pub
			case "memo":
				a.Keys.Memo = pub
			}
		}
		if family == chain.Graphene {
			a.Balance = "10000.00000 PPY"
		} else {
			a.Balance, a.HBDBalance, a.VestingShares = "1000.000 HIVE", "100.000 HBD", "5000.000000 VESTS"
			a.SavingsBalance, a.SavingsHBDBalance = "10.000 HIVE", "10.000 HBD"
		}
		g.Accounts = append(g.Accounts, a)
	}
	return g, nil
}

// firstGrapheneInstance is where genesis accounts without an id start, clear
// of Graphene's special accounts (1.2.0 to 1.2.6).
const firstGrapheneInstance = 100

// buildAccounts turns the genesis into accounts, checking every key and
// amount so a bad file fails at start, not at the first transaction.
func buildAccounts(g *Genesis, c *chain.Chain) ([]*account, error) {
	var out []*account
	seen := map[string]bool{}
	seenID := map[uint64]bool{}
	next := uint64(firstGrapheneInstance)
	for i, ga := range g.Accounts {
		where := fmt.Sprintf("genesis account %d (%s)", i, ga.Name)
		if err := tx.ValidateAccountName(ga.Name); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if seen[ga.Name] {
			return nil, fmt.Errorf("%s: listed twice", where)
		}
		seen[ga.Name] = true
		a := &account{name: ga.Name, balances: map[string]int64{}}
		if c.Family == chain.Graphene {
			inst := next
			if ga.ID != "" {
				id, err := tx.ParseObjectID(ga.ID)
				if err != nil || !id.Is(tx.AccountObject) {
					return nil, fmt.Errorf("%s: id %q is not an account id 1.2.N", where, ga.ID)
				}
				inst = id.Instance
			}
			if seenID[inst] {
				return nil, fmt.Errorf("%s: id 1.2.%d used twice", where, inst)
			}
			seenID[inst] = true
			a.instance = inst
			next = max(next, inst) + 1
		} else {
			a.instance = uint64(len(out))
		}
		roles := map[string]string{"owner": ga.Keys.Owner, "active": ga.Keys.Active, "posting": ga.Keys.Posting}
		for _, role := range []string{"owner", "active", "posting"} {
			if role == "posting" && c.Family == chain.Graphene {
				continue
			}
			var err error
			if aj, ok := ga.Authorities[role]; ok {
				a.auth[roleIndex(role)], err = parseAuthority(aj, c)
			} else {
				a.auth[roleIndex(role)], err = singleKey(roles[role], c.Prefix)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", where, role, err)
			}
		}
		memo, err := keys.ParsePublicKey(ga.Keys.Memo, c.Prefix)
		if err != nil {
			return nil, fmt.Errorf("%s: memo key: %w", where, err)
		}
		a.memo = memo
		if err := setBalances(a, ga, c); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func singleKey(s, prefix string) (authority, error) {
	k, err := keys.ParsePublicKey(s, prefix)
	if err != nil {
		return authority{}, err
	}
	return authority{threshold: 1, keys: []keyWeight{{k, 1}}}, nil
}

// parseAuthority reads {weight_threshold, account_auths, key_auths}.
func parseAuthority(aj AuthorityJSON, c *chain.Chain) (authority, error) {
	a := authority{threshold: aj.WeightThreshold}
	for _, raw := range aj.AccountAuths {
		var pair [2]json.RawMessage
		var name string
		var w uint16
		if json.Unmarshal(raw, &pair) != nil || json.Unmarshal(pair[0], &name) != nil || json.Unmarshal(pair[1], &w) != nil {
			return a, fmt.Errorf("account_auths entry %s: want [name, weight]", raw)
		}
		a.accounts = append(a.accounts, accountWeight{name, w})
	}
	for _, raw := range aj.KeyAuths {
		var pair [2]json.RawMessage
		var ks string
		var w uint16
		if json.Unmarshal(raw, &pair) != nil || json.Unmarshal(pair[0], &ks) != nil || json.Unmarshal(pair[1], &w) != nil {
			return a, fmt.Errorf("key_auths entry %s: want [key, weight]", raw)
		}
		k, err := keys.ParsePublicKey(ks, c.Prefix)
		if err != nil {
			return a, err
		}
		a.keys = append(a.keys, keyWeight{k, w})
	}
	if a.threshold == 0 {
		return a, errors.New("weight_threshold must be positive")
	}
	return a, nil
}

// setBalances reads the genesis amounts into a.balances, keyed by symbol
// (Hive: HIVE, HBD, VESTS) or asset id (Graphene: 1.3.0).
func setBalances(a *account, ga GenesisAccount, c *chain.Chain) error {
	if c.Family == chain.Graphene {
		if ga.HBDBalance != "" || ga.VestingShares != "" || ga.SavingsBalance != "" || ga.SavingsHBDBalance != "" {
			return errors.New("hbd_balance, vesting_shares and savings are Hive fields")
		}
		if ga.Balance == "" {
			return nil
		}
		units, err := parseCoreAmount(ga.Balance, c)
		if err != nil {
			return fmt.Errorf("balance: %w", err)
		}
		a.balances[coreAssetID] = units
		return nil
	}
	for _, f := range []struct{ field, value, symbol, key string }{
		{"balance", ga.Balance, "HIVE", "HIVE"}, {"hbd_balance", ga.HBDBalance, "HBD", "HBD"},
		{"vesting_shares", ga.VestingShares, "VESTS", "VESTS"},
		{"savings_balance", ga.SavingsBalance, "HIVE", savingsKey("HIVE")},
		{"savings_hbd_balance", ga.SavingsHBDBalance, "HBD", savingsKey("HBD")},
	} {
		if f.value == "" {
			continue
		}
		as, err := tx.ParseAsset(c, f.value)
		if err != nil {
			return fmt.Errorf("%s: %w", f.field, err)
		}
		if as.Symbol != f.symbol || as.Amount < 0 {
			return fmt.Errorf("%s: want a non-negative %s amount, got %q", f.field, f.symbol, f.value)
		}
		a.balances[f.key] = as.Amount
	}
	return nil
}

// parseCoreAmount reads "1000.00000 PPY" into units of the core asset.
func parseCoreAmount(s string, c *chain.Chain) (int64, error) {
	num, sym, ok := strings.Cut(s, " ")
	if !ok || sym != c.CoreSymbol {
		return 0, fmt.Errorf("%q: want \"<amount> %s\"", s, c.CoreSymbol)
	}
	whole, frac, _ := strings.Cut(num, ".")
	if len(frac) != int(c.CorePrecision) {
		return 0, fmt.Errorf("%q: want %d decimals", s, c.CorePrecision)
	}
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || v < 0 || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, fmt.Errorf("%q: not a non-negative amount", s)
	}
	return v, nil
}
