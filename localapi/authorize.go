package localapi

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/wallet"
)

// serveAuthorize is GET /oauth2/authorize. The request waits for the user's
// decision, then the browser is redirected with code, state, iss and
// username (code flow) or the token (implicit flow). Errors are redirected
// (error, error_description, state, iss) only for a client whose redirect
// URI is registered or was approved before; a bad client_id or redirect_uri,
// or any failure of a client nobody has vouched for yet, gets an error page.
// It also serves PeerID's GET /permissions?client_id=&redirect_uri=&state=:
// for registered apps only, for exactly their registered scopes, and
// without PKCE (the code is redeemed with the app's secret).
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	// Only a top-level navigation may start a prompt: a fetch, image or
	// iframe from some page must not make a window pop up.
	if m := r.Header.Get("Sec-Fetch-Mode"); m != "" && m != "navigate" {
		s.errorPage(w, http.StatusForbidden, "This request must come from a link or redirect, not from a script.")
		return
	}
	if d := r.Header.Get("Sec-Fetch-Dest"); d != "" && d != "document" {
		s.errorPage(w, http.StatusForbidden, "This page cannot be embedded.")
		return
	}
	req, perr := authz.ParseAuthorizeRequest(r.URL.RawQuery, s.cat)
	peerID := r.URL.Path == permissionsPath // PeerID's page: registered apps, their own scopes, no PKCE
	if peerID {
		req, perr = authz.ParsePermissionsRequest(r.URL.RawQuery)
	}
	key := "-"
	if req != nil {
		key = req.ClientID
	}
	if ok, wait := s.endpoint.Allow("authorize|" + key); !ok {
		s.tooMany(w, wait, true)
		return
	}
	if req == nil {
		s.errorPage(w, http.StatusBadRequest, "Invalid authorization request: "+authz.AsError(perr).Description)
		return
	}
	client, known, err := s.iss.CheckClient(req)
	if errors.Is(err, authz.ErrSealed) {
		// Started locked: whether this client is known is in records that
		// open at the first unlock. Wait for it like any request.
		werr := s.w.WaitUnlocked(r.Context(), approval.Waiting{Origin: req.Origin, ClientID: req.ClientID, What: "sign-in"})
		switch {
		case errors.Is(werr, wallet.ErrBusy):
			s.tooMany(w, 30*time.Second, true)
			return
		case r.Context().Err() != nil:
			return
		case werr != nil:
			s.errorPage(w, http.StatusServiceUnavailable, "Localsigner is locked; unlock it and try again.")
			return
		}
		client, known, err = s.iss.CheckClient(req)
	}
	if err == nil && peerID {
		err = permissionsClient(client, known, req)
	}
	if err != nil {
		s.errorPage(w, http.StatusBadRequest, "Invalid authorization request: "+authz.AsError(err).Description)
		return
	}
	// Errors go back to the dapp only through a redirect URI someone vouched
	// for: registered, or approved by the user before. Otherwise this
	// server would be an open redirector for any URL a link names.
	fail := func(status int, e *authz.Error) {
		if known {
			s.redirectError(w, r, req, e)
			return
		}
		s.errorPage(w, status, "The request from "+req.Origin+" failed: "+e.Description)
	}
	if perr != nil {
		fail(http.StatusBadRequest, authz.AsError(perr))
		return
	}
	if err := s.iss.Precheck(client, req); err != nil {
		fail(http.StatusBadRequest, authz.AsError(err))
		return
	}
	ar := &approval.Request{
		ClientID: req.ClientID, Registered: client.Kind == authz.App, FirstTime: !known,
		RedirectURI: req.RedirectURI, Origin: req.Origin, ResponseType: string(req.Type),
		RequestedScopes:    approval.Scopes(req.Scopes),
		NeedsImplicitOptIn: req.Type == authz.ResponseToken && !client.Implicit,
		Account:            req.Account,
	}
	if client.Kind == authz.App {
		ar.ClientName = client.Name
	}
	d, err := s.w.AskGrant(r.Context(), ar)
	switch {
	case errors.Is(err, wallet.ErrBusy):
		s.tooMany(w, 30*time.Second, true)
		return
	case r.Context().Err() != nil:
		return // the browser left, or the server is shutting down
	case errors.Is(err, wallet.ErrLocked):
		fail(http.StatusServiceUnavailable, &authz.Error{Code: authz.CodeTemporarilyUnavailable,
			Description: "Localsigner is locked; unlock it and try again"})
		return
	case errors.Is(err, wallet.ErrConfirmationTimeout):
		fail(http.StatusForbidden, &authz.Error{Code: authz.CodeAccessDenied, Description: "the user did not decide in time"})
		return
	case errors.Is(err, wallet.ErrConfirmationDenied):
		fail(http.StatusForbidden, &authz.Error{Code: authz.CodeAccessDenied, Description: "the user denied the request"})
		return
	case err != nil:
		s.log.Error("approval failed", "err", err)
		fail(http.StatusInternalServerError, &authz.Error{Code: authz.CodeServerError, Description: "approval failed"})
		return
	}
	res, err := s.iss.Authorize(authz.Approval{Request: req, Account: d.Account, Scopes: authz.Scopes(d.Scopes), AllowImplicit: d.AllowImplicit})
	if err != nil {
		fail(http.StatusBadRequest, authz.AsError(err))
		return
	}
	v := url.Values{}
	if res.Code != "" {
		v.Set("code", res.Code)
	} else {
		v.Set("access_token", res.AccessToken)
		v.Set("token_type", "Bearer")
		v.Set("expires_in", strconv.FormatInt(res.ExpiresIn, 10))
		v.Set("scope", res.Scopes.String())
	}
	v.Set("username", res.Account)
	s.log.Info("authorization approved", "client", req.ClientID, "origin", req.Origin, "grant", res.GrantID)
	s.redirect(w, req, v)
}

// redirect sends the browser to the request's redirect URI with v, state
// and iss (RFC 9207) appended to whatever query the URI already has.
func (s *Server) redirect(w http.ResponseWriter, req *authz.AuthorizeRequest, v url.Values) {
	if req.State != "" {
		v.Set("state", req.State)
	}
	v.Set("iss", s.IssuerURL())
	sep := "?"
	if strings.Contains(req.RedirectURI, "?") {
		sep = "&"
	}
	w.Header().Set("Location", req.RedirectURI+sep+v.Encode())
	w.WriteHeader(http.StatusFound)
}

func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, req *authz.AuthorizeRequest, e *authz.Error) {
	v := url.Values{"error": {e.Code}}
	if e.Description != "" {
		v.Set("error_description", e.Description)
	}
	s.redirect(w, req, v)
}

// tooMany answers 429 with Retry-After, as a page or JSON.
func (s *Server) tooMany(w http.ResponseWriter, wait time.Duration, page bool) {
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	if page {
		s.errorPage(w, http.StatusTooManyRequests, "Too many requests; try again in a moment.")
		return
	}
	s.jsonError(w, http.StatusTooManyRequests, authz.CodeTemporarilyUnavailable, "rate limit exceeded")
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Localsigner</title></head>
<body><h1>Localsigner</h1><p>{{.}}</p><p>You can close this tab.</p></body></html>
`))

// errorPage shows a message to the user; used where redirecting would send
// an error (or worse) to a URI nobody vouched for.
func (s *Server) errorPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, msg); err != nil {
		s.log.Debug("write page", "err", err)
	}
}
