package localapi_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"localsigner/authz"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/keys"
	"localsigner/signer/memo"
)

// hiveMemo encrypts text (without the leading #) from one account's memo key to another's, with the
// sender's key in e's vault, as a Hive wallet does.
func hiveMemo(t *testing.T, e *dappEnv, from string, to keys.PublicKey, text string) string {
	t.Helper()
	fromKey, err := e.vault.PublicKey("devnet", from, "memo")
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.vault.SharedSecret("devnet", from, "memo", to)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Clear()
	return memo.EncryptHive(&s.Secret, fromKey, to, memo.NewNonce(), text).String()
}

// devnetMemoKey is the memo public key of a devnet demo account.
func devnetMemoKey(t *testing.T, name string) keys.PublicKey {
	t.Helper()
	g, err := devnet.DefaultGenesis(chain.Hive, "STM", devnet.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range g.Accounts {
		if a.Name == name {
			k, err := keys.ParsePublicKey(a.Keys.Memo, "STM")
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
	}
	t.Fatalf("no demo account %s", name)
	return keys.PublicKey{}
}

// TestDecodeMemo: /api/decode answers Hivesigner's {memoDecoded, username}
// for a memo sent to the token's account, needs the memo scope, refuses
// memos for others and malformed ones with clear errors, and records each
// call without the text.
func TestDecodeMemo(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "login memo")
	const secret = "the cake is in the oven"
	toAlice := hiveMemo(t, e, "bob", devnetMemoKey(t, "alice"), secret)

	r := e.api(http.MethodPost, "/api/decode", tk.AccessToken, `{"memo":`+strconvQuote(toAlice)+`}`)
	if r.status != http.StatusOK || r.json["memoDecoded"] != "#"+secret || r.json["username"] != "alice" {
		t.Fatalf("decode: %d %s", r.status, r.body)
	}
	// The query form, as Hivesigner also reads it; and alice reading what she sent.
	fromAlice := hiveMemo(t, e, "alice", devnetMemoKey(t, "bob"), "sent by alice")
	r = e.api(http.MethodGet, "/api/decode?memo="+url.QueryEscape(fromAlice), tk.AccessToken, "")
	if r.status != http.StatusOK || r.json["memoDecoded"] != "#sent by alice" {
		t.Fatalf("decode from the query: %d %s", r.status, r.body)
	}

	bobToCarol := hiveMemo(t, e, "bob", devnetMemoKey(t, "carol"), "not for alice")
	for _, c := range []struct {
		name, body string
		status     int
		code, want string
	}{
		{"someone else's memo", `{"memo":` + strconvQuote(bobToCarol) + `}`, http.StatusBadRequest, "invalid_request", "not addressed to a key"},
		{"plain text", `{"memo":"hello"}`, http.StatusBadRequest, "invalid_request", "not an encrypted memo"},
		{"broken", `{"memo":` + strconvQuote(toAlice[:len(toAlice)-6]) + `}`, http.StatusBadRequest, "invalid_request", "not an encrypted memo"},
		{"missing", `{}`, http.StatusBadRequest, "invalid_request", "memo is missing"},
		{"not JSON", `memo=#x`, http.StatusBadRequest, "invalid_request", "must be JSON"},
	} {
		r := e.api(http.MethodPost, "/api/decode", tk.AccessToken, c.body)
		if r.status != c.status || r.json["error"] != c.code || !strings.Contains(r.json["error_description"].(string), c.want) ||
			strings.Contains(r.body, "not for alice") {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}

	// Without the memo scope: 403 insufficient_scope, nothing decrypted.
	plain := e.login("otherdapp", "http://127.0.0.1:9/cb", "login vote")
	r = e.api(http.MethodPost, "/api/decode", plain.AccessToken, `{"memo":`+strconvQuote(toAlice)+`}`)
	if r.status != http.StatusForbidden || r.json["error"] != "insufficient_scope" || strings.Contains(r.body, secret) {
		t.Fatalf("without the scope: %d %s", r.status, r.body)
	}

	ev, err := e.admin.Log(0)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, x := range ev {
		if x.Type == authz.EventMemoDecoded {
			outcomes[x.Outcome]++
			if x.Detail != "" {
				t.Fatalf("audit event carries text: %+v", x)
			}
		}
	}
	if outcomes["decoded"] != 2 || outcomes["invalid"] != 3 || outcomes["refused"] != 1 {
		t.Fatalf("audit outcomes %v", outcomes)
	}
	if strings.Contains(e.logs.String(), secret) {
		t.Fatal("the server log has the memo's text")
	}
}

// TestPeerIDTransferMemo: a PeerID transfer's memo is encrypted from
// alice's memo key to bob's, lands on the chain as memo_data, and bob's
// key (and only his and alice's) opens it.
func TestPeerIDTransferMemo(t *testing.T) {
	e := newPeerIDEnv(t, "transfer")
	row := e.login()
	const text = "for the concert tickets"
	done := async(t, func() apiResult {
		st, env, raw := e.operations(row.Token, "["+pidTransfer(aliceID, "bob", 2000, text)+"]")
		r := apiResult{status: st, body: raw}
		json.Unmarshal(env.Result, &r.json)
		return r
	})
	p := e.confirmation()
	if !strings.Contains(p.Transaction.Operations[0].Summary, "encrypted memo") {
		t.Fatalf("confirmation %+v", p.Transaction.Operations)
	}
	if strings.Contains(string(p.Transaction.Operations[0].JSON), text) {
		t.Fatal("the memo is in clear in the transaction")
	}
	if err := e.admin.Approve(p.ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	r := done()
	id, _ := r.json["id"].(string)
	if r.status != http.StatusOK || len(e.net.TransactionBlocks(id)) != 1 {
		t.Fatalf("operations: %d %s", r.status, r.body)
	}

	var trx struct {
		Operations [][2]json.RawMessage `json:"operations"`
	}
	if err := e.nc.API(context.Background(), "database", "get_recent_transaction_by_id", []any{id}, &trx); err != nil || len(trx.Operations) != 1 {
		t.Fatalf("transaction %s: %v %+v", id, err, trx)
	}
	var op struct {
		Memo struct {
			From, To string
			Nonce    json.Number
			Message  string
		} `json:"memo"`
	}
	if err := json.Unmarshal(trx.Operations[0][1], &op); err != nil {
		t.Fatal(err)
	}
	prefix := e.net.Chain().Prefix
	from, err1 := keys.ParsePublicKey(op.Memo.From, prefix)
	to, err2 := keys.ParsePublicKey(op.Memo.To, prefix)
	msg, err3 := hex.DecodeString(op.Memo.Message)
	nonce, err4 := op.Memo.Nonce.Int64()
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		t.Fatalf("memo_data %+v: %v %v %v %v", op.Memo, err1, err2, err3, err4)
	}
	for _, who := range []struct{ account, role string }{{"bob", "memo"}, {"alice", "memo"}} {
		peer := from
		if who.account == "alice" {
			peer = to
		}
		s, err := e.vault.SharedSecret("devnet", who.account, who.role, peer)
		if err != nil {
			t.Fatal(err)
		}
		got, err := memo.OpenGraphene(&s, uint64(nonce), msg)
		s.Clear()
		if err != nil || got != text {
			t.Fatalf("%s opens %q, %v", who.account, got, err)
		}
	}
	// bob's active key is not the memo key: the memo does not open with it.
	s, err := e.vault.SharedSecret("devnet", "bob", "active", from)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := memo.OpenGraphene(&s, uint64(nonce), msg); err == nil {
		t.Fatalf("opened with the wrong key: %q", got)
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
