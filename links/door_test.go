package links_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/internal/daemon"
	"localsigner/internal/testkit"
	"localsigner/links"
	"localsigner/localapi/admin"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
)

func b64u(s string) string {
	return strings.ReplaceAll(base64.URLEncoding.EncodeToString([]byte(s)), "=", ".")
}

const (
	voteOp   = `["vote",{"voter":"__signer","author":"bob","permlink":"hello","weight":10000}]`
	followOp = `["custom_json",{"required_auths":[],"required_posting_auths":["__signer"],"id":"follow","json":"[\"follow\",{\"follower\":\"__signer\",\"following\":\"bob\",\"what\":[\"blog\"]}]"}]`
)

// open hands a link to the running Localsigner over the admin socket, as
// `localsigner open` does, and returns a function that waits for its end.
func open(t *testing.T, k *testkit.Kit, a links.OpenArgs) func() (*links.Outcome, error) {
	t.Helper()
	type res struct {
		out *links.Outcome
		err error
	}
	ch := make(chan res, 1)
	go func() {
		out, err := k.Admin.OpenLink(a)
		ch <- res{out, err}
	}()
	return func() (*links.Outcome, error) {
		select {
		case r := <-ch:
			return r.out, r.err
		case <-time.After(20 * time.Second):
			t.Fatal("the link did not finish")
			return nil, nil
		}
	}
}

// confirmation waits for the link's confirmation in the approval queue.
func confirmation(t *testing.T, c *admin.Client) approval.Request {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ps, err := c.Approvals()
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 1 {
			return ps[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d pending requests, want the link's confirmation", len(ps))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A link is signed only after the user's click in a confirmation that says
// where it came from and where the answer goes; the callback then carries
// the transaction id, and the transaction is on the devnet.
func TestLinkBroadcast(t *testing.T) {
	k := testkit.Start(t, testkit.Options{})
	var mu sync.Mutex
	var got url.Values
	shop := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.URL.Query()
		mu.Unlock()
	}))
	defer shop.Close()
	cb := shop.URL + "/paid?id={{id}}&block={{block}}&sig={{sig}}"
	uri := "hive://sign/op/" + b64u(followOp) + "?s=alice&cb=" + b64u(cb)

	wait := open(t, k, links.OpenArgs{URI: uri})
	p := confirmation(t, k.Admin)
	tc := p.Transaction
	if p.Kind != approval.KindTransaction || tc == nil || tc.Source != links.Source || p.Account != "alice" ||
		tc.Callback != strings.TrimPrefix(shop.URL, "https://") || len(tc.Remember) != 0 || tc.Operations[0].Name != "custom_json" {
		t.Fatalf("confirmation %+v %+v", p, tc)
	}
	if err := k.Admin.ApproveTransaction(p.ID, 0); err != nil {
		t.Fatal(err)
	}
	out, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	if !out.Broadcast || out.TxID == "" || out.Block == 0 || len(k.Devnet.Net.TransactionBlocks(out.TxID)) != 1 {
		t.Fatalf("outcome %+v", out)
	}
	resp, err := shop.Client().Get(out.Callback)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if got.Get("id") != out.TxID || got.Get("block") == "0" || got.Get("sig") != out.Signatures[0] {
		t.Fatalf("the callback got %v, want the transaction %s", got, out.TxID)
	}
}

