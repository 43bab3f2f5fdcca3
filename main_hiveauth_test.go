package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"localsigner/app"
	"localsigner/hiveauth"
	"localsigner/internal/hasrelay"
	"localsigner/signer/chain"
	"localsigner/signer/devnet"
	"localsigner/signer/keys"
)

// hiveAuthRelay starts the test relay (internal/hasrelay, written for the
// tests from the protocol documents) and turns HiveAuth on in the app's
// settings, pointed at it. The relay checks proofs of key against the
// embedded devnet's genesis keys, which come from its default password.
func (x *xapp) hiveAuthRelay() string {
	x.t.Helper()
	g, err := devnet.DefaultGenesis(chain.Hive, "STM", devnet.DefaultPassword)
	if err != nil {
		x.t.Fatal(err)
	}
	_, url := hasrelay.Start(x.t, hasrelay.Config{AccountKeys: func(_ context.Context, name string) ([]keys.PublicKey, error) {
		var out []keys.PublicKey
		for _, a := range g.Accounts {
			if a.Name != name {
				continue
			}
			for _, s := range []string{a.Keys.Owner, a.Keys.Active, a.Keys.Posting, a.Keys.Memo} {
				if k, err := keys.ParsePublicKey(s, "STM"); err == nil {
					out = append(out, k)
				}
			}
		}
		return out, nil
	}})
	path := filepath.Join(x.dataDir(), app.SettingsFile)
	settings := map[string]any{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &settings); err != nil {
			x.t.Fatal(err)
		}
	}
	settings["hiveauth"], settings["hiveauth_relay"] = true, url
	b, _ := json.Marshal(settings)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		x.t.Fatal(err)
	}
	return url
}

func (x *xapp) dataDir() string {
	for _, e := range x.env {
		if v, ok := strings.CutPrefix(e, "LOCALSIGNER_DATA_DIR="); ok {
			return v
		}
	}
	x.t.Fatal("no data directory")
	return ""
}

// hiveAuthSignIn plays a HiveAuth dapp (written in Go from the protocol
// documents) asking to sign in @alice through the relay; its has:// link
// is handed to a second process as the OS would; the real approval window
// shows what the app claims, and a click signs in: the dapp gets auth_ack
// with the challenge signed by alice's posting key.
func (x *xapp) hiveAuthSignIn(relay, shot string) {
	x.t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(relay, nil)
	if err != nil {
		x.t.Fatal(err)
	}
	defer ws.Close()
	const key = "e2e0c0de-5e55-4a1e-8000-000000000abc"
	challenge := "sign in to Test dapp at " + time.Now().UTC().Format(time.RFC3339)
	plain, _ := json.Marshal(hiveauth.AuthReqData{App: hiveauth.AppInfo{Name: "Test dapp"},
		Challenge: &hiveauth.ChallengeData{KeyType: "posting", Challenge: challenge}})
	enc, err := hiveauth.Encrypt(plain, key)
	if err != nil {
		x.t.Fatal(err)
	}
	data, _ := json.Marshal(enc)
	if err := ws.WriteJSON(hiveauth.Message{Cmd: hiveauth.CmdAuthReq, Account: "alice", Data: data}); err != nil {
		x.t.Fatal(err)
	}
	read := func() hiveauth.Message {
		_ = ws.SetReadDeadline(time.Now().Add(60 * time.Second))
		var m hiveauth.Message
		if err := ws.ReadJSON(&m); err != nil {
			x.t.Fatalf("relay: %v", err)
		}
		return m
	}
	var uuid string
	for uuid == "" {
		if m := read(); m.Cmd == hiveauth.CmdAuthWait {
			uuid = m.UUID
		}
	}
	b, _ := json.Marshal(hiveauth.AuthLink{Account: "alice", UUID: uuid, Key: key, Host: relay})
	out := x.handOver("has://auth_req/"+base64.StdEncoding.EncodeToString(b), "^Approve access", shot)
	if !strings.Contains(out, `signed in @alice to HiveAuth app "Test dapp"`) {
		x.t.Fatalf("the link's process printed:\n%s", out)
	}
	var ack hiveauth.Message
	for ack.Cmd == "" || ack.Cmd == hiveauth.CmdConnected {
		ack = read()
	}
	var s string
	if ack.Cmd != hiveauth.CmdAuthAck || json.Unmarshal(ack.Data, &s) != nil {
		x.t.Fatalf("the dapp got %+v", ack)
	}
	p, err := hiveauth.Decrypt(s, key)
	if err != nil {
		x.t.Fatal(err)
	}
	var ad hiveauth.AuthAckData
	if err := json.Unmarshal(p, &ad); err != nil || ad.Challenge == nil {
		x.t.Fatalf("auth_ack data %s", p)
	}
	want, err := keys.ParsePublicKey(ad.Challenge.Pubkey, ad.Challenge.Pubkey[:min(3, len(ad.Challenge.Pubkey))])
	if err != nil {
		x.t.Fatal(err)
	}
	if g, _ := devnet.DefaultGenesis(chain.Hive, "STM", devnet.DefaultPassword); want.Format("STM") != g.Accounts[0].Keys.Posting {
		x.t.Fatalf("the challenge was signed by %s, not alice's posting key", ad.Challenge.Pubkey)
	}
	sig, err := keys.ParseSignature(ad.Challenge.Challenge)
	if err != nil {
		x.t.Fatal(err)
	}
	if err := keys.Verify(want, sha256.Sum256([]byte(challenge)), sig); err != nil {
		x.t.Fatalf("the challenge signature: %v", err)
	}
}

// bridgeLogin plays the browser extension (the requests it makes, with an
// extension origin as the browser sets it) for a Keychain dapp's sign-in:
// the real pairing window, then the real approval window for the page's
// origin, each photographed and clicked; the dapp gets its signature.
func (x *xapp) bridgeLogin(pairShot, loginShot string) {
	x.t.Helper()
	const ext = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
	post := func(path, body, cred string) <-chan string {
		ch := make(chan string, 1)
		go func() {
			req, _ := http.NewRequest("POST", "http://"+x.listen+path, strings.NewReader(body))
			req.Header.Set("Origin", ext)
			req.Header.Set("Content-Type", "application/json")
			if cred != "" {
				req.Header.Set("Authorization", "Bearer "+cred)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				ch <- "error: " + err.Error()
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			ch <- string(b)
		}()
		return ch
	}
	answered := func(ch <-chan string, into *string) func() bool {
		return func() bool {
			select {
			case *into = <-ch:
				return true
			case <-time.After(3 * time.Second):
				return false
			}
		}
	}
	var paired string
	ch := post("/bridge/pair", `{"browser":"Chromium 131"}`, "")
	win := x.window("^Pair a browser")
	time.Sleep(500 * time.Millisecond)
	x.shot(win, pairShot)
	x.click(win, answered(ch, &paired))
	var p struct{ Credential string }
	if json.Unmarshal([]byte(paired), &p) != nil || p.Credential == "" {
		x.t.Fatalf("pairing answered %s", paired)
	}
	var reply string
	ch = post("/bridge/call", `{"origin":"https://peakd.example","grants":[],"request":{"type":"signBuffer","username":"alice","message":"Log in to peakd.example","method":"Posting"}}`, p.Credential)
	win = x.window("^Approve access")
	time.Sleep(500 * time.Millisecond)
	x.shot(win, loginShot)
	x.click(win, answered(ch, &reply))
	if !strings.Contains(reply, `"success":true`) || !strings.Contains(reply, `"grant":"lsa_`) {
		x.t.Fatalf("the sign-in answered %s", reply)
	}
}
