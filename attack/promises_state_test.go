package attack

import (
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"localsigner/authz"
	"localsigner/internal/testkit"
	"localsigner/localapi/admin"
	"localsigner/signer"
)

// The promises below change state on purpose (a replay revokes a grant,
// a lock locks, wrong passphrases start a backoff), so each runs in its own
// Localsigner. They still prove that nothing was signed or broadcast and
// that everything not meant to change is intact.

// assertOnlyRevoked checks a replay's outcome: nothing broadcast, chain
// unchanged, the audit log kept every earlier event and gained want, and
// the grants that were not attacked are all still there.
func assertOnlyRevoked(t *testing.T, e *env, before snapshot, want string, intact ...tokens) {
	t.Helper()
	time.Sleep(2 * blockInterval)
	if got := e.chainView(); !chainEqual(got, before.chain) || len(e.net.Votes()) != before.chain.Votes {
		t.Fatal("chain state changed")
	}
	after := e.auditLog()
	if len(after) < len(before.audit) {
		t.Fatal("audit log shrank")
	}
	found := false
	for _, ev := range after[len(before.audit):] {
		found = found || auditMatches(ev, want)
		if ev.Type == authz.EventBroadcast {
			t.Fatalf("unexpected broadcast event %+v", ev)
		}
	}
	if !found {
		t.Fatalf("no %s event in the audit log", want)
	}
	for _, tk := range intact {
		if r := e.do("GET", "/api/me", "", map[string]string{"Authorization": tk.AccessToken}); r.status != http.StatusOK {
			t.Fatalf("an unrelated grant was lost: /api/me %d %s", r.status, r.body)
		}
	}
}

// TestPromiseReplay: codes and refresh tokens are single-use; a replay is
// refused, audited and ends the grant it came from (RFC 9700 §2.2.2,
// §4.14), and nothing else.
func TestPromiseReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bystander := e.login("other", otherRedirect, "vote", "alice")
	tokenReq := func(body string) response {
		return e.do(http.MethodPost, "/oauth2/token", body, map[string]string{"Content-Type": form})
	}

	t.Run("CodeReplay/second_redemption_is_refused_and_ends_the_first_tokens", func(t *testing.T) {
		code, verifier := e.code("mydapp", dappRedirect, "vote offline", "alice")
		body := formBody("grant_type", "authorization_code", "code", code, "redirect_uri", dappRedirect,
			"code_verifier", verifier, "client_id", "mydapp")
		first := tokenReq(body)
		if first.status != http.StatusOK {
			t.Fatalf("first redemption: %d %s", first.status, first.body)
		}
		var tk tokens
		jsonDecode(t, first.body, &tk)
		before := e.snapshot()
		r := tokenReq(body)
		if r.status != 400 || r.code != "invalid_grant" {
			t.Fatalf("replay: %d %s", r.status, r.body)
		}
		if r := e.broadcast(tk.AccessToken, "["+followOp+"]"); r.status != 401 || r.code != "invalid_token" {
			t.Fatalf("access token of a replayed code still works: %d %s", r.status, r.body)
		}
		assertOnlyRevoked(t, e, before, authz.EventCodeReplay, bystander)
	})

	t.Run("RefreshReplay/reused_refresh_token_ends_the_whole_grant", func(t *testing.T) {
		tk := e.login("mydapp", dappRedirect, "vote offline", "alice")
		refresh := func(rt string) response {
			return tokenReq(formBody("grant_type", "refresh_token", "refresh_token", rt, "client_id", "mydapp"))
		}
		r := refresh(tk.RefreshToken)
		if r.status != http.StatusOK {
			t.Fatalf("rotation: %d %s", r.status, r.body)
		}
		var next tokens
		jsonDecode(t, r.body, &next)
		before := e.snapshot()
		if r := refresh(tk.RefreshToken); r.status != 400 || r.code != "invalid_grant" {
			t.Fatalf("reuse: %d %s", r.status, r.body)
		}
		if r := refresh(next.RefreshToken); r.status != 400 || r.code != "invalid_grant" {
			t.Fatalf("the rotated refresh token survived a reuse: %d %s", r.status, r.body)
		}
		if r := e.broadcast(next.AccessToken, "["+followOp+"]"); r.status != 401 {
			t.Fatalf("the rotated access token survived a reuse: %d %s", r.status, r.body)
		}
		assertOnlyRevoked(t, e, before, authz.EventRefreshReuse, bystander)
	})

	t.Run("Revocation/revoked_access_token_cannot_broadcast", func(t *testing.T) {
		tk := e.login("mydapp", dappRedirect, "custom_json:follow", "alice")
		if r := e.do(http.MethodPost, "/api/oauth2/token/revoke", "", map[string]string{"Authorization": tk.AccessToken}); r.status != 200 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		before := e.snapshot()
		if r := e.broadcast(tk.AccessToken, "["+followOp+"]"); r.status != 401 || r.code != "invalid_token" {
			t.Fatalf("revoked token: %d %s", r.status, r.body)
		}
		assertNothingChanged(t, e, before)
	})
}

