package daemon

import (
	"context"
	"errors"
	"log/slog"
	"syscall"

	"localsigner/examples/dapp"
)

// StartExampleDapp serves examples/dapp for the server at issuer, on its
// usual address (dapp.DefaultListen) or, when another instance holds that,
// on a free loopback port: a second Localsigner on another --listen gets
// its own example instead of none. It returns the URL to open.
func StartExampleDapp(ctx context.Context, log *slog.Logger, issuer string) (string, error) {
	u, err := dapp.Start(ctx, dapp.DefaultListen, dapp.Options{Signer: issuer})
	if errors.Is(err, syscall.EADDRINUSE) {
		if log != nil {
			log.Info("example dapp address taken; using a free port", "addr", dapp.DefaultListen)
		}
		u, err = dapp.Start(ctx, "127.0.0.1:0", dapp.Options{Signer: issuer})
	}
	return u, err
}
