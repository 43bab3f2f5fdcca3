package localapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"localsigner/authz"
	"localsigner/localapi/jose"
)

// App tokens: a registered app trades its key (app id) and secret for a JWT
// at POST /auth/token, as token-issuing APIs do for a developer's own app,
// and presents it as a bearer token. The JWT is signed ES256K by the
// instance key, published at /.well-known/jwks.json, and checked on every
// use against the store (authz.Issuer.Lookup), so removing or revoking the
// app ends it at once.

// appTokenResponse is the answer of POST /auth/token.
type appTokenResponse struct {
	TokenType   string `json:"token_type"` // "bearer"
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// loadInstanceKey returns cfg's instance key, or a fresh one that lives as
// long as the process (tests), after proving ES256K works with it.
func loadInstanceKey(k *jose.InstanceKey) (*jose.InstanceKey, error) {
	if k == nil {
		raw, err := jose.NewInstanceKeyBytes()
		if err != nil {
			return nil, err
		}
		if k, err = jose.NewInstanceKey(raw); err != nil {
			return nil, err
		}
	}
	if err := k.SelfTest(); err != nil {
		return nil, fmt.Errorf("localapi: %w; app tokens cannot be issued by this build", err)
	}
	return k, nil
}

// VerifyAppToken is the issuer's SignedVerifier (authz.IssuerConfig): signature, kid, iss, aud,
// iat and exp; the store check follows in Lookup.
func (s *Server) VerifyAppToken(token string) (jti, clientID string, err error) {
	c, err := s.jwtKey.VerifyAppToken(token, s.IssuerURL(), s.cfg.Now())
	if err != nil {
		return "", "", err
	}
	if c.GrantType != authz.GrantTypeClientCredentials {
		return "", "", errors.New("app token: unexpected grant_type")
	}
	return c.ID, c.Subject, nil
}

// serveAppToken is POST /auth/token: key (the app id) and secret, from the
// query, a form or a JSON body, and optionally scope (a narrowing).
func (s *Server) serveAppToken(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	p, err := peeridParams(r, body, "key", "secret", "scope")
	if err != nil {
		s.jsonError(w, http.StatusBadRequest, authz.CodeInvalidRequest, err.Error())
		return
	}
	if !s.allowClient(w, r, "apptoken", true, func() string { return p["key"] }) {
		return
	}
	if p["key"] == "" || p["secret"] == "" {
		s.jsonError(w, http.StatusUnauthorized, authz.CodeInvalidClient, "key and secret are required")
		return
	}
	if !s.clientOriginOK(r, p["key"]) {
		s.jsonError(w, http.StatusUnauthorized, authz.CodeInvalidClient, "Origin does not belong to this client")
		return
	}
	scope, hasScope := p["scope"]
	g, err := s.iss.IssueAppToken(authz.ClientCredentials{ID: p["key"], Secret: p["secret"], Method: authz.AuthPost},
		scope, hasScope)
	if err != nil {
		if e := authz.AsError(err); e.Code == authz.CodeServerError {
			s.log.Error("app token request failed", "err", err)
		}
		s.oauthError(w, r, err)
		return
	}
	iss := s.IssuerURL()
	claims := &jose.AppClaims{AppName: g.ClientName, Scope: g.Scopes, GrantType: authz.GrantTypeClientCredentials,
		Account: g.Account, Chain: g.Chain, RegisteredClaims: jwt.RegisteredClaims{Issuer: iss, Subject: g.ClientID,
			Audience: jwt.ClaimStrings{iss}, IssuedAt: jwt.NewNumericDate(g.IssuedAt),
			ExpiresAt: jwt.NewNumericDate(g.ExpiresAt), ID: g.JTI}}
	tok, err := s.jwtKey.SignAppToken(claims)
	if err != nil {
		s.log.Error("sign app token", "err", err)
		s.jsonError(w, http.StatusInternalServerError, authz.CodeServerError, "internal error")
		return
	}
	s.log.Info("app token issued", "client", g.ClientID)
	s.writeJSON(w, http.StatusOK, appTokenResponse{TokenType: "bearer", AccessToken: tok,
		ExpiresIn: int64(g.ExpiresAt.Sub(g.IssuedAt) / time.Second), Scope: strings.Join(g.Scopes, " ")})
}

// serveJWKS is GET /.well-known/jwks.json: the instance key that signs app
// tokens. (id_tokens are signed by account keys, published on chain.)
func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, s.jwtKey.JWKS())
}
