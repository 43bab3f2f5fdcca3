package links_test

import (
	"slices"
	"strings"
	"testing"

	"localsigner/approval"
	"localsigner/internal/testkit"
	"localsigner/links"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
)

// The confirmation of every value-moving operation shows each balance it
// changes before → after, read from a devnet whose balances the test set:
// alice holds 1000 HIVE, 100 HBD, 50 HIVE and 20 HBD in savings, and
// 5000 VESTS (5 HP at the devnet's rate).
func TestLinkPreviewGolden(t *testing.T) {
	k := testkit.Start(t, testkit.Options{Devnet: func(cfg *devnet.Config) {
		g, err := devnet.DefaultGenesis(chain.Hive, "STM", devnet.DefaultPassword)
		if err != nil {
			t.Fatal(err)
		}
		for i := range g.Accounts {
			if g.Accounts[i].Name == "alice" {
				g.Accounts[i].SavingsBalance, g.Accounts[i].SavingsHBDBalance = "50.000 HIVE", "20.000 HBD"
			}
		}
		cfg.Genesis = g
	}})
	const by = " (as the node reports it)"
	for _, c := range []struct {
		name, op string
		want     []string
	}{
		{"transfer", `["transfer",{"from":"__signer","to":"bob","amount":"1.000 HIVE","memo":"x"}]`,
			[]string{"HIVE: 1000.000 HIVE → 999.000 HIVE" + by}},
		{"savings deposit to oneself", `["transfer_to_savings",{"from":"__signer","to":"__signer","amount":"2.000 HBD","memo":""}]`,
			[]string{"HBD: 100.000 HBD → 98.000 HBD" + by, "Savings: 20.000 HBD → 22.000 HBD" + by}},
		{"savings deposit to another", `["transfer_to_savings",{"from":"__signer","to":"bob","amount":"1.000 HIVE","memo":""}]`,
			[]string{"HIVE: 1000.000 HIVE → 999.000 HIVE" + by}},
		{"savings withdrawal", `["transfer_from_savings",{"from":"__signer","request_id":1,"to":"__signer","amount":"5.000 HIVE","memo":""}]`,
			[]string{"HIVE: 1000.000 HIVE → 1005.000 HIVE in 3 days" + by, "Savings: 50.000 HIVE → 45.000 HIVE" + by}},
		{"savings withdrawal beyond the savings", `["transfer_from_savings",{"from":"__signer","request_id":2,"to":"bob","amount":"60.000 HBD","memo":""}]`,
			[]string{"Savings: the account holds 20.000 HBD, less than the 60.000 HBD this takes: the chain will refuse it"}},
		{"power up", `["transfer_to_vesting",{"from":"__signer","to":"","amount":"1.000 HIVE"}]`,
			[]string{"HIVE: 1000.000 HIVE → 999.000 HIVE" + by, "Hive Power: 5.000 HP → 6.000 HP" + by}},
		{"power up of another", `["transfer_to_vesting",{"from":"__signer","to":"bob","amount":"1.000 HIVE"}]`,
			[]string{"HIVE: 1000.000 HIVE → 999.000 HIVE" + by}},
		{"power down", `["withdraw_vesting",{"account":"__signer","vesting_shares":"1000.000000 VESTS"}]`,
			[]string{"Hive Power: 5.000 HP → 4.000 HP over 13 weeks" + by}},
		{"delegation", `["delegate_vesting_shares",{"delegator":"__signer","delegatee":"bob","vesting_shares":"2000.000000 VESTS"}]`,
			[]string{"Hive Power delegated to @bob becomes 2.000 HP; the account delegates 0.000 HP in all now" + by}},
		{"recurrent transfer", `["recurrent_transfer",{"from":"__signer","to":"bob","amount":"1.000 HIVE","memo":"","recurrence":24,"executions":3,"extensions":[]}]`,
			[]string{"HIVE: 1000.000 HIVE → 997.000 HIVE" + by}},
		{"conversion", `["convert",{"owner":"__signer","requestid":1,"amount":"10.000 HBD"}]`,
			[]string{"HBD: 100.000 HBD → 90.000 HBD" + by}},
		{"collateralized conversion", `["collateralized_convert",{"owner":"__signer","requestid":2,"amount":"10.000 HIVE"}]`,
			[]string{"HIVE: 1000.000 HIVE → 990.000 HIVE" + by}},
		{"limit order", `["limit_order_create",{"owner":"__signer","orderid":1,"amount_to_sell":"5.000 HIVE","min_to_receive":"1.000 HBD","fill_or_kill":false,"expiration":"2030-01-01T00:00:00"}]`,
			[]string{"HIVE: 1000.000 HIVE → 995.000 HIVE" + by}},
		{"limit order at a rate", `["limit_order_create2",{"owner":"__signer","orderid":2,"amount_to_sell":"5.000 HBD","exchange_rate":{"base":"5.000 HBD","quote":"20.000 HIVE"},"fill_or_kill":false,"expiration":"2030-01-01T00:00:00"}]`,
			[]string{"HBD: 100.000 HBD → 95.000 HBD" + by}},
		{"escrow", `["escrow_transfer",{"from":"__signer","to":"bob","agent":"carol","escrow_id":1,"hbd_amount":"1.000 HBD","hive_amount":"2.000 HIVE","fee":"0.001 HIVE","ratification_deadline":"2030-01-01T00:00:00","escrow_expiration":"2030-02-01T00:00:00","json_meta":"{}"}]`,
			[]string{"HBD: 100.000 HBD → 99.000 HBD" + by, "HIVE: 1000.000 HIVE → 997.999 HIVE" + by}},
		{"Hive-Engine token transfer", `["custom_json",{"required_auths":["__signer"],"required_posting_auths":[],"id":"ssc-mainnet-hive","json":"{\"contractName\":\"tokens\",\"contractAction\":\"transfer\",\"contractPayload\":{\"symbol\":\"BEE\",\"to\":\"bob\",\"quantity\":\"10.5\",\"memo\":\"\"}}"}]`,
			[]string{"BEE on Hive-Engine: 10.5 leave the account (Localsigner does not read Hive-Engine balances, so the balance after is not shown)"}},
		{"claiming an account token", `["claim_account",{"creator":"__signer","fee":"3.000 HIVE","extensions":[]}]`,
			[]string{"HIVE: 1000.000 HIVE → 997.000 HIVE" + by}},
	} {
		wait := open(t, k, links.OpenArgs{URI: "hive://sign/op/" + b64u(c.op), As: "alice"})
		p := confirmation(t, k.Admin)
		if got := strings.Join(p.Transaction.Balances, "\n"); got != strings.Join(c.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", c.name, p.Transaction.Balances, c.want)
		}
		if c.name == "savings withdrawal" {
			// The same, for scripts (approvals --json): per balance and asset.
			want := []approval.BalanceChange{
				{Balance: "liquid", Asset: "HIVE", Before: "1000.000 HIVE", After: "1005.000 HIVE", When: "in 3 days"},
				{Balance: "savings", Asset: "HIVE", Before: "50.000 HIVE", After: "45.000 HIVE"},
			}
			if !slices.Equal(p.Transaction.BalanceChanges, want) {
				t.Errorf("%s: balance changes %+v", c.name, p.Transaction.BalanceChanges)
			}
		}
		if err := k.Admin.Deny(p.ID); err != nil {
			t.Fatal(err)
		}
		_, _ = wait()
	}
}
