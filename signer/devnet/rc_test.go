package devnet_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/tx"
)

// rcAccount reads one account's stored manabar with find_rc_accounts.
func rcAccount(t *testing.T, fe *devnet.Frontend, name string) (current, most int64, last uint32) {
	t.Helper()
	var res struct {
		Accounts []struct {
			Account string `json:"account"`
			Manabar struct {
				Current    json.Number `json:"current_mana"`
				LastUpdate uint32      `json:"last_update_time"`
			} `json:"rc_manabar"`
			MaxRC json.Number `json:"max_rc"`
		} `json:"rc_accounts"`
	}
	mustPost(t, fe, "rc_api.find_rc_accounts", map[string]any{"accounts": []string{name, "nobody"}}, &res)
	if len(res.Accounts) != 1 || res.Accounts[0].Account != name {
		t.Fatalf("find_rc_accounts: %+v", res)
	}
	a := res.Accounts[0]
	c, err1 := strconv.ParseInt(a.Manabar.Current.String(), 10, 64)
	m, err2 := strconv.ParseInt(a.MaxRC.String(), 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("find_rc_accounts numbers: %v %v", err1, err2)
	}
	return c, m, a.Manabar.LastUpdate
}

// The devnet serves hived's rc_api: the resource parameters a hived node
// serves (resource_parameters.json through hived's generator, and the new
// accounts resource from the default account subsidy), pools at their
// equilibrium at the start, and 64-bit numbers as strings when large, as
// hived's JSON writes them.
func TestRCAPI(t *testing.T) {
	_, fe := start(t, devnet.Config{})
	var params struct {
		Names  []string                   `json:"resource_names"`
		Params map[string]json.RawMessage `json:"resource_params"`
	}
	mustPost(t, fe, "rc_api.get_resource_params", map[string]any{}, &params)
	if strings.Join(params.Names, ",") != "resource_history_bytes,resource_new_accounts,resource_market_bytes,resource_state_bytes,resource_execution_time" {
		t.Fatalf("resource names %q", params.Names)
	}
	// The values of a hived node (get_resource_params on hived 1.27).
	for name, want := range map[string][]string{
		"resource_history_bytes":  {`"budget_per_time_unit":43403`, `"pool_eq":"27050539251"`, `"coeff_a":"10525659774662010880"`, `"coeff_b":211332338`, `"shift":50`, `"decay_per_time_unit":3613026481`},
		"resource_new_accounts":   {`"resource_unit":10000`, `"pool_eq":157691079`, `"coeff_a":"16484671763857882971"`, `"coeff_b":1231961`, `"decay_per_time_unit":347321`},
		"resource_market_bytes":   {`"resource_unit":10`, `"pool_eq":2003755169`, `"coeff_a":"14969827235074865152"`, `"shift":55`},
		"resource_state_bytes":    {`"budget_per_time_unit":43546196`, `"pool_eq":"27139923979692"`, `"coeff_b":"212030656091"`},
		"resource_execution_time": {`"budget_per_time_unit":40000000`, `"pool_eq":"69256028844"`, `"coeff_b":541062725`, `"shift":59`, `"decay_per_time_unit_denom_shift":42`},
	} {
		got := string(params.Params[name])
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %s lacks %s", name, got, w)
			}
		}
	}
	var pools struct {
		Pools map[string]struct {
			Pool      json.RawMessage `json:"pool"`
			FillLevel int             `json:"fill_level"`
		} `json:"resource_pool"`
	}
	mustPost(t, fe, "rc_api.get_resource_pool", map[string]any{}, &pools)
	// At the equilibrium, give or take the rounding of each block's budget
	// and decay.
	p := pools.Pools["resource_state_bytes"]
	var n string
	if json.Unmarshal(p.Pool, &n) != nil || !strings.HasPrefix(n, "271399239") || p.FillLevel != 10000 {
		t.Errorf("state pool %s fill %d", p.Pool, p.FillLevel)
	}
	var stats struct {
		Stats struct {
			Regen json.Number `json:"regen"`
			Share []int       `json:"share"`
		} `json:"rc_stats"`
	}
	mustPost(t, fe, "rc_api.get_rc_stats", map[string]any{}, &stats)
	if len(stats.Stats.Share) != 5 || stats.Stats.Share[1] != 10000 || stats.Stats.Share[0] != 2500 {
		t.Errorf("shares %v", stats.Stats.Share)
	}
	// Three accounts of 5000 VESTS: 15000 VESTS over the 144000 blocks of
	// five days.
	if stats.Stats.Regen.String() != strconv.Itoa(15_000_000_000/144_000) {
		t.Errorf("regen %s", stats.Stats.Regen)
	}
	cur, most, _ := rcAccount(t, fe, "bob")
	if most != 5_000_000_000 || cur != most {
		t.Errorf("bob: %d of %d RC, want full at his vesting shares", cur, most)
	}
}

