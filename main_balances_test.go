package main

import (
	"context"
	"strings"
	"testing"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
)

// The Accounts tab shows the balances a confirmation previews: liquid,
// savings when there are any, Hive Power at the chain's rate, and the
// resource credits left.
func TestNodeBalances(t *testing.T) {
	g, err := devnet.DefaultGenesis(chain.Hive, "STM", devnet.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	g.Accounts[0].SavingsBalance = "50.000 HIVE"
	d, err := devnet.New(devnet.Config{Genesis: g, BlockInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fe, err := d.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := node.Dial(context.Background(), []string{fe.URL()}, node.Options{Chain: d.Chain(), HealthInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := nodeBalances{c}.Balances(context.Background(), "devnet", []string{g.Accounts[0].Name, g.Accounts[1].Name, "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		g.Accounts[0].Name: "1000.000 HIVE, 100.000 HBD, 50.000 HIVE in savings, 10.000 HBD in savings, 5.000 HP, RC 100%",
		g.Accounts[1].Name: "1000.000 HIVE, 100.000 HBD, 10.000 HIVE in savings, 10.000 HBD in savings, 5.000 HP, RC 100%",
	}
	if len(got) != 2 {
		t.Fatalf("balances %q", got)
	}
	for name, w := range want {
		if s := strings.Join(got[name], ", "); s != w {
			t.Errorf("%s: %q, want %q", name, s, w)
		}
	}
}
