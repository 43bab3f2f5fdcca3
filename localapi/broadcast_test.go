package localapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"localsigner/internal/daemon"
	"localsigner/signer/devnet"
)

const (
	voteOp     = `["vote",{"voter":"alice","author":"bob","permlink":"hello","weight":10000}]`
	transferOp = `["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"thanks"}]`
)

func postOp(author, permlink string) string {
	return `["comment",{"parent_author":"","parent_permlink":"test","author":"` + author + `","permlink":"` + permlink +
		`","title":"Hello","body":"A post","json_metadata":"{}"}]`
}

func followOp(id, actor string) string {
	return `["custom_json",{"required_auths":[],"required_posting_auths":["` + actor + `"],"id":"` + id +
		`","json":"[\"follow\",{\"follower\":\"alice\",\"following\":\"bob\",\"what\":[\"blog\"]}]"}]`
}

// TestBroadcastPostingInScope: posting operations in scope are signed
// without a prompt, land in a block, and are audited with their tx id.
func TestBroadcastPostingInScope(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "vote comment")
	post := `["comment",{"parent_author":"","parent_permlink":"test","author":"alice","permlink":"hello","title":"Hello","body":"First post","json_metadata":"{}"}]`
	id := e.landed(e.broadcast(tk.AccessToken, "["+post+"]"))
	// Weight as a string, as Hivesigner's SDK may send it; "Bearer " prefix accepted too.
	r := e.api(http.MethodPost, "/api/broadcast", "Bearer "+tk.AccessToken,
		`{"operations":[["vote",{"voter":"alice","author":"alice","permlink":"hello","weight":"5000"}]]}`)
	e.landed(r)
	if v := e.net.Votes(); len(v) != 1 || v[0].Weight != 5000 {
		t.Fatalf("votes %+v", v)
	}
	if len(e.pending(0)) != 0 {
		t.Fatal("a posting operation asked for confirmation")
	}
	ev := e.lastAudit("broadcast")
	if ev.Outcome != "broadcast" || ev.ClientID != "mydapp" || ev.Account != "alice" || ev.TxID == "" ||
		strings.Join(ev.Operations, ",") != "vote" {
		t.Fatalf("audit %+v", ev)
	}
	if ev, _ := e.admin.Log(0); !hasAll(fmtEvents(ev), id) {
		t.Fatalf("first transaction %s not in the audit log", id)
	}
}

// TestNarrowedCustomJSON: custom_json:follow allows that id only.
func TestNarrowedCustomJSON(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "custom_json:follow")
	e.landed(e.broadcast(tk.AccessToken, "["+followOp("follow", "alice")+"]"))
	head := e.net.HeadBlockNum()
	r := e.broadcast(tk.AccessToken, "["+followOp("sm_market", "alice")+"]")
	e.refused(r, http.StatusForbidden, "insufficient_scope", head)
	if !strings.Contains(r.hdr.Get("WWW-Authenticate"), `error="insufficient_scope"`) ||
		!strings.Contains(r.json["error_description"].(string), `custom_json id "sm_market"`) {
		t.Fatalf("refusal %v %s", r.hdr, r.body)
	}
	// A custom_json needing the active key (required_auths) is beyond the scope too.
	active := `["custom_json",{"required_auths":["alice"],"required_posting_auths":[],"id":"follow","json":"{}"}]`
	e.refused(e.broadcast(tk.AccessToken, "["+active+"]"), http.StatusForbidden, "insufficient_scope", head)
	if ev := e.lastAudit("broadcast"); ev.Outcome != "refused" || ev.TxID != "" {
		t.Fatalf("audit %+v", ev)
	}
}

// TestWrongActingAccount: alice's token cannot vote as bob, even though
// the vault holds bob's keys.
func TestWrongActingAccount(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "vote custom_json")
	head := e.net.HeadBlockNum()
	bobVote := strings.Replace(voteOp, `"voter":"alice"`, `"voter":"bob"`, 1)
	r := e.broadcast(tk.AccessToken, "["+bobVote+"]")
	e.refused(r, http.StatusForbidden, "insufficient_scope", head)
	if !strings.Contains(r.json["error_description"].(string), "acts for @bob") {
		t.Fatalf("description %s", r.body)
	}
	// custom_json signed by alice and bob: bob is not the granted account.
	two := `["custom_json",{"required_auths":[],"required_posting_auths":["alice","bob"],"id":"x","json":"{}"}]`
	e.refused(e.broadcast(tk.AccessToken, "["+two+"]"), http.StatusForbidden, "insufficient_scope", head)
}

