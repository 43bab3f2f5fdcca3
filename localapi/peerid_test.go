package localapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"localsigner/authz"
	"localsigner/internal/daemon"
	"localsigner/internal/testkit"
	"localsigner/localapi/admin"
	"localsigner/signer/devnet"
)

// The PeerID tests play a PeerID dapp with plain HTTP requests shaped as
// PeerID's docs and backend show them, against the devnet in Peerplays
// mode: alice is 1.2.100, bob 1.2.101, carol 1.2.102.

const (
	aliceID = "1.2.100"
	bobID   = "1.2.101"
)

// peeridEnv is a dappEnv on a Peerplays devnet with a registered app.
type peeridEnv struct {
	*dappEnv
	app    string
	secret string
}

func newPeerIDEnv(t *testing.T, scopes string) *peeridEnv {
	t.Helper()
	e := startDappEnv(t, testkit.Options{Dialect: "peerplays", Daemon: func(o *daemon.Options) {
		o.NodeOptions.CallTimeout, o.NodeOptions.DialTimeout = 2*time.Second, time.Second
	}})
	res, err := e.admin.AddApp(admin.AddAppArgs{Name: "PeerID dapp", Scopes: scopes, RedirectURIs: []string{dappRedirect},
		Account: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	return &peeridEnv{dappEnv: e, app: res.App.ID, secret: res.Secret}
}

// envelope is PeerID's answer.
type envelope struct {
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
	Status int             `json:"status"`
}

func (e *peeridEnv) call(path, body string, hdr map[string]string) (int, envelope, string) {
	e.t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range hdr {
		h[k] = v
	}
	st, _, b := e.do(http.MethodPost, path, body, h)
	var env envelope
	if err := json.Unmarshal([]byte(b), &env); err != nil {
		e.t.Fatalf("%s: %d %q is not PeerID's envelope", path, st, b)
	}
	if env.Status != st {
		e.t.Fatalf("%s: envelope status %d, HTTP %d", path, env.Status, st)
	}
	return st, env, b
}

type peeridTokenRow struct {
	Token        string `json:"token"`
	RefreshToken string `json:"refresh_token"`
	Expires      string `json:"expires"`
	AppID        string `json:"app_id"`
	Scope        []int  `json:"scope"`
}

func (e *peeridEnv) tokenRow(st int, env envelope, raw string) peeridTokenRow {
	e.t.Helper()
	var row peeridTokenRow
	if st != http.StatusOK || json.Unmarshal(env.Result, &row) != nil || row.Token == "" {
		e.t.Fatalf("token answer: %d %s", st, raw)
	}
	if _, err := time.Parse(time.RFC3339, row.Expires); err != nil || row.AppID != e.app {
		e.t.Fatalf("token row: %s", raw)
	}
	return row
}

// permissionsCode runs PeerID's authorization page and returns the code.
func (e *peeridEnv) permissionsCode() string {
	e.t.Helper()
	q := url.Values{"client_id": {e.app}, "redirect_uri": {dappRedirect}, "state": {"st-1"}}
	wait := e.authorize(e.base + "/permissions?" + q.Encode())
	p := e.pending(1)[0]
	if p.ClientID != e.app || !p.Registered {
		e.t.Fatalf("approval request %+v", p)
	}
	if err := e.admin.Approve(p.ID, nil, "alice", false); err != nil {
		e.t.Fatal(err)
	}
	res := wait()
	if res.location == nil || res.location.Query().Get("state") != "st-1" || res.location.Query().Get("code") == "" {
		e.t.Fatalf("permissions: %d %s %v", res.status, res.body, res.location)
	}
	return res.location.Query().Get("code")
}

// login is code → exchange, as a PeerID dapp does.
func (e *peeridEnv) login() peeridTokenRow {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"code": e.permissionsCode(), "client_id": e.app, "client_secret": e.secret})
	return e.tokenRow(e.call("/api/v1/auth/exchange", string(body), nil))
}

func (e *peeridEnv) operations(token, ops string) (int, envelope, string) {
	e.t.Helper()
	return e.call("/api/v1/app/operations", `{"operations":`+ops+`}`,
		map[string]string{"Authorization": "Bearer " + token, "ClientID": e.app})
}

func pidTransfer(from, to string, amount int64, memo string) string {
	op := map[string]any{"op_name": "transfer", "fee_asset": "1.3.0", "from": from, "to": to,
		"amount": map[string]any{"amount": amount, "asset_id": "1.3.0"}}
	if memo != "" {
		op["memo"] = memo
	}
	b, _ := json.Marshal(op)
	return string(b)
}

