// Package chain describes the blockchains Localsigner can sign for: the chain
// id that goes into every signing digest, the prefix public keys are written
// with, the family that decides which operations exist, and the asset symbols
// a transaction may use.
//
// A Chain is plain data. Lookup returns a fresh copy on every call, so a
// caller may keep or even modify its Chain without affecting anyone else.
package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Family selects the operation set and the asset encoding of a chain. Hive
// and Graphene (Peerplays) share the transaction layout but nothing else.
type Family int

const (
	// Hive chains use named accounts, string assets ("1.000 HIVE") and the
	// Hive operation list.
	Hive Family = iota + 1
	// Graphene chains (Peerplays) use object ids ("1.2.N") for accounts and
	// assets and the Graphene operation list.
	Graphene
)

// String returns "hive" or "graphene".
func (f Family) String() string {
	switch f {
	case Hive:
		return "hive"
	case Graphene:
		return "graphene"
	}
	return fmt.Sprintf("Family(%d)", int(f))
}

// SymbolKind says what role an asset plays on a Hive chain. Operations
// restrict their amounts by kind (a vesting delegation must be in VESTS, a
// conversion in HBD), whatever the symbol is called on a given network.
type SymbolKind int

const (
	// Liquid is the core token: HIVE on mainnet, TESTS on testnet builds.
	Liquid SymbolKind = iota + 1
	// Debt is the dollar token: HBD on mainnet, TBD on testnet builds.
	Debt
	// Vesting is VESTS, staked Hive Power.
	Vesting
)

// String returns "liquid", "debt" or "vesting".
func (k SymbolKind) String() string {
	switch k {
	case Liquid:
		return "liquid"
	case Debt:
		return "debt"
	case Vesting:
		return "vesting"
	}
	return fmt.Sprintf("SymbolKind(%d)", int(k))
}

// Symbol is one Hive asset as a chain knows it. The JSON name and the name
// packed into the signed bytes differ on mainnet (HIVE is still "STEEM" on the
// wire), which is exactly the kind of detail a signer must not guess.
type Symbol struct {
	// Name is the symbol written in JSON output, e.g. "HIVE".
	Name string
	// Aliases are other names accepted on input, e.g. "STEEM" for HIVE.
	Aliases []string
	// Wire is the symbol packed into the 7-byte symbol field, e.g. "STEEM".
	Wire string
	// Precision is the number of decimals; amounts must use exactly this many.
	Precision uint8
	// NAI is the HF26 numeric asset identifier, e.g. "@@000000021".
	NAI string
	// Kind is the role of the asset (liquid, debt, vesting).
	Kind SymbolKind
}

// Chain is everything the transaction code needs to know about one network.
type Chain struct {
	// Name is "hive", "hive-testnet", "peerplays", "devnet" or "custom".
	Name string
	// ID is the chain id, hashed in front of every transaction to sign it, so
	// a signature for one chain can never be replayed on another.
	ID [32]byte
	// Prefix is the public key prefix used in JSON (STM, TST, PPY, ...). It
	// never changes the signed bytes.
	Prefix string
	// Family selects the operation set.
	Family Family
	// Symbols are the Hive assets of the chain, empty for Graphene chains.
	Symbols []Symbol
	// CoreSymbol and CorePrecision describe the Graphene core asset 1.3.0
	// (PPY, 5 decimals on Peerplays), for display only; empty on Hive.
	CoreSymbol    string
	CorePrecision uint8
	// FeeToAsk and MaxFee bound a Graphene operation's fee, in core units
	// (zero: DefaultFeeToAsk and DefaultMaxFee whole core tokens). Nodes
	// quote fees, so without a bound a hostile node would set what a
	// remembered transfer pays: a fee above FeeToAsk always asks the user,
	// whatever the grant allows, and one above MaxFee is refused.
	FeeToAsk, MaxFee int64
}

// Fee bounds in whole core tokens when a chain sets none: Peerplays's
// fees are fractions of a PPY, so 5 PPY is worth a question and 1000 PPY
// is no fee the chain charges.
const (
	DefaultFeeToAsk = 5
	DefaultMaxFee   = 1000
)

// FeeBounds returns FeeToAsk and MaxFee, or their defaults, in core units.
func (c *Chain) FeeBounds() (ask, maxFee int64) {
	unit := int64(1)
	for range c.CorePrecision {
		unit *= 10
	}
	ask, maxFee = c.FeeToAsk, c.MaxFee
	if ask <= 0 {
		ask = DefaultFeeToAsk * unit
	}
	if maxFee <= 0 {
		maxFee = DefaultMaxFee * unit
	}
	return ask, maxFee
}

// ErrUnknownChain is returned by Lookup for a name it does not know.
var ErrUnknownChain = errors.New("unknown chain")

