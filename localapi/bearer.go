package localapi

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/wallet"
)

// Bearer tokens (RFC 6750) for the dapp API. The token is taken from
//
//   - the Authorization header, with or without the "Bearer " prefix
//     (Hivesigner's SDK sends the raw token) — always accepted;
//   - ?bearer_token= in the query, only on read-only endpoints and only for
//     clients whose query_token flag is set (localsigner token-carriers);
//   - a bearer_token cookie, only for clients whose cookie_token flag is set
//     and only with an Origin header naming one of the client's origins, so
//     another site cannot ride on the cookie.
//
// A request with the token in more than one place is refused (400), as
// RFC 6750 §2 asks, rather than guessing which one counts.

// bearerCookie and bearerParam name the cookie and query carriers.
const (
	bearerCookie = "bearer_token"
	bearerParam  = "bearer_token"
)

// apiError is a dapp API failure: status, RFC 6749/6750 error code and a
// description for the dapp's developer. challenge adds WWW-Authenticate.
type apiError struct {
	status    int
	code      string
	desc      string
	challenge bool
}

func (e *apiError) Error() string { return e.code + ": " + e.desc }

var (
	errNoToken      = &apiError{http.StatusUnauthorized, "invalid_token", "no access token: send it in the Authorization header", true}
	errBadToken     = &apiError{http.StatusUnauthorized, "invalid_token", "the access token is invalid, expired or revoked", true}
	errTwoCarriers  = &apiError{http.StatusBadRequest, "invalid_request", "the access token was sent in more than one way; use only the Authorization header", true}
	errQueryCarrier = &apiError{http.StatusBadRequest, "invalid_request", "bearer_token in the query is accepted only on read-only endpoints, for clients allowed to use it", true}
	errCookieCarrie = &apiError{http.StatusBadRequest, "invalid_request", "the bearer_token cookie is accepted only for clients allowed to use it, from their own origin", true}
	errTokenOrigin  = &apiError{http.StatusForbidden, "invalid_request", "Origin does not belong to this token's client", false}
	errNoHeaderPair = &apiError{http.StatusBadRequest, "invalid_request", "more than one Authorization header", true}
)

// presentedToken finds the token a request carries and which carrier it
// came in ("header", "query", "cookie"). It does not look the token up.
func presentedToken(r *http.Request) (token, carrier string, e *apiError) {
	n := 0
	if vs := r.Header.Values("Authorization"); len(vs) > 0 {
		if len(vs) > 1 {
			return "", "", errNoHeaderPair
		}
		v := strings.TrimSpace(vs[0])
		if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
			v = strings.TrimSpace(v[7:])
		}
		token, carrier = v, "header"
		n++
	}
	if strings.Contains(r.URL.RawQuery, bearerParam) {
		if vs := r.URL.Query()[bearerParam]; len(vs) > 0 {
			if len(vs) > 1 {
				return "", "", errTwoCarriers
			}
			token, carrier = vs[0], "query"
			n++
		}
	}
	if r.Header.Get("Cookie") != "" {
		if c, err := r.Cookie(bearerCookie); err == nil {
			token, carrier = c.Value, "cookie"
			n++
		}
	}
	switch {
	case n > 1:
		return "", "", errTwoCarriers
	case n == 0 || token == "":
		return "", "", errNoToken
	}
	return token, carrier, nil
}

// entry is how every token-carrying dapp endpoint starts: the bearer
// token's grant (answering 401 itself if there is none), then the client's
// rate limit for endpoint. false means the answer was written.
func (s *Server) entry(w http.ResponseWriter, r *http.Request, endpoint string, readOnly bool) (*authz.Token, bool) {
	t, e := s.authenticate(r, readOnly)
	if e != nil {
		s.writeAPIError(w, e)
		return nil, false
	}
	if !s.allowClient(w, r, endpoint, true, func() string { return t.ClientID }) {
		return nil, false
	}
	return t, true
}

// authenticate returns the grant of the request's bearer token. readOnly
// says the endpoint changes nothing, which the query carrier requires.
func (s *Server) authenticate(r *http.Request, readOnly bool) (*authz.Token, *apiError) {
	token, carrier, e := presentedToken(r)
	if e != nil {
		return nil, e
	}
	if carrier == "query" && !readOnly {
		return nil, errQueryCarrier
	}
	t, err := s.iss.Lookup(token)
	if errors.Is(err, authz.ErrSealed) && !readOnly {
		// Started locked: the token's record opens at the first unlock,
		// which a transaction would wait for anyway.
		werr := s.w.WaitUnlocked(r.Context(), approval.Waiting{Origin: r.Header.Get("Origin"), What: "transaction"})
		if errors.Is(werr, wallet.ErrBusy) {
			return nil, &apiError{http.StatusTooManyRequests, authz.CodeTemporarilyUnavailable, "too many requests wait for the unlock; try again later", false}
		}
		t, err = s.iss.Lookup(token)
	}
	if errors.Is(err, authz.ErrSealed) {
		return nil, &apiError{http.StatusServiceUnavailable, authz.CodeTemporarilyUnavailable, authz.AsError(err).Description, false}
	}
	if errors.Is(err, authz.ErrNotFound) {
		return nil, errBadToken
	}
	if err != nil {
		s.log.Error("token lookup", "err", err)
		return nil, &apiError{http.StatusInternalServerError, authz.CodeServerError, "could not read the token store", false}
	}
	if t.Chain != s.chain.Name {
		return nil, errBadToken
	}
	origin := r.Header.Get("Origin")
	if carrier == "header" {
		if origin != "" && !s.clientOriginOK(r, t.ClientID) {
			return nil, errTokenOrigin
		}
		return t, nil
	}
	c, err := s.iss.Client(t.ClientID)
	if err != nil {
		return nil, errBadToken
	}
	switch carrier {
	case "query":
		if !c.QueryToken {
			return nil, errQueryCarrier
		}
		if origin != "" && !slices.Contains(c.Origins(), origin) {
			return nil, errTokenOrigin
		}
	case "cookie":
		if !c.CookieToken || origin == "" || !slices.Contains(c.Origins(), origin) || authz.LoopbackOrigin(origin) {
			return nil, errCookieCarrie
		}
	}
	return t, nil
}

// writeAPIError answers a dapp API failure in the shape Hivesigner's SDK
// and RFC 6750 both understand: {error, error_description} with a Bearer
// challenge on 401, 403 insufficient_scope and 400 token errors.
func (s *Server) writeAPIError(w http.ResponseWriter, e *apiError) {
	if e.challenge || e.code == "insufficient_scope" {
		ch := `Bearer realm="localsigner"`
		if e != errNoToken {
			ch += `, error="` + e.code + `", error_description="` + challengeText(e.desc) + `"`
		}
		w.Header().Set("WWW-Authenticate", ch)
	}
	if e.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "30")
	}
	s.jsonError(w, e.status, e.code, e.desc)
}

// challengeText makes a description safe inside a quoted-string of
// WWW-Authenticate (RFC 6750 §3: %x20-21 / %x23-5B / %x5D-7E).
func challengeText(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b[i] = '\''
		}
	}
	return string(b)
}
