package node_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/internal/privkey"
	"localsigner/signer/node"
	"localsigner/signer/tx"
)

// testTimeout bounds every test's context: a hang fails the test instead of
// the whole run.
const testTimeout = 20 * time.Second

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// startDevnet runs a devnet with fast blocks and one front-end.
func startDevnet(t *testing.T, cfg devnet.Config) (*devnet.Devnet, *devnet.Frontend) {
	t.Helper()
	if cfg.BlockInterval == 0 {
		cfg.BlockInterval = 50 * time.Millisecond
	}
	d, err := devnet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	fe, err := d.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return d, fe
}

// fastOptions keep failing tests short: no background probes, quick
// backoff.
func fastOptions(c *chain.Chain) node.Options {
	return node.Options{
		Chain:          c,
		CallTimeout:    5 * time.Second,
		DialTimeout:    2 * time.Second,
		BackoffMin:     20 * time.Millisecond,
		BackoffMax:     100 * time.Millisecond,
		HealthInterval: -1,
	}
}

func dial(t *testing.T, urls []string, o node.Options) *node.Client {
	t.Helper()
	c, err := node.Dial(context.Background(), urls, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// sign signs t with the devnet key of (account, role).
func sign(t *testing.T, tr *tx.Transaction, account, role string) {
	t.Helper()
	k, err := privkey.FromLogin(account, role, devnet.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Zero()
	digest, err := tr.Digest()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := k.Sign(digest)
	if err != nil {
		t.Fatal(err)
	}
	tr.Signatures = append(tr.Signatures, sig)
}

func hiveAsset(t *testing.T, s string) tx.Asset {
	t.Helper()
	c, _ := chain.Lookup("devnet", "")
	a, err := tx.ParseAsset(c, s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// prepareTransfer builds and signs a transfer on the client's chain.
func prepareTransfer(t *testing.T, ctx context.Context, c *node.Client, from, to, amount, role string) *tx.Transaction {
	t.Helper()
	op := &tx.Transfer{From: from, To: to, Amount: hiveAsset(t, amount), Memo: "test " + t.Name()}
	tr, err := c.PrepareTransaction(ctx, []tx.Operation{op}, 0)
	if err != nil {
		t.Fatal(err)
	}
	sign(t, tr, from, role)
	return tr
}

// checkNoLeak waits for the goroutine count to come back to before, so a
// Client that leaks goroutines fails the test.
func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			var ours []string
			for _, g := range strings.Split(string(buf), "\n\n") {
				if strings.Contains(g, "signer/node.") {
					ours = append(ours, g)
				}
			}
			t.Fatalf("%d goroutines, %d before; node goroutines still running:\n%s", n, before, strings.Join(ours, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
