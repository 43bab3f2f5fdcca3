package authz

import (
	"testing"

	"localsigner/signer/chain"
)

func TestNonceAndPermissionsParsing(t *testing.T) {
	base := "client_id=dapp&redirect_uri=https%3A%2F%2Fd.example%2Fcb&response_type=code&code_challenge=" +
		S256Challenge("0123456789012345678901234567890123456789abc") + "&code_challenge_method=S256"
	r, err := ParseAuthorizeRequest(base+"&nonce=abc-123", OpTable{"vote": chain.Posting})
	if err != nil || r.Nonce != "abc-123" {
		t.Fatalf("nonce: %+v %v", r, err)
	}
	for _, bad := range []string{"&nonce=", "&nonce=a%20b", "&nonce=" + string(make([]byte, 300))} {
		if _, err := ParseAuthorizeRequest(base+bad, OpTable{"vote": chain.Posting}); err == nil {
			t.Errorf("nonce %q accepted", bad)
		}
	}
	p, err := ParsePermissionsRequest("client_id=app_1&redirect_uri=https%3A%2F%2Fd.example%2Fcb&state=s")
	if err != nil || p.Type != ResponseCode || p.Challenge != "" || p.State != "s" {
		t.Fatalf("permissions: %+v %v", p, err)
	}
	// Without PKCE only a registered app may go on.
	is := &Issuer{}
	if err := is.Precheck(&Client{ID: "app_1", Kind: Public}, p); err == nil {
		t.Fatal("code flow without PKCE allowed for a public client")
	}
	if err := is.Precheck(&Client{ID: "app_1", Kind: App}, p); err != nil {
		t.Fatalf("registered app: %v", err)
	}
}
