package links_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/internal/testkit"
	"localsigner/links"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
)

// rcGenesis is the default accounts on a chain with about as many vesting
// shares as Hive's mainnet (a whale holds them), so that credits cost what
// they cost there: alice holds 20 million VESTS, carol enough for two
// custom_json operations and not three.
func rcGenesis(t *testing.T, carolVests string) func(*devnet.Config) {
	return func(cfg *devnet.Config) {
		g, err := devnet.DefaultGenesis(chain.Hive, "STM", devnet.DefaultPassword)
		if err != nil {
			t.Fatal(err)
		}
		whale := g.Accounts[1] // bob's keys; the whale never signs
		whale.Name, whale.VestingShares = "whale", "290000000000.000000 VESTS"
		for i := range g.Accounts {
			switch g.Accounts[i].Name {
			case "alice":
				g.Accounts[i].VestingShares = "20000000.000000 VESTS"
			case "carol":
				g.Accounts[i].VestingShares = carolVests
			}
		}
		g.Accounts = append(g.Accounts, whale)
		cfg.Genesis = g
		// A clock that stands still: credits do not regenerate between the
		// two reads that measure a charge.
		at := time.Now().UTC().Truncate(time.Second)
		cfg.Clock = func() time.Time { return at }
	}
}

// rcOf reads an account's credits with rc_api.find_rc_accounts.
func rcOf(t *testing.T, k *testkit.Kit, name string) int64 {
	t.Helper()
	dgp, err := k.Node.DynamicGlobalProperties(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a, err := k.Node.RCAccount(context.Background(), name, dgp.Time.Time)
	if err != nil {
		t.Fatal(err)
	}
	return a.Current
}

// The confirmation's resource-credit estimate for a comment, a vote, a
// custom_json and a transfer is within 10% of what the devnet, pricing as
// hived does, then charges: find_rc_accounts before and after.
func TestLinkRCEstimate(t *testing.T) {
	k := testkit.Start(t, testkit.Options{Devnet: rcGenesis(t, "1.000000 VESTS")})
	for _, c := range []struct{ name, op string }{
		{"comment", `["comment",{"parent_author":"","parent_permlink":"hive","author":"__signer","permlink":"rc-test","title":"RC","body":"What does this cost?","json_metadata":"{}"}]`},
		{"vote", `["vote",{"voter":"__signer","author":"alice","permlink":"rc-test","weight":10000}]`},
		{"custom_json", followOp},
		{"transfer", `["transfer",{"from":"__signer","to":"bob","amount":"1.000 HIVE","memo":"thanks"}]`},
	} {
		before := rcOf(t, k, "alice")
		wait := open(t, k, links.OpenArgs{URI: "hive://sign/op/" + b64u(c.op), As: "alice"})
		p := confirmation(t, k.Admin)
		est := p.Transaction.RC
		if est == nil || est.Cost <= 0 || est.Account != "alice" || est.Current != before {
			t.Fatalf("%s: estimate %+v, want a cost for @alice who has %d", c.name, est, before)
		}
		if !strings.HasPrefix(est.Text, "Resource credits: about ") || !strings.Contains(est.Text, "@alice has now") {
			t.Errorf("%s: estimate text %q", c.name, est.Text)
		}
		if err := k.Admin.ApproveTransaction(p.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := wait(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		charged := before - rcOf(t, k, "alice")
		if diff := float64(est.Cost-charged) / float64(charged); charged <= 0 || diff > 0.10 || diff < -0.10 {
			t.Errorf("%s: estimated %d RC, the devnet charged %d", c.name, est.Cost, charged)
		}
		t.Logf("%s: estimated %d RC, charged %d (%.2f%% of alice's)", c.name, est.Cost, charged, float64(charged)*100/float64(before))
	}
}

// An account without the credits a transaction costs gets a clear error
// before anything is asked or signed: carol spends hers on custom_json
// operations until Localsigner refuses the next one, which the chain then
// never sees.
func TestLinkRCRefusal(t *testing.T) {
	k := testkit.Start(t, testkit.Options{Accounts: []string{"alice", "carol"}, Devnet: rcGenesis(t, "100.000000 VESTS")})
	sent := 0
	for ; sent < 20; sent++ {
		before, seen := rcOf(t, k, "carol"), len(k.Devnet.Net.CustomJSONs())
		p, wait, err := askOrRefuse(t, k, links.OpenArgs{URI: "hive://sign/op/" + b64u(followOp), As: "carol"})
		if wait == nil {
			if err == nil || !strings.Contains(err.Error(), "not enough resource credits") ||
				!strings.Contains(err.Error(), "@carol has") || !strings.Contains(err.Error(), "nothing was signed") {
				t.Fatalf("custom_json %d: %v", sent, err)
			}
			if after := rcOf(t, k, "carol"); after != before || len(k.Devnet.Net.CustomJSONs()) != seen {
				t.Errorf("something reached the chain: RC %d → %d, custom_json %d → %d", before, after, seen, len(k.Devnet.Net.CustomJSONs()))
			}
			t.Logf("after %d: %v", sent, err)
			break
		}
		if p.Transaction.RC == nil || p.Transaction.RC.Cost <= 0 || p.Transaction.RC.Cost > before {
			t.Fatalf("custom_json %d: estimate %+v with %d RC", sent, p.Transaction.RC, before)
		}
		if err := k.Admin.ApproveTransaction(p.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := wait(); err != nil {
			t.Fatalf("custom_json %d: %v", sent, err)
		}
	}
	if sent == 0 || sent == 20 {
		t.Fatalf("carol sent %d custom_json operations before the refusal", sent)
	}
}

// askOrRefuse hands the link over and returns its confirmation, or the
// error it ended with before anything was asked.
func askOrRefuse(t *testing.T, k *testkit.Kit, a links.OpenArgs) (p approval.Request, wait func() error, refused error) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := k.Admin.OpenLink(a)
		done <- err
	}()
	wait = func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("the link did not finish")
			return nil
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return p, nil, err
		default:
		}
		ps, err := k.Admin.Approvals()
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 1 {
			return ps[0], wait, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the link neither asked nor ended")
	return p, nil, nil
}
