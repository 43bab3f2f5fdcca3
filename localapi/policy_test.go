package localapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"localsigner/authz"
	"localsigner/internal/daemon"
	"localsigner/localapi/admin"
	"localsigner/signer/node"
)

// The tests in this file reproduce, against a real server on the devnet,
// the holes the policy core closed: each was seen on an earlier version,
// and each must stay closed whatever door the request comes through.

// account reads one account as the devnet has it.
func (e *dappEnv) account(name string) node.Account {
	e.t.Helper()
	as, err := e.nc.Accounts(context.Background(), []string{name})
	if err != nil || len(as) != 1 {
		e.t.Fatalf("account %s: %+v %v", name, as, err)
	}
	return as[0]
}

// TestAccountUpdateNeverRemembered: a profile edit through account_update
// cannot be remembered, so a later account_update that replaces the active
// authority is never signed without the user seeing the new key in full.
func TestAccountUpdateNeverRemembered(t *testing.T) {
	e := newDappEnv(t, func(c *daemon.Options) { c.ConfirmTimeout = 10 * time.Second })
	tk := e.login("profiles", dappRedirect, "account_update")
	alice, bob := e.account("alice"), e.account("bob")

	profile := `[["account_update",{"account":"alice","memo_key":"` + alice.MemoKey + `","json_metadata":"{\"profile\":{\"name\":\"Alice\"}}"}]]`
	wait := async(t, func() apiResult { return e.broadcast(tk.AccessToken, profile) })
	p := e.confirmation()
	if len(p.Transaction.Remember) != 0 {
		t.Fatalf("account_update offered don't ask again: %q", p.Transaction.Remember)
	}
	if err := e.admin.ApproveTransaction(p.ID, time.Hour); err == nil {
		t.Fatal("remembering an account_update was accepted")
	}
	if err := e.admin.ApproveTransaction(p.ID, 0); err != nil {
		t.Fatal(err)
	}
	e.landed(wait())

	// The second request moves the active key to bob's memo key: it asks,
	// and the prompt names the new authority and key whole.
	takeover := `[["account_update",{"account":"alice","active":{"weight_threshold":1,"account_auths":[],"key_auths":[["` +
		bob.MemoKey + `",1]]},"memo_key":"` + alice.MemoKey + `","json_metadata":""}]]`
	head := e.net.HeadBlockNum()
	wait = async(t, func() apiResult { return e.broadcast(tk.AccessToken, takeover) })
	p = e.confirmation()
	ops := p.Transaction.Operations
	if len(ops) != 1 || len(p.Transaction.Remember) != 0 ||
		!slices.ContainsFunc(ops[0].Details, func(d string) bool {
			return strings.HasPrefix(d, "New active authority:") && strings.Contains(d, bob.MemoKey)
		}) {
		t.Fatalf("confirmation of a new active key %+v", p.Transaction)
	}
	if err := e.admin.Deny(p.ID); err != nil {
		t.Fatal(err)
	}
	e.refused(wait(), http.StatusForbidden, "access_denied", head)
	if now := e.account("alice"); len(now.Active.KeyAuths) != 1 || now.Active.KeyAuths[0].Name != alice.Active.KeyAuths[0].Name {
		t.Fatalf("alice's active authority changed: %+v", now.Active)
	}
}

