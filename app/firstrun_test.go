package app

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
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
