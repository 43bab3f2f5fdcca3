package hiveauth_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"localsigner/approval"
	"localsigner/hiveauth"
	"localsigner/internal/daemon"
	"localsigner/internal/hasrelay"
	"localsigner/internal/npmtest"
	"localsigner/internal/testkit"
	"localsigner/signer/keys"
	"localsigner/signer/node"
	"localsigner/signer/tx"
)

// startPKSA runs Localsigner on the devnet with HiveAuth on, against the
// test relay (internal/hasrelay: a minimal relay written for the tests
// from the protocol documents, since the public one is out of reach),
// which checks proofs of key against the devnet's accounts.
func startPKSA(t *testing.T) (*testkit.Kit, *hasrelay.Relay, string) {
	t.Helper()
	var k *testkit.Kit
	relay, url := hasrelay.Start(t, hasrelay.Config{AccountKeys: func(ctx context.Context, name string) ([]keys.PublicKey, error) {
		return accountKeys(ctx, k, name)
	}})
	k = testkit.Start(t, testkit.Options{Daemon: func(o *daemon.Options) {
		o.HiveAuth = daemon.HiveAuthOptions{Enabled: true, Relay: url}
	}})
	return k, relay, url
}

// accountKeys are an account's public keys as the devnet publishes them.
func accountKeys(ctx context.Context, k *testkit.Kit, name string) ([]keys.PublicKey, error) {
	accts, err := k.Node.Accounts(ctx, []string{name})
	if err != nil || len(accts) == 0 {
		return nil, err
	}
	a := accts[0]
	var out []keys.PublicKey
	add := func(s string) {
		if p, err := keys.ParsePublicKey(s, k.Chain.Prefix); err == nil {
			out = append(out, p)
		}
	}
	for _, auth := range []*node.Authority{&a.Owner, &a.Active, a.Posting} {
		if auth != nil {
			for _, e := range auth.KeyAuths {
				add(e.Name)
			}
		}
	}
	add(a.MemoKey)
	return out, nil
}

type event struct {
	Event     string          `json:"event"`
	Step      string          `json:"step"`
	Link      string          `json:"link"`
	Challenge string          `json:"challenge"`
	Cmd       string          `json:"cmd"`
	Broadcast *bool           `json:"broadcast"`
	Data      json.RawMessage `json:"data"`
	Error     string          `json:"error"`
}

