package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
)

// defaultDevnetListen is where `make run` and the desktop app look for the
// devnet.
const defaultDevnetListen = "127.0.0.1:8090"

// runDevnet runs the embedded development chain until SIGINT or SIGTERM.
func runDevnet(env Env, args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveDevnet(ctx, env, args, nil)
}

// serveDevnet is runDevnet until ctx ends; ready, if set, gets the
// front-end's websocket URL once it listens (tests use it).
func serveDevnet(ctx context.Context, env Env, args []string, ready func(url string)) error {
	fs := newFlagSet(env, "localsigner devnet",
		"[--chain hive|peerplays] [--listen 127.0.0.1:8090] [--block-interval 3s] [--password P] [--genesis FILE]")
	chainName := fs.String("chain", "hive", "dialect and assets: hive or peerplays")
	listen := fs.String("listen", defaultDevnetListen, "address to serve JSON-RPC on (websocket and HTTP POST); loopback only")
	interval := fs.Duration("block-interval", devnet.DefaultBlockInterval, "time between blocks")
	password := fs.String("password", devnet.DefaultPassword, "password the default accounts' keys are derived from")
	genesisFile := fs.String("genesis", "", "JSON file with the accounts, keys and balances to start with, replacing alice, bob and carol\n(format: go doc localsigner/signer/devnet Genesis)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	cfg := devnet.Config{BlockInterval: *interval, Password: *password}
	switch *chainName {
	case "hive":
		cfg.Family = chain.Hive
	case "peerplays":
		cfg.Family = chain.Graphene
	default:
		return fmt.Errorf("%w: --chain %q: want hive or peerplays", errUsage, *chainName)
	}
	if *interval <= 0 {
		return fmt.Errorf("%w: --block-interval must be positive", errUsage)
	}
	if err := checkLoopback(*listen); err != nil {
		return err
	}
	if *genesisFile != "" {
		g, err := devnet.LoadGenesis(*genesisFile)
		if err != nil {
			return err
		}
		cfg.Genesis = g
	}
	cfg.Logf = func(format string, args ...any) {
		fmt.Fprintf(env.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
	}
	d, err := devnet.New(cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	fe, err := d.Listen(*listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("cannot listen on %s: the address is in use (another devnet?); pick another with --listen", *listen)
		}
		return fmt.Errorf("cannot listen on %s: %w", *listen, err)
	}
	fmt.Fprintf(env.Stdout, "devnet listening on %s (chain id %s); Ctrl-C stops it\n", fe.URL(), d.Chain().IDHex())
	if ready != nil {
		ready(fe.URL())
	}
	<-ctx.Done()
	fmt.Fprintln(env.Stderr, "devnet: shutting down")
	return nil
}

// checkLoopback refuses addresses other machines could reach: the devnet
// accepts any origin and anyone's transactions, which is fine for one
// developer's machine only.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("%w: --listen %q: want host:port, e.g. %s", errUsage, addr, defaultDevnetListen)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: --listen %q: the devnet serves loopback addresses only (127.0.0.1, ::1, localhost)", errUsage, addr)
	}
	return nil
}