// TestOwnerOperation: nothing needing the owner key is ever signed, even
// an operation in scope (account_update2 changing the owner authority).
func TestOwnerOperation(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "posting")
	head := e.net.HeadBlockNum()
	owner := `["account_update2",{"account":"alice","owner":{"weight_threshold":1,"account_auths":[],"key_auths":[["STM6LLegbAgLAy28EHrffBVuANFWcFgmqRMW13wBmTExqFE9SCkg4",1]]},"json_metadata":"","posting_json_metadata":"","extensions":[]}]`
	r := e.broadcast(tk.AccessToken, "["+owner+"]")
	e.refused(r, http.StatusForbidden, "insufficient_scope", head)
	if !strings.Contains(r.json["error_description"].(string), "owner key") {
		t.Fatalf("description %s", r.body)
	}
	recovery := `["change_recovery_account",{"account_to_recover":"alice","new_recovery_account":"bob","extensions":[]}]`
	e.refused(e.broadcast(tk.AccessToken, "["+recovery+"]"), http.StatusForbidden, "insufficient_scope", head)
	if len(e.pending(0)) != 0 {
		t.Fatal("an owner operation reached the approval queue")
	}
}

// TestMixedOperations: one operation out of scope rejects the whole
// transaction; the in-scope vote is not signed either.
func TestMixedOperations(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "vote")
	head := e.net.HeadBlockNum()
	r := e.broadcast(tk.AccessToken, "["+voteOp+","+transferOp+"]")
	e.refused(r, http.StatusForbidden, "insufficient_scope", head)
	if !strings.Contains(r.json["error_description"].(string), "operation 1 (transfer)") {
		t.Fatalf("description %s", r.body)
	}
	if len(e.net.Votes()) != 0 || len(e.pending(0)) != 0 {
		t.Fatal("the in-scope operation went somewhere")
	}
	if ev := e.lastAudit("broadcast"); ev.Outcome != "refused" || strings.Join(ev.Operations, ",") != "vote,transfer" {
		t.Fatalf("audit %+v", ev)
	}
}

// TestActiveConfirmation: a transfer waits for the user, who sees one
// line per operation; approved it lands, denied or unanswered it does not.
func TestActiveConfirmation(t *testing.T) {
	e := newDappEnv(t, func(c *daemon.Options) { c.ConfirmTimeout = 10 * time.Second })
	tk := e.login("mydapp", dappRedirect, "transfer vote")

	wait := async(t, func() apiResult { return e.broadcast(tk.AccessToken, "["+transferOp+"]") })
	p := e.confirmation()
	if p.ClientID != "mydapp" || p.Origin != dappOrigin || p.Account != "alice" || p.Transaction.Authority != "active" ||
		len(p.Transaction.Operations) != 1 || strings.Join(p.Transaction.Spending, ",") != "1.000 HIVE" ||
		p.Transaction.Operations[0].Summary != "Transfer 1.000 HIVE from @alice to @bob, memo “thanks”" ||
		!strings.Contains(string(p.Transaction.Operations[0].JSON), `"amount":"1.000 HIVE"`) {
		t.Fatalf("confirmation %+v %+v", p, p.Transaction)
	}
	if err := e.admin.Approve(p.ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	e.landed(wait())
	if bal, _ := e.net.Balance("bob", "HIVE"); bal != 1001000 {
		t.Fatalf("bob has %d", bal)
	}
	if ev := e.lastAudit("broadcast"); ev.Outcome != "broadcast" || !strings.Contains(ev.Detail, "confirmed by the user") {
		t.Fatalf("audit %+v", ev)
	}

	head := e.net.HeadBlockNum()
	wait = async(t, func() apiResult { return e.broadcast(tk.AccessToken, "["+transferOp+"]") })
	if err := e.admin.Deny(e.confirmation().ID); err != nil {
		t.Fatal(err)
	}
	e.refused(wait(), http.StatusForbidden, "access_denied", head)
	if ev := e.lastAudit("broadcast"); ev.Outcome != "denied" {
		t.Fatalf("audit %+v", ev)
	}
}

// TestConfirmationTimeout: nobody answers, the dapp gets access_denied and
// nothing is signed.
func TestConfirmationTimeout(t *testing.T) {
	e := newDappEnv(t, func(c *daemon.Options) { c.ConfirmTimeout = 300 * time.Millisecond })
	tk := e.login("mydapp", dappRedirect, "transfer")
	head := e.net.HeadBlockNum()
	r := e.broadcast(tk.AccessToken, "["+transferOp+"]")
	e.refused(r, http.StatusForbidden, "access_denied", head)
	if !strings.Contains(r.json["error_description"].(string), "in time") || len(e.pending(0)) != 0 {
		t.Fatalf("%s", r.body)
	}
	if ev := e.lastAudit("broadcast"); ev.Outcome != "timeout" {
		t.Fatalf("audit %+v", ev)
	}
}

// TestVaultLocked: a locked vault signs nothing and says so.
func TestVaultLocked(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "vote comment")
	if err := e.admin.Lock(); err != nil {
		t.Fatal(err)
	}
	head := e.net.HeadBlockNum()
	r := e.broadcast(tk.AccessToken, "["+voteOp+"]")
	e.refused(r, http.StatusServiceUnavailable, "temporarily_unavailable", head)
	if !strings.Contains(r.json["error_description"].(string), "locked") {
		t.Fatalf("%s", r.body)
	}
	if ev := e.lastAudit("broadcast"); ev.Outcome != "locked" {
		t.Fatalf("audit %+v", ev)
	}
	// Unlocked again, a request goes through.
	if err := e.admin.Unlock([]byte(passphrase)); err != nil {
		t.Fatal(err)
	}
	e.landed(e.broadcast(tk.AccessToken, "["+postOp("alice", "unlocked")+"]"))
}