// TestRememberedCounterparty: a remembered transfer_from_savings to alice
// covers that recipient only; another recipient, or a witness vote, asks.
func TestRememberedCounterparty(t *testing.T) {
	e := newDappEnv(t, func(c *daemon.Options) { c.ConfirmTimeout = 10 * time.Second })
	tk := e.login("savings", dappRedirect, "transfer_from_savings account_witness_vote")
	withdraw := func(to, amount string, id int) string {
		return `[["transfer_from_savings",{"from":"alice","request_id":` + strconv.Itoa(id) + `,"to":"` + to +
			`","amount":"` + amount + `","memo":""}]]`
	}
	wait := async(t, func() apiResult { return e.broadcast(tk.AccessToken, withdraw("alice", "1.000 HIVE", 1)) })
	p := e.confirmation()
	if len(p.Transaction.Remember) != 1 || !strings.Contains(p.Transaction.Remember[0], "to @alice") {
		t.Fatalf("offer %q", p.Transaction.Remember)
	}
	if err := e.admin.ApproveTransaction(p.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	e.landed(wait())
	e.landed(e.broadcast(tk.AccessToken, withdraw("alice", "2.000 HIVE", 2))) // remembered: no prompt

	head := e.net.HeadBlockNum()
	wait = async(t, func() apiResult { return e.broadcast(tk.AccessToken, withdraw("carol", "9.000 HIVE", 3)) })
	p = e.confirmation()
	if !strings.Contains(p.Transaction.Operations[0].Summary, "carol") {
		t.Fatalf("confirmation %+v", p.Transaction.Operations)
	}
	if err := e.admin.Deny(p.ID); err != nil {
		t.Fatal(err)
	}
	e.refused(wait(), http.StatusForbidden, "access_denied", head)

	// A witness vote changes who governs the chain: never remembered.
	wait = async(t, func() apiResult {
		return e.broadcast(tk.AccessToken, `[["account_witness_vote",{"account":"alice","witness":"bob","approve":true}]]`)
	})
	p = e.confirmation()
	if len(p.Transaction.Remember) != 0 {
		t.Fatalf("witness vote offered don't ask again: %q", p.Transaction.Remember)
	}
	if err := e.admin.Deny(p.ID); err != nil {
		t.Fatal(err)
	}
	e.refused(wait(), http.StatusForbidden, "access_denied", e.net.HeadBlockNum())
}

// jwtScope reads the scope claim of a JWT without verifying it (the
// server's own checks are what the test exercises).
func jwtScope(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Scope []string `json:"scope"`
	}
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		t.Fatalf("claims of %q: %s", tok, raw)
	}
	return strings.Join(claims.Scope, " ")
}

// registeredApp adds an app for alice and returns it with its grant.
func registeredApp(t *testing.T, e *env, scopes string) (admin.AddAppResult, authz.GrantInfo) {
	t.Helper()
	app, err := e.admin.AddApp(adminAddApp("bot", scopes, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	// The grant is listed once the app has used it.
	if st, _, b := e.do(http.MethodPost, "/oauth2/token", formBody("grant_type", "client_credentials"),
		map[string]string{"Content-Type": form, "Authorization": basicAuth(app.App.ID, app.Secret)}); st != http.StatusOK {
		t.Fatalf("client_credentials: %d %s", st, b)
	}
	gs, err := e.admin.Grants()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.ClientID == app.App.ID {
			return app, g
		}
	}
	t.Fatalf("no grant for app %s in %+v", app.App.ID, gs)
	return app, authz.GrantInfo{}
}

// TestNarrowedAppGrantLasts: after the user narrows a registered app's
// grant, every way the app gets a token carries the narrowed scopes, and
// a transfer with such a token is refused.
func TestNarrowedAppGrantLasts(t *testing.T) {
	e := newDappEnv(t)
	app, g := registeredApp(t, e.env, "vote transfer")
	if err := e.admin.NarrowGrant(g.ID, []string{"vote"}); err != nil {
		t.Fatal(err)
	}

	st, _, body := e.do(http.MethodPost, "/oauth2/token", formBody("grant_type", "client_credentials"),
		map[string]string{"Content-Type": form, "Authorization": basicAuth(app.App.ID, app.Secret)})
	var cc tokens
	if json.Unmarshal([]byte(body), &cc); st != http.StatusOK || cc.Scope != "vote" {
		t.Fatalf("client_credentials after narrowing: %d %s", st, body)
	}
	st, m := e.appToken(app.App.ID, app.Secret)
	jwt, _ := m["access_token"].(string)
	if st != http.StatusOK || jwtScope(t, jwt) != "vote" {
		t.Fatalf("/auth/token after narrowing: %d %v", st, m)
	}
	for name, tok := range map[string]string{"client_credentials": cc.AccessToken, "app JWT": jwt} {
		head := e.net.HeadBlockNum()
		r := e.broadcast(tok, `[["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":""}]]`)
		if r.status != http.StatusForbidden {
			t.Fatalf("%s token, transfer after narrowing: %d %s", name, r.status, r.body)
		}
		e.refused(r, r.status, r.json["error"].(string), head)
	}
}

// TestNarrowedPeerIDPasswordGrant: PeerID's password grant issues the
// grant's current operations, not the app's registered ones.
func TestNarrowedPeerIDPasswordGrant(t *testing.T) {
	e := newPeerIDEnv(t, "transfer limit_order_create")
	pw, err := e.admin.AppPassword(e.app, false)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"login": "alice", "password": pw, "client_id": e.app})
	if row := e.tokenRow(e.call("/api/v1/auth/token", string(body), nil)); len(row.Scope) != 2 {
		t.Fatalf("password grant before narrowing: scope %v", row.Scope)
	}
	gs, err := e.admin.Grants()
	if err != nil || len(gs) != 1 {
		t.Fatalf("grants %+v %v", gs, err)
	}
	if err := e.admin.NarrowGrant(gs[0].ID, []string{"transfer"}); err != nil {
		t.Fatal(err)
	}
	row := e.tokenRow(e.call("/api/v1/auth/token", string(body), nil))
	if !slices.Equal(row.Scope, []int{0}) { // transfer is operation 0
		t.Fatalf("password grant after narrowing: scope %v", row.Scope)
	}
}