// Every transaction is charged to its payer; one the payer cannot afford
// is refused with hived's not_enough_rc_exception and changes nothing; the
// credits come back over five days.
func TestRCCharging(t *testing.T) {
	g, err := devnet.DefaultGenesis(chain.Hive, "STM", devnet.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	for i := range g.Accounts {
		if g.Accounts[i].Name == "carol" {
			g.Accounts[i].VestingShares = "0.000005 VESTS"
		}
	}
	var mu sync.Mutex
	at := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return at }
	d, fe := start(t, devnet.Config{Genesis: g, Clock: clock, BlockInterval: -1})

	before, _, _ := rcAccount(t, fe, "bob")
	tr := prepare(t, d, fe, &tx.Transfer{From: "bob", To: "alice", Amount: asset(t, "1.000 HIVE")})
	signWith(t, tr, "bob", "active")
	js, _ := json.Marshal(tr)
	mustPost(t, fe, "condenser_api.broadcast_transaction", []any{json.RawMessage(js)}, nil)
	after, _, _ := rcAccount(t, fe, "bob")
	if after >= before {
		t.Errorf("bob paid nothing: %d → %d", before, after)
	}

	hive, _ := d.Balance("carol", "HIVE")
	tr = prepare(t, d, fe, &tx.Transfer{From: "carol", To: "alice", Amount: asset(t, "1.000 HIVE")})
	signWith(t, tr, "carol", "active")
	js, _ = json.Marshal(tr)
	_, e := post(t, fe, "condenser_api.broadcast_transaction", []any{json.RawMessage(js)})
	if e == nil || e.Data.Name != "not_enough_rc_exception" ||
		!strings.Contains(e.Message, "Account: carol has 5 RC, needs ") || !strings.Contains(e.Message, "Please wait to transact or power up HIVE.") {
		t.Fatalf("carol without credits: %+v", e)
	}
	if now, _ := d.Balance("carol", "HIVE"); now != hive {
		t.Errorf("carol's balance moved: %d → %d", hive, now)
	}

	// Five days pass: bob is full again when the next transfer is charged,
	// so he lacks only its price (which the first transfer's usage raised
	// a little, through the resources' shares).
	mu.Lock()
	at = at.Add(5 * 24 * time.Hour)
	mu.Unlock()
	d.ProduceBlock()
	tr = prepare(t, d, fe, &tx.Transfer{From: "bob", To: "alice", Amount: asset(t, "1.000 HIVE")})
	signWith(t, tr, "bob", "active")
	js, _ = json.Marshal(tr)
	mustPost(t, fe, "condenser_api.broadcast_transaction", []any{json.RawMessage(js)}, nil)
	again, most, last := rcAccount(t, fe, "bob")
	if spent := most - again; spent <= 0 || spent > 3*(before-after) || last != uint32(at.Unix()) {
		t.Errorf("after five days bob has %d of %d (updated %d), want full less one transfer (about %d)", again, most, last, before-after)
	}
}

// Savings and delegations move balances as hived's do (payouts and
// returns at once on the devnet), and a delegation moves credits from the
// delegator's most to the delegatee's.
func TestSavingsAndDelegation(t *testing.T) {
	d, fe := start(t, devnet.Config{})
	tr := prepare(t, d, fe,
		&tx.TransferToSavings{From: "bob", To: "bob", Amount: asset(t, "10.000 HIVE")},
		&tx.TransferFromSavings{From: "bob", RequestID: 1, To: "alice", Amount: asset(t, "4.000 HIVE")},
		&tx.DelegateVestingShares{Delegator: "bob", Delegatee: "alice", VestingShares: asset(t, "1000.000000 VESTS")})
	signWith(t, tr, "bob", "active")
	mustBroadcast(t, d, fe, tr)
	var accts []struct {
		Name      string `json:"name"`
		Savings   string `json:"savings_balance"`
		Delegated string `json:"delegated_vesting_shares"`
		Received  string `json:"received_vesting_shares"`
	}
	mustPost(t, fe, "condenser_api.get_accounts", []any{[]string{"bob", "alice"}}, &accts)
	if len(accts) != 2 || accts[0].Savings != "16.000 HIVE" || accts[0].Delegated != "1000.000000 VESTS" || accts[1].Received != "1000.000000 VESTS" {
		t.Fatalf("accounts %+v", accts)
	}
	if hive, _ := d.Balance("alice", "HIVE"); hive != 1_004_000 {
		t.Errorf("alice holds %d HIVE units, want the savings payout", hive)
	}
	if _, bobMax, _ := rcAccount(t, fe, "bob"); bobMax != 4_000_000_000 {
		t.Errorf("bob's most credits %d, want his vesting shares less the delegation", bobMax)
	}
	if _, aliceMax, _ := rcAccount(t, fe, "alice"); aliceMax != 6_000_000_000 {
		t.Errorf("alice's most credits %d, want hers and the delegation", aliceMax)
	}
}
