package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"localsigner/links"
	"localsigner/localapi/admin"
	"localsigner/signer/tx"
)

// runOpen hands a hive:// link to the running Localsigner, which shows the
// confirmation (the desktop app's window, or `localsigner approvals`), and
// prints what became of it; if none runs, it starts the desktop app first. With --dry-run it prints the transaction the
// link would ask to sign and signs nothing. A link that names a callback
// gets it opened in the browser once signed, unless --no-callback.
func runOpen(env Env, args []string) error {
	fs, dataDir, _ := adminFlags(env, "localsigner open", "[--data-dir DIR] [--as ACCOUNT] [--dry-run] [--no-callback] [--no-start] hive://sign/… | has://auth_req/…", false)
	as := fs.String("as", "", "account to sign as (default: the link's s=, else the only account held)")
	dry := fs.Bool("dry-run", false, "print the transaction as JSON and sign nothing")
	noCallback := fs.Bool("no-callback", false, "print the callback URL instead of opening it")
	noStart := fs.Bool("no-start", false, "fail if Localsigner is not running, instead of starting the desktop app")
	c, pos, err := adminConnect(fs, dataDir, args, 1)
	if err != nil {
		return err
	}
	hiveAuth := strings.HasPrefix(strings.ToLower(pos[0]), "has:")
	if hiveAuth && (*dry || *as != "") {
		return errors.New("--dry-run and --as apply to hive:// links; a has:// link signs in the account it names")
	}
	if _, err := c.Status(); errors.Is(err, admin.ErrNotRunning) && !*noStart {
		// A link clicked while Localsigner is closed: open the app, then
		// hand it the link once it serves.
		fmt.Fprintln(env.Stderr, "Localsigner is not running: starting it…")
		if err := startApp(*dataDir); err != nil {
			return fmt.Errorf("start Localsigner: %w", err)
		}
		if err := waitServing(c, appStartWait); err != nil {
			return err
		}
	}
	if !*dry {
		fmt.Fprintln(env.Stderr, "waiting for your confirmation in Localsigner (or: localsigner approvals, approve ID, deny ID)…")
	}
	if hiveAuth {
		return openHiveAuth(env, c, pos[0])
	}
	out, err := c.OpenLink(links.OpenArgs{URI: pos[0], As: *as, DryRun: *dry})
	if err != nil {
		return err
	}
	if *dry {
		return printJSON(env.Stdout, out)
	}
	switch {
	case out.Action == links.ActionMsg:
		fmt.Fprintf(env.Stdout, "signed the message with %s\nsignature %s\n", out.PublicKey, out.Signatures[0])
	case out.Broadcast:
		fmt.Fprintf(env.Stdout, "broadcast %s in block %d\n", out.TxID, out.Block)
	default:
		fmt.Fprintf(env.Stdout, "signed %s (not broadcast)\n%s\n", out.TxID, out.Transaction)
	}
	if out.Callback == "" {
		return nil
	}
	if *noCallback {
		fmt.Fprintf(env.Stdout, "callback: %s\n", out.Callback)
		return nil
	}
	fmt.Fprintf(env.Stdout, "opening the callback at %s\n", tx.CleanText(out.CallbackHost, 120))
	if err := openBrowser(out.Callback); err != nil {
		return fmt.Errorf("open the callback (%s): %w", out.Callback, err)
	}
	return nil
}

// appStartWait bounds the wait for a started app to serve: its first
// frame and its services come up in a second or two, a first run needs the
// user to choose a network.
var appStartWait = 2 * time.Minute

// startApp starts the desktop app (this program without a command) in the
// background, with the same data directory, detached from this process.
var startApp = func(dataDir string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var args []string
	if dataDir != "" {
		args = append(args, "--data-dir", dataDir)
	}
	cmd := exec.Command(exe, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}

// waitServing polls the admin socket until the app answers, or fails
// after wait.
func waitServing(c *admin.Client, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		_, err := c.Status()
		if err == nil {
			return nil
		}
		if !errors.Is(err, admin.ErrNotRunning) || time.Now().After(deadline) {
			return fmt.Errorf("the app did not start serving within %s: %w", wait, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// isLinkArg reports whether a first argument is a link the OS handed over
// (a hive: or has: URI) rather than a command.
func isLinkArg(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "hive:") || strings.HasPrefix(l, "has:")
}

// openBrowser opens an https URL with the desktop's handler.
var openBrowser = func(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		if _, err := exec.LookPath("xdg-open"); err != nil {
			return errors.New("no xdg-open to open it with; pass --no-callback to print it")
		}
		cmd = exec.Command("xdg-open", u)
	}
	return cmd.Start()
}

// openHiveAuth hands a has://auth_req link to the running Localsigner's
// HiveAuth PKSA and prints what became of the sign-in.
func openHiveAuth(env Env, c *admin.Client, uri string) error {
	r, err := c.OpenHiveAuth(uri)
	if err != nil {
		return err
	}
	app := tx.CleanText(r.App, 64)
	switch {
	case r.Approved && r.Challenge:
		fmt.Fprintf(env.Stdout, "signed in @%s to HiveAuth app %q (its own name, not verified), challenge signed\n", r.Account, app)
	case r.Approved:
		fmt.Fprintf(env.Stdout, "signed in @%s to HiveAuth app %q (its own name, not verified)\n", r.Account, app)
	case r.Error == "denied":
		return fmt.Errorf("you denied the sign-in of @%s to HiveAuth app %q", r.Account, app)
	default:
		return fmt.Errorf("the HiveAuth sign-in of @%s to %q failed: %s", r.Account, app, tx.CleanText(r.Error, 200))
	}
	return nil
}
