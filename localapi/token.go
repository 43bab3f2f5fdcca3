package localapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"localsigner/authz"
	"localsigner/signer/chain"
)

// serveToken is POST /oauth2/token (RFC 6749 §3.2): authorization_code
// with PKCE, refresh_token with rotation, client_credentials for apps.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	tr, err := authz.ParseTokenRequest(r.Header.Get("Content-Type"), body, r.Header.Get("Authorization"))
	if !s.allowClient(w, r, "token", tr != nil, func() string { return tr.Client.ID }) {
		return
	}
	if err != nil {
		s.oauthError(w, r, err)
		return
	}
	if !s.clientOriginOK(r, tr.Client.ID) {
		s.oauthError(w, r, &authz.Error{Code: authz.CodeInvalidClient, Description: "Origin does not belong to this client"})
		return
	}
	resp, err := s.iss.Token(tr)
	if err != nil {
		if e := authz.AsError(err); e.Code == authz.CodeServerError {
			s.log.Error("token request failed", "err", err)
		}
		s.oauthError(w, r, err)
		return
	}
	s.log.Info("token issued", "client", tr.Client.ID, "grant_type", tr.GrantType)
	s.idTokenFor(r, tr, resp)
	s.writeJSON(w, http.StatusOK, resp)
}

// serveRevoke is POST /oauth2/revoke (RFC 7009).
func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	q, err := authz.ParseTokenQuery(r.Header.Get("Content-Type"), body, r.Header.Get("Authorization"))
	switch {
	case q != nil && q.Client.ID == "" && q.Token != "":
		if !s.allowKey(w, "revoke", tokenKey(q.Token)) {
			return
		}
	case !s.allowClient(w, r, "revoke", q != nil, func() string { return q.Client.ID }):
		return
	}
	if err != nil {
		s.oauthError(w, r, err)
		return
	}
	if q.Client.ID != "" && !s.clientOriginOK(r, q.Client.ID) {
		s.oauthError(w, r, &authz.Error{Code: authz.CodeInvalidClient, Description: "Origin does not belong to this client"})
		return
	}
	q.Origin = r.Header.Get("Origin")
	if err := s.iss.Revoke(q); err != nil {
		s.oauthError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, struct{}{})
}

// serveIntrospect is POST /oauth2/introspect (RFC 7662), for registered
// apps authenticating with their secret.
func (s *Server) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	q, err := authz.ParseTokenQuery(r.Header.Get("Content-Type"), body, r.Header.Get("Authorization"))
	if !s.allowClient(w, r, "introspect", q != nil, func() string { return q.Client.ID }) {
		return
	}
	if err != nil {
		s.oauthError(w, r, err)
		return
	}
	res, err := s.iss.Introspect(q)
	if err != nil {
		s.oauthError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, res)
}

// metadata is the RFC 8414 document.
type metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	RevocationAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ISSParameterSupported             bool     `json:"authorization_response_iss_parameter_supported"`
}

// serveMetadata is GET /.well-known/oauth-authorization-server (RFC 8414).
func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	iss := s.IssuerURL()
	scopes := []string{authz.ScopeLogin, authz.ScopeMemo, authz.ScopeOffline, authz.ScopePosting}
	for _, name := range s.cat.Names() { // sorted
		if a, ok := s.cat.Authority(name); ok && a < chain.Owner {
			scopes = append(scopes, name)
		}
	}
	secretAuth := []string{string(authz.AuthBasic), string(authz.AuthPost)}
	s.writeJSON(w, http.StatusOK, metadata{
		Issuer:                            iss,
		AuthorizationEndpoint:             iss + "/oauth2/authorize",
		TokenEndpoint:                     iss + "/oauth2/token",
		RevocationEndpoint:                iss + "/oauth2/revoke",
		IntrospectionEndpoint:             iss + "/oauth2/introspect",
		ResponseTypesSupported:            []string{"code", "token"},
		GrantTypesSupported:               []string{authz.GrantAuthorizationCode, authz.GrantRefreshToken, authz.GrantClientCredentials},
		CodeChallengeMethodsSupported:     []string{authz.MethodS256},
		TokenEndpointAuthMethodsSupported: append([]string{string(authz.AuthNone)}, secretAuth...),
		RevocationAuthMethodsSupported:    append([]string{string(authz.AuthNone)}, secretAuth...),
		IntrospectionAuthMethodsSupported: secretAuth,
		ScopesSupported:                   scopes,
		ISSParameterSupported:             true,
	})
}

// allowClient applies the per-client rate limit of an endpoint; the key is
// the client_id when the request parsed far enough to have one.
func (s *Server) allowClient(w http.ResponseWriter, r *http.Request, endpoint string, parsed bool, id func() string) bool {
	key := ""
	if parsed {
		key = id()
	}
	return s.allowKey(w, endpoint, callerKey(r, key))
}

// callerKey is the rate-limit bucket of a request: the client it names,
// else the page's origin, else "native" (a program on this computer). A
// caller that names no client thus shares a bucket only with callers like
// it, never with every dapp.
func callerKey(r *http.Request, clientID string) string {
	switch o := r.Header.Get("Origin"); {
	case clientID != "":
		return "client:" + clientID
	case o != "":
		return "origin:" + o
	}
	return "native"
}

// tokenKey is the rate-limit bucket of a request about one token (a
// revocation that names no client): only whoever holds the token can
// drain it, so a flood of revocations cannot keep another dapp from
// revoking its own.
func tokenKey(token string) string {
	return "token:" + authz.DigestOf(token).String()[:16]
}

// allowKey applies endpoint's rate limit to the bucket key.
func (s *Server) allowKey(w http.ResponseWriter, endpoint, key string) bool {
	ok, wait := s.endpoint.Allow(endpoint + "|" + key)
	if !ok {
		s.tooMany(w, wait, false)
	}
	return ok
}

// readBody reads the (already size-limited) body; too large is 413.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.jsonError(w, http.StatusRequestEntityTooLarge, authz.CodeInvalidRequest, "request body too large")
		return nil, false
	case err != nil:
		s.jsonError(w, http.StatusBadRequest, authz.CodeInvalidRequest, "could not read the request body")
		return nil, false
	}
	return body, true
}

// oauthError writes an RFC 6749 §5.2 error. invalid_client is 401, with a
// Basic challenge when the client tried Basic; server_error hides detail.
func (s *Server) oauthError(w http.ResponseWriter, r *http.Request, err error) {
	e := authz.AsError(err)
	status := http.StatusBadRequest
	switch e.Code {
	case authz.CodeInvalidClient:
		status = http.StatusUnauthorized
		if r.Header.Get("Authorization") != "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="localsigner"`)
		}
	case authz.CodeServerError:
		status = http.StatusInternalServerError
	case authz.CodeTemporarilyUnavailable:
		status = http.StatusServiceUnavailable
	}
	s.jsonError(w, status, e.Code, e.Description)
}

func (s *Server) jsonError(w http.ResponseWriter, status int, code, desc string) {
	s.writeJSON(w, status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{code, desc})
}

// writeJSON writes v with the headers every token response needs (RFC 6749
// §5.1): no-store and Pragma no-cache.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		s.log.Debug("write response", "err", err)
	}
}
