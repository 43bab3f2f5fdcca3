package localapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"localsigner/authz"
	"localsigner/internal/daemon"
	"localsigner/signer/chain"
	"localsigner/signer/node"
	"localsigner/signer/tx"
	"localsigner/wallet"
)

// fakeNode is an in-memory node client: a fixed head block, every
// broadcast accepted at once. Benchmarks use it to time the server alone,
// without a node's round trip or block interval.
type fakeNode struct {
	chain *chain.Chain
	block atomic.Uint32
}

var _ daemon.NodeClient = (*fakeNode)(nil)

func (f *fakeNode) API(context.Context, string, string, any, any) error {
	return errors.New("the in-memory node answers no API calls")
}

func (f *fakeNode) PrepareTransaction(_ context.Context, ops []tx.Operation, _ time.Duration) (*tx.Transaction, error) {
	t := &tx.Transaction{Chain: f.chain, Expiration: time.Now().Add(time.Minute).Truncate(time.Second), Operations: ops}
	if err := t.SetReferenceBlock("0000002a5bdd4e5d4c6dd8b8b6e5b5d71f2c8a1e"); err != nil {
		return nil, err
	}
	return t, t.Validate() // as node.Client does
}

func (f *fakeNode) Broadcast(_ context.Context, t *tx.Transaction) (*node.BroadcastResult, error) {
	id, err := t.ID()
	if err != nil {
		return nil, err
	}
	return &node.BroadcastResult{ID: id.String(), BlockNum: f.block.Add(1)}, nil
}

func (f *fakeNode) Accounts(_ context.Context, names []string) ([]node.Account, error) {
	out := make([]node.Account, len(names))
	for i, n := range names {
		out[i] = node.Account{Name: n, Balance: "1000.000 HIVE", HBDBalance: "100.000 HBD", VestingShares: "5000.000000 VESTS",
			MemoKey: "STM6LLegbAgLAy28EHrffBVuANFWcFgmqRMW13wBmTExqFE9SCkg4", PostingJSONMetadata: `{"profile":{"name":"Alice","version":2}}`}
	}
	return out, nil
}

// benchEnv is a server with the fake node, no rate limits, and a token of
// alice granting vote.
func benchEnv(b *testing.B) (*env, string) {
	c, _ := chain.Lookup("devnet", "")
	e := newEnv(b, func(o *daemon.Options) {
		o.NodeClient = &fakeNode{chain: c}
		o.Limits = daemon.Limits{PerMinute: 1 << 30, Burst: 1 << 30, PromptsPerMinute: 60000, PromptBurst: 1000}
	})
	return e, e.login("benchdapp", dappRedirect, "vote login").AccessToken
}

// BenchmarkBroadcastOverhead times one /api/broadcast of a vote over
// loopback HTTP with an in-memory node: everything the server adds to a
// broadcast (entry check, token lookup, decoding, scope check, building,
// signing, audit log entry) plus the client's own HTTP work.
//
// Sub-benchmarks: "http" is the whole request; "core" is the wallet's Send
// alone (no HTTP, no decoding); "audit" is the one audit log write each
// request makes, which waits for the disk (fdatasync).
func BenchmarkBroadcastOverhead(b *testing.B) {
	e, token := benchEnv(b)
	b.Run("http", func(b *testing.B) { benchBroadcastHTTP(b, e, token) })
	b.Run("core", func(b *testing.B) {
		grant, err := e.Daemon.Issuer.Lookup(token)
		if err != nil {
			b.Fatal(err)
		}
		c, _ := chain.Lookup("devnet", "")
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			op, err := tx.DecodeOperation(c, []byte(`["vote",{"voter":"alice","author":"bob","permlink":"core-`+strconv.Itoa(i)+`","weight":10000}]`))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Wallet.Send(context.Background(), wallet.Request{Door: "bench", Grant: grant, Ops: []tx.Operation{op}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("audit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := e.Daemon.Issuer.Record(authz.Event{Type: authz.EventBroadcast, ClientID: "benchdapp", Outcome: "broadcast"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchBroadcastHTTP(b *testing.B, e *env, token string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body := `{"operations":[["vote",{"voter":"alice","author":"bob","permlink":"post-` + strconv.Itoa(i) + `","weight":10000}]]}`
		req, _ := http.NewRequest(http.MethodPost, e.base+"/api/broadcast", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", token)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkMe is /api/me from many concurrent clients over loopback, with
// the account cached as in production (one node read per 3 s); req/s is
// the server's throughput while sharing the CPUs with the clients.
func BenchmarkMe(b *testing.B) {
	e, token := benchEnv(b)
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	client := &http.Client{Transport: tr}
	url := e.base + "/api/me"
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", token)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
