package authz

// ResponseType is the flow an authorization request asks for.
type ResponseType string

// Response types.
const (
	// ResponseCode is the authorization code flow, always with PKCE S256.
	ResponseCode ResponseType = "code"
	// ResponseToken is the implicit flow Hivesigner's SDK uses by default:
	// a short-lived access token in the redirect. Compatibility only, and
	// only for clients allowed to use it.
	ResponseToken ResponseType = "token"
)

// maxState bounds the state parameter, which is echoed to the client.
const maxState = 1024

// AuthorizeRequest is a parsed GET /oauth2/authorize.
type AuthorizeRequest struct {
	ClientID    string
	RedirectURI string
	Origin      string // browser origin of RedirectURI
	State       string
	Type        ResponseType
	// Legacy is set when response_type was absent: Hivesigner's SDK omits
	// it for the token flow, so absence means ResponseToken.
	Legacy    bool
	Scopes    Scopes
	Challenge string // S256 code_challenge (code flow only)
	Account   string // optional account hint ("account", as the SDK sends)
	// Nonce is echoed in the id_token of a login (OpenID Connect's nonce).
	Nonce string
}

// ParseAuthorizeRequest reads the query of an authorization request.
//
// On error the returned request tells where the error may go. If it is nil,
// client_id or redirect_uri could not be trusted, and the error must be shown
// to the user, never sent to any redirect URI (RFC 6749 §4.1.2.1). If it is
// not nil, ClientID, RedirectURI, Origin and (when valid) State are set, and
// the error may be redirected there once the caller has also checked the
// redirect URI against the client's registered one.
func ParseAuthorizeRequest(rawQuery string, cat Catalog) (*AuthorizeRequest, error) {
	p, r, err := parseClientRedirect(rawQuery)
	if err != nil {
		return r, err
	}
	switch rt, ok := p["response_type"]; {
	case !ok:
		r.Type, r.Legacy = ResponseToken, true
	case rt == string(ResponseCode):
		r.Type = ResponseCode
	case rt == string(ResponseToken):
		r.Type = ResponseToken
	default:
		return r, oauthErr(CodeUnsupportedResponseType, "response_type must be code (or token where enabled)")
	}
	if r.Scopes, err = ParseScopes(p["scope"], cat); err != nil {
		return r, &Error{Code: CodeInvalidScope, Description: err.Error()}
	}
	if len(r.Scopes) == 0 {
		r.Scopes = Scopes{ScopeLogin}
	}
	if n, ok := p["nonce"]; ok {
		if !validNonce(n) {
			return r, oauthErr(CodeInvalidRequest, "nonce must be 1 to %d printable ASCII characters", maxNonce)
		}
		r.Nonce = n
	}
	if a, ok := p["account"]; ok && a != "" {
		if !validAccount(a) {
			return r, oauthErr(CodeInvalidRequest, "malformed account")
		}
		r.Account = a
	}
	if r.Type == ResponseCode {
		ch, hasCh := p["code_challenge"]
		m, hasM := p["code_challenge_method"]
		switch {
		case !hasCh:
			return r, oauthErr(CodeInvalidRequest, "PKCE is required: code_challenge is missing")
		case !hasM || m != MethodS256:
			return r, oauthErr(CodeInvalidRequest, "code_challenge_method must be S256")
		case !ValidChallenge(ch):
			return r, oauthErr(CodeInvalidRequest, "malformed code_challenge")
		}
		r.Challenge = ch
	}
	return r, nil
}

// Grant types of the token endpoint.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// tokenJSONMembers are the members a JSON token request may have.
var tokenJSONMembers = []string{
	"grant_type", "code", "redirect_uri", "code_verifier", "refresh_token",
	"scope", "client_id", "client_secret",
}

// TokenRequest is a parsed POST /oauth2/token.
type TokenRequest struct {
	GrantType    string
	Code         string
	RedirectURI  string
	CodeVerifier string
	RefreshToken string
	// Scope is the raw scope parameter (refresh and client_credentials);
	// HasScope tells an absent one from an empty one.
	Scope    string
	HasScope bool
	Client   ClientCredentials
}