// TestNodeDown: with the node gone, the dapp gets a clear 503 and the
// audit log records the failure.
func TestNodeDown(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "vote")
	e.fe.Close()
	r := e.broadcast(tk.AccessToken, "["+voteOp+"]")
	if r.status != http.StatusServiceUnavailable || r.json["error"] != "temporarily_unavailable" ||
		!strings.Contains(r.json["error_description"].(string), "node is unreachable") {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if len(e.net.Votes()) != 0 {
		t.Fatal("vote landed")
	}
	ev := e.lastAudit("broadcast")
	if ev.Outcome != "node_down" || ev.ClientID != "mydapp" || ev.Account != "alice" || strings.Join(ev.Operations, ",") != "vote" {
		t.Fatalf("audit %+v", ev)
	}
	if r := e.api(http.MethodGet, "/api/me", tk.AccessToken, ""); r.status != http.StatusServiceUnavailable {
		t.Fatalf("/api/me with the node down: %d %s", r.status, r.body)
	}
}

// TestNodeDiesDuringBroadcast: the node takes the transaction and dies
// before answering. The dapp is told the transaction may still land and
// which one it is; the audit log keeps its id, so nothing signed goes
// unrecorded even though the answer was lost.
func TestNodeDiesDuringBroadcast(t *testing.T) {
	e := newDappEnv(t)
	tk := e.login("mydapp", dappRedirect, "comment")
	e.fe.SetFaults(func(stage devnet.Stage, method string) devnet.Fault {
		if stage == devnet.BeforeReply && strings.HasSuffix(method, "broadcast_transaction_synchronous") {
			return devnet.Fault{Kill: true}
		}
		return devnet.Fault{}
	})
	r := e.broadcast(tk.AccessToken, "["+postOp("alice", "lost-answer")+"]")
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.json["error_description"].(string), "may still be included") {
		t.Fatalf("%d %s", r.status, r.body)
	}
	ev := e.lastAudit("broadcast")
	if ev.Outcome != "node_down" || len(ev.TxID) != 40 || !strings.Contains(ev.Detail, "may still be included") ||
		!strings.Contains(r.json["error_description"].(string), ev.TxID) {
		t.Fatalf("audit %+v, answer %s", ev, r.body)
	}
	if b := e.net.TransactionBlocks(ev.TxID); len(b) != 1 {
		t.Fatalf("the transaction the audit log names is in blocks %v", b)
	}
}
