package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"localsigner/hiveauth"
	"localsigner/signer"
)

// fakeMover is the real vault with a hand-written move: it records what it
// was asked, reports two steps of progress, noting the progress bar's value
// after each, and ends with err (switching its backend if the move counts
// as done).
type fakeMover struct {
	*signer.Vault
	backend string
	err     error
	asked   []string // backend and passphrase of each move
	bar     func() *widget.ProgressBar
	seen    []float64
}

func (f *fakeMover) Backend() string { return f.backend }

func (f *fakeMover) MoveToBackend(to string, passphrase []byte, progress func(done, total int)) error {
	f.asked = append(f.asked, to, string(passphrase))
	for done := 1; done <= 2; done++ {
		progress(done, 2)
		f.seen = append(f.seen, f.bar().Value)
	}
	if f.err == nil || errors.Is(f.err, signer.ErrOldCopyRemains) {
		f.backend = to
	}
	return f.err
}

// settingsWith opens the Settings tab on vault v.
func settingsWith(t *testing.T, v Vault, dir string) (*UI, *settingsView) {
	t.Helper()
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	u.tabs.SelectIndex(3)
	return u, u.prefsView
}

// moveWith picks the keychain in Settings, types passphrase into the
// dialog and taps Move keys.
func moveWith(t *testing.T, u *UI, sv *settingsView, passphrase string) {
	t.Helper()
	sv.storage.sel.SetSelected("The system keychain")
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("choosing the keychain opened no dialog")
	}
	wantText(t, top, "from encrypted files in the data folder to the system keychain")
	test.Type(entry(t, top, "Vault passphrase"), passphrase)
	test.Tap(overlayButton(t, u.win, "Move keys"))
}

// TestSettingsMovesKeys moves the keys from Settings, with each way the
// move can end, and checks what the user sees.
func TestSettingsMovesKeys(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		backend string // where the keys are afterwards
		status  []string
	}{
		{"done", nil, "keychain", []string{"Your keys are now kept in the system keychain."}},
		{"old copy left", fmt.Errorf("%w: disk full", signer.ErrOldCopyRemains), "keychain",
			[]string{"now kept in the system keychain", "old copy could not be deleted yet", "disk full"}},
		{"no keychain", fmt.Errorf("open the OS keychain: %w: no session bus", signer.ErrKeychainUnavailable), "file",
			[]string{"The system keychain cannot be used", "stay in encrypted files in the data folder", "no session bus"}},
		{"copy differs", fmt.Errorf("%w: item 3", signer.ErrCopyMismatch), "file",
			[]string{"Your keys were not moved; they stay in encrypted files", "item 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, dir := newVault(t, true)
			f := &fakeMover{Vault: v, backend: signer.VaultBackendFile, err: tc.err}
			u, sv := settingsWith(t, f, dir)
			f.bar = func() *widget.ProgressBar { return sv.storage.bar }
			moveWith(t, u, sv, testPassphrase)

			if fmt.Sprint(f.asked) != fmt.Sprint([]string{"keychain", testPassphrase}) {
				t.Fatalf("asked to move %q", f.asked)
			}
			if fmt.Sprint(f.seen) != fmt.Sprint([]float64{0.5, 1}) {
				t.Errorf("progress bar showed %v, want [0.5 1]", f.seen)
			}
			if u.win.Canvas().Overlays().Top() != nil {
				t.Error("the dialog stayed open")
			}
			for _, want := range tc.status {
				wantText(t, u.win.Content(), want)
			}
			if got := sv.storage.sel.Selected; got != backendLabel(tc.backend) {
				t.Errorf("Settings shows %q, the keys are in %s", got, tc.backend)
			}
		})
	}
}

// TestSettingsMoveWrongPassphrase runs the real vault: a wrong passphrase
// (checked before any keychain is touched) keeps the dialog open for
// another try, and Cancel leaves the keys where they were.
func TestSettingsMoveWrongPassphrase(t *testing.T) {
	v, dir := newVault(t, true)
	u, sv := settingsWith(t, v, dir)
	moveWith(t, u, sv, "not the passphrase")
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("the dialog closed after a wrong passphrase")
	}
	wantText(t, top, "Wrong passphrase. Nothing was moved.")
	if e := entry(t, top, "Vault passphrase"); e.Disabled() || e.Text != "" {
		t.Fatalf("passphrase entry: disabled %v, text left %q", e.Disabled(), e.Text)
	}
	test.Tap(overlayButton(t, u.win, "Cancel"))
	if u.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Cancel left the dialog open")
	}
	if v.Backend() != signer.VaultBackendFile || sv.storage.sel.Selected != "Encrypted files in the data folder" {
		t.Fatalf("after Cancel: vault in %s, Settings shows %q", v.Backend(), sv.storage.sel.Selected)
	}
	if v.Locked() {
		t.Fatal("a wrong passphrase in the move dialog locked the vault")
	}
}

// fixedVault is a vault that cannot move: its method set lacks
// MoveToBackend.
type fixedVault struct{ Vault }

