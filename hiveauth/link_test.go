package hiveauth_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"localsigner/hiveauth"
)

func authLink(payload string) string {
	return "has://auth_req/" + base64.StdEncoding.EncodeToString([]byte(payload))
}

// TestParseAuthLink: the link dapps show, as they make it (btoa of the
// JSON), reads back; each kind of bad link is refused with its reason.
func TestParseAuthLink(t *testing.T) {
	good := `{"account":"alice","uuid":"6d6c1c3e-0b0e-4a47-9e2c-51a1f5b3e2a0","key":"0f7a4c1e-9a57-4d3b-8c63-1d2b3e4f5a6b","host":"wss://hive-auth.arcange.eu/"}`
	l, err := hiveauth.ParseAuthLink(authLink(good))
	if err != nil {
		t.Fatal(err)
	}
	if l.Account != "alice" || l.UUID != "6d6c1c3e-0b0e-4a47-9e2c-51a1f5b3e2a0" || l.Host != "wss://hive-auth.arcange.eu" || len(l.Key) != 36 {
		t.Fatalf("parsed %+v", l)
	}
	bad := map[string]string{
		"hive://sign/op/x": "does not start with has://",
		"has://sign_req/" + base64.StdEncoding.EncodeToString([]byte(good)): `the action "sign_req" is not auth_req`,
		"has://auth_req/%%%": "not base64",
		authLink(`[1,2]`):    "not the JSON object",
		authLink(strings.Replace(good, "alice", "Alice!", 1)):                                       "not a Hive account name",
		authLink(strings.Replace(good, `"6d6c1c3e-0b0e-4a47-9e2c-51a1f5b3e2a0"`, `"x"`, 1)):         "request id",
		authLink(strings.Replace(good, `"0f7a4c1e-9a57-4d3b-8c63-1d2b3e4f5a6b"`, `"short"`, 1)):     "session key",
		authLink(strings.Replace(good, "wss://hive-auth.arcange.eu/", "ws://relay.example.com", 1)): "ws:// only on this machine",
		authLink(strings.Replace(good, "wss://hive-auth.arcange.eu/", "javascript:alert(1)", 1)):    "not a ws:// or wss:// URL",
		"has://auth_req/" + strings.Repeat("A", hiveauth.MaxLink):                                   "characters, at most",
	}
	for uri, want := range bad {
		_, err := hiveauth.ParseAuthLink(uri)
		if !errors.Is(err, hiveauth.ErrBadLink) || !strings.Contains(err.Error(), want) {
			t.Errorf("%.60s: %v; want ErrBadLink saying %q", uri, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "0f7a4c1e") {
			t.Errorf("%.60s: the error shows the session key: %v", uri, err)
		}
	}
}
