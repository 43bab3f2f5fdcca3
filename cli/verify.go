package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"localsigner/localapi/jose"
	"localsigner/signer/chain"
	"localsigner/signer/keys"
	"localsigner/signer/node"
)

// runVerifyLogin checks an id_token — Localsigner's proof of a sign-in,
// signed by the account's own key — the way a dapp's backend should, without
// trusting Localsigner:
//
//  1. Decode it and read sub (the account), chain and key_role; refuse any
//     alg but ES256K.
//  2. Get the account's keys for that role from the chain (Hive:
//     condenser_api.get_accounts → posting.key_auths; Peerplays:
//     get_account_by_name → options.memo_key), or take them from --pubkey.
//  3. Verify the ES256K signature (sha256 of header.payload, R‖S, low S)
//     with one of them, and check origin (--origin, the verifier's own
//     site: required, since a client_id is a name any page may pick), aud
//     (--aud), nonce (--nonce), iat and exp.
//
// It prints the claims and exits non-zero with the reason on failure.
func runVerifyLogin(env Env, args []string) error {
	fs := newFlagSet(env, "localsigner verify-login",
		"TOKEN --origin https://your.site [--aud CLIENT_ID] [--nonce N] [--pubkey KEY]... [--node URL] [--chain NAME] [--prefix STM]")
	origin := fs.String("origin", "", "your site's origin (scheme://host[:port]), which the token must name: required")
	aud := fs.String("aud", "", "client_id the token must be for (a dapp must always check this)")
	nonce := fs.String("nonce", "", "nonce the dapp sent in the authorization request")
	var pubkeys stringList
	fs.Var(&pubkeys, "pubkey", "verify offline against this public key (repeatable) instead of asking a node")
	nodeURL := fs.String("node", "", "node to fetch the account's keys from (default: the devnet at ws://"+defaultDevnetListen+")")
	chainName := fs.String("chain", "", "chain of the account (default: the token's chain claim)")
	prefix := fs.String("prefix", "", "public key prefix (default: the chain's; STM on the devnet, PPY on a Peerplays devnet)")
	pos, err := parseMixed(fs, args, 1)
	if err != nil {
		return err
	}
	if *origin == "" {
		return fmt.Errorf("%w: --origin is required: a sign-in proof is valid only for the site it was issued to", errUsage)
	}
	token := strings.TrimSpace(pos[0])
	claims, err := jose.ParseIDTokenUnverified(token)
	if err != nil {
		return fmt.Errorf("not an id_token: %w", err)
	}
	name := *chainName
	if name == "" {
		name = claims.Chain
	}
	c, err := chain.Lookup(name, *prefix)
	if err != nil {
		return err
	}
	if *prefix == "" && claims.KeyRole == "memo" && c.Family != chain.Graphene {
		// A Peerplays devnet token: the devnet's id, Graphene's keys.
		c.Family, c.Prefix, c.CoreSymbol, c.CorePrecision = chain.Graphene, "PPY", "PPY", 5
	}
	var candidates []keys.PublicKey
	source := "--pubkey"
	if len(pubkeys) > 0 {
		for _, p := range pubkeys {
			k, err := keys.ParsePublicKey(p, c.Prefix)
			if err != nil {
				return fmt.Errorf("%w: --pubkey %q: %v", errUsage, p, err)
			}
			candidates = append(candidates, k)
		}
	} else {
		url := *nodeURL
		if url == "" {
			url = "ws://" + defaultDevnetListen
		}
		source = url
		if candidates, err = chainLoginKeys(url, c, claims.Subject, claims.KeyRole); err != nil {
			return err
		}
	}
	got, who, err := jose.VerifyIDToken(token, candidates, jose.IDCheck{Audience: *aud, Origin: *origin, Nonce: *nonce})
	if err != nil {
		return fmt.Errorf("id_token NOT valid: %w", err)
	}
	fmt.Fprintf(env.Stdout, "valid id_token: @%s signed in to %s at %s\n", got.Subject, strings.Join(got.Audience, ","), got.Origin)
	fmt.Fprintf(env.Stdout, "  signed by:  %s key %s (checked against %s)\n", got.KeyRole, who.Format(c.Prefix), source)
	fmt.Fprintf(env.Stdout, "  issuer:     %s\n  chain:      %s\n", got.Issuer, got.Chain)
	if got.Nonce != "" {
		fmt.Fprintf(env.Stdout, "  nonce:      %s\n", got.Nonce)
	}
	fmt.Fprintf(env.Stdout, "  issued at:  %s\n  expires at: %s\n", got.IssuedAt.UTC().Format(time.RFC3339), got.ExpiresAt.UTC().Format(time.RFC3339))
	if *aud == "" {
		fmt.Fprintln(env.Stderr, "warning: no --aud given; a dapp must check that the token is for its own client_id")
	}
	return nil
}

// chainLoginKeys fetches the keys of an account's role from a node.
func chainLoginKeys(url string, c *chain.Chain, account, role string) ([]keys.PublicKey, error) {
	if account == "" {
		return nil, errors.New("id_token has no sub (account)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	nc, err := node.Dial(ctx, []string{url}, node.Options{Chain: c, HealthInterval: -1, CallTimeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	accts, err := nc.Accounts(ctx, []string{account})
	if err != nil {
		return nil, fmt.Errorf("look up @%s on %s: %w", account, url, err)
	}
	var texts []string
	switch role {
	case "posting":
		if accts[0].Posting == nil {
			return nil, errors.New("the chain has no posting authority for this account")
		}
		for _, ka := range accts[0].Posting.KeyAuths {
			texts = append(texts, ka.Name)
		}
	case "memo":
		texts = []string{accts[0].MemoKey}
	default:
		return nil, fmt.Errorf("id_token names key role %q; want posting or memo", role)
	}
	var out []keys.PublicKey
	for _, t := range texts {
		k, err := keys.ParsePublicKey(t, c.Prefix)
		if err != nil {
			return nil, fmt.Errorf("key %q from the node: %w", t, err)
		}
		out = append(out, k)
	}
	return out, nil
}

// runAppsPassword generates an app password for a registered app — the one
// secret PeerID's password grant (/api/v1/auth/token) accepts for it — and
// prints it once; --off turns the grant off again. It is never the vault
// passphrase.
func runAppsPassword(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner apps password", "ID [--off] [--data-dir DIR]", false)
	off := fs.Bool("off", false, "turn the password grant off for this app")
	c, pos, err := adminConnect(fs, dataDir, args, 1)
	if err != nil {
		return err
	}
	pw, err := c.AppPassword(pos[0], *off)
	if err != nil {
		return err
	}
	if *off {
		fmt.Fprintln(env.Stdout, "password grant turned off for", pos[0])
		return nil
	}
	fmt.Fprintf(env.Stdout, "app password: %s\n", pw)
	fmt.Fprintln(env.Stderr, "Shown only this once; Localsigner keeps only its hash. It works for this app's password grant alone.")
	return nil
}
