package devnet_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/internal/privkey"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
)

func start(t *testing.T, cfg devnet.Config) (*devnet.Devnet, *devnet.Frontend) {
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

// rpcError is a JSON-RPC error answer as the devnet writes it.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    struct {
		Code  int    `json:"code"`
		Name  string `json:"name"`
		Stack []struct {
			Format string         `json:"format"`
			Data   map[string]any `json:"data"`
		} `json:"stack"`
	} `json:"data"`
}

// post sends one JSON-RPC request over HTTP POST, as dhive does, and
// returns the raw result or the error.
func post(t *testing.T, fe *devnet.Frontend, method string, params any) (json.RawMessage, *rpcError) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
	if err != nil {
		t.Fatal(err)
	}
	return postRaw(t, fe, body)
}

func postRaw(t *testing.T, fe *devnet.Frontend, body []byte) (json.RawMessage, *rpcError) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fe.HTTPURL(), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  json.RawMessage `json:"result"`
		Error   *rpcError       `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode answer: %v", err)
	}
	if out.JSONRPC != "2.0" {
		t.Fatalf("answer without jsonrpc 2.0: %+v", out)
	}
	return out.Result, out.Error
}

// mustPost is post that fails the test on an error answer.
func mustPost(t *testing.T, fe *devnet.Frontend, method string, params any, result any) {
	t.Helper()
	raw, e := post(t, fe, method, params)
	if e != nil {
		t.Fatalf("%s: %d %s", method, e.Code, e.Message)
	}
	if result != nil {
		if err := json.Unmarshal(raw, result); err != nil {
			t.Fatalf("%s: %v in %s", method, err, raw)
		}
	}
}

// prepare builds a transaction of ops on the head block, like a wallet.
func prepare(t *testing.T, d *devnet.Devnet, fe *devnet.Frontend, ops ...tx.Operation) *tx.Transaction {
	t.Helper()
	method := "condenser_api.get_dynamic_global_properties"
	var params any = []any{}
	if d.Chain().Family == chain.Graphene {
		method, params = "call", []any{"database", "get_dynamic_global_properties", []any{}}
	}
	var dgp struct {
		HeadBlockID string `json:"head_block_id"`
		Time        string `json:"time"`
	}
	mustPost(t, fe, method, params, &dgp)
	now, err := time.Parse("2006-01-02T15:04:05", dgp.Time)
	if err != nil {
		t.Fatal(err)
	}
	tr := &tx.Transaction{Chain: d.Chain(), Expiration: now.Add(time.Minute), Operations: ops}
	if err := tr.SetReferenceBlock(dgp.HeadBlockID); err != nil {
		t.Fatal(err)
	}
	return tr
}

// signWith signs tr with the login-derived key of (account, role).
func signWith(t *testing.T, tr *tx.Transaction, account, role string) {
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

func pubKey(t *testing.T, account, role string) keys.PublicKey {
	t.Helper()
	k, err := privkey.FromLogin(account, role, devnet.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Zero()
	return k.PublicKey()
}

// broadcast sends a signed transaction with condenser_api (or Graphene's
// network_broadcast) and waits for its block.
func broadcast(t *testing.T, d *devnet.Devnet, fe *devnet.Frontend, tr *tx.Transaction) (json.RawMessage, *rpcError) {
	t.Helper()
	js, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	if d.Chain().Family == chain.Graphene {
		return post(t, fe, "call", []any{"network_broadcast", "broadcast_transaction_synchronous", []any{json.RawMessage(js)}})
	}
	return post(t, fe, "condenser_api.broadcast_transaction_synchronous", []any{json.RawMessage(js)})
}

func mustBroadcast(t *testing.T, d *devnet.Devnet, fe *devnet.Frontend, tr *tx.Transaction) {
	t.Helper()
	if _, e := broadcast(t, d, fe, tr); e != nil {
		t.Fatalf("broadcast refused: %s", e.Message)
	}
}

func asset(t *testing.T, s string) tx.Asset {
	t.Helper()
	c, _ := chain.Lookup("devnet", "")
	a, err := tx.ParseAsset(c, s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// defaultChainIDHex is the devnet chain id as nodes print it.
func defaultChainIDHex() string {
	id := devnet.DefaultChainID()
	return hex.EncodeToString(id[:])
}