// TestPromiseVaultLocked: while the vault is locked nothing is signed; a
// dapp gets 503 temporarily_unavailable after UnlockWait, the attempt is
// audited, and the grant works again once the user unlocks.
func TestPromiseVaultLocked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.login("mydapp", dappRedirect, "custom_json:follow", "alice")
	if err := e.admin.Lock(); err != nil {
		t.Fatal(err)
	}
	t.Run("VaultLocked/broadcast_while_locked_signs_nothing", func(t *testing.T) {
		before := e.snapshot()
		r := e.broadcast(tk.AccessToken, "["+followOp+"]")
		if r.status != http.StatusServiceUnavailable || r.code != "temporarily_unavailable" {
			t.Fatalf("%d %s", r.status, r.body)
		}
		assertNothingChanged(t, e, before, "broadcast:locked")
	})
	t.Run("VaultLocked/unlocking_restores_the_grant", func(t *testing.T) {
		if err := e.admin.Unlock([]byte(passphrase)); err != nil {
			t.Fatal(err)
		}
		if r := e.broadcast(tk.AccessToken, "["+followOp+"]"); r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}

// TestPromisePassphraseBackoff: guessing the passphrase through the admin
// channel is slowed down: after three wrong ones every attempt must wait
// (4 s, 8 s, … up to 5 min), the wait is refused without running Argon2,
// even the right passphrase is refused while it lasts (no oracle), and the
// wait survives a restart. The vault here uses a KDF costly enough to time.
func TestPromisePassphraseBackoff(t *testing.T) {
	t.Parallel()
	e := newEnvKDF(t, signer.KDFParams{MemoryKiB: 32 << 10, Time: 2, Threads: 1})
	if err := e.admin.Lock(); err != nil {
		t.Fatal(err)
	}
	before := e.snapshot()
	var argon time.Duration
	t.Run("PassphraseBruteForce/wrong_passphrases_lead_to_a_backoff_with_a_wait", func(t *testing.T) {
		for i := range 3 {
			start := time.Now()
			err := e.admin.Unlock([]byte("guess " + strconv.Itoa(i)))
			argon = max(argon, time.Since(start))
			if err == nil || strings.Contains(err.Error(), "try again") && i < 2 {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		err := e.admin.Unlock([]byte("guess 4"))
		if err == nil || !strings.Contains(err.Error(), "too many wrong passphrases") || !strings.Contains(err.Error(), "try again in") {
			t.Fatalf("fourth guess: %v, want a backoff with a wait", err)
		}
	})
	t.Run("PassphraseBruteForce/no_Argon2_run_while_backing_off", func(t *testing.T) {
		start := time.Now()
		for range 5 {
			if err := e.admin.Unlock([]byte("guess")); err == nil || !strings.Contains(err.Error(), "try again in") {
				t.Fatalf("%v", err)
			}
		}
		if per := time.Since(start) / 5; per > argon/2 {
			t.Fatalf("a refused attempt took %v; one Argon2 run takes %v: the KDF ran during the backoff", per, argon)
		}
		t.Logf("wrong passphrase: %v; refused during backoff: %v", argon, time.Since(start)/5)
	})
	t.Run("PassphraseBruteForce/right_passphrase_is_refused_during_the_backoff", func(t *testing.T) {
		if err := e.admin.Unlock([]byte(passphrase)); err == nil || !strings.Contains(err.Error(), "try again in") {
			t.Fatalf("the right passphrase during the backoff: %v (an oracle)", err)
		}
		if st, _ := e.admin.Status(); !st.Locked {
			t.Fatal("the vault unlocked during the backoff")
		}
	})
	t.Run("PassphraseBruteForce/backoff_survives_a_restart", func(t *testing.T) {
		v, err := signer.OpenVault(e.dir, signer.VaultOptions{KDF: testkit.CheapKDF})
		if err != nil {
			t.Fatal(err)
		}
		var be *signer.BackoffError
		if err := v.Unlock([]byte(passphrase)); !errors.As(err, &be) || be.Wait <= 0 {
			t.Fatalf("a fresh process unlocked during the backoff: %v", err)
		}
	})
	t.Run("PassphraseBruteForce/guesses_are_audited_and_change_nothing_else", func(t *testing.T) {
		assertNothingChanged(t, e, before, authz.EventUnlockFailed)
	})
}

// TestPromiseAdminChannel: the admin channel is a Unix socket with mode
// 0600 in a data directory only its owner can enter, never the TCP port
// (TestPromises/AdminChannelSocketOnly checks the port); nothing in the
// data directory is readable by others.
func TestPromiseAdminChannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.login("mydapp", dappRedirect, "vote", "alice")
	t.Run("AdminChannel/socket_is_0600_in_a_0700_directory", func(t *testing.T) {
		fi, err := os.Lstat(admin.SocketPath(e.dir))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
			t.Fatalf("socket mode %v, want a 0600 socket", fi.Mode())
		}
		di, err := os.Stat(filepath.Dir(admin.SocketPath(e.dir)))
		if err != nil {
			t.Fatal(err)
		}
		if di.Mode().Perm()&0o077 != 0 {
			t.Fatalf("data directory mode %v: others can reach the socket", di.Mode().Perm())
		}
	})
	t.Run("AdminChannel/no_file_in_the_data_directory_is_readable_by_others", func(t *testing.T) {
		err := filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			if fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s has mode %v", p, fi.Mode().Perm())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("AdminChannel/malformed_admin_request_changes_nothing", func(t *testing.T) {
		before := e.snapshot()
		for _, msg := range []string{`{"op":"apps_add","args":{"name":"x","scopes":"vote","bogus":1}}`, `{"op":"nope"}`, "\xff\xfe", strings.Repeat("[", 1<<16)} {
			c, err := net.DialTimeout("unix", admin.SocketPath(e.dir), 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			c.Write([]byte(msg + "\n"))
			buf := make([]byte, 4096)
			n, _ := c.Read(buf)
			c.Close()
			if strings.Contains(string(buf[:n]), `"ok":true`) {
				t.Fatalf("admin channel accepted %.40q: %s", msg, buf[:n])
			}
		}
		assertNothingChanged(t, e, before)
	})
}
