package e2e_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestForeignOriginRefused: a page on another loopback port, which the user
// never approved, holds the example dapp's access token and tries the
// signer's endpoints from a script. The browser gives it nothing (CORS), the
// server refuses what does reach it, no prompt pops up, and nothing in the
// store changes.
func TestForeignOriginRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	b := startBrowser(t)

	b.Goto(e.page("/"))
	b.WaitState(`body[data-ready="true"]`, "attached")
	login(t, e, b, exampleClient, e.dapp+"/", "alice")
	var tok string
	b.Eval(`JSON.parse(sessionStorage.getItem('localsigner-example:session:/')).accessToken`, &tok)

	foreign := httptest.NewServer(http.FileServer(http.Dir("testdata/foreign")))
	t.Cleanup(foreign.Close)
	if e.corsAllowed("/oauth2/token", foreign.URL) || !e.corsAllowed("/oauth2/token", e.dapp) {
		t.Fatal("CORS is open to the wrong origin")
	}
	b.Console() // forget the dapp's messages
	before := e.checksum()

	b.Goto(foreign.URL + "/#" + url.Values{"signer": {e.signer}, "token": {tok}, "client": {exampleClient}}.Encode())
	b.WaitState(`body[data-done="true"]`, "attached")
	b.Shot("foreign page refused")

	var results []struct {
		Name, Path, Error, Type string
		Failed                  bool
		Status                  int
	}
	b.Eval(`window.results`, &results)
	if len(results) != 7 {
		t.Fatalf("results %+v", results)
	}
	for _, r := range results {
		switch {
		case r.Type == "opaque" && r.Status == 0:
			// no-cors: the request went out, the page cannot read a thing;
			// that the server refused it is checked below.
		case !r.Failed || !strings.Contains(r.Error, "TypeError"):
			t.Errorf("%s: the page got through: %+v", r.Name, r)
		}
	}
	var blocked int
	for _, c := range b.Console() {
		if strings.Contains(c.Text, "has been blocked by CORS policy") {
			blocked++
		}
	}
	if blocked < 6 {
		t.Errorf("Chromium reported %d CORS blocks, want one per cors-mode attempt (6)", blocked)
	}

	// Server side: nothing changed, no prompt, the token still works, and
	// the refusals are in the log.
	if after := e.checksum(); after != before {
		t.Error("the store changed")
	}
	if ps, err := e.admin.Approvals(); err != nil || len(ps) != 0 {
		t.Errorf("a script made Localsigner ask the user: %+v %v", ps, err)
	}
	if in, err := e.admin.Introspect(tok); err != nil || !in.Active {
		t.Errorf("the dapp's token after the attack: %+v %v", in, err)
	}
	logs := e.logs.String()
	if n := strings.Count(logs, "refused request from a foreign origin"); n < 2 {
		t.Errorf("server logged %d foreign-origin refusals, want the two revoke POSTs at least:\n%s", n, logs)
	}
}