// confirmNext approves the next transaction confirmation.
func (e *peeridEnv) confirmNext() {
	e.t.Helper()
	p := e.confirmation()
	if err := e.admin.Approve(p.ID, nil, "", false); err != nil {
		e.t.Fatal(err)
	}
}

func TestPeerIDCodeRefreshOperations(t *testing.T) {
	e := newPeerIDEnv(t, "transfer offline")
	row := e.login()
	if len(row.Scope) != 1 || row.Scope[0] != 0 || row.RefreshToken == "" {
		t.Fatalf("scope %v refresh %q: want [0] (transfer) and a refresh token", row.Scope, row.RefreshToken)
	}
	// Refresh with the parameters in the query string, as PeerID's docs show.
	q := url.Values{"refresh_token": {row.RefreshToken}, "client_id": {e.app}, "client_secret": {e.secret}}
	fresh := e.tokenRow(e.call("/api/v1/auth/refreshtoken?"+q.Encode(), "", nil))
	if fresh.Token == row.Token || fresh.RefreshToken == row.RefreshToken {
		t.Fatal("refresh did not rotate")
	}
	if st, _, _ := e.call("/api/v1/auth/refreshtoken?"+q.Encode(), "", nil); st != http.StatusBadRequest {
		t.Fatalf("reused refresh token: %d", st)
	}
	// The reuse revoked the grant, as at /oauth2/token: log in again.
	row = e.login()
	aliceBefore, _ := e.net.Balance("alice", "PPY")
	bobBefore, _ := e.net.Balance("bob", "PPY")
	done := async(t, func() apiResult {
		st, env, raw := e.operations(row.Token, "["+pidTransfer(aliceID, "bob", 150000, "")+"]")
		r := apiResult{status: st, body: raw}
		json.Unmarshal(env.Result, &r.json)
		return r
	})
	p := e.confirmation()
	if p.Transaction.Authority != "active" || !strings.Contains(p.Transaction.Operations[0].Summary, "1.50000 PPY") {
		t.Fatalf("confirmation %+v", p.Transaction)
	}
	if err := e.admin.Approve(p.ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	r := done()
	if r.status != http.StatusOK {
		t.Fatalf("operations: %d %s", r.status, r.body)
	}
	id, _ := r.json["id"].(string)
	if blocks := e.net.TransactionBlocks(id); len(blocks) != 1 {
		t.Fatalf("transaction %s in blocks %v", id, blocks)
	}
	aliceAfter, _ := e.net.Balance("alice", "PPY")
	bobAfter, _ := e.net.Balance("bob", "PPY")
	if bobAfter-bobBefore != 150000 || aliceBefore-aliceAfter <= 150000 {
		t.Fatalf("balances: alice %d → %d, bob %d → %d", aliceBefore, aliceAfter, bobBefore, bobAfter)
	}
	if ev := e.lastAudit(authz.EventBroadcast); ev.Outcome != "broadcast" || ev.TxID != id {
		t.Fatalf("audit %+v", ev)
	}
}

func TestPeerIDRefusals(t *testing.T) {
	e := newPeerIDEnv(t, "transfer account_update offline")
	row := e.login()
	ownerUpdate := `{"op_name":"account_update","fee_asset":"1.3.0","account":"` + aliceID + `","owner":{"weight_threshold":1,` +
		`"account_auths":[],"key_auths":[["PPY6LLegbAgLAy28EHrffBVuANFWcFgmqRMW13wBmTExqFE9SCkg4",1]],"address_auths":[]},` +
		`"update_last_voting_time":false}`
	limitOrder := `{"op_name":"limit_order_create","fee_asset":"1.3.0","seller":"` + aliceID + `",` +
		`"amount_to_sell":{"amount":1000,"asset_id":"1.3.0"},"min_to_receive":{"amount":1,"asset_id":"1.3.1"},` +
		`"expiration":` + itoa(int(time.Now().Add(time.Hour).Unix())) + `,"fill_or_kill":false}`
	cases := []struct {
		name   string
		ops    string
		status int
		want   string
	}{
		{"wrong acting account", "[" + pidTransfer(bobID, aliceID, 100, "") + "]", http.StatusForbidden, "acts for account 1.2.101"},
		{"wrong acting account by name", "[" + pidTransfer("bob", "alice", 100, "") + "]", http.StatusForbidden, "acts for account 1.2.101"},
		{"owner operation", "[" + ownerUpdate + "]", http.StatusForbidden, "owner key"},
		{"mixed in and out of scope", "[" + pidTransfer(aliceID, bobID, 100, "") + "," + limitOrder + "]", http.StatusForbidden, "operation 1 (limit_order_create)"},
		{"unknown operation", `[{"op_name":"nft_mint","fee_asset":"1.3.0"}]`, http.StatusBadRequest, "not an operation Localsigner signs"},
		{"unknown account", "[" + pidTransfer(aliceID, "nobody-here", 100, "") + "]", http.StatusBadRequest, "unknown account"},
		{"no operations", "[]", http.StatusBadRequest, "no operations"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := e.net.HeadBlockNum()
			before := len(mustLog(t, e.admin))
			st, env, raw := e.operations(row.Token, c.ops)
			if st != c.status || !strings.Contains(string(env.Error), c.want) {
				t.Fatalf("want %d with %q, got %d %s", c.status, c.want, st, raw)
			}
			time.Sleep(120 * time.Millisecond)
			if n := e.txsSince(head); n != 0 {
				t.Fatalf("%d transactions reached the chain", n)
			}
			if ev := mustLog(t, e.admin); len(ev) != before+1 || ev[len(ev)-1].Type != authz.EventBroadcast {
				t.Fatalf("audit log did not record exactly the refusal: %s", fmtEvents(ev[before:]))
			}
		})
	}
	// Authentication failures in PeerID's words.
	st, env, _ := e.call("/api/v1/app/operations", `{"operations":[]}`, map[string]string{"Authorization": "Bearer lsa_nope"})
	if st != http.StatusUnauthorized || string(env.Error) != `"Access Token invalid or expired"` {
		t.Fatalf("bad token: %d %s", st, env.Error)
	}
	st, _, _ = e.call("/api/v1/app/operations", `{"operations":[]}`, map[string]string{"Authorization": "Bearer " + row.Token, "ClientID": "app_other"})
	if st != http.StatusUnauthorized {
		t.Fatalf("token with another app's ClientID: %d", st)
	}
	body, _ := json.Marshal(map[string]string{"code": "lsc_x", "client_id": e.app, "client_secret": "lss_wrong"})
	st, env, _ = e.call("/api/v1/auth/exchange", string(body), nil)
	if st != http.StatusBadRequest || !strings.Contains(string(env.Error), `"client_id"`) {
		t.Fatalf("wrong secret: %d %s", st, env.Error)
	}
}