// TestSettingsBackendReadOnly: for a vault without MoveToBackend, Settings
// only says where the keys are.
func TestSettingsBackendReadOnly(t *testing.T) {
	v, dir := newVault(t, true)
	u, sv := settingsWith(t, fixedVault{v}, dir)
	if sv.storage != nil {
		t.Fatal("a backend choice for a vault that cannot move")
	}
	wantText(t, u.win.Content(), "Keys are kept in encrypted files in the data folder, encrypted with your passphrase.")
}

// TestSettingsDevnetNodes: the node list the command line fixed (the
// devnet's address, a fallback port here) is shown, read-only, and the
// saved list is left alone.
func TestSettingsDevnetNodes(t *testing.T) {
	v, dir := newVault(t, true)
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet, Nodes: []string{"ws://127.0.0.1:41234"}})
	u.tabs.SelectIndex(3)
	sv := u.prefsView
	if sv.nodes.Text != "ws://127.0.0.1:41234" || !sv.nodes.Disabled() {
		t.Fatalf("nodes %q, disabled %v", sv.nodes.Text, sv.nodes.Disabled())
	}
	if b := button(t, u.win.Content(), "Save nodes"); !b.Disabled() {
		t.Fatal("Save nodes is enabled for a list the command line fixed")
	}
	if got := u.settings.NodesFor(NetworkDevnet); slices.Contains(got, "ws://127.0.0.1:41234") {
		t.Fatalf("the fixed list was saved: %v", got)
	}
}

// TestSettingsRefusesPlainRemoteNode: Save nodes refuses a ws:// node on
// another computer with the reason, and saves nothing; wss:// is saved.
func TestSettingsRefusesPlainRemoteNode(t *testing.T) {
	v, dir := newVault(t, true)
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkHive})
	u.tabs.SelectIndex(3)
	sv := u.prefsView
	before := u.settings.NodesFor(NetworkHive)
	sv.nodes.SetText("wss://api.hive.blog\nws://node.example:8090")
	test.Tap(button(t, u.win.Content(), "Save nodes"))
	if sv.status.Importance != widget.DangerImportance || !hasText(u.win.Content(), "needs wss://") {
		t.Fatalf("status %q", sv.status.Text)
	}
	if got := u.settings.NodesFor(NetworkHive); !slices.Equal(got, before) {
		t.Fatalf("saved %v", got)
	}
	sv.nodes.SetText("wss://api.hive.blog")
	test.Tap(button(t, u.win.Content(), "Save nodes"))
	if got := u.settings.NodesFor(NetworkHive); !slices.Equal(got, []string{"wss://api.hive.blog"}) {
		t.Fatalf("saved %v, status %q", got, sv.status.Text)
	}
}

// pksaStub stands in for the HiveAuth door in Settings: the door itself
// is tested against the npm wrapper and a relay in package hiveauth.
type pksaStub struct {
	opened chan string
}

func (p *pksaStub) Status() hiveauth.Status {
	return hiveauth.Status{Relay: "ws://127.0.0.1:4567", Connected: true, Sessions: 2}
}

func (p *pksaStub) OpenLink(_ context.Context, uri string) (*hiveauth.LinkResult, error) {
	p.opened <- uri
	return &hiveauth.LinkResult{Account: "alice", App: "Test dapp", Approved: true}, nil
}

// TestSettingsHiveAuth: the HiveAuth toggle and relay are saved (a relay
// that is not wss:// on another computer is refused with the reason);
// with the PKSA running, its state shows and a pasted has:// link goes to
// it, the outcome shown.
func TestSettingsHiveAuth(t *testing.T) {
	v, dir := newVault(t, true)
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkHive})
	u.tabs.SelectIndex(3)
	content := u.win.Content()
	wantText(t, content, "Answer HiveAuth sign-ins and requests")
	sv := u.prefsView
	relay := entryWithPlaceholder(t, content, hiveauth.DefaultRelay)
	relay.SetText("ws://relay.example.com")
	test.Tap(checkWithText(t, content, "Answer HiveAuth"))
	if u.settings.HiveAuth || sv.status.Importance != widget.DangerImportance || !hasText(content, "only on this machine") {
		t.Fatalf("a plain remote relay: saved %v, status %q", u.settings.HiveAuth, sv.status.Text)
	}
	relay.SetText("wss://relay.example.com/")
	test.Tap(checkWithText(t, content, "Answer HiveAuth"))
	test.Tap(checkWithText(t, content, "Answer HiveAuth"))
	saved, err := LoadSettings(dir)
	if err != nil || !saved.HiveAuth || saved.HiveAuthRelay != "wss://relay.example.com/" {
		t.Fatalf("saved %+v (%v)", saved, err)
	}

	stub := &pksaStub{opened: make(chan string, 1)}
	u.svc.HiveAuth = stub
	sv.refresh()
	wantText(t, content, "Connected to ws://127.0.0.1:4567; 2 signed-in apps.")
	link := "has://auth_req/eyJhY2NvdW50IjoiYWxpY2UifQ=="
	sv.hiveAuthLink.SetText(link)
	test.Tap(sv.hiveAuthOpen)
	if got := <-stub.opened; got != link {
		t.Fatalf("the door got %q", got)
	}
	wantText(t, content, "Signed in @alice to HiveAuth app “Test dapp” (its own name, not verified).")
}
