package localapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"localsigner/internal/daemon"
)

// TestDontAskAgain: a transfer confirmed with "don't ask again" lets the
// same dapp send to the same account without asking until the entry is
// removed; another recipient still asks; a spending allowance stays a
// ceiling the entry never lifts; and the offer is checked on the server.
func TestDontAskAgain(t *testing.T) {
	e := newDappEnv(t, func(c *daemon.Options) { c.ConfirmTimeout = 10 * time.Second })
	tk := e.login("mydapp", dappRedirect, "transfer vote")
	pay := func(to, amount string) string {
		return `[["transfer",{"from":"alice","to":"` + to + `","amount":"` + amount + `","memo":""}]]`
	}

	wait := async(t, func() apiResult { return e.broadcast(tk.AccessToken, pay("bob", "1.000 HIVE")) })
	p := e.confirmation()
	if strings.Join(p.Transaction.Remember, "|") != "transfer to @bob, no memo, any amount" {
		t.Fatalf("offer %q", p.Transaction.Remember)
	}
	// Out of bounds: refused, and the request stays pending.
	for _, d := range []time.Duration{30 * time.Second, 31 * 24 * time.Hour} {
		if err := e.admin.ApproveTransaction(p.ID, d); err == nil {
			t.Fatalf("remember %v accepted", d)
		}
	}
	if err := e.admin.ApproveTransaction(p.ID, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	e.landed(wait())
	gs, err := e.admin.Grants()
	if err != nil || len(gs) != 1 || len(gs[0].NoAsk) != 1 || gs[0].NoAsk[0].Match["to"] != "bob" || gs[0].NoAsk[0].Match["memo"] != "" ||
		gs[0].NoAsk[0].Expires.Sub(gs[0].NoAsk[0].CreatedAt) != 2*time.Hour {
		t.Fatalf("grants %+v %v", gs, err)
	}
	gid := gs[0].ID
	if ev := e.lastAudit("no_ask_set"); ev.GrantID != gid || !strings.Contains(ev.Detail, "transfer to @bob, no memo") {
		t.Fatalf("audit %+v", ev)
	}

	// The same dapp, the same recipient, another amount: no prompt.
	e.landed(e.broadcast(tk.AccessToken, pay("bob", "2.000 HIVE")))
	if ev := e.lastAudit("broadcast"); !strings.Contains(ev.Detail, "don't ask again") {
		t.Fatalf("audit %+v", ev)
	}
	if bal, _ := e.net.Balance("bob", "HIVE"); bal != 1003000 {
		t.Fatalf("bob has %d", bal)
	}

	// The same recipient with a memo asks: at an exchange the memo is the
	// deposit account.
	head := e.net.HeadBlockNum()
	wait = async(t, func() apiResult {
		return e.broadcast(tk.AccessToken, `[["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":"deposit 42"}]]`)
	})
	if p := e.confirmation(); strings.Join(p.Transaction.Remember, "|") != "transfer to @bob, memo “deposit 42”, any amount" {
		t.Fatalf("offer %q", p.Transaction.Remember)
	} else if err := e.admin.Deny(p.ID); err != nil {
		t.Fatal(err)
	}
	e.refused(wait(), http.StatusForbidden, "access_denied", head)

	// Another recipient asks; so does bob together with carol.
	head = e.net.HeadBlockNum()
	wait = async(t, func() apiResult {
		return e.broadcast(tk.AccessToken, `[["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":""}],`+
			`["transfer",{"from":"alice","to":"carol","amount":"1.000 HIVE","memo":""}]]`)
	})
	if p := e.confirmation(); strings.Join(p.Transaction.Remember, "|") != "transfer to @bob, no memo, any amount|transfer to @carol, no memo, any amount" {
		t.Fatalf("offer %q", p.Transaction.Remember)
	} else if err := e.admin.Deny(p.ID); err != nil {
		t.Fatal(err)
	}
	e.refused(wait(), http.StatusForbidden, "access_denied", head)

	// Beyond a daily allowance the user is asked, with nothing to remember.
	if _, err := e.admin.SetAllowance(gid, "HIVE", "0.500"); err != nil {
		t.Fatal(err)
	}
	wait = async(t, func() apiResult { return e.broadcast(tk.AccessToken, pay("bob", "1.000 HIVE")) })
	p = e.confirmation()
	if len(p.Transaction.Remember) != 0 || !strings.Contains(p.Transaction.Reason, "allowance") {
		t.Fatalf("confirmation beyond the allowance %+v", p.Transaction)
	}
	if err := e.admin.ApproveTransaction(p.ID, time.Hour); err == nil {
		t.Fatal("remember accepted where it was not offered")
	}
	if err := e.admin.Deny(p.ID); err != nil {
		t.Fatal(err)
	}
	e.refused(wait(), http.StatusForbidden, "access_denied", e.net.HeadBlockNum())
	if _, err := e.admin.SetAllowance(gid, "HIVE", "0"); err != nil {
		t.Fatal(err)
	}

	// Forgetting the entry: bob asks again.
	if n, err := e.admin.ForgetNoAsk(gid, "transfer", "bob"); err != nil || n != 1 {
		t.Fatalf("forget: %d %v", n, err)
	}
	wait = async(t, func() apiResult { return e.broadcast(tk.AccessToken, pay("bob", "1.000 HIVE")) })
	if err := e.admin.Deny(e.confirmation().ID); err != nil {
		t.Fatal(err)
	}
	e.refused(wait(), http.StatusForbidden, "access_denied", e.net.HeadBlockNum())
	if _, err := e.admin.ForgetNoAsk("g_nope", "", ""); err == nil {
		t.Fatal("forget on an unknown grant succeeded")
	}
}
