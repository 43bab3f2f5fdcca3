package daemon

import (
	"fmt"
	"log/slog"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
)

// DevnetListen is where the desktop app's embedded devnet serves its
// JSON-RPC when the port is free: the address `localsigner devnet` and the
// example dapp use.
const DevnetListen = "127.0.0.1:8090"

// DevnetChainName is the chain name both devnet dialects file keys and
// grants under (`localsigner keys add --chain devnet`); the parameters
// stay the devnet's own.
const DevnetChainName = "devnet"

// Devnet is an embedded devnet with what the rest of the composition takes
// from it.
type Devnet struct {
	Net *devnet.Devnet
	// Dialect is "hive" or "peerplays".
	Dialect string
	// Frontend serves the JSON-RPC the node client dials, at URL.
	Frontend *devnet.Frontend
	URL      string
	// Chain is what the node client and the wallet sign with: the devnet's
	// own id, prefix (STM or PPY) and family, named DevnetChainName.
	Chain *chain.Chain
	// Demo names the default genesis accounts (alice, bob, carol), whose
	// keys derive from devnet.DefaultPassword; empty with a custom genesis.
	Demo []string
}

// StartDevnet starts a devnet in dialect ("hive", the default when empty,
// or "peerplays") and serves it on listen, or on a free loopback port when
// listen is taken or empty. cfg.Family is set from dialect; the rest of
// cfg is the caller's. The caller closes Net.
func StartDevnet(log *slog.Logger, dialect, listen string, cfg devnet.Config) (*Devnet, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	switch dialect {
	case "", "hive":
		dialect, cfg.Family = "hive", chain.Hive
	case "peerplays":
		cfg.Family = chain.Graphene
	default:
		return nil, fmt.Errorf("devnet dialect %q: want hive or peerplays", dialect)
	}
	d, err := devnet.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("start devnet: %w", err)
	}
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	fe, err := d.Listen(listen)
	if err != nil {
		log.Warn("devnet address taken; using a free port", "addr", listen, "err", err)
		if fe, err = d.Listen("127.0.0.1:0"); err != nil {
			d.Close()
			return nil, fmt.Errorf("devnet: %w", err)
		}
	}
	c := d.Chain()
	c.Name = DevnetChainName
	var demo []string
	if cfg.Genesis == nil { // the default accounts, whose keys derive from the password
		g, err := devnet.DefaultGenesis(cfg.Family, c.Prefix, devnet.DefaultPassword)
		if err != nil {
			d.Close()
			return nil, err
		}
		for _, a := range g.Accounts {
			demo = append(demo, a.Name)
		}
	}
	log.Info("devnet running", "url", fe.URL(), "dialect", dialect, "chain_id", c.IDHex(), "prefix", c.Prefix)
	return &Devnet{Net: d, Dialect: dialect, Frontend: fe, URL: fe.URL(), Chain: c, Demo: demo}, nil
}
