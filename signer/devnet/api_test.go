package devnet_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
)

var timeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`)

func TestDynamicGlobalProperties(t *testing.T) {
	d, fe := start(t, devnet.Config{})
	var legacy map[string]any
	mustPost(t, fe, "condenser_api.get_dynamic_global_properties", []any{}, &legacy)
	id, _ := legacy["head_block_id"].(string)
	num, _ := legacy["head_block_number"].(float64)
	if len(id) != 40 || num < 1 || !timeRE.MatchString(legacy["time"].(string)) {
		t.Fatalf("dgp %v", legacy)
	}
	raw, _ := hex.DecodeString(id)
	if n := uint32(raw[0])<<24 | uint32(raw[1])<<16 | uint32(raw[2])<<8 | uint32(raw[3]); n != uint32(num) {
		t.Fatalf("block id %s does not start with block number %v", id, num)
	}
	if s, _ := legacy["current_supply"].(string); !strings.HasSuffix(s, " HIVE") {
		t.Fatalf("condenser current_supply %v, want a legacy asset", legacy["current_supply"])
	}
	var nai map[string]any
	mustPost(t, fe, "database_api.get_dynamic_global_properties", map[string]any{}, &nai)
	if sup, ok := nai["current_supply"].(map[string]any); !ok || sup["nai"] != "@@000000021" {
		t.Fatalf("database_api current_supply %v, want a NAI asset", nai["current_supply"])
	}
	if d.HeadBlockNum() < uint32(num) {
		t.Fatal("head went backwards")
	}
}

func TestAccountShapes(t *testing.T) {
	_, fe := start(t, devnet.Config{})
	type authority struct {
		WeightThreshold int     `json:"weight_threshold"`
		AccountAuths    [][]any `json:"account_auths"`
		KeyAuths        [][]any `json:"key_auths"`
	}
	var accts []struct {
		Name                string    `json:"name"`
		Owner               authority `json:"owner"`
		Active              authority `json:"active"`
		Posting             authority `json:"posting"`
		MemoKey             string    `json:"memo_key"`
		Balance             string    `json:"balance"`
		HBDBalance          string    `json:"hbd_balance"`
		VestingShares       string    `json:"vesting_shares"`
		JSONMetadata        *string   `json:"json_metadata"`
		PostingJSONMetadata *string   `json:"posting_json_metadata"`
	}
	mustPost(t, fe, "condenser_api.get_accounts", []any{[]string{"alice", "nobody", "bob"}}, &accts)
	if len(accts) != 2 || accts[0].Name != "alice" || accts[1].Name != "bob" {
		t.Fatalf("accounts %+v: want alice and bob, unknown names skipped", accts)
	}
	a := accts[0]
	if want := pubKey(t, "alice", "posting").Format("STM"); a.Posting.WeightThreshold != 1 || len(a.Posting.KeyAuths) != 1 || a.Posting.KeyAuths[0][0] != want {
		t.Fatalf("posting authority %+v, want %s", a.Posting, want)
	}
	if a.MemoKey != pubKey(t, "alice", "memo").Format("STM") || a.Active.KeyAuths[0][0] != pubKey(t, "alice", "active").Format("STM") {
		t.Fatalf("keys of alice: %+v", a)
	}
	if a.Balance != "1000.000 HIVE" || a.HBDBalance != "100.000 HBD" || a.VestingShares != "5000.000000 VESTS" ||
		a.JSONMetadata == nil || a.PostingJSONMetadata == nil {
		t.Fatalf("alice %+v", a)
	}

	// The "call" form and database_api give the same accounts.
	var viaCall []struct {
		Name string `json:"name"`
	}
	mustPost(t, fe, "call", []any{"condenser_api", "get_accounts", []any{[]string{"carol"}}}, &viaCall)
	if len(viaCall) != 1 || viaCall[0].Name != "carol" {
		t.Fatalf("call form: %+v", viaCall)
	}
	var found struct {
		Accounts []struct {
			Name    string         `json:"name"`
			Balance map[string]any `json:"balance"`
		} `json:"accounts"`
	}
	mustPost(t, fe, "database_api.find_accounts", map[string]any{"accounts": []string{"bob"}}, &found)
	if len(found.Accounts) != 1 || found.Accounts[0].Balance["amount"] != "1000000" {
		t.Fatalf("find_accounts %+v", found)
	}
	var refs [][]string
	mustPost(t, fe, "condenser_api.get_key_references", []any{[]string{pubKey(t, "bob", "active").Format("STM")}}, &refs)
	if len(refs) != 1 || len(refs[0]) != 1 || refs[0][0] != "bob" {
		t.Fatalf("key references %v", refs)
	}
}

func TestRPCErrors(t *testing.T) {
	_, fe := start(t, devnet.Config{})
	tests := []struct {
		name string
		body string
		code int
	}{
		{"unknown method", `{"jsonrpc":"2.0","id":1,"method":"condenser_api.no_such_method","params":[]}`, -32601},
		{"unknown api", `{"jsonrpc":"2.0","id":1,"method":"no_such_api.get_block","params":{}}`, -32601},
		{"not JSON", `{"jsonrpc":"2.0",`, -32700},
		{"bad params", `{"jsonrpc":"2.0","id":1,"method":"condenser_api.get_accounts","params":"alice"}`, -32602},
		{"no method", `{"jsonrpc":"2.0","id":1}`, -32600},
		{"bad transaction", `{"jsonrpc":"2.0","id":1,"method":"condenser_api.broadcast_transaction","params":[{"ref_block_num":1}]}`, -32003},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, e := postRaw(t, fe, []byte(tc.body))
			if e == nil || e.Code != tc.code || e.Message == "" {
				t.Fatalf("error %+v, want code %d", e, tc.code)
			}
		})
	}
}

func TestBatchAndWebsocket(t *testing.T) {
	_, fe := start(t, devnet.Config{})
	ws, _, err := websocket.DefaultDialer.Dial(fe.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	batch := `[{"jsonrpc":"2.0","id":1,"method":"condenser_api.get_version","params":[]},
		{"jsonrpc":"2.0","id":"two","method":"call","params":["database_api","get_config",{}]}]`
	if err := ws.WriteMessage(websocket.TextMessage, []byte(batch)); err != nil {
		t.Fatal(err)
	}
	var answers []struct {
		ID     json.RawMessage `json:"id"`
		Result map[string]any  `json:"result"`
	}
	if err := ws.ReadJSON(&answers); err != nil {
		t.Fatal(err)
	}
	if len(answers) != 2 || string(answers[1].ID) != `"two"` || answers[0].Result["chain_id"] != defaultChainIDHex() ||
		answers[1].Result["HIVE_ADDRESS_PREFIX"] != "STM" {
		t.Fatalf("answers %+v", answers)
	}
}

// TestSynchronousBroadcastWaitsForBlock: with manual blocks, the answer
// comes only once a block holds the transaction, and names that block.
func TestSynchronousBroadcastWaitsForBlock(t *testing.T) {
	d, fe := start(t, devnet.Config{BlockInterval: -1})
	tr := prepare(t, d, fe, transfer(t, "alice", "bob", "1.000 HIVE"))
	signWith(t, tr, "alice", "active")
	type result struct {
		raw json.RawMessage
		err *rpcError
	}
	done := make(chan result, 1)
	go func() {
		raw, e := broadcast(t, d, fe, tr)
		done <- result{raw, e}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for bal, _ := d.Balance("bob", "HIVE"); bal != 1001000; bal, _ = d.Balance("bob", "HIVE") {
		if time.Now().After(deadline) {
			t.Fatal("the transfer never reached the pending state")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case r := <-done:
		t.Fatalf("answered before any block: %s %+v", r.raw, r.err)
	default:
	}
	num := d.ProduceBlock()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err.Message)
	}
	var ans struct {
		ID       string `json:"id"`
		BlockNum uint32 `json:"block_num"`
		TrxNum   int    `json:"trx_num"`
		Expired  bool   `json:"expired"`
	}
	json.Unmarshal(r.raw, &ans)
	id, _ := tr.ID()
	if ans.ID != id.String() || ans.BlockNum != num || ans.TrxNum != 0 || ans.Expired {
		t.Fatalf("answer %s, want id %s in block %d", r.raw, id, num)
	}
}

func TestGenesisFileAndLog(t *testing.T) {
	dir := t.TempDir()
	key := func(name, role string) string { return pubKey(t, name, role).Format("STM") }
	genesis := map[string]any{"accounts": []any{
		map[string]any{"name": "dave", "keys": map[string]string{"owner": key("dave", "owner"), "active": key("dave", "active"),
			"posting": key("dave", "posting"), "memo": key("dave", "memo")}, "balance": "12.345 HIVE"},
	}}
	b, _ := json.Marshal(genesis)
	path := filepath.Join(dir, "genesis.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := devnet.LoadGenesis(path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var log []string
	d, err := devnet.New(devnet.Config{Genesis: g, BlockInterval: -1, Logf: func(f string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		log = append(log, f)
		_ = args
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if bal, ok := d.Balance("dave", "HIVE"); !ok || bal != 12345 {
		t.Fatalf("dave's balance %d, %v", bal, ok)
	}
	if _, ok := d.Balance("alice", "HIVE"); ok {
		t.Fatal("a genesis file must replace the default accounts")
	}
	mu.Lock()
	joined := strings.Join(log, "\n")
	mu.Unlock()
	for _, want := range []string{"chain id", "account"} {
		if !strings.Contains(joined, want) {
			t.Errorf("log lacks %q:\n%s", want, joined)
		}
	}

	bad := []struct{ name, json string }{
		{"bad key", `{"accounts":[{"name":"eve","keys":{"owner":"STMx","active":"STMx","posting":"STMx","memo":"STMx"}}]}`},
		{"unknown field", `{"accounts":[{"name":"eve","key":{}}]}`},
		{"no accounts", `{"accounts":[]}`},
	}
	for _, tc := range bad {
		p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
		os.WriteFile(p, []byte(tc.json), 0o600)
		g, err := devnet.LoadGenesis(p)
		if err == nil {
			_, err = devnet.New(devnet.Config{Genesis: g, BlockInterval: -1})
		}
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestLogNamesChainAndAccounts(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	d, err := devnet.New(devnet.Config{BlockInterval: -1, Logf: func(f string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(f, args...))
	}})
	if err != nil {
		t.Fatal(err)
	}
	fe, err := d.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(lines, "\n")
	for _, want := range []string{defaultChainIDHex(), "STM", "alice", "bob", "carol", fe.URL(), devnet.DefaultPassword} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %q:\n%s", want, all)
		}
	}
}

func TestPeerplaysAPI(t *testing.T) {
	d, fe := start(t, devnet.Config{Family: chain.Graphene})
	var props struct {
		ChainID string `json:"chain_id"`
	}
	mustPost(t, fe, "call", []any{0, "get_chain_properties", []any{}}, &props)
	if props.ChainID != d.Chain().IDHex() {
		t.Fatalf("chain properties %+v", props)
	}
	var apiID int
	mustPost(t, fe, "call", []any{1, "network_broadcast", []any{}}, &apiID)
	var acct struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Active struct {
			KeyAuths [][]any `json:"key_auths"`
		} `json:"active"`
	}
	mustPost(t, fe, "call", []any{"database", "get_account_by_name", []any{"bob"}}, &acct)
	if acct.Name != "bob" || !strings.HasPrefix(acct.ID, "1.2.") || acct.Active.KeyAuths[0][0] != pubKey(t, "bob", "active").Format("PPY") {
		t.Fatalf("account %+v", acct)
	}
	var objs []map[string]any
	mustPost(t, fe, "call", []any{"database", "get_objects", []any{[]string{acct.ID, "1.3.0", "1.2.99999", "2.1.0"}}}, &objs)
	if len(objs) != 4 || objs[0]["name"] != "bob" || objs[1]["symbol"] != "PPY" || objs[1]["precision"] != float64(5) ||
		objs[2] != nil || objs[3]["head_block_id"] == nil {
		t.Fatalf("objects %v", objs)
	}
	raw, e := post(t, fe, "call", []any{"database", "get_account_by_name", []any{"nobody"}})
	if e != nil || string(raw) != "null" {
		t.Fatalf("unknown account: %s %+v", raw, e)
	}
	var fees []struct {
		Amount  int64  `json:"amount"`
		AssetID string `json:"asset_id"`
	}
	mustPost(t, fe, "call", []any{"database", "get_required_fees", []any{[]any{[]any{0, map[string]any{}}, []any{6, map[string]any{}}}, "1.3.0"}}, &fees)
	if len(fees) != 2 || fees[0].Amount != 20000 || fees[1].Amount != 2000 {
		t.Fatalf("fees %+v", fees)
	}
	if apiID != 3 {
		t.Fatalf("network_broadcast api id %d", apiID)
	}
}

func TestGETShowsABanner(t *testing.T) {
	_, fe := start(t, devnet.Config{})
	resp, err := http.Get(fe.HTTPURL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("GET: %d %v", resp.StatusCode, resp.Header)
	}
}
