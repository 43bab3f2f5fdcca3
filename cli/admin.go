package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"localsigner/approval"
	"localsigner/signer/tx"

	"localsigner/authz"
	"localsigner/localapi/admin"
)

// The commands in this file talk to a running Localsigner (serve --headless
// or the desktop app) through its admin socket in the data directory.

// adminFlags registers --data-dir (and, for listings, --json).
func adminFlags(env Env, name, synopsis string, listing bool) (*flag.FlagSet, *string, *bool) {
	fs := newFlagSet(env, name, synopsis)
	dataDir := fs.String("data-dir", "", "data directory (default $"+envDataDir+", else the OS config dir)")
	asJSON := new(bool)
	if listing {
		fs.BoolVar(asJSON, "json", false, "print one JSON document instead of a table")
	}
	return fs, dataDir, asJSON
}

// parseMixed parses flags that may come before or after positional
// arguments ("approve ID --account alice") and checks the positional count
// (a negative count takes any number, for the caller to check).
func parseMixed(fs *flag.FlagSet, args []string, positional int) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args, -1); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if positional >= 0 && len(pos) != positional {
		return nil, fmt.Errorf("%w: %s takes %d argument(s)", errUsage, fs.Name(), positional)
	}
	return pos, nil
}

func adminClient(dataDir string) (*admin.Client, error) {
	dir, err := DataDir(dataDir)
	if err != nil {
		return nil, err
	}
	return admin.NewClient(dir), nil
}

