package app

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/node"
)

func TestFirstRunDevnet(t *testing.T) {
	v, dir := newVault(t, false)
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet,
		DemoAccounts: []string{"alice", "bob", "carol"}, DemoPassword: "localsigner-devnet"})
	if u.screen != screenFirstRun {
		t.Fatalf("screen %v, want the first run", u.screen)
	}
	w := u.win.Content()
	wantText(t, w, "Choose the vault passphrase") // the network is fixed by --devnet
	create := button(t, w, "Create the vault")

	pass := entry(t, w, "New passphrase")
	confirm := entry(t, w, "The same passphrase again")
	test.Type(pass, "hive1234")
	wantText(t, w, "Strength: very weak")
	test.Type(confirm, "hive1234")
	if !create.Disabled() {
		t.Fatal("a very weak passphrase can create the vault")
	}
	pass.SetText("")
	confirm.SetText("")
	test.Type(pass, testPassphrase)
	wantText(t, w, "Strength: fair")
	test.Type(confirm, testPassphrase+"!")
	wantText(t, w, "The two passphrases differ.")
	if !create.Disabled() {
		t.Fatal("mismatched passphrases can create the vault")
	}
	confirm.SetText(testPassphrase)
	wantText(t, w, "The passphrases match.")
	if create.Disabled() {
		t.Fatal("Create stays disabled for a fair, confirmed passphrase")
	}
	test.Tap(create)

	if ok, _ := v.Exists(); !ok || v.Locked() {
		t.Fatalf("after Create: exists %v, locked %v", ok, v.Locked())
	}
	if _, err := os.Stat(filepath.Join(dir, SettingsFile)); err == nil {
		t.Error("the network fixed by --devnet was saved in the settings")
	}
	w = u.win.Content()
	wantText(t, w, "Add your keys")
	test.Tap(button(t, w, "Import the demo accounts"))
	got := keysOf(t, v)
	if len(got) != 12 || !slices.Contains(got, "devnet/carol/posting") {
		t.Fatalf("keys after the demo import: %q", got)
	}
	test.Tap(button(t, w, "Done"))
	if u.screen != screenMain {
		t.Fatalf("screen %v after Done, want the tabs", u.screen)
	}
	wantText(t, u.win.Content(), "@alice")
	wantText(t, u.win.Content(), "devnet (local test chain)")
}