// TestAppJWTRevocation: an app JWT revoked at either revocation endpoint
// introspects inactive and gets nothing signed.
func TestAppJWTRevocation(t *testing.T) {
	for _, route := range []string{"/oauth2/revoke", "/api/oauth2/token/revoke"} {
		t.Run(strings.TrimPrefix(route, "/"), func(t *testing.T) {
			e := newDappEnv(t)
			app, _ := registeredApp(t, e.env, "custom_json")
			st, m := e.appToken(app.App.ID, app.Secret)
			jwt, _ := m["access_token"].(string)
			if st != http.StatusOK {
				t.Fatalf("/auth/token: %d %v", st, m)
			}
			follow := "[" + followOp("follow", "alice") + "]"
			e.landed(e.broadcast(jwt, follow))

			if route == "/oauth2/revoke" {
				st, _, b := e.do(http.MethodPost, route, formBody("token", jwt),
					map[string]string{"Content-Type": form, "Authorization": basicAuth(app.App.ID, app.Secret)})
				if st != http.StatusOK {
					t.Fatalf("revoke: %d %s", st, b)
				}
			} else if r := e.api(http.MethodPost, route, jwt, ""); r.status != http.StatusOK {
				t.Fatalf("revoke: %d %s", r.status, r.body)
			}
			if in, err := e.admin.Introspect(jwt); err != nil || in.Active {
				t.Fatalf("introspection after revoke: %+v %v", in, err)
			}
			head := e.net.HeadBlockNum()
			e.refused(e.broadcast(jwt, follow), http.StatusUnauthorized, "invalid_token", head)
		})
	}
}