// adminConnect parses an admin command's arguments: flags and exactly
// positional positional arguments, the flags before or after them (none:
// parseFlags; some: parseMixed). It returns the positional arguments and
// a client for the data directory.
func adminConnect(fs *flag.FlagSet, dataDir *string, args []string, positional int) (*admin.Client, []string, error) {
	var pos []string
	var err error
	if positional == 0 {
		err = parseFlags(fs, args, 0)
	} else {
		pos, err = parseMixed(fs, args, positional)
	}
	if err != nil {
		return nil, nil, err
	}
	c, err := adminClient(*dataDir)
	if err != nil {
		return nil, nil, err
	}
	return c, pos, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printListing prints items for a listing command: as one JSON document
// with --json; else the line empty when there are no items (unless empty
// is ""); else a table with header and one row (tab-separated) per item.
func printListing[T any](env Env, items []T, asJSON bool, empty, header string, row func(w io.Writer, item T)) error {
	if asJSON {
		if items == nil {
			items = []T{} // an empty list, not null, for scripts
		}
		return printJSON(env.Stdout, items)
	}
	if empty != "" && len(items) == 0 {
		fmt.Fprintln(env.Stdout, empty)
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, item := range items {
		row(tw, item)
	}
	return tw.Flush()
}

func runUnlock(env Env, args []string) error {
	fs, vf := newVaultFlagSet(env, "localsigner unlock", "[--data-dir DIR] [--passphrase-file FILE]")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	c, err := adminClient(vf.dataDir)
	if err != nil {
		return err
	}
	if _, err := c.Status(); err != nil {
		return err // not running: say so before asking for the passphrase
	}
	p, err := passphrase(vf.passFile, envPassphrase, "vault passphrase", false)
	if err != nil {
		return err
	}
	defer clear(p)
	return c.Unlock(p)
}

func runLock(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner lock", "[--data-dir DIR]", false)
	c, _, err := adminConnect(fs, dataDir, args, 0)
	if err != nil {
		return err
	}
	return c.Lock()
}

func runApprovals(env Env, args []string) error {
	fs, dataDir, asJSON := adminFlags(env, "localsigner approvals", "[--data-dir DIR] [--json]", true)
	c, _, err := adminConnect(fs, dataDir, args, 0)
	if err != nil {
		return err
	}
	ps, err := c.Approvals()
	if err != nil {
		return err
	}
	var txs, msgs []approval.Request
	err = printListing(env, ps, *asJSON, "no pending requests", "ID\tREDIRECT ORIGIN\tCLIENT\tSCOPES\tACCOUNT\tNOTE", func(tw io.Writer, p approval.Request) {
		if p.Kind == approval.KindMessage && p.Message != nil {
			msgs = append(msgs, p)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, orDash(p.Origin), orDash(p.ClientID), "-",
				orDash(p.Account), "sign a message ("+p.Message.Authority+" key)")
			return
		}
		if p.Kind == approval.KindPair && p.Pair != nil {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, orDash(p.Origin), "-", "-", "-",
				"pair the browser bridge ("+tx.CleanText(p.Pair.Browser, 60)+"): approve ID or deny ID")
			return
		}
		if p.Kind == approval.KindTransaction && p.Transaction != nil {
			txs = append(txs, p)
			var names []string
			for _, op := range p.Transaction.Operations {
				names = append(names, op.Name)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, orDash(p.Origin), p.ClientID, strings.Join(names, ","),
				orDash(p.Account), "confirm transaction ("+p.Transaction.Authority+" key)")
			return
		}
		var note []string
		if p.FirstTime {
			note = append(note, "new dapp")
		}
		if p.NeedsImplicitOptIn {
			note = append(note, "implicit flow: approve with --implicit")
		}
		client := p.ClientID
		if p.ClientName != "" {
			client += " (" + p.ClientName + ")"
		}
		origin := p.Origin
		if p.Via != "" {
			origin = "-"
			note = append(note, p.Via)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, origin, client, strings.Join(p.RequestedScopes, ","),
			orDash(p.Account), strings.Join(note, "; "))
	})
	if err != nil {
		return err
	}
	if !*asJSON {
		if ws, err := c.Waiting(); err == nil && len(ws) > 0 {
			fmt.Fprintln(env.Stdout, "\nWaiting for the vault to be unlocked (unlock: localsigner unlock   refuse: localsigner refuse):")
			for _, w := range ws {
				who := w.Origin
				if who == "" {
					who = "a program on this computer (app id " + orDash(w.ClientID) + ")"
				}
				fmt.Fprintf(env.Stdout, "  - %s: %s, since %s\n", tx.CleanText(who, 120), w.What, w.Since.Local().Format("15:04:05"))
			}
		}
	}
	for _, p := range msgs {
		from := orDash(p.Origin)
		if p.Message.Source != "" {
			from = p.Message.Source
		}
		if p.Message.Via != "" {
			from = p.Message.Via + ", " + from
		}
		fmt.Fprintf(env.Stdout, "\nMessage %s from %s, to sign with the %s key of @%s (not a transaction):\n  %s\n",
			p.ID, from, p.Message.Authority, p.Account, tx.CleanText(p.Message.Text, 2000))
		if p.Message.Callback != "" {
			fmt.Fprintf(env.Stdout, "  the signature is sent to %s\n", tx.CleanText(p.Message.Callback, 120))
		}
		fmt.Fprintf(env.Stdout, "  sign it: localsigner approve %s   refuse: localsigner deny %s\n", p.ID, p.ID)
	}
	for _, p := range txs {
		from := orDash(p.Origin)
		if p.Transaction.Source != "" {
			from = p.Transaction.Source
		}
		if p.Transaction.Via != "" {
			from = p.Transaction.Via + ", " + from
		}
		fmt.Fprintf(env.Stdout, "\nTransaction %s from %s for @%s (%s):\n", p.ID, from, p.Account, p.Transaction.Reason)
		for _, op := range p.Transaction.Operations {
			fmt.Fprintf(env.Stdout, "  - %s\n", op.Summary)
			for _, d := range op.Details {
				fmt.Fprintf(env.Stdout, "      %s\n", d)
			}
		}
		for _, b := range p.Transaction.Balances {
			fmt.Fprintf(env.Stdout, "  %s\n", tx.CleanText(b, 200))
		}
		if rc := p.Transaction.RC; rc != nil {
			fmt.Fprintf(env.Stdout, "  %s\n", tx.CleanText(rc.Text, 200))
		}
		if len(p.Transaction.Spending) > 0 {
			fmt.Fprintf(env.Stdout, "  spends %s\n", strings.Join(p.Transaction.Spending, ", "))
		}
		if p.Transaction.SignOnly {
			fmt.Fprintln(env.Stdout, "  signed only: Localsigner does not broadcast it; whoever receives it may")
		}
		if p.Transaction.Callback != "" {
			fmt.Fprintf(env.Stdout, "  the result is sent to %s\n", tx.CleanText(p.Transaction.Callback, 120))
		}
		for _, n := range p.Transaction.Notes {
			fmt.Fprintf(env.Stdout, "  note: %s\n", n)
		}
		fmt.Fprintf(env.Stdout, "  sign it: localsigner approve %s   refuse: localsigner deny %s   (raw JSON: approvals --json)\n", p.ID, p.ID)
		if len(p.Transaction.Remember) > 0 {
			fmt.Fprintf(env.Stdout, "  sign and stop asking for a while about %s: localsigner approve %s --remember 1d\n",
				strings.Join(p.Transaction.Remember, "; "), p.ID)
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runApprove(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner approve", "ID [--scopes a,b] [--account NAME] [--implicit] [--remember 1h|1d|7d] [--data-dir DIR]", false)
	scopes := fs.String("scopes", "", "grant only these scopes (comma-separated; default: all requested)")
	account := fs.String("account", "", "account to act for (default: the dapp's hint, or the only account)")
	implicit := fs.Bool("implicit", false, "allow this dapp the implicit flow (token in the redirect URL)")
	remember := fs.String("remember", "", "for a transaction: don't ask again for the same operations to the same accounts for this long (e.g. 1h, 1d, 7d; at most 30d)")
	c, pos, err := adminConnect(fs, dataDir, args, 1)
	if err != nil {
		return err
	}
	if *remember != "" {
		d, err := parseDays(*remember)
		if err != nil {
			return fmt.Errorf("%w: --remember: %w", errUsage, err)
		}
		if *scopes != "" || *account != "" || *implicit {
			return fmt.Errorf("%w: --remember is for transactions; --scopes, --account and --implicit for authorizations", errUsage)
		}
		if err := c.ApproveTransaction(pos[0], d); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "approved; not asking again for these operations until %s (undo: localsigner forget GRANT_ID)\n",
			time.Now().Add(d).Format(time.DateTime))
		return nil
	}
	var sc []string
	if *scopes != "" {
		sc = strings.FieldsFunc(*scopes, func(r rune) bool { return r == ',' || r == ' ' })
	}
	return c.Approve(pos[0], sc, *account, *implicit)
}

func runDeny(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner deny", "ID [--data-dir DIR]", false)
	c, pos, err := adminConnect(fs, dataDir, args, 1)
	if err != nil {
		return err
	}
	return c.Deny(pos[0])
}

func runRefuse(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner refuse", "[--data-dir DIR]", false)
	c, _, err := adminConnect(fs, dataDir, args, 0)
	if err != nil {
		return err
	}
	n, err := c.RefuseWaiting()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "refused %d request(s) waiting for the unlock; their sites were told Localsigner is locked\n", n)
	return nil
}

func runGrants(env Env, args []string) error {
	fs, dataDir, asJSON := adminFlags(env, "localsigner grants", "[--data-dir DIR] [--json]", true)
	c, _, err := adminConnect(fs, dataDir, args, 0)
	if err != nil {
		return err
	}
	gs, err := c.Grants()
	if err != nil {
		return err
	}
	now := time.Now()
	return printListing(env, gs, *asJSON, "no grants", "CLIENT\tORIGIN\tACCOUNT\tSCOPES\tTOKENS\tEXPIRES\tGRANT\tLAST USE\tNOT ASKING", func(tw io.Writer, g authz.GrantInfo) {
		exp, used := "-", "-"
		if !g.ExpiresAt.IsZero() {
			exp = g.ExpiresAt.Local().Format(time.DateTime)
		}
		if !g.LastUsed.IsZero() {
			used = g.LastUsed.Local().Format(time.DateTime)
		}
		var noAsk []string
		for _, n := range g.NoAsk {
			if now.Before(n.Expires) {
				noAsk = append(noAsk, n.Label()+" until "+n.Expires.Local().Format(time.DateTime))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", g.ClientID, orDash(g.Origin), g.Account,
			strings.Join(g.Scopes, ","), g.Tokens, exp, g.ID, used, orDash(strings.Join(noAsk, "; ")))
	})
}

// runNarrow narrows a grant to a subset of its scopes; its live tokens
// lose the others at once. Widening needs a new approval.
func runNarrow(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner narrow", "GRANT_ID --scopes a,b [--data-dir DIR]", false)
	scopes := fs.String("scopes", "", "the scopes to keep, a non-empty subset of the grant's (comma-separated; required)")
	c, pos, err := adminConnect(fs, dataDir, args, 1)
	if err != nil {
		return err
	}
	keep := strings.FieldsFunc(*scopes, func(r rune) bool { return r == ',' || r == ' ' })
	if len(keep) == 0 {
		return fmt.Errorf("%w: narrow needs --scopes", errUsage)
	}
	if err := c.NarrowGrant(pos[0], keep); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "grant %s now allows: %s\n", pos[0], strings.Join(keep, ","))
	return nil
}

func runRevoke(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner revoke", "CLIENT_ID [--data-dir DIR]", false)
	c, pos, err := adminConnect(fs, dataDir, args, 1)
	if err != nil {
		return err
	}
	n, err := c.Revoke(pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "revoked %d grant(s) of %s\n", n, pos[0])
	return nil
}

func runApps(env Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: apps needs a subcommand: add, ls or rm", errUsage)
	}
	switch args[0] {
	case "add":
		return runAppsAdd(env, args[1:])
	case "ls":
		return runAppsLs(env, args[1:])
	case "rm":
		return runAppsRm(env, args[1:])
	case "password":
		return runAppsPassword(env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(env.Stdout, "Usage:")
		fmt.Fprintln(env.Stdout, "  localsigner apps add NAME --scopes a,b [--redirect-uri URI]... [--implicit] [--account NAME] [--json]")
		fmt.Fprintln(env.Stdout, "  localsigner apps ls [--json]")
		fmt.Fprintln(env.Stdout, "  localsigner apps rm ID")
		fmt.Fprintln(env.Stdout, "  localsigner apps password ID [--off]   (PeerID password grant; prints a new app password once)")
		return nil
	}
	return fmt.Errorf("%w: unknown apps subcommand %q (add, ls or rm)", errUsage, args[0])
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runAppsAdd(env Env, args []string) error {
	fs, dataDir, asJSON := adminFlags(env, "localsigner apps add", "NAME --scopes a,b [--redirect-uri URI]... [--implicit] [--account NAME] [--json]", true)
	scopes := fs.String("scopes", "", "scopes the app may be granted (comma-separated; required)")
	var redirects stringList
	fs.Var(&redirects, "redirect-uri", "redirect URI for the authorization code flow (repeatable)")
	implicit := fs.Bool("implicit", false, "allow the implicit flow (token in the redirect; needs --redirect-uri)")
	account := fs.String("account", "", "account client_credentials tokens act for")
	pos, err := parseMixed(fs, args, 1)
	if err != nil {
		return err
	}
	if *scopes == "" {
		return fmt.Errorf("%w: apps add needs --scopes", errUsage)
	}
	c, err := adminClient(*dataDir)
	if err != nil {
		return err
	}
	r, err := c.AddApp(admin.AddAppArgs{Name: pos[0], Scopes: strings.ReplaceAll(*scopes, ",", " "),
		RedirectURIs: redirects, Implicit: *implicit, Account: *account})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env.Stdout, struct {
			ID     string `json:"client_id"`
			Secret string `json:"client_secret"`
		}{r.App.ID, r.Secret})
	}
	fmt.Fprintf(env.Stdout, "client_id:     %s\nclient_secret: %s\n", r.App.ID, r.Secret)
	fmt.Fprintln(env.Stderr, "The secret is shown only this once; Localsigner keeps only its hash.")
	return nil
}

