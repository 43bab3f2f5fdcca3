package localapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"localsigner/approval"
	"localsigner/internal/daemon"
	"localsigner/internal/testkit"
)

const extOrigin = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"

// bridgeAsync runs an HTTP call in the background (it waits for a decision).
func bridgeAsync(k *testkit.Kit, method, path, body string, hdr map[string]string) func() (int, string) {
	type res struct {
		code int
		body string
	}
	ch := make(chan res, 1)
	go func() {
		code, _, b := k.Do(method, path, body, hdr)
		ch <- res{code, b}
	}()
	return func() (int, string) { r := <-ch; return r.code, r.body }
}

type bridgeReply struct {
	Keychain struct {
		Success bool   `json:"success"`
		Error   any    `json:"error"`
		Message string `json:"message"`
	} `json:"keychain"`
	Grant   string `json:"grant"`
	Account string `json:"account"`
}

// TestBridgeBoundaries: what the browser bridge's endpoints refuse. Only an
// extension origin can pair, and only after the user approved it; a call
// needs the credential, from the extension it was given to; a page's own
// origin gets 403 before anything; and a site's grant token, sent along
// with another site's origin, is not used: the other site is asked about
// on its own.
func TestBridgeBoundaries(t *testing.T) {
	k := testkit.Start(t, testkit.Options{})
	ext := map[string]string{"Origin": extOrigin, "Content-Type": "application/json"}

	if code, _, _ := k.Do("POST", "/bridge/pair", `{"browser":"x"}`, map[string]string{"Origin": "https://evil.example"}); code != http.StatusForbidden {
		t.Fatalf("a page pairing: %d", code)
	}
	if code, _, _ := k.Do("POST", "/bridge/pair", `{"browser":"x"}`, nil); code != http.StatusForbidden {
		t.Fatalf("pairing without an origin: %d", code)
	}
	wait := bridgeAsync(k, "POST", "/bridge/pair", `{"browser":"Test browser"}`, ext)
	p := k.WaitApproval(approval.KindPair)
	if p.Pair.Extension != extOrigin || !strings.Contains(p.Pair.Browser, "Test browser") {
		t.Fatalf("pairing request %+v", p.Pair)
	}
	if err := k.Admin.Deny(p.ID); err != nil {
		t.Fatal(err)
	}
	if code, body := wait(); code != http.StatusForbidden || !strings.Contains(body, "user_cancel") {
		t.Fatalf("a denied pairing: %d %s", code, body)
	}
	wait = bridgeAsync(k, "POST", "/bridge/pair", `{"browser":"Test browser"}`, ext)
	p = k.WaitApproval(approval.KindPair)
	if err := k.Admin.Approve(p.ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	code, body := wait()
	var paired struct{ Credential string }
	if code != http.StatusOK || json.Unmarshal([]byte(body), &paired) != nil || !strings.HasPrefix(paired.Credential, "lsb_") {
		t.Fatalf("pairing: %d %s", code, body)
	}
	auth := map[string]string{"Origin": extOrigin, "Content-Type": "application/json", "Authorization": "Bearer " + paired.Credential}
	login := `{"origin":"https://a.example","grants":[],"request":{"type":"signBuffer","username":"alice","message":"hello a","method":"Posting"}}`

	for name, hdr := range map[string]map[string]string{
		"no credential":     {"Origin": extOrigin, "Content-Type": "application/json"},
		"another extension": {"Origin": "chrome-extension://ppppppppppppppppppppppppppppppaa", "Authorization": "Bearer " + paired.Credential},
		"a wrong secret":    {"Origin": extOrigin, "Authorization": "Bearer " + paired.Credential[:len(paired.Credential)-2] + "xx"},
	} {
		if code, _, _ := k.Do("POST", "/bridge/call", login, hdr); code != http.StatusUnauthorized {
			t.Errorf("%s: %d", name, code)
		}
	}
	if code, _, _ := k.Do("POST", "/bridge/call", login, map[string]string{"Origin": "https://a.example", "Authorization": "Bearer " + paired.Credential}); code != http.StatusForbidden {
		t.Errorf("a page with the credential: %d", code)
	}

	// Site A signs in.
	wait = bridgeAsync(k, "POST", "/bridge/call", login, auth)
	a := k.WaitApproval(approval.KindAuthorize)
	if a.Origin != "https://a.example" {
		t.Fatalf("site approval %+v", a)
	}
	if err := k.Admin.Approve(a.ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	_, body = wait()
	var ra bridgeReply
	if json.Unmarshal([]byte(body), &ra) != nil || !ra.Keychain.Success || ra.Grant == "" {
		t.Fatalf("site A: %s", body)
	}

	// Site B sends A's token: B is asked about on its own.
	forged := `{"origin":"https://b.example","grants":["` + ra.Grant + `"],"request":{"type":"signBuffer","username":"alice","message":"hello b","method":"Posting"}}`
	wait = bridgeAsync(k, "POST", "/bridge/call", forged, auth)
	b := k.WaitApproval(approval.KindAuthorize)
	if b.Origin != "https://b.example" {
		t.Fatalf("site B's request shows %q", b.Origin)
	}
	if err := k.Admin.Deny(b.ID); err != nil {
		t.Fatal(err)
	}
	_, body = wait()
	var rb bridgeReply
	if json.Unmarshal([]byte(body), &rb) != nil || rb.Keychain.Success || rb.Keychain.Error != "user_cancel" || rb.Grant != "" {
		t.Fatalf("site B with A's token: %s", body)
	}

	// Unpairing (revoking the bridge client) ends the credential.
	clients, err := k.Admin.Clients()
	if err != nil {
		t.Fatal(err)
	}
	var bridgeID string
	for _, c := range clients {
		if strings.HasPrefix(c.ID, "bridge_") {
			bridgeID = c.ID
		}
	}
	if bridgeID == "" {
		t.Fatal("the paired bridge is not listed among the apps")
	}
	if _, err := k.Admin.Revoke(bridgeID); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := k.Do("POST", "/bridge/call", login, auth); code != http.StatusUnauthorized {
		t.Fatalf("after unpairing: %d", code)
	}
}

// TestBridgeBinaryBuffer: a signBuffer of bytes (a JSON-stringified
// Buffer, as Keychain takes it) is shown as binary and confirmed; one that
// begins with the chain id (a transaction digest in disguise) is refused
// before anything is asked.
func TestBridgeBinaryBuffer(t *testing.T) {
	k := testkit.Start(t, testkit.Options{})
	ext := map[string]string{"Origin": extOrigin, "Content-Type": "application/json"}
	wait := bridgeAsync(k, "POST", "/bridge/pair", `{"browser":"Test browser"}`, ext)
	if err := k.Admin.Approve(k.WaitApproval(approval.KindPair).ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	_, body := wait()
	var paired struct{ Credential string }
	if json.Unmarshal([]byte(body), &paired) != nil {
		t.Fatal(body)
	}
	auth := map[string]string{"Origin": extOrigin, "Content-Type": "application/json", "Authorization": "Bearer " + paired.Credential}
	call := func(msg string) (func() (int, string), string) {
		b, _ := json.Marshal(map[string]any{"origin": "https://a.example", "request": map[string]any{
			"type": "signBuffer", "username": "alice", "method": "Posting", "message": msg}})
		return bridgeAsync(k, "POST", "/bridge/call", string(b), auth), string(b)
	}
	// Sign in first (text), then a binary buffer: confirmed as binary.
	w, _ := call("hello")
	if err := k.Admin.Approve(k.WaitApproval(approval.KindAuthorize).ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	_, body = w()
	var r bridgeReply
	if json.Unmarshal([]byte(body), &r) != nil || r.Grant == "" {
		t.Fatal(body)
	}
	grant := r.Grant
	signBuf := func(data []int) func() (int, string) {
		ints, _ := json.Marshal(map[string]any{"type": "Buffer", "data": data})
		b, _ := json.Marshal(map[string]any{"origin": "https://a.example", "grants": []string{grant}, "request": map[string]any{
			"type": "signBuffer", "username": "alice", "method": "Posting", "message": string(ints)}})
		return bridgeAsync(k, "POST", "/bridge/call", string(b), auth)
	}
	w = signBuf([]int{0xff, 0x00, 0x10, 0x80})
	m := k.WaitApproval(approval.KindMessage)
	if m.Message.Binary != 4 || m.Message.Text != "ff001080" {
		t.Fatalf("binary message shown as %+v", m.Message)
	}
	if err := k.Admin.Approve(m.ID, nil, "", false); err != nil {
		t.Fatal(err)
	}
	if _, body = w(); !strings.Contains(body, `"success":true`) {
		t.Fatalf("binary buffer: %s", body)
	}
	// The chain id followed by anything: refused, nobody asked.
	var id []int
	for _, b := range k.Chain.ID {
		id = append(id, int(b))
	}
	_, body = signBuf(append(id, 1, 2, 3))()
	if !strings.Contains(body, "chain id") || strings.Contains(body, `"success":true`) {
		t.Fatalf("a transaction digest in disguise: %s", body)
	}
	if ps, _ := k.Admin.Approvals(); len(ps) != 0 {
		t.Fatalf("asked about it: %+v", ps)
	}
}

// TestBridgeShowWindow: the popup's "Open Localsigner" brings the desktop
// window to the front; only an extension origin may ask, and a headless
// server says it has none.
func TestBridgeShowWindow(t *testing.T) {
	shown := make(chan struct{}, 1)
	k := testkit.Start(t, testkit.Options{NoDevnet: true, Daemon: func(o *daemon.Options) {
		o.ShowWindow = func() { shown <- struct{}{} }
	}})
	if code, _, _ := k.Do("POST", "/bridge/show", "", map[string]string{"Origin": "https://evil.example"}); code != http.StatusForbidden {
		t.Fatalf("a page asking: %d", code)
	}
	select {
	case <-shown:
		t.Fatal("a page raised the window")
	default:
	}
	if code, _, body := k.Do("POST", "/bridge/show", "", map[string]string{"Origin": extOrigin}); code != http.StatusOK || !strings.Contains(body, `"shown":true`) {
		t.Fatalf("the extension asking: %d %s", code, body)
	}
	<-shown
	headless := testkit.Start(t, testkit.Options{NoDevnet: true})
	if _, _, body := headless.Do("POST", "/bridge/show", "", map[string]string{"Origin": extOrigin}); !strings.Contains(body, `"shown":false`) {
		t.Fatalf("headless: %s", body)
	}
}