// A sign-only link returns a signed transaction that verifies against the
// account's key on chain, and broadcasts nothing; the callback gets the
// signature.
func TestLinkSignOnly(t *testing.T) {
	k := testkit.Start(t, testkit.Options{})
	transfer := `["transfer",{"from":"__signer","to":"bob","amount":"0.001 HIVE","memo":"invoice 12"}]`
	uri := "hive://sign/op/" + b64u(transfer) + "?nb=&cb=" + b64u("https://shop.example/done?sig={{sig}}&id={{id}}")
	wait := open(t, k, links.OpenArgs{URI: uri, As: "alice"})
	p := confirmation(t, k.Admin)
	if !p.Transaction.SignOnly || p.Transaction.Authority != "active" {
		t.Fatalf("confirmation %+v", p.Transaction)
	}
	head := k.Devnet.Net.HeadBlockNum()
	if err := k.Admin.ApproveTransaction(p.ID, 0); err != nil {
		t.Fatal(err)
	}
	out, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	if out.Broadcast || len(out.Signatures) != 1 || !strings.HasPrefix(out.Callback, "https://shop.example/done?sig="+out.Signatures[0]+"&id=") ||
		strings.HasSuffix(out.Callback, out.TxID) {
		t.Fatalf("outcome %+v", out)
	}
	signed, err := tx.Decode(k.Chain, out.Transaction)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := signed.Digest()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.Recover(digest, signed.Signatures[0])
	if err != nil {
		t.Fatal(err)
	}
	accts, err := k.Node.Accounts(t.Context(), []string{"alice"})
	if err != nil {
		t.Fatal(err)
	}
	if want := accts[0].Active.KeyAuths[0].Name; pub.Format(k.Chain.Prefix) != want {
		t.Fatalf("signed by %s, alice's active key is %s", pub.Format(k.Chain.Prefix), want)
	}
	time.Sleep(150 * time.Millisecond)
	if len(k.Devnet.Net.TransactionBlocks(out.TxID)) != 0 || k.Devnet.Net.HeadBlockNum() == head {
		t.Fatal("a sign-only link was broadcast (or the devnet stopped)")
	}
}

// A dry run prints the transaction as it would be signed now and raises no
// prompt; a denied link signs nothing; a bad link is refused before any
// prompt, with its reason.
func TestLinkDryRunDenyAndRefusals(t *testing.T) {
	k := testkit.Start(t, testkit.Options{})
	out, err := k.Admin.OpenLink(links.OpenArgs{URI: "hive://sign/follow/bob", As: "alice", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	d, err := tx.Decode(k.Chain, out.Transaction)
	if err != nil || !out.DryRun || out.Authority != "posting" || len(d.Operations) != 1 || d.Operations[0].Name() != "custom_json" {
		t.Fatalf("dry run %+v %v", out, err)
	}
	if ps, _ := k.Admin.Approvals(); len(ps) != 0 {
		t.Fatalf("a dry run raised a prompt: %+v", ps)
	}

	wait := open(t, k, links.OpenArgs{URI: "hive://sign/op/" + b64u(voteOp), As: "alice"})
	if err := k.Admin.Deny(confirmation(t, k.Admin).ID); err != nil {
		t.Fatal(err)
	}
	if _, err := wait(); err == nil || !strings.Contains(err.Error(), "denied") {
		t.Fatalf("denied link: %v", err)
	}

	transfer := b64u(`["transfer",{"from":"__signer","to":"bob","amount":"1.000 HIVE","memo":""}]`)
	for _, c := range []struct{ uri, as, want string }{
		{"hive://sign/op/" + b64u(voteOp) + "?cb=" + b64u("javascript:alert(1)"), "alice", "not https"},
		{"hive://sign/op/" + b64u(`["vote",{"voter":"__signer"}]`), "alice", "not valid"},
		{"hive://sign/op/" + b64u(voteOp) + "?s=carol", "", "not in this vault"},
		{"hive://sign/op/" + b64u(voteOp), "", "names no account"},
		{"hive://sign/msg/" + b64u(`{"text":"hello"}`), "alice", "must be a JSON string"},
		{"hive://sign/op/" + transfer + "?a=posting", "alice", "need the active key"},
	} {
		_, err := k.Admin.OpenLink(links.OpenArgs{URI: c.uri, As: c.as})
		var re *admin.RemoteError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.uri, err, c.want)
		}
	}
	if ps, _ := k.Admin.Approvals(); len(ps) != 0 {
		t.Fatalf("a refused link raised a prompt: %+v", ps)
	}
	if evs, err := k.Admin.Log(0); err != nil || !hasOutcome(evs, "denied") {
		t.Fatalf("audit log %v %v", evs, err)
	}
}

func hasOutcome(evs []authz.Event, outcome string) bool {
	for _, e := range evs {
		if e.Type == authz.EventBroadcast && e.Door == "link" && e.Outcome == outcome {
			return true
		}
	}
	return false
}

