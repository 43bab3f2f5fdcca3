package localapi

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"localsigner/authz"
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
	req, perr := authz.ParseAuthorizeRequest(r.URL.RawQuery, s.cfg.Catalog)
	peerID := r.URL.Path == permissionsPath // PeerID's page: registered apps, their own scopes, no PKCE
	if peerID {
		req, perr = authz.ParsePermissionsRequest(r.URL.RawQuery)
	}
	key := "-"
	if req != nil {
		key = req.ClientID
	}
	if ok, wait := s.endpoint.allow("authorize|" + key); !ok {
		s.tooMany(w, wait, true)
		return
	}
	if req == nil {
		s.errorPage(w, http.StatusBadRequest, "Invalid authorization request: "+authz.AsError(perr).Description)
		return
	}
	client, known, err := s.iss.CheckClient(req)
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
	if ok, wait := s.prompts.allow(req.Origin); !ok {
		s.tooMany(w, wait, true)
		return
	}
	if !s.waitUnlocked(r.Context()) {
		fail(http.StatusServiceUnavailable, &authz.Error{Code: authz.CodeTemporarilyUnavailable,
			Description: "Localsigner is locked; unlock it and try again"})
		return
	}
	now := s.cfg.Now()
	ar := &ApprovalRequest{
		Kind:     KindAuthorize,
		ClientID: req.ClientID, Registered: client.Kind == authz.App, FirstTime: !known,
		RedirectURI: req.RedirectURI, Origin: req.Origin, ResponseType: string(req.Type),
		RequestedScopes: req.Scopes, Descriptions: req.Scopes.Describe(s.cfg.Catalog),
		NeedsImplicitOptIn: req.Type == authz.ResponseToken && !client.Implicit,
		Account:            req.Account, Chain: s.cfg.Chain, CreatedAt: now, ExpiresAt: now.Add(s.cfg.ApprovalTimeout),
	}
	if client.Kind == authz.App {
		ar.ClientName = client.Name
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ApprovalTimeout)
	defer cancel()
	s.log.Info("authorization request waiting for approval", "client", req.ClientID, "origin", req.Origin)
	d, err := s.approver.Approve(ctx, ar)
	switch {
	case errors.Is(err, ErrQueueFull):
		s.tooMany(w, 30*time.Second, true)
		return
	case r.Context().Err() != nil:
		s.log.Info("authorization request abandoned", "client", req.ClientID)
		return // the browser left, or the server is shutting down
	case errors.Is(err, context.DeadlineExceeded):
		s.recordDenied(ar, "no decision in time")
		fail(http.StatusForbidden, &authz.Error{Code: authz.CodeAccessDenied, Description: "the user did not decide in time"})
		return
	case err != nil:
		s.log.Error("approval failed", "err", err)
		fail(http.StatusInternalServerError, &authz.Error{Code: authz.CodeServerError, Description: "approval failed"})
		return
	}
	if d.Approved {
		// An Approver other than the Queue may return an unchecked decision.
		if err := s.completeDecision(ar, &d); err != nil {
			s.log.Warn("approved decision invalid", "err", err)
			d.Approved = false
		}
	}
	if !d.Approved {
		s.recordDenied(ar, "denied by the user")
		fail(http.StatusForbidden, &authz.Error{Code: authz.CodeAccessDenied, Description: "the user denied the request"})
		return
	}
	res, err := s.iss.Authorize(authz.Approval{Request: req, Account: d.Account, Scopes: d.Scopes, AllowImplicit: d.AllowImplicit})
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

func (s *Server) recordDenied(ar *ApprovalRequest, why string) {
	err := s.iss.Record(authz.Event{Type: authz.EventDenied, ClientID: ar.ClientID, Origin: ar.Origin,
		Scopes: ar.RequestedScopes, Detail: why})
	if err != nil {
		s.log.Error("audit", "err", err)
	}
}

// waitUnlocked returns true once the vault is unlocked, false if it stays
// locked for UnlockWait or ctx ends first.
func (s *Server) waitUnlocked(ctx context.Context) bool {
	if !s.cfg.Vault.Locked() {
		return true
	}
	s.log.Info("authorization request waiting for the vault to be unlocked")
	deadline := time.NewTimer(s.cfg.UnlockWait)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return !s.cfg.Vault.Locked()
		case <-tick.C:
			if !s.cfg.Vault.Locked() {
				return true
			}
		}
	}
}

// completeDecision checks an approving decision and fills in its defaults:
// scopes (all requested), account (hint, or the vault's only account). The
// account must be one the vault holds keys for on the chain.
func (s *Server) completeDecision(ar *ApprovalRequest, d *Decision) error {
	if ar.Kind == KindTransaction {
		return checkRemember(ar, d)
	}
	if d.RememberSeconds != 0 {
		return errors.New("don't ask again applies to transaction confirmations, not to authorizations")
	}
	if d.Scopes == nil {
		d.Scopes = slices.Clone(ar.RequestedScopes)
	} else {
		sc, err := authz.ParseScopes(strings.Join(d.Scopes, " "), s.cfg.Catalog)
		if err != nil {
			return err
		}
		if len(sc) == 0 || !ar.RequestedScopes.Covers(sc) {
			return fmt.Errorf("scopes must be a non-empty subset of: %s", ar.RequestedScopes.String())
		}
		d.Scopes = sc
	}
	if ar.NeedsImplicitOptIn && !d.AllowImplicit {
		return errors.New("this dapp asks for the implicit flow (the token travels in the redirect URL); approve with --implicit to allow it, or deny")
	}
	accounts, err := s.cfg.Vault.Accounts(ar.Chain)
	if err != nil {
		return fmt.Errorf("list accounts (is the vault unlocked?): %w", err)
	}
	acct := d.Account
	if acct == "" {
		acct = ar.Account
	}
	if acct == "" && len(accounts) == 1 {
		acct = accounts[0]
	}
	if acct == "" {
		return fmt.Errorf("choose the account with --account (one of: %s)", strings.Join(accounts, ", "))
	}
	if !slices.Contains(accounts, acct) {
		return fmt.Errorf("the vault holds no keys for account %q on %s", acct, ar.Chain)
	}
	d.Account = acct
	return nil
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
