package app

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"localsigner/approval"
	"localsigner/signer"
)

func TestUnlockWrongThenRight(t *testing.T) {
	v, dir := newVault(t, true)
	v.Lock()
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	if u.screen != screenUnlock {
		t.Fatalf("screen %v, want unlock", u.screen)
	}
	w := u.win.Content()
	pass := entry(t, w, "Vault passphrase")
	test.Type(pass, "not the passphrase")
	test.Tap(button(t, w, "Unlock"))
	wantText(t, w, "Wrong passphrase. Try again.")
	if !v.Locked() || pass.Text != "" {
		t.Fatalf("after a wrong passphrase: locked %v, entry %q", v.Locked(), pass.Text)
	}
	// Typing into the window goes to the passphrase, which holds no focus
	// (and blinks no cursor) until then; Return submits.
	if f := u.win.Canvas().Focused(); f != nil {
		t.Fatalf("focused %T after a wrong passphrase, want nothing", f)
	}
	test.TypeOnCanvas(u.win.Canvas(), testPassphrase)
	if pass.Text != testPassphrase {
		t.Fatalf("typed into the window, the entry holds %q", pass.Text)
	}
	u.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if v.Locked() || u.screen != screenMain {
		t.Fatalf("after the right passphrase: locked %v, screen %v", v.Locked(), u.screen)
	}
}

// backoffVault refuses every unlock with a wait, as the vault does after
// several wrong passphrases.
type backoffVault struct {
	*signer.Vault
	wait time.Duration
}

func (b backoffVault) Unlock([]byte) error {
	return &signer.BackoffError{Wait: b.wait, Failures: 5}
}

func TestUnlockBackoffShowsWait(t *testing.T) {
	v, dir := newVault(t, true)
	v.Lock()
	a := test.NewTempApp(t)
	u, c := newTestUI(t, a, backoffVault{v, 75 * time.Second}, Options{DataDir: dir, Network: NetworkDevnet})
	w := u.win.Content()
	test.Type(entry(t, w, "Vault passphrase"), "whatever")
	btn := button(t, w, "Unlock")
	test.Tap(btn)
	wantText(t, w, "Too many wrong passphrases. Try again in 1 min 15 s.")
	if !btn.Disabled() {
		t.Error("Unlock is enabled during the wait")
	}
	c.advance(70 * time.Second)
	u.tick()
	wantText(t, w, "Try again in 5 s.")
	c.advance(5 * time.Second)
	u.tick()
	wantText(t, w, "You can try again now.")
	if btn.Disabled() {
		t.Error("Unlock stays disabled after the wait")
	}
}