// A sign/msg link shows its text, is signed only after the click, and its
// signature (over SHA-256 of the text, as Keychain's signBuffer) verifies
// against the account's posting key on chain; the callback gets it.
func TestLinkMessage(t *testing.T) {
	k := testkit.Start(t, testkit.Options{})
	const text = "Log in to shop.example at 2026-12-07 12:00, nonce 8f3a"
	uri := "hive://sign/msg/" + b64u(`"`+text+`"`) + "?s=alice&cb=" + b64u("https://shop.example/login?sig={{sig}}")
	wait := open(t, k, links.OpenArgs{URI: uri})
	p := confirmation(t, k.Admin)
	if p.Kind != approval.KindMessage || p.Message == nil || p.Message.Text != text || p.Message.Authority != "posting" ||
		p.Message.Callback != "shop.example" || p.Message.Source != links.Source {
		t.Fatalf("confirmation %+v %+v", p, p.Message)
	}
	if err := k.Admin.ApproveTransaction(p.ID, time.Hour); err == nil {
		t.Fatal("don't ask again was accepted for a message")
	}
	if err := k.Admin.ApproveTransaction(p.ID, 0); err != nil {
		t.Fatal(err)
	}
	out, err := wait()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := keys.ParseSignature(out.Signatures[0])
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.Recover(sha256.Sum256([]byte(text)), sig)
	if err != nil {
		t.Fatal(err)
	}
	accts, err := k.Node.Accounts(t.Context(), []string{"alice"})
	if err != nil {
		t.Fatal(err)
	}
	if want := accts[0].Posting.KeyAuths[0].Name; pub.Format(k.Chain.Prefix) != want || out.PublicKey != want {
		t.Fatalf("signed by %s (said %s), alice's posting key is %s", pub.Format(k.Chain.Prefix), out.PublicKey, want)
	}
	if out.Callback != "https://shop.example/login?sig="+out.Signatures[0] || out.Broadcast {
		t.Fatalf("outcome %+v", out)
	}
	evs, err := k.Admin.Log(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if strings.Contains(e.Detail, "nonce 8f3a") {
			t.Fatalf("the message's text is in the audit log: %+v", e)
		}
	}
}

// A link that names no account, opened while the vault is locked (as when
// the link itself started the app), waits for the unlock, listed for the
// desktop app, then goes on with the only account held.
func TestLinkWaitsForTheUnlock(t *testing.T) {
	k := testkit.Start(t, testkit.Options{Accounts: []string{"alice"}, Locked: true, Daemon: func(o *daemon.Options) {
		o.UnlockWait = 20 * time.Second
	}})
	wait := open(t, k, links.OpenArgs{URI: "hive://sign/op/" + b64u(followOp)})
	deadline := time.Now().Add(10 * time.Second)
	for {
		ws, err := k.Admin.Waiting()
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) == 1 && ws[0].What == "a hive:// link" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the link is not waiting for the unlock: %+v", ws)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := k.Admin.Unlock([]byte(testkit.Passphrase)); err != nil {
		t.Fatal(err)
	}
	p := confirmation(t, k.Admin)
	if p.Account != "alice" {
		t.Fatalf("confirmation for %q", p.Account)
	}
	if err := k.Admin.ApproveTransaction(p.ID, 0); err != nil {
		t.Fatal(err)
	}
	if out, err := wait(); err != nil || !out.Broadcast || out.Signer != "alice" {
		t.Fatalf("after the unlock: %+v %v", out, err)
	}
}

// A transfer's confirmation shows the account's liquid balance before and
// after, read from the node when the user is asked; one that would send
// more than the account holds says so.
func TestLinkBalancePreview(t *testing.T) {
	k := testkit.Start(t, testkit.Options{})
	accts, err := k.Node.Accounts(context.Background(), []string{"alice"})
	if err != nil {
		t.Fatal(err)
	}
	before, err := tx.ParseAsset(k.Chain, accts[0].Balance)
	if err != nil {
		t.Fatal(err)
	}
	after := tx.Amount{Symbol: before.Symbol, Units: before.Amount - 1500, Precision: before.Precision, Known: true}
	b := tx.Amount{Symbol: before.Symbol, Units: before.Amount, Precision: before.Precision, Known: true}
	for _, c := range []struct{ amount, want string }{
		{"1.500 HIVE", "HIVE: " + b.String() + " → " + after.String() + " (as the node reports it)"},
		{"99999.000 HIVE", "HIVE: the account holds " + b.String() + ", less than the 99999.000 HIVE this takes"},
	} {
		op := b64u(`["transfer",{"from":"__signer","to":"bob","amount":"` + c.amount + `","memo":""}]`)
		wait := open(t, k, links.OpenArgs{URI: "hive://sign/op/" + op, As: "alice"})
		p := confirmation(t, k.Admin)
		if len(p.Transaction.Balances) != 1 || !strings.HasPrefix(p.Transaction.Balances[0], c.want) {
			t.Errorf("%s: balances %q, want %q", c.amount, p.Transaction.Balances, c.want)
		}
		if err := k.Admin.Deny(p.ID); err != nil {
			t.Fatal(err)
		}
		_, _ = wait()
	}
}