// TestFirstRunPeerplaysDevnet is the first run of `localsigner --devnet
// --chain peerplays`: the demo accounts it imports must hold the keys a real
// devnet in its Peerplays dialect has for them (PPY keys, accounts 1.2.N,
// read through the node client), filed under the devnet, and the forms must
// speak Peerplays (no posting key to paste).
func TestFirstRunPeerplaysDevnet(t *testing.T) {
	d, err := devnet.New(devnet.Config{Family: chain.Graphene, BlockInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	fe, err := d.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pp := d.Chain()
	nc, err := node.Dial(ctx, []string{fe.URL()}, node.Options{Chain: pp, HealthInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	g, err := devnet.DefaultGenesis(pp.Family, pp.Prefix, devnet.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	var demo []string
	for _, a := range g.Accounts {
		demo = append(demo, a.Name)
	}

	v, dir := newVault(t, false)
	a := test.NewTempApp(t)
	var chosen string
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet, DevnetDialect: NetworkPeerplays,
		DemoAccounts: demo, DemoPassword: devnet.DefaultPassword, OnNetworkChosen: func(n string) { chosen = n }})
	w := u.win.Content()
	wantText(t, w, "Peerplays devnet (local test chain)")
	test.Type(entry(t, w, "New passphrase"), testPassphrase)
	test.Type(entry(t, w, "The same passphrase again"), testPassphrase)
	test.Tap(button(t, w, "Create the vault"))
	if chosen != NetworkDevnet {
		t.Fatalf("OnNetworkChosen got %q, want the devnet the keys are filed under", chosen)
	}
	wantText(t, w, "Account on Peerplays devnet")
	f := u.first.keys
	f.mode.SetSelected(modeWIF)
	if _, ok := f.wifs["posting"]; ok {
		t.Error("the Peerplays devnet's import asks for a posting key")
	}
	test.Tap(button(t, w, "Import the demo accounts"))
	if f.status.Importance != widget.SuccessImportance {
		t.Fatalf("demo import: %q", f.status.Text)
	}

	accts, err := nc.Accounts(ctx, demo)
	if err != nil || len(accts) != len(demo) {
		t.Fatalf("the devnet's accounts %v: %+v, %v", demo, accts, err)
	}
	onChain := map[string]map[string][]string{} // account → role → keys as the node shows them
	for _, acct := range accts {
		if !strings.HasPrefix(acct.ID, "1.2.") || acct.Posting != nil {
			t.Fatalf("%s is not a Graphene account: %+v", acct.Name, acct)
		}
		roles := map[string][]string{"memo": {acct.MemoKey}}
		for _, ka := range acct.Owner.KeyAuths {
			roles["owner"] = append(roles["owner"], ka.Name)
		}
		for _, ka := range acct.Active.KeyAuths {
			roles["active"] = append(roles["active"], ka.Name)
		}
		onChain[acct.Name] = roles
	}
	ks, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	matched := map[string]int{}
	for _, k := range ks {
		if k.Chain != NetworkDevnet {
			t.Errorf("%s/%s/%s: filed under %q, want %q", k.Chain, k.Account, k.Role, k.Chain, NetworkDevnet)
		}
		if k.Role == "posting" {
			continue // derived from the master password too; Peerplays has no posting authority to hold it
		}
		if pub := k.PublicKey.Format(pp.Prefix); !slices.Contains(onChain[k.Account][k.Role], pub) {
			t.Errorf("%s %s key %s is not on the chain (%q)", k.Account, k.Role, pub, onChain[k.Account][k.Role])
		}
		matched[k.Account]++
	}
	for _, name := range demo {
		if matched[name] != 3 {
			t.Errorf("%s: %d of owner, active and memo imported", name, matched[name])
		}
	}
	test.Tap(button(t, w, "Done"))
	wantText(t, u.win.Content(), "Peerplays devnet (local test chain)")
}

func TestFirstRunPicksNetworkAndImportsWIF(t *testing.T) {
	v, dir := newVault(t, false)
	a := test.NewTempApp(t)
	var chosen string
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, OnNetworkChosen: func(n string) { chosen = n }})
	w := u.win.Content()
	wantText(t, w, "which network")
	next := button(t, w, "Next")
	if !next.Disabled() {
		t.Fatal("Next is enabled before a network is chosen")
	}
	var radio *widget.RadioGroup
	for _, o := range test.LaidOutObjects(w) {
		if r, ok := o.(*widget.RadioGroup); ok {
			radio = r
		}
	}
	radio.SetSelected("Peerplays")
	test.Tap(next)

	test.Type(entry(t, w, "New passphrase"), testPassphrase)
	test.Type(entry(t, w, "The same passphrase again"), testPassphrase)
	test.Tap(button(t, w, "Create the vault"))
	if chosen != NetworkPeerplays {
		t.Fatalf("OnNetworkChosen got %q", chosen)
	}
	s, err := LoadSettings(dir)
	if err != nil || s.Network != NetworkPeerplays {
		t.Fatalf("saved settings %+v, %v", s, err)
	}

	// Import one active key as WIF.
	f := u.first.keys
	f.mode.SetSelected(modeWIF)
	if _, ok := f.wifs["posting"]; ok {
		t.Error("Peerplays import asks for a posting key")
	}
	test.Type(f.account, "@Dave ")
	f.wifs["active"].SetText("5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ")
	test.Tap(f.addBtn)
	if got := keysOf(t, v); !slices.Equal(got, []string{"peerplays/dave/active"}) {
		t.Fatalf("keys %q (status %q)", got, f.status.Text)
	}
	wantText(t, w, "Added the keys of @dave (active)")

	// A bad key is refused with a message and nothing stored.
	test.Type(f.account, "erin")
	f.wifs["memo"].SetText("5notakey")
	test.Tap(f.addBtn)
	if f.status.Importance != widget.DangerImportance || len(keysOf(t, v)) != 1 {
		t.Fatalf("bad WIF: status %q, keys %q", f.status.Text, keysOf(t, v))
	}
}

func TestFirstRunMasterPassword(t *testing.T) {
	v, dir := newVault(t, false)
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkHive})
	w := u.win.Content()
	test.Type(entry(t, w, "New passphrase"), testPassphrase)
	test.Type(entry(t, w, "The same passphrase again"), testPassphrase)
	test.Tap(button(t, w, "Create the vault"))
	wantText(t, w, "Add your keys")
	if hasText(w, "Import the demo accounts") {
		t.Error("demo accounts offered on Hive")
	}
	f := u.first.keys
	test.Tap(f.addBtn)
	wantText(t, w, "Not added: enter the account name")
	test.Type(f.account, "frank")
	test.Type(f.master, "P5Kexamplemasterpassword")
	test.Tap(f.addBtn)
	want := []string{"hive/frank/owner", "hive/frank/active", "hive/frank/posting", "hive/frank/memo"}
	got := keysOf(t, v)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("keys %q", got)
	}
	if f.master.Text != "" {
		t.Error("the master password stays in the form")
	}
}