// TestHiveAuthWrapper drives Localsigner as a PKSA with the unmodified npm
// hive-auth-wrapper, the library dapps use, through the test relay: a
// sign-in whose challenge signature verifies against the devnet's posting
// key; a follow broadcast without a question (the posting scope the user
// approved); an active transfer confirmed by the user, across a relay
// that drops every connection while the confirmation is open, broadcast
// once; a second transfer denied; a challenge confirmed and signed; a
// sign-only request whose transaction the devnet accepts; and that request
// again, refused for its repeated nonce.
func TestHiveAuthWrapper(t *testing.T) {
	dir := npmDir(t)
	k, relay, url := startPKSA(t)
	script, err := filepath.Abs(filepath.Join("testdata", "dapp.js"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, url)
	cmd.Dir, cmd.Env = dir, npmtest.Env(dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("dapp stderr:\n%s", stderr.String())
		}
	}()
	lines := bufio.NewScanner(out)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	next := func(want string) event {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("the dapp ended before %s: %v", want, lines.Err())
		}
		var e event
		if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
			t.Fatalf("dapp printed %q", lines.Text())
		}
		if e.Event != want {
			t.Fatalf("dapp event %+v, want %s", e, want)
		}
		return e
	}

	// Sign-in: the link goes to the app as the OS would hand it over;
	// the user approves in the queue.
	wait := next("auth_wait")
	type linkRes struct {
		r   *hiveauth.LinkResult
		err error
	}
	linkDone := make(chan linkRes, 1)
	go func() {
		r, err := k.Admin.OpenHiveAuth(wait.Link)
		linkDone <- linkRes{r, err}
	}()
	p := k.WaitApproval(approval.KindAuthorize)
	if p.Account != "alice" || !strings.Contains(p.Via, "“Test dapp” (name not verified)") || p.Origin != "" ||
		!strings.HasPrefix(p.ClientID, "hiveauth-") || !containsAll(p.RequestedScopes, "login", "vote", "transfer") {
		t.Fatalf("sign-in request %+v", p)
	}
	if err := k.Admin.Approve(p.ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	ack := next("auth_ack")
	var ad hiveauth.AuthAckData
	if err := json.Unmarshal(ack.Data, &ad); err != nil || ad.Challenge == nil || ad.Expire < time.Now().Add(23*time.Hour).UnixMilli() {
		t.Fatalf("auth_ack data %s (%v)", ack.Data, err)
	}
	posting := publicKey(t, k, "alice", "posting")
	verify(t, k, ad.Challenge, ack.Challenge, posting)
	if lr := <-linkDone; lr.err != nil || !lr.r.Approved || !lr.r.Challenge || lr.r.App != "Test dapp" {
		t.Fatalf("open link: %+v %v", lr.r, lr.err)
	}

	// A follow, in the posting scope: signed and broadcast, nobody asked.
	v := next("vote")
	var voteID string
	if json.Unmarshal(v.Data, &voteID) != nil || v.Cmd != "sign_ack" || v.Broadcast == nil || !*v.Broadcast ||
		len(k.Devnet.Net.TransactionBlocks(voteID)) != 1 {
		t.Fatalf("vote %+v", v)
	}

	// An active transfer: confirmed by the user, whose window says what
	// asks and that its name is its own claim. The relay drops every
	// connection while it is open; the answer still arrives, once.
	tp := k.WaitApproval(approval.KindTransaction)
	if tp.Transaction.Authority != "active" || !strings.Contains(tp.Transaction.Via, "Test dapp") ||
		!strings.Contains(tp.Transaction.Source, "claim") || len(tp.Transaction.Remember) == 0 {
		t.Fatalf("transfer confirmation %+v %+v", tp, tp.Transaction)
	}
	relay.DropConnections()
	waitFor(t, "the PKSA to register again", func() bool { return relay.Forwarded(hiveauth.CmdSignReq) >= 3 })
	if err := k.Admin.ApproveTransaction(tp.ID, 0); err != nil {
		t.Fatal(err)
	}
	tr := next("transfer")
	var trID string
	if json.Unmarshal(tr.Data, &trID) != nil || tr.Cmd != "sign_ack" || len(k.Devnet.Net.TransactionBlocks(trID)) != 1 {
		t.Fatalf("transfer %+v", tr)
	}

	// A second transfer, denied: the wrapper gets sign_nack.
	tp2 := k.WaitApproval(approval.KindTransaction)
	if err := k.Admin.Deny(tp2.ID); err != nil {
		t.Fatal(err)
	}
	if e := next("transfer2"); e.Cmd != "sign_nack" {
		t.Fatalf("denied transfer: %+v", e)
	}

	// A challenge after sign-in: the user reads it and confirms.
	mp := k.WaitApproval(approval.KindMessage)
	if mp.Message.Text != "prove it: 42" || !strings.Contains(mp.Message.Via, "Test dapp") {
		t.Fatalf("challenge confirmation %+v", mp.Message)
	}
	if err := k.Admin.ApproveTransaction(mp.ID, 0); err != nil {
		t.Fatal(err)
	}
	ch := next("challenge")
	var cd hiveauth.ChallengeAck
	if err := json.Unmarshal(ch.Data, &cd); err != nil {
		t.Fatal(err)
	}
	verify(t, k, &cd, "prove it: 42", posting)

	// Sign only: the signed transaction comes back, not broadcast, and
	// the devnet accepts it.
	so := next("sign_only")
	if so.Cmd != "sign_ack" || so.Broadcast == nil || *so.Broadcast {
		t.Fatalf("sign-only %+v", so)
	}
	signed, err := tx.Decode(k.Chain, so.Data)
	if err != nil {
		t.Fatalf("signed transaction %s: %v", so.Data, err)
	}
	if _, err := k.Node.Broadcast(ctx, signed); err != nil {
		t.Fatalf("the devnet refuses the sign-only transaction: %v", err)
	}

	// The same request again, nonce unchanged: refused, nothing signed.
	if e := next("replay"); e.Cmd != "sign_err" || !strings.Contains(e.Error, "nonce") {
		t.Fatalf("replayed request: %+v", e)
	}
}

func containsAll(have approval.Scopes, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

func publicKey(t *testing.T, k *testkit.Kit, account, role string) string {
	t.Helper()
	pub, err := k.Vault.PublicKey(k.Chain.Name, account, role)
	if err != nil {
		t.Fatal(err)
	}
	return pub.Format(k.Chain.Prefix)
}

// verify checks a signed challenge as a dapp does: the signature over
// SHA-256 of the text recovers the key, which is the account's on chain.
func verify(t *testing.T, k *testkit.Kit, c *hiveauth.ChallengeAck, text, want string) {
	t.Helper()
	if c.Pubkey != want {
		t.Fatalf("challenge signed by %s, want the posting key %s", c.Pubkey, want)
	}
	sig, err := keys.ParseSignature(c.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.ParsePublicKey(want, k.Chain.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Verify(pub, sha256.Sum256([]byte(text)), sig); err != nil {
		t.Fatalf("the challenge signature does not verify: %v", err)
	}
	chainKeys, err := accountKeys(context.Background(), k, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range chainKeys {
		if ck == pub {
			return
		}
	}
	t.Fatalf("%s is not one of the devnet's keys of @alice", want)
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
