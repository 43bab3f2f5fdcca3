package e2e_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/localapi/jose"
	"localsigner/signer/devnet"
	"localsigner/signer/keys"
)

// login clicks "Log in with Localsigner" on the page already open, checks
// the request Localsigner shows, approves it for account through the admin
// channel, and waits for the page to show the account.
//
// The server holds the browser's authorization request until the user
// decides, as it would while the user reads the approval window. Chromium
// runs no DevTools command on a page whose navigation is pending, so the
// page can be neither read nor photographed until the decision.
func login(t *testing.T, e *env, b *browser, client, redirect, account string) approval.Request {
	t.Helper()
	b.Click("#login")
	req := e.nextApproval()
	if req.ClientID != client || req.Origin != e.dapp || req.RedirectURI != redirect || req.ResponseType != "code" ||
		req.Chain != "devnet" {
		t.Fatalf("Localsigner was asked %+v", req)
	}
	if err := e.admin.Approve(req.ID, nil, account, false); err != nil {
		t.Fatal(err)
	}
	b.WaitText("#account", "@"+account)
	return req
}

// TestDappLoginAndVote is the whole story in a real browser: the example
// dapp logs in (PKCE S256, state and nonce made in the page), the user
// approves, the page exchanges the code itself (CORS to the token endpoint
// is open to the approved origin only) and checks the id_token, shows the
// account, and votes; the vote is in a devnet block. Then a custom_json,
// and a transfer that waits for the user's confirmation.
func TestDappLoginAndVote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	b := startBrowser(t)

	// Before the user approves anything, the dapp's origin gets no CORS.
	if e.corsAllowed("/oauth2/token", e.dapp) {
		t.Fatal("token endpoint open to the dapp's origin before any approval")
	}
	b.Goto(e.page("/"))
	b.WaitState(`body[data-ready="true"]`, "attached")
	if got := b.Text("#signer-url"); got != e.signer {
		t.Fatalf("page shows signer %q, want %q", got, e.signer)
	}
	b.Shot("dapp before login")

	req := login(t, e, b, exampleClient, e.dapp+"/", "alice")
	if !req.FirstTime || req.RequestedScopes.String() != "comment custom_json:localsigner-example login transfer vote" {
		t.Fatalf("requested %+v", req)
	}
	b.Shot("logged in")

	// The code left the address bar; the token came from the browser's own
	// exchange, once.
	if u := b.URL(); u != e.dapp+"/" {
		t.Fatalf("address bar after login: %s", u)
	}
	if got := strings.Join(e.auditTypes(), ","); got != "approved,token_issued" {
		t.Fatalf("audit log %s", got)
	}
	if !e.corsAllowed("/oauth2/token", e.dapp) {
		t.Fatal("token endpoint not open to the approved origin")
	}
	grants, err := e.admin.Grants()
	if err != nil || len(grants) != 1 || grants[0].Account != "alice" || grants[0].ClientID != exampleClient ||
		grants[0].Tokens != 1 {
		t.Fatalf("grants %+v %v", grants, err)
	}
	var sess struct {
		AccessToken string `json:"accessToken"`
		IDToken     string `json:"idToken"`
	}
	b.Eval(`JSON.parse(sessionStorage.getItem('localsigner-example:session:/'))`, &sess)
	if in, err := e.admin.Introspect(sess.AccessToken); err != nil || !in.Active || in.Username != "alice" || in.ClientID != exampleClient {
		t.Fatalf("the page's token: %+v %v", in, err)
	}

	t.Run("id_token", func(t *testing.T) {
		// What a dapp's backend does with the id_token the page received:
		// verify it against alice's posting keys as the chain lists them.
		if sess.IDToken == "" {
			t.Fatal("no id_token although the login scope was granted")
		}
		accts, err := e.nc.Accounts(context.Background(), []string{"alice"})
		if err != nil || len(accts) != 1 {
			t.Fatalf("alice on chain: %v", err)
		}
		var posting []keys.PublicKey
		for _, k := range accts[0].Posting.KeyAuths {
			pub, err := keys.ParsePublicKey(k.Name, e.chain.Chain().Prefix)
			if err != nil {
				t.Fatal(err)
			}
			posting = append(posting, pub)
		}
		claims, _, err := jose.VerifyIDToken(sess.IDToken, posting, jose.IDCheck{Audience: exampleClient, Origin: e.dapp, Issuer: e.signer})
		if err != nil || claims.Subject != "alice" {
			t.Fatalf("id_token: %+v %v", claims, err)
		}
		if text := b.in(t).Text("#id-token"); !strings.Contains(text, "@alice on devnet, signed by the posting key") {
			t.Fatalf("the page shows %q", text)
		}
	})

	t.Run("me", func(t *testing.T) {
		b := b.in(t)
		b.Wait("#me-box")
		if me := b.Text("#me"); !strings.Contains(me, `"alice"`) {
			t.Fatalf("/api/me shows %s", me)
		}
		if b.Visible("#error") {
			t.Fatalf("error shown: %s", b.Text("#error"))
		}
	})

	t.Run("vote", func(t *testing.T) {
		b := b.in(t)
		b.Click("#vote")
		b.WaitText("#results", "Vote")
		b.Shot("voted")
		id := txOfLastResult(t, b)
		waitFor(t, "the vote in a block", 10*time.Second, func() bool { return len(e.chain.TransactionBlocks(id)) == 1 })
		if !slices.ContainsFunc(e.chain.Votes(), func(v devnet.Vote) bool {
			return v.Voter == "alice" && v.Author == seedAuthor && v.Permlink == seedPermlink && v.Weight == 10000
		}) {
			t.Fatalf("votes on chain: %+v", e.chain.Votes())
		}
	})

	t.Run("custom_json", func(t *testing.T) {
		b := b.in(t)
		b.Click("#custom-json")
		b.WaitText("#results", "custom_json")
		id := txOfLastResult(t, b)
		waitFor(t, "the custom_json in a block", 10*time.Second, func() bool { return len(e.chain.TransactionBlocks(id)) == 1 })
		cj := e.chain.CustomJSONs()
		if len(cj) != 1 || cj[0].ID != "localsigner-example" || !slices.Equal(cj[0].RequiredPostingAuths, []string{"alice"}) ||
			!strings.Contains(cj[0].JSON, "hello devnet") {
			t.Fatalf("custom_json on chain: %+v", cj)
		}
	})

	t.Run("transfer", func(t *testing.T) {
		b := b.in(t)
		before, _ := e.chain.Balance("bob", "HIVE")
		b.Click("#transfer")
		b.WaitText("#status", "confirm the transfer")
		b.Shot("transfer waits for confirmation")
		c := e.nextApproval()
		if c.Kind != approval.KindTransaction || c.ClientID != exampleClient || c.Account != "alice" || c.Transaction == nil ||
			len(c.Transaction.Operations) != 1 || !strings.Contains(c.Transaction.Operations[0].Summary, "0.001 HIVE") {
			t.Fatalf("confirmation asked: %+v", c)
		}
		if err := e.admin.Approve(c.ID, nil, "", false); err != nil {
			t.Fatal(err)
		}
		b.WaitText("#results", "Transfer")
		b.Shot("transferred")
		id := txOfLastResult(t, b)
		waitFor(t, "the transfer in a block", 10*time.Second, func() bool { return len(e.chain.TransactionBlocks(id)) == 1 })
		if after, _ := e.chain.Balance("bob", "HIVE"); after != before+1 {
			t.Fatalf("bob's balance %d → %d, want +1 unit", before, after)
		}
	})

	t.Run("transfer denied", func(t *testing.T) {
		b := b.in(t)
		b.Click("#transfer")
		c := e.nextApproval()
		if err := e.admin.Deny(c.ID); err != nil {
			t.Fatal(err)
		}
		if msg := b.WaitText("#error", "/api/broadcast failed"); !strings.Contains(msg, "HTTP 4") {
			t.Fatalf("the dapp shows %q", msg)
		}
		b.Shot("transfer denied")
	})
}