func runAppsLs(env Env, args []string) error {
	fs, dataDir, asJSON := adminFlags(env, "localsigner apps ls", "[--data-dir DIR] [--json]", true)
	c, _, err := adminConnect(fs, dataDir, args, 0)
	if err != nil {
		return err
	}
	cs, err := c.Clients()
	if err != nil {
		return err
	}
	type row struct {
		ID           string   `json:"client_id"`
		Name         string   `json:"name,omitempty"`
		Kind         string   `json:"kind"`
		RedirectURIs []string `json:"redirect_uris,omitempty"`
		Scopes       []string `json:"scopes,omitempty"`
		Account      string   `json:"account,omitempty"`
		Implicit     bool     `json:"implicit,omitempty"`
	}
	rows := []row{}
	for _, x := range cs {
		rows = append(rows, row{x.ID, x.Name, string(x.Kind), x.RedirectURIs, x.Scopes, x.Account, x.Implicit})
	}
	return printListing(env, rows, *asJSON, "", "CLIENT\tKIND\tNAME\tREDIRECT URIS\tSCOPES\tACCOUNT", func(tw io.Writer, r row) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, orDash(r.Name), orDash(strings.Join(r.RedirectURIs, " ")),
			orDash(strings.Join(r.Scopes, ",")), orDash(r.Account))
	})
}

