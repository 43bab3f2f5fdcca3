package cli

import (
	"fmt"
)

// runAllowance is "localsigner allowance ID --asset HIVE --per-day 10.000":
// a standing spending limit on a dapp's grant. Within it, transactions that
// need the active key only to move that asset are signed without asking;
// beyond it (or for anything else needing the active key) the user is asked
// each time. ID is a client id (all its current grants) or a grant id.
func runAllowance(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner allowance", "CLIENT_ID|GRANT_ID --asset SYMBOL --per-day AMOUNT [--data-dir DIR]", false)
	asset := fs.String("asset", "", "asset symbol, e.g. HIVE or HBD (required)")
	perDay := fs.String("per-day", "", "limit per UTC day with the asset's decimals, e.g. 10.000; 0 removes it (required)")
	pos, err := parseMixed(fs, args, 1)
	if err != nil {
		return err
	}
	if *asset == "" || *perDay == "" {
		return fmt.Errorf("%w: allowance needs --asset and --per-day", errUsage)
	}
	c, err := adminClient(*dataDir)
	if err != nil {
		return err
	}
	n, err := c.SetAllowance(pos[0], *asset, *perDay)
	if err != nil {
		return err
	}
	if *perDay == "0" {
		fmt.Fprintf(env.Stdout, "removed the %s allowance of %d grant(s)\n", *asset, n)
		return nil
	}
	fmt.Fprintf(env.Stdout, "%d grant(s) of %s may spend up to %s %s per day without asking\n", n, pos[0], *perDay, *asset)
	return nil
}

// runTokenCarriers is "localsigner token-carriers CLIENT_ID [--query]
// [--cookie]": which ways besides the Authorization header a dapp may send
// its access token. Flags not given are turned off.
func runTokenCarriers(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner token-carriers", "CLIENT_ID [--query] [--cookie] [--data-dir DIR]", false)
	query := fs.Bool("query", false, "accept ?bearer_token= on read-only endpoints (GET /api/me, /api/token)")
	cookie := fs.Bool("cookie", false, "accept a bearer_token cookie on requests from the dapp's own origin")
	c, pos, err := adminConnect(fs, dataDir, args, 1)
	if err != nil {
		return err
	}
	if err := c.SetClientFlags(pos[0], *query, *cookie); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: query token %s, cookie token %s\n", pos[0], onOff(*query), onOff(*cookie))
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