// Offline risk checks: a transfer to an account on the bundled list of
// look-alike phishing accounts is refused before anything is asked; one
// to an exchange with an empty memo, or in a token it does not take, is
// confirmed with the warning in the window.
func TestLinkRiskChecks(t *testing.T) {
	k := testkit.Start(t, testkit.Options{})
	scam := b64u(`["transfer",{"from":"__signer","to":"bittrex.com","amount":"1.000 HIVE","memo":"deposit"}]`)
	_, err := k.Admin.OpenLink(links.OpenArgs{URI: "hive://sign/op/" + scam, As: "alice"})
	if err == nil || !strings.Contains(err.Error(), "look-alike accounts") {
		t.Fatalf("a transfer to a known phishing account: %v", err)
	}
	if ps, _ := k.Admin.Approvals(); len(ps) != 0 {
		t.Fatalf("asked about it: %+v", ps)
	}
	for _, c := range []struct{ op, want string }{
		{`["transfer",{"from":"__signer","to":"blocktrades","amount":"1.000 HIVE","memo":""}]`, "this memo is empty"},
		{`["transfer",{"from":"__signer","to":"deepcrypto8","amount":"1.000 HBD","memo":"12345"}]`, "does not take HBD deposits"},
	} {
		wait := open(t, k, links.OpenArgs{URI: "hive://sign/op/" + b64u(c.op), As: "alice"})
		p := confirmation(t, k.Admin)
		if !slices.ContainsFunc(p.Transaction.Notes, func(n string) bool { return strings.Contains(n, c.want) }) {
			t.Errorf("%s: notes %q, want %q", c.op, p.Transaction.Notes, c.want)
		}
		if err := k.Admin.Deny(p.ID); err != nil {
			t.Fatal(err)
		}
		_, _ = wait()
	}
}

// Localsigner remembers whom an account sent value to: the first transfer
// to someone carries a note, the next does not, and a name that looks
// like one sent to before asks with a warning even where nothing else
// would.
func TestLinkRecipientChecks(t *testing.T) {
	k := testkit.Start(t, testkit.Options{})
	send := func(to string) approval.Request {
		t.Helper()
		wait := open(t, k, links.OpenArgs{URI: "hive://sign/op/" + b64u(`["transfer",{"from":"__signer","to":"`+to+`","amount":"0.001 HIVE","memo":"hi"}]`), As: "alice"})
		p := confirmation(t, k.Admin)
		if err := k.Admin.ApproveTransaction(p.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := wait(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := "First transfer from @alice to @bob through Localsigner: check the name."
	if p := send("bob"); !slices.Contains(p.Transaction.Notes, first) {
		t.Errorf("first transfer: notes %q", p.Transaction.Notes)
	}
	if p := send("bob"); len(p.Transaction.Notes) != 0 {
		t.Errorf("second transfer: notes %q", p.Transaction.Notes)
	}
	wait := open(t, k, links.OpenArgs{URI: "hive://sign/op/" + b64u(`["transfer",{"from":"__signer","to":"b0b","amount":"0.001 HIVE","memo":"hi"}]`), As: "alice"})
	p := confirmation(t, k.Admin)
	if !slices.ContainsFunc(p.Transaction.Notes, func(n string) bool { return strings.Contains(n, "it looks like @bob") }) {
		t.Errorf("look-alike: notes %q", p.Transaction.Notes)
	}
	if err := k.Admin.Deny(p.ID); err != nil {
		t.Fatal(err)
	}
	_, _ = wait()
}