func runAppsRm(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner apps rm", "ID [--data-dir DIR]", false)
	c, pos, err := adminConnect(fs, dataDir, args, 1)
	if err != nil {
		return err
	}
	return c.RemoveApp(pos[0])
}

func runLog(env Env, args []string) error {
	fs, dataDir, asJSON := adminFlags(env, "localsigner log",
		"[-n N] [--app CLIENT_ID] [--account NAME] [--since WHEN] [--until WHEN] [--data-dir DIR] [--json]", true)
	n := fs.Int("n", 50, "show the newest N matching events (0: all)")
	client := fs.String("app", "", "only the events of this client id (a dapp's or a registered app's)")
	account := fs.String("account", "", "only the events for this account")
	since := fs.String("since", "", "only events at or after WHEN: a duration back from now (90m, 24h, 7d) or a date (2026-12-01, RFC 3339)")
	until := fs.String("until", "", "only events before WHEN (as --since)")
	c, _, err := adminConnect(fs, dataDir, args, 0)
	if err != nil {
		return err
	}
	f := authz.AuditFilter{Limit: *n, ClientID: *client, Account: *account}
	now := time.Now()
	if f.Since, err = parseWhen(*since, now); err != nil {
		return fmt.Errorf("%w: --since: %v", errUsage, err)
	}
	if f.Until, err = parseWhen(*until, now); err != nil {
		return fmt.Errorf("%w: --until: %v", errUsage, err)
	}
	if f.Limit <= 0 {
		return printWholeLog(env, c, f, *asJSON)
	}
	ev, err := c.FindLog(f)
	if err != nil {
		return err
	}
	return printListing(env, ev, *asJSON, "", logHeader, logRow)
}