func mustLog(t *testing.T, c *admin.Client) []authz.Event {
	t.Helper()
	ev, err := c.Log(0)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestPeerIDLockedAndNodeDown(t *testing.T) {
	e := newPeerIDEnv(t, "transfer offline")
	row := e.login()
	if err := e.admin.Lock(); err != nil {
		t.Fatal(err)
	}
	st, env, raw := e.operations(row.Token, "["+pidTransfer(aliceID, bobID, 100, "")+"]")
	if st != http.StatusServiceUnavailable || !strings.Contains(string(env.Error), "locked") {
		t.Fatalf("locked: %d %s", st, raw)
	}
	if ev := e.lastAudit(authz.EventBroadcast); ev.Outcome != "locked" {
		t.Fatalf("audit %+v", ev)
	}
	if err := e.admin.Unlock([]byte(passphrase)); err != nil {
		t.Fatal(err)
	}
	e.fe.Close() // the only node goes away
	before := len(mustLog(t, e.admin))
	st, env, raw = e.operations(row.Token, "["+pidTransfer(aliceID, "bob", 100, "")+"]")
	if st != http.StatusServiceUnavailable || !strings.Contains(string(env.Error), "unreachable") {
		t.Fatalf("node down: %d %s", st, raw)
	}
	ev := mustLog(t, e.admin)
	if len(ev) != before+1 || ev[len(ev)-1].Outcome != "node_down" || ev[len(ev)-1].Operations[0] != "transfer" {
		t.Fatalf("audit after node down: %s", fmtEvents(ev[before:]))
	}
}

func TestPeerIDPasswordGrant(t *testing.T) {
	e := newPeerIDEnv(t, "transfer offline")
	pw := func(login, password string) (int, envelope, string) {
		body, _ := json.Marshal(map[string]string{"login": login, "password": password, "client_id": e.app})
		return e.call("/api/v1/auth/token", string(body), nil)
	}
	// Off by default, whatever the password, the vault passphrase included.
	if st, env, _ := pw("alice", passphrase); st != http.StatusForbidden || !strings.Contains(string(env.Error), "off") {
		t.Fatalf("password grant not off by default: %d %s", st, env.Error)
	}
	appPW, err := e.admin.AppPassword(e.app, false)
	if err != nil || !strings.HasPrefix(appPW, authz.PrefixAppPassword) {
		t.Fatalf("app password %q: %v", appPW, err)
	}
	for name, c := range map[string][2]string{
		"vault passphrase": {"alice", passphrase},
		"wrong login":      {"bob", appPW},
		"empty password":   {"alice", ""},
	} {
		if st, _, raw := pw(c[0], c[1]); st != http.StatusBadRequest {
			t.Errorf("%s: %d %s", name, st, raw)
		}
	}
	row := e.tokenRow(pw("alice", appPW))
	if row.RefreshToken == "" || len(row.Scope) != 1 {
		t.Fatalf("password token row %+v", row)
	}
	// The token works at the operations endpoint (active: confirmed).
	done := async(t, func() int {
		st, _, _ := e.operations(row.Token, "["+pidTransfer(aliceID, bobID, 100, "")+"]")
		return st
	})
	e.confirmNext()
	if st := done(); st != http.StatusOK {
		t.Fatalf("operations with a password-grant token: %d", st)
	}
	// Turning it off ends the grant for new requests.
	if _, err := e.admin.AppPassword(e.app, true); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := pw("alice", appPW); st != http.StatusForbidden {
		t.Fatalf("after off: %d", st)
	}
	// A query-string request, as PeerID's docs show it.
	q := url.Values{"login": {"alice"}, "password": {appPW}, "client_id": {e.app}}
	if st, _, _ := e.call("/api/v1/auth/token?"+q.Encode(), "", nil); st != http.StatusForbidden {
		t.Fatalf("query form after off: %d", st)
	}
}

func TestPermissionsOnlyForApps(t *testing.T) {
	e := newPeerIDEnv(t, "transfer")
	q := url.Values{"client_id": {"some-dapp"}, "redirect_uri": {dappRedirect}}
	res := e.authorize(e.base + "/permissions?" + q.Encode())()
	if res.status != http.StatusBadRequest || res.location != nil {
		t.Fatalf("unregistered client at /permissions: %d %v", res.status, res.location)
	}
	// A code from /permissions has no PKCE: only the app's secret redeems it,
	// and /oauth2/token without the secret refuses it.
	code := e.permissionsCode()
	st, _, _ := e.do(http.MethodPost, "/oauth2/token", formBody("grant_type", "authorization_code", "code", code,
		"redirect_uri", dappRedirect, "code_verifier", strings.Repeat("v", 43), "client_id", e.app),
		map[string]string{"Content-Type": form})
	if st != http.StatusUnauthorized {
		t.Fatalf("PKCE-less code at /oauth2/token without the secret: %d", st)
	}
}

// TestPeerIDOperationsOriginCheck: app A's token sent from app B's
// approved page signs nothing (403, no prompt, nothing on chain), as on
// every other dapp endpoint; from A's own page it is confirmed as usual.
func TestPeerIDOperationsOriginCheck(t *testing.T) {
	e := newPeerIDEnv(t, "transfer")
	a := e.login()
	other, err := e.admin.AddApp(admin.AddAppArgs{Name: "Other dapp", Scopes: "transfer", RedirectURIs: []string{"https://other.example/cb"},
		Account: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if other.App.ID == "" {
		t.Fatal("no app id")
	}
	head := e.net.HeadBlockNum()
	st, env, raw := e.call("/api/v1/app/operations", `{"operations":[`+pidTransfer(aliceID, bobID, 100, "")+`]}`,
		map[string]string{"Authorization": "Bearer " + a.Token, "Origin": "https://other.example"})
	if st != http.StatusForbidden || !strings.Contains(string(env.Error), "Origin") {
		t.Fatalf("A's token from B's page: %d %s", st, raw)
	}
	if ps, err := e.admin.Approvals(); err != nil || len(ps) != 0 {
		t.Fatalf("prompts: %+v %v", ps, err)
	}
	time.Sleep(120 * time.Millisecond)
	if n := e.txsSince(head); n != 0 {
		t.Fatalf("%d transactions on chain", n)
	}
	done := async(t, func() int {
		st, _, _ := e.call("/api/v1/app/operations", `{"operations":[`+pidTransfer(aliceID, bobID, 100, "")+`]}`,
			map[string]string{"Authorization": "Bearer " + a.Token, "Origin": dappOrigin})
		return st
	})
	e.confirmNext()
	if st := done(); st != http.StatusOK {
		t.Fatalf("A's token from A's page: %d", st)
	}
}

// TestPeerIDHostileNodeAccountLookup: a node that answers the lookup of
// "bob" with another account gets nothing signed: the dapp hears the node
// answered wrongly, no prompt is raised, nothing reaches the chain.
func TestPeerIDHostileNodeAccountLookup(t *testing.T) {
	e := newPeerIDEnv(t, "transfer")
	row := e.login()
	e.fe.SetFaults(func(stage devnet.Stage, method string) devnet.Fault {
		if stage != devnet.BeforeReply || method != "database.get_account_by_name" {
			return devnet.Fault{}
		}
		return devnet.Fault{Lie: func(result any) any {
			b, _ := json.Marshal(result)
			var a map[string]any
			if json.Unmarshal(b, &a) != nil || a == nil {
				return result
			}
			a["name"], a["id"] = "carol", "1.2.102" // carol's record for bob's name
			return a
		}}
	})
	head := e.net.HeadBlockNum()
	st, env, raw := e.operations(row.Token, "["+pidTransfer(aliceID, "bob", 100, "")+"]")
	if st == http.StatusOK || !strings.Contains(string(env.Error), "carol") {
		t.Fatalf("transfer with a lying node: %d %s", st, raw)
	}
	if ps, err := e.admin.Approvals(); err != nil || len(ps) != 0 {
		t.Fatalf("prompts: %+v %v", ps, err)
	}
	time.Sleep(120 * time.Millisecond)
	if n := e.txsSince(head); n != 0 {
		t.Fatalf("%d transactions on chain", n)
	}
}

// TestPeerIDHostileNodeFee: a node that inflates the fee it quotes cannot
// make a remembered transfer pay it silently: above the chain's MaxFee
// nothing is signed (400, no prompt); above FeeToAsk the transfer asks
// again, whatever was remembered, and says why.
func TestPeerIDHostileNodeFee(t *testing.T) {
	e := newPeerIDEnv(t, "transfer")
	row := e.login()
	// A transfer to bob, remembered for an hour.
	done := async(t, func() int {
		st, _, _ := e.operations(row.Token, "["+pidTransfer(aliceID, bobID, 100, "")+"]")
		return st
	})
	p := e.confirmation()
	if err := e.admin.ApproveTransaction(p.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	if st := done(); st != http.StatusOK {
		t.Fatalf("first transfer: %d", st)
	}
	if st, _, raw := e.operations(row.Token, "["+pidTransfer(aliceID, bobID, 100, "")+"]"); st != http.StatusOK {
		t.Fatalf("remembered transfer: %d %s", st, raw)
	}
	fee := func(units int64) {
		e.fe.SetFaults(func(stage devnet.Stage, method string) devnet.Fault {
			if stage != devnet.BeforeReply || method != "database.get_required_fees" {
				return devnet.Fault{}
			}
			return devnet.Fault{Lie: func(any) any { return []map[string]any{{"amount": units, "asset_id": "1.3.0"}} }}
		})
	}
	ask, maxFee := e.Chain.FeeBounds()

	fee(maxFee + 1)
	head := e.net.HeadBlockNum()
	st, env, raw := e.operations(row.Token, "["+pidTransfer(aliceID, bobID, 100, "")+"]")
	if st != http.StatusBadRequest || !strings.Contains(string(env.Error), "fee") {
		t.Fatalf("fee above the bound: %d %s", st, raw)
	}
	if ps, _ := e.admin.Approvals(); len(ps) != 0 {
		t.Fatalf("prompts: %+v", ps)
	}

	fee(ask + 1)
	wait := async(t, func() int {
		st, _, _ := e.operations(row.Token, "["+pidTransfer(aliceID, bobID, 100, "")+"]")
		return st
	})
	p = e.confirmation()
	if !strings.Contains(p.Transaction.Reason, "fee is unusually high") || len(p.Transaction.Remember) != 0 {
		t.Fatalf("confirmation of an unusual fee: %+v", p.Transaction)
	}
	if err := e.admin.Deny(p.ID); err != nil {
		t.Fatal(err)
	}
	if st := wait(); st == http.StatusOK {
		t.Fatal("the denied transfer was sent")
	}
	time.Sleep(120 * time.Millisecond)
	if n := e.txsSince(head); n != 0 {
		t.Fatalf("%d transactions on chain", n)
	}
}