// ParseTokenRequest reads a token request body with its Content-Type and
// the Authorization header (for HTTP Basic client authentication). It checks
// shape only; codes, tokens and clients are checked by the Issuer.
func ParseTokenRequest(contentType string, body []byte, authorization string) (*TokenRequest, error) {
	p, err := parseBody(contentType, body, tokenJSONMembers)
	if err != nil {
		return nil, err
	}
	creds, err := clientCredentials(p, authorization)
	if err != nil {
		return nil, err
	}
	r := &TokenRequest{GrantType: p["grant_type"], Client: creds}
	r.Scope, r.HasScope = p["scope"]
	need := func(name string) (string, error) {
		v, ok := p[name]
		if !ok || v == "" {
			return "", oauthErr(CodeInvalidRequest, "missing %s", name)
		}
		return v, nil
	}
	switch r.GrantType {
	case "":
		return nil, oauthErr(CodeInvalidRequest, "missing grant_type")
	case GrantAuthorizationCode:
		if r.Code, err = need("code"); err != nil {
			return nil, err
		}
		if r.RedirectURI, err = need("redirect_uri"); err != nil {
			return nil, err
		}
		if r.CodeVerifier, err = need("code_verifier"); err != nil {
			return nil, err
		}
		if !ValidVerifier(r.CodeVerifier) {
			return nil, oauthErr(CodeInvalidRequest, "malformed code_verifier")
		}
	case GrantRefreshToken:
		if r.RefreshToken, err = need("refresh_token"); err != nil {
			return nil, err
		}
	case GrantClientCredentials:
	default:
		return nil, oauthErr(CodeUnsupportedGrantType, "grant_type must be authorization_code, refresh_token or client_credentials")
	}
	if creds.Method == authAbsent {
		return nil, oauthErr(CodeInvalidClient, "client_id is required")
	}
	return r, nil
}

// revokeJSONMembers are the members a JSON revocation or introspection
// request may have.
var revokeJSONMembers = []string{"token", "token_type_hint", "client_id", "client_secret"}

// TokenQuery is a parsed revocation (RFC 7009) or introspection (RFC 7662)
// request: a token and who asks.
type TokenQuery struct {
	Token  string
	Hint   string // token_type_hint, advisory only
	Client ClientCredentials
	// Origin is the request's Origin header as the server received it,
	// empty for a native client. A revocation from a web page must come
	// from an origin of the token's own client.
	Origin string
	// Presenter, if set, is the client of the bearer token that carried
	// the request (Hivesigner's revoke route with the token to revoke in
	// the body): that token must be the presenter's own.
	Presenter string
}

// ParseTokenQuery reads a revocation or introspection request body.
func ParseTokenQuery(contentType string, body []byte, authorization string) (*TokenQuery, error) {
	p, err := parseBody(contentType, body, revokeJSONMembers)
	if err != nil {
		return nil, err
	}
	creds, err := clientCredentials(p, authorization)
	if err != nil {
		return nil, err
	}
	q := &TokenQuery{Token: p["token"], Hint: p["token_type_hint"], Client: creds}
	if q.Token == "" {
		return nil, oauthErr(CodeInvalidRequest, "missing token")
	}
	// An unknown hint is ignored, as RFC 7009 §2.1 asks: the server searches
	// all token kinds anyway.
	return q, nil
}

// parseClientRedirect reads what every authorization-style request starts
// with: client_id, redirect_uri (and the origin it names) and state. With
// an error, r is nil when nothing may be redirected, else the request so
// far, whose redirect the caller may use once it checked it.
func parseClientRedirect(rawQuery string) (map[string]string, *AuthorizeRequest, error) {
	p, err := parseQuery(rawQuery)
	if err != nil {
		return nil, nil, err
	}
	id, ok := p["client_id"]
	if !ok || !validClientID(id) {
		return nil, nil, oauthErr(CodeInvalidRequest, "missing or malformed client_id")
	}
	redirect, ok := p["redirect_uri"]
	if !ok {
		return nil, nil, oauthErr(CodeInvalidRequest, "missing redirect_uri")
	}
	origin, err := ValidateRedirectURI(redirect)
	if err != nil {
		return nil, nil, &Error{Code: CodeInvalidRequest, Description: err.Error()}
	}
	r := &AuthorizeRequest{ClientID: id, RedirectURI: redirect, Origin: origin}
	if st, ok := p["state"]; ok {
		if len(st) > maxState {
			return nil, r, oauthErr(CodeInvalidRequest, "state longer than %d bytes", maxState)
		}
		r.State = st
	}
	return p, r, nil
}