// TestRevokedWhileWaiting: a broadcast waiting for the vault to be
// unlocked, or for the user's confirmation, is not signed when its grant
// is revoked meanwhile: the dapp gets 401, the prompt goes, and the audit
// log says why.
func TestRevokedWhileWaiting(t *testing.T) {
	transfer := `[["transfer",{"from":"alice","to":"bob","amount":"1.000 HIVE","memo":""}]]`

	t.Run("unlock", func(t *testing.T) {
		e := newDappEnv(t, func(c *daemon.Options) { c.UnlockWait = 20 * time.Second })
		tk := e.login("mydapp", dappRedirect, "custom_json")
		if err := e.admin.Lock(); err != nil {
			t.Fatal(err)
		}
		head := e.net.HeadBlockNum()
		wait := async(t, func() apiResult {
			return e.broadcast(tk.AccessToken, "["+followOp("follow", "alice")+"]")
		})
		waitLog(t, e.env, "request waiting for the vault to be unlocked")
		if n, err := e.admin.Revoke("mydapp"); err != nil || n != 1 {
			t.Fatalf("revoke: %d %v", n, err)
		}
		e.refused(wait(), http.StatusUnauthorized, "invalid_token", head)
		if err := e.admin.Unlock([]byte(passphrase)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
		if n := e.txsSince(head); n != 0 {
			t.Fatalf("%d transactions after unlock: the revoked request was signed", n)
		}
		if ev := e.lastAudit("broadcast"); !strings.Contains(ev.Detail, "revoked") {
			t.Fatalf("audit %+v", ev)
		}
	})

	t.Run("confirmation", func(t *testing.T) {
		e := newDappEnv(t, func(c *daemon.Options) { c.ConfirmTimeout = 20 * time.Second })
		tk := e.login("mydapp", dappRedirect, "transfer")
		head := e.net.HeadBlockNum()
		wait := async(t, func() apiResult { return e.broadcast(tk.AccessToken, transfer) })
		p := e.confirmation()
		if _, err := e.admin.Revoke("mydapp"); err != nil {
			t.Fatal(err)
		}
		e.refused(wait(), http.StatusUnauthorized, "invalid_token", head)
		if ps, err := e.admin.Approvals(); err != nil || len(ps) != 0 {
			t.Fatalf("prompts after revoke: %+v %v", ps, err)
		}
		if err := e.admin.ApproveTransaction(p.ID, 0); err == nil {
			t.Fatal("the withdrawn confirmation could still be approved")
		}
		if ev := e.lastAudit("broadcast"); !strings.Contains(ev.Detail, "revoked") {
			t.Fatalf("audit %+v", ev)
		}
	})
}

// waitLog waits until the server's debug log contains s.
func waitLog(t *testing.T, e *env, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(e.logs.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("log never said %q:\n%s", s, e.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLegacyNoAskDroppedAtStart: "don't ask again" entries stored by an
// earlier version (a transfer remembered by recipient alone, an
// account_update) cover nothing once Localsigner starts again: they are
// dropped, with an audit event saying which, and the entries the current
// rules allow stay.
func TestLegacyNoAskDroppedAtStart(t *testing.T) {
	e := newDappEnv(t)
	e.login("mydapp", dappRedirect, "transfer account_update")
	now, until := time.Now(), time.Now().Add(24*time.Hour)
	err := e.db.Update(func(tx authz.Tx) error {
		gs, err := tx.Grants()
		if err != nil || len(gs) != 1 {
			t.Fatalf("grants %+v %v", gs, err)
		}
		g := &gs[0]
		g.NoAsk = []authz.NoAsk{
			{Operation: "transfer", To: "bob", CreatedAt: now, Expires: until},
			{Operation: "account_update", CreatedAt: now, Expires: until},
			{Operation: "transfer", Match: map[string]string{"to": "carol", "memo": ""}, Text: "transfer to @carol, no memo, any amount",
				CreatedAt: now, Expires: until},
		}
		return tx.PutGrant(g)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Stop()
	<-e.stopped

	// The same store and vault, started again.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := daemon.Start(ctx, daemon.Options{DataDir: e.dir, Store: e.db, Vault: e.vault, Chain: e.Chain, Listen: "127.0.0.1:0", NoAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); d.Wait() }()
	var left []authz.NoAsk
	var audit []authz.Event
	err = e.db.View(func(tx authz.Tx) error {
		gs, err := tx.Grants()
		if err != nil {
			return err
		}
		left = gs[0].NoAsk
		audit, err = tx.Audit(0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].Match["to"] != "carol" {
		t.Fatalf("entries after restart %+v", left)
	}
	last := audit[len(audit)-1]
	if last.Type != authz.EventNoAskRemoved || !strings.Contains(last.Detail, "account_update") || !strings.Contains(last.Detail, "bob") ||
		strings.Contains(last.Detail, "carol") {
		t.Fatalf("audit %+v", last)
	}
}
