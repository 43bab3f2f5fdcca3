package localapi_test

import (
	"net/http"
	"strings"
	"testing"

	"localsigner/internal/vectors"
)

// TestPrivateKeyInOperationsRefused: a private key, or a master password
// as wallets generate them, anywhere in an operation (a transfer's memo, a
// post's body) is refused before any prompt, whatever the grant allows:
// once signed it is public forever. A look-alike with a bad checksum goes
// through. The key is never repeated in the answer or the audit log.
func TestPrivateKeyInOperationsRefused(t *testing.T) {
	e := newDappEnv(t)
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	wif := kv.Login[0].WIF
	tk := e.login("mydapp", dappRedirect, "transfer comment")
	post := func(body string) string {
		return `["comment",{"parent_author":"","parent_permlink":"test","author":"alice","permlink":"p` +
			body[len(body)-6:] + `","title":"Hi","body":"` + body + `","json_metadata":"{}"}]`
	}
	for name, op := range map[string]string{
		"key in a memo":             `["transfer",{"from":"alice","to":"bob","amount":"0.001 HIVE","memo":"my key ` + wif + `"}]`,
		"master password in a post": post("password P" + wif),
	} {
		t.Run(name, func(t *testing.T) {
			head := e.net.HeadBlockNum()
			r := e.broadcast(tk.AccessToken, "["+op+"]")
			e.refused(r, http.StatusBadRequest, "invalid_request", head)
			if !strings.Contains(r.body, "private key") || strings.Contains(r.body, wif) {
				t.Fatalf("answer %s", r.body)
			}
			if len(e.pending(0)) != 0 {
				t.Fatal("a prompt was raised for an operation carrying a key")
			}
			ev := e.lastAudit("broadcast")
			if ev.Outcome != "invalid" || strings.Contains(ev.Detail, wif) {
				t.Fatalf("audit %+v", ev)
			}
		})
	}
	last := "a"
	if strings.HasSuffix(wif, "a") {
		last = "b"
	}
	e.landed(e.broadcast(tk.AccessToken, "["+post("not a key "+wif[:len(wif)-1]+last)+"]"))
}

// TestPeerIDMemoWithKeyRefused: a PeerID transfer's memo is encrypted by
// Localsigner, so the check happens on its text before sealing: a key in it
// is refused with nothing asked or signed.
func TestPeerIDMemoWithKeyRefused(t *testing.T) {
	e := newPeerIDEnv(t, "transfer")
	row := e.login()
	kv, err := vectors.LoadKeys()
	if err != nil {
		t.Fatal(err)
	}
	head := e.net.HeadBlockNum()
	st, _, raw := e.operations(row.Token, "["+pidTransfer(aliceID, bobID, 100, "here is my key "+kv.Login[0].WIF)+"]")
	if st != http.StatusBadRequest || !strings.Contains(string(raw), "private key") || strings.Contains(string(raw), kv.Login[0].WIF) {
		t.Fatalf("memo with a key: %d %s", st, raw)
	}
	if ps, err := e.admin.Approvals(); err != nil || len(ps) != 0 {
		t.Fatalf("prompts: %+v %v", ps, err)
	}
	if n := e.txsSince(head); n != 0 {
		t.Fatalf("%d transactions on chain", n)
	}
}