// Chain ids. They are unexported so nobody can change them for everyone;
// Lookup hands out copies.
var (
	// hiveMainnetID is HIVE_CHAIN_ID.
	hiveMainnetID = mustID("beeab0de00000000000000000000000000000000000000000000000000000000")
	// hiveTestnetID is the id of hived IS_TEST_NET builds, sha256(07 ‖ "testnet").
	hiveTestnetID = mustID("18dcf0a285365fc58b71f18b3d3fec954aa0c141c44e4e5cb4cf777b9eab274e")
	// peerplaysMainnetID is the Peerplays mainnet chain id.
	peerplaysMainnetID = mustID("6b6b5f0ce7a36d323768e534f3edb41c6d6332a541a95725b98e28d140850134")
	// devnetID is the local development network: sha256("localsigner-devnet").
	devnetID = sha256.Sum256([]byte("localsigner-devnet"))
)

// names lists the chain names Lookup understands, in help-text order.
var names = []string{"hive", "hive-testnet", "peerplays", "devnet"}

// Names returns the chain names Lookup accepts (besides a 64-hex chain id),
// for help text and menus. The slice is a fresh copy.
func Names() []string {
	return append([]string(nil), names...)
}

// Lookup returns the chain called name: one of Names(), or a chain id written
// as 64 hex characters, which gives a private Hive-family chain ("custom")
// with mainnet asset symbols. A non-empty prefix replaces the chain's default
// key prefix; it must be 1 to 16 ASCII letters or digits.
func Lookup(name, prefix string) (*Chain, error) {
	if prefix != "" && !validPrefix(prefix) {
		return nil, fmt.Errorf("invalid key prefix %q: want 1 to 16 ASCII letters or digits", prefix)
	}
	var c *Chain
	switch name {
	case "hive":
		c = &Chain{Name: "hive", ID: hiveMainnetID, Prefix: "STM", Family: Hive, Symbols: mainnetSymbols()}
	case "hive-testnet":
		c = &Chain{Name: "hive-testnet", ID: hiveTestnetID, Prefix: "TST", Family: Hive, Symbols: testnetSymbols()}
	case "peerplays":
		c = &Chain{Name: "peerplays", ID: peerplaysMainnetID, Prefix: "PPY", Family: Graphene, CoreSymbol: "PPY", CorePrecision: 5}
	case "devnet":
		c = &Chain{Name: "devnet", ID: devnetID, Prefix: "STM", Family: Hive, Symbols: mainnetSymbols()}
	default:
		id, ok := parseID(name)
		if !ok {
			return nil, fmt.Errorf("%w %q: want one of %s or a 64-hex chain id",
				ErrUnknownChain, name, strings.Join(names, ", "))
		}
		c = &Chain{Name: "custom", ID: id, Prefix: "STM", Family: Hive, Symbols: mainnetSymbols()}
	}
	if prefix != "" {
		c.Prefix = prefix
	}
	return c, nil
}

// SymbolByName finds a Hive asset by its JSON name or an alias.
func (c *Chain) SymbolByName(name string) (Symbol, bool) {
	for _, s := range c.Symbols {
		if s.Name == name {
			return s, true
		}
		for _, a := range s.Aliases {
			if a == name {
				return s, true
			}
		}
	}
	return Symbol{}, false
}

// SymbolByNAI finds a Hive asset by its HF26 NAI ("@@000000021").
func (c *Chain) SymbolByNAI(nai string) (Symbol, bool) {
	for _, s := range c.Symbols {
		if s.NAI == nai {
			return s, true
		}
	}
	return Symbol{}, false
}

// SymbolByKind returns the chain's asset of the given kind.
func (c *Chain) SymbolByKind(k SymbolKind) (Symbol, bool) {
	for _, s := range c.Symbols {
		if s.Kind == k {
			return s, true
		}
	}
	return Symbol{}, false
}

// IDHex returns the chain id as 64 lower-case hex characters.
func (c *Chain) IDHex() string { return hex.EncodeToString(c.ID[:]) }

// String returns the chain name, and the id for custom chains.
func (c *Chain) String() string {
	if c.Name == "custom" {
		return "custom:" + c.IDHex()
	}
	return c.Name
}

func mainnetSymbols() []Symbol {
	return []Symbol{
		{Name: "HIVE", Aliases: []string{"STEEM"}, Wire: "STEEM", Precision: 3, NAI: "@@000000021", Kind: Liquid},
		{Name: "HBD", Aliases: []string{"SBD"}, Wire: "SBD", Precision: 3, NAI: "@@000000013", Kind: Debt},
		{Name: "VESTS", Wire: "VESTS", Precision: 6, NAI: "@@000000037", Kind: Vesting},
	}
}

func testnetSymbols() []Symbol {
	return []Symbol{
		{Name: "TESTS", Wire: "TESTS", Precision: 3, NAI: "@@000000021", Kind: Liquid},
		{Name: "TBD", Wire: "TBD", Precision: 3, NAI: "@@000000013", Kind: Debt},
		{Name: "VESTS", Wire: "VESTS", Precision: 6, NAI: "@@000000037", Kind: Vesting},
	}
}

func validPrefix(p string) bool {
	if len(p) == 0 || len(p) > 16 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func parseID(s string) ([32]byte, bool) {
	var id [32]byte
	if len(s) != 64 {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, false
	}
	return id, true
}

func mustID(s string) [32]byte {
	id, ok := parseID(s)
	if !ok {
		panic("chain: bad built-in chain id " + s)
	}
	return id
}