// txOfLastResult reads the transaction id the page shows for its last
// broadcast.
func txOfLastResult(t *testing.T, b *browser) string {
	t.Helper()
	var id string
	b.Eval(`document.querySelector('#results li').dataset.tx || ''`, &id)
	if len(id) != 40 {
		t.Fatalf("the page shows no transaction id: %q", b.Text("#results"))
	}
	return id
}

// TestDappDenied: when the user says no, the dapp says so. A dapp the user
// has never approved is not told anything (Localsigner will not redirect to
// a URI nobody vouched for): the user sees Localsigner's own page. A dapp
// approved before gets access_denied back and shows it.
func TestDappDenied(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	b := startBrowser(t)

	// A first-time dapp, denied.
	b.Goto(e.page("/", "client_id", "never-approved"))
	b.WaitState(`body[data-ready="true"]`, "attached")
	b.Click("#login")
	req := e.nextApproval()
	if req.ClientID != "never-approved" || !req.FirstTime {
		t.Fatalf("request %+v", req)
	}
	if err := e.admin.Deny(req.ID); err != nil {
		t.Fatal(err)
	}
	b.WaitURL(e.signer + "/oauth2/authorize")
	if text := b.Text("body"); !strings.Contains(text, "the user denied the request") || !strings.Contains(text, e.dapp) {
		t.Fatalf("Localsigner's page says %q", text)
	}
	b.Shot("first-time dapp denied: Localsigner's page")

	// The example dapp, approved once, logs out (revoking its token), then
	// asks again and is denied.
	b.Goto(e.page("/", "client_id", exampleClient))
	b.WaitState(`body[data-ready="true"]`, "attached")
	login(t, e, b, exampleClient, e.dapp+"/", "alice")
	b.Click("#logout")
	b.Wait("#login")
	waitFor(t, "the token revoked", 5*time.Second, func() bool {
		gs, err := e.admin.Grants()
		return err == nil && (len(gs) == 0 || len(gs) == 1 && gs[0].Tokens == 0)
	})
	b.Shot("logged out")

	b.Click("#login")
	req = e.nextApproval()
	if req.ClientID != exampleClient || req.FirstTime {
		t.Fatalf("request %+v", req)
	}
	if err := e.admin.Deny(req.ID); err != nil {
		t.Fatal(err)
	}
	msg := b.WaitText("#error", "access_denied")
	if !strings.Contains(msg, "Login denied") || !strings.Contains(msg, "the user denied the request") {
		t.Fatalf("the dapp shows %q", msg)
	}
	var code string
	b.Eval(`document.getElementById('error').dataset.code`, &code)
	if code != "access_denied" || b.Visible("#account-box") || !b.Visible("#login") {
		t.Fatalf("after the denial: code %q, account shown %v", code, b.Visible("#account-box"))
	}
	b.Shot("denied: the dapp shows the error")
	if u := b.URL(); u != e.dapp+"/" {
		t.Fatalf("address bar after the denial: %s", u)
	}
	if got := strings.Join(e.auditTypes(), ","); got != "denied,approved,token_issued,revoked,denied" {
		t.Fatalf("audit log %s", got)
	}
}

// TestDappNoSigner: with Localsigner not running the dapp says so.
func TestDappNoSigner(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	b := startBrowser(t)
	dead := closedPort(t)
	b.Goto(e.dapp + "/?signer=" + dead + "&client_id=" + exampleClient)
	b.WaitState(`body[data-ready="true"]`, "attached")
	// Pretend a login answer arrived: the exchange cannot reach the signer.
	b.Eval(`sessionStorage.setItem('localsigner-example:pending:/', JSON.stringify({state: 's', verifier: 'v'.repeat(43),
		signer: '`+dead+`', clientId: 'localsigner-example', redirectUri: location.origin + '/'})), true`, nil)
	b.Goto(e.dapp + "/?code=abc&state=s&iss=" + dead)
	msg := b.WaitText("#error", "Token exchange failed")
	if !strings.Contains(msg, "cannot reach Localsigner") {
		t.Fatalf("the dapp shows %q", msg)
	}
	b.Shot("signer not running")
	// And a bad ?signer= is refused before anything is sent.
	b.Goto(e.dapp + "/?signer=https://evil.example/path")
	if msg := b.WaitText("#error", "Bad signer URL"); !strings.Contains(msg, "evil.example") {
		t.Fatalf("the dapp shows %q", msg)
	}
}