func TestLockButtonAutoLockAndLocksElsewhere(t *testing.T) {
	v, dir := newVault(t, true)
	if err := SaveSettings(dir, Settings{AutoLockMinutes: 5}); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	u, c := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	if u.screen != screenMain {
		t.Fatalf("screen %v", u.screen)
	}
	test.Tap(u.lockBtn)
	if !v.Locked() || u.screen != screenUnlock {
		t.Fatalf("Lock: locked %v, screen %v", v.Locked(), u.screen)
	}

	// Unlocked from the command line: the window follows.
	if err := v.Unlock([]byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	u.tick()
	if u.screen != screenMain {
		t.Fatalf("after an unlock elsewhere, screen %v", u.screen)
	}

	// Auto-lock after five idle minutes, not before.
	c.advance(4 * time.Minute)
	u.tick()
	if v.Locked() {
		t.Fatal("locked after 4 of 5 minutes")
	}
	u.touch() // activity restarts the count
	c.advance(4 * time.Minute)
	u.tick()
	if v.Locked() {
		t.Fatal("locked 4 minutes after activity")
	}
	c.advance(time.Minute)
	u.tick()
	if !v.Locked() || u.screen != screenUnlock {
		t.Fatalf("not locked after 5 idle minutes: locked %v, screen %v", v.Locked(), u.screen)
	}

	// Locked from the command line: the window follows.
	if err := v.Unlock([]byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	u.tick()
	v.Lock()
	u.tick()
	if u.screen != screenUnlock {
		t.Fatalf("after a lock elsewhere, screen %v", u.screen)
	}
}

// TestTickOnlyWhenDue: the once-a-second ticker wakes the window only when
// there is something to do, so an idle app costs no redraws.
func TestTickOnlyWhenDue(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	if u.due() {
		t.Fatal("due with nothing to do")
	}
	ask(t, q, request(c, "vote", ""))
	aw := open(t, u)
	if !u.due() {
		t.Fatal("not due with an approval window counting down")
	}
	aw.userClosed()
	if u.due() {
		t.Fatal("still due after the window closed")
	}
	u.vault.Lock() // from the command line
	if !u.due() {
		t.Fatal("not due after a lock elsewhere")
	}
	u.tick()
	if u.due() || u.screen != screenUnlock {
		t.Fatalf("after the tick: due %v, screen %v", u.due(), u.screen)
	}
	if err := u.vault.Unlock([]byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	u.tick()
	c.advance(DefaultAutoLockMinutes*time.Minute - time.Second)
	if u.due() {
		t.Fatal("due a second before the auto-lock")
	}
	c.advance(time.Second)
	if !u.due() {
		t.Fatal("not due at the auto-lock time")
	}
}

// TestLockedScreenNamesWaitingSites: a request held until unlock shows on
// the locked screen with its site; "Not now" ends it at once (its context
// ends with approval.ErrRefused, which the wallet turns into "locked"),
// and unlocking instead lets it go on.
func TestLockedScreenNamesWaitingSites(t *testing.T) {
	v, dir := newVault(t, true)
	v.Lock()
	a := test.NewTempApp(t)
	u, _ := newTestUI(t, a, v, Options{DataDir: dir, Network: NetworkDevnet})
	q := approval.NewQueue(10, 10, nil)
	u.Attach(Services{Approvals: q})
	w := u.win.Content()
	if u.unlock.waitList.Visible() || u.unlock.refuse.Visible() {
		t.Fatal("a waiting list with nothing waiting")
	}

	ctx, done := q.Wait(context.Background(), approval.Waiting{Origin: "https://dapp.example", ClientID: "dapp", What: "sign-in"})
	defer done()
	u.syncApprovals()
	wantText(t, w, "Waiting for you to unlock:\n• https://dapp.example: sign-in")
	test.Tap(button(t, w, "Not now: refuse them"))
	select {
	case <-ctx.Done():
		if context.Cause(ctx) != approval.ErrRefused {
			t.Fatalf("cause %v", context.Cause(ctx))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("refusing did not end the waiting request")
	}
	done()
	u.syncApprovals()
	if u.unlock.waitList.Visible() {
		t.Fatal("the refused request is still listed")
	}
	wantText(t, w, "Refused 1 waiting request(s)")

	ctx2, done2 := q.Wait(context.Background(), approval.Waiting{What: "transaction", ClientID: "bot"})
	defer done2()
	u.syncApprovals()
	wantText(t, w, "a program on this computer (app id bot): transaction")
	test.Type(entry(t, w, "Vault passphrase"), testPassphrase)
	test.Tap(button(t, w, "Unlock"))
	if v.Locked() || ctx2.Err() != nil {
		t.Fatalf("after unlocking: locked %v, the waiting request %v", v.Locked(), ctx2.Err())
	}
}

// TestAutoLockWaitsForOpenPrompts: the auto-lock does not lock while an
// approval window is open (the user's answer would then fail to sign);
// it counts the idle time from when the window closed.
func TestAutoLockWaitsForOpenPrompts(t *testing.T) {
	u, c, q := approvalSetup(t, "alice")
	ask(t, q, request(c, "vote", ""))
	aw := open(t, u)
	c.advance(DefaultAutoLockMinutes*time.Minute + time.Minute)
	u.tick()
	if u.vault.Locked() {
		t.Fatal("locked under an open approval window")
	}
	aw.userClosed()
	c.advance(DefaultAutoLockMinutes*time.Minute - 2*time.Second)
	u.tick()
	if u.vault.Locked() {
		t.Fatal("locked before the idle time passed since the window closed")
	}
	c.advance(3 * time.Second)
	u.tick()
	if !u.vault.Locked() {
		t.Fatal("not locked once idle for the auto-lock time")
	}
}
