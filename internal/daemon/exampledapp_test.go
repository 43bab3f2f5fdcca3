package daemon

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

// TestTwoExampleDapps: a second instance's example dapp is served too, on
// another port, whether or not the usual one was free.
func TestTwoExampleDapps(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u1, err := StartExampleDapp(ctx, nil, "http://127.0.0.1:7777")
	if err != nil {
		t.Fatal(err)
	}
	u2, err := StartExampleDapp(ctx, nil, "http://127.0.0.1:7778")
	if err != nil {
		t.Fatalf("the second example dapp: %v", err)
	}
	if a, b := hostOf(t, u1), hostOf(t, u2); a == b {
		t.Fatalf("both at %s", a)
	}
	for _, u := range []string{u1, u2} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", u, resp.StatusCode)
		}
	}
}

func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