// logPage is how many events one admin reply carries when the whole log
// is read.
var logPage = 5000

const logHeader = "TIME\tEVENT\tCLIENT\tACCOUNT\tSCOPES\tDETAIL"

// printWholeLog prints every event f selects, oldest first, asking the
// server page by page, so that neither process holds the whole log: a JSON
// array for --json, else the table, aligned page by page.
func printWholeLog(env Env, c *admin.Client, f authz.AuditFilter, asJSON bool) error {
	f.Forward, f.Limit = true, logPage
	first := true
	if asJSON {
		fmt.Fprint(env.Stdout, "[")
	}
	for {
		page, err := c.FindLog(f)
		if err != nil {
			return err
		}
		if asJSON {
			for _, e := range page {
				b, err := json.Marshal(e)
				if err != nil {
					return err
				}
				if !first {
					fmt.Fprint(env.Stdout, ",")
				}
				fmt.Fprintf(env.Stdout, "\n  %s", b)
				first = false
			}
		} else {
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			if first {
				fmt.Fprintln(tw, logHeader)
				first = false
			}
			for _, e := range page {
				logRow(tw, e)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		if len(page) < logPage {
			break
		}
		f.AfterSeq = page[len(page)-1].Seq
	}
	if asJSON {
		fmt.Fprintln(env.Stdout, "\n]")
	}
	return nil
}

// logRow is one event as `log` prints it.
func logRow(tw io.Writer, e authz.Event) {
	detail := e.Detail
	if e.Outcome != "" { // a dapp transaction
		detail = e.Outcome + " " + strings.Join(e.Operations, ",")
		if e.TxID != "" {
			detail += " tx " + e.TxID
		}
		detail += ": " + e.Detail
	}
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Local().Format(time.DateTime), e.Type, orDash(e.ClientID),
		orDash(e.Account), orDash(strings.Join(e.Scopes, ",")), detail)
}

// parseWhen reads a point in time for log filters: empty is none; a
// duration (Go's, or whole days as "7d") counts back from now; otherwise a
// date, in local time, or an RFC 3339 time.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := parseDays(s); err == nil {
		return now.Add(-d), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a duration (24h, 7d), a date (2026-12-01) or an RFC 3339 time", s)
}
