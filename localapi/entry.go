package localapi

import (
	"errors"
	"net/http"
	"strings"

	"localsigner/authz"
)

// ServeHTTP is the one entry check every request passes before routing:
//
//  1. security headers on every response;
//  2. Host must be 127.0.0.1:PORT, [::1]:PORT or localhost:PORT, else 421
//     (a DNS-rebinding page reaches us under its own host name);
//  3. unknown path 404, CORS preflight answered only for allowed origins,
//     and never for the authorization pages (RFC 9700 §2.6: a page must
//     reach them by navigation, so the user sees them);
//  4. a state-changing request with an Origin that is not the origin of a
//     registered or approved redirect URI, or marked cross-site by
//     Sec-Fetch-Site without such an origin, gets 403 and changes nothing;
//  5. method check (405) and body size limit (413).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Add("Vary", "Origin")

	s.mu.Lock()
	hostOK := s.hosts[strings.ToLower(r.Host)]
	s.mu.Unlock()
	if !hostOK {
		s.log.Warn("refused request with a foreign Host header", "path", r.URL.Path)
		s.jsonError(w, http.StatusMisdirectedRequest, "invalid_request", "Host not allowed")
		return
	}
	rt := lookupRoute(r.URL.Path)
	if rt == nil {
		s.jsonError(w, http.StatusNotFound, "invalid_request", "no such endpoint")
		return
	}
	origin := r.Header.Get("Origin")
	allowed := origin != "" && !rt.bridge() && s.originAllowed(origin)
	if r.Method == http.MethodOptions {
		s.servePreflight(w, r, rt, origin, allowed && !rt.navigation())
		return
	}
	if allowed && !rt.navigation() {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if stateChanging(r.Method) && !allowed && !(rt.bridge() && extensionOrigin.MatchString(origin)) {
		if origin != "" {
			s.log.Warn("refused request from a foreign origin", "path", r.URL.Path)
			s.jsonError(w, http.StatusForbidden, "invalid_request", "Origin not allowed")
			return
		}
		switch r.Header.Get("Sec-Fetch-Site") {
		case "", "none", "same-origin":
		default:
			s.jsonError(w, http.StatusForbidden, "invalid_request", "cross-site request not allowed")
			return
		}
	}
	if !methodAllowed(rt, r.Method) {
		h.Set("Allow", strings.Join(rt.methods, ", "))
		s.jsonError(w, http.StatusMethodNotAllowed, "invalid_request", "method not allowed")
		return
	}
	if r.ContentLength > rt.maxBody {
		s.jsonError(w, http.StatusRequestEntityTooLarge, "invalid_request", "request body too large")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, rt.maxBody)
	rt.serve(s, w, r)
}

func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func methodAllowed(rt *route, m string) bool {
	for _, x := range rt.methods {
		if x == m {
			return true
		}
	}
	return false
}

// originAllowed reports whether origin is the origin of some client's
// registered or approved redirect URI. "null" and anything malformed never
// are; nothing is reflected.
func (s *Server) originAllowed(origin string) bool {
	if origin == "null" {
		return false
	}
	ok, err := s.iss.OriginAllowed(origin)
	if err != nil {
		if !errors.Is(err, authz.ErrSealed) {
			s.log.Error("read allowed origins", "err", err)
		}
		return false
	}
	return ok
}

// clientOriginOK checks, once the client of a request is known, that a
// browser request comes from one of that client's own origins: a page of
// dapp A may not use dapp B's client_id.
func (s *Server) clientOriginOK(r *http.Request, clientID string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	origins, err := s.iss.ClientOrigins(clientID)
	if err != nil {
		return false
	}
	for _, o := range origins {
		if o == origin {
			return true
		}
	}
	return false
}

// corsHeaders are the request headers a preflight may ask for.
var corsHeaders = map[string]bool{"authorization": true, "content-type": true}

// servePreflight answers a CORS preflight (OPTIONS) for allowed origins
// only, for the route's methods (POST, PUT, GET) with at most Authorization
// and Content-Type, including Chrome's Private Network Access opt-in.
func (s *Server) servePreflight(w http.ResponseWriter, r *http.Request, rt *route, origin string, allowed bool) {
	h := w.Header()
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	if !allowed {
		s.jsonError(w, http.StatusForbidden, "invalid_request", "Origin not allowed")
		return
	}
	m := r.Header.Get("Access-Control-Request-Method")
	if !methodAllowed(rt, m) {
		s.jsonError(w, http.StatusForbidden, "invalid_request", "method not allowed")
		return
	}
	for _, hdr := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
		hdr = strings.ToLower(strings.TrimSpace(hdr))
		if hdr != "" && !corsHeaders[hdr] {
			s.jsonError(w, http.StatusForbidden, "invalid_request", "header not allowed")
			return
		}
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", strings.Join(append(append([]string(nil), rt.methods...), http.MethodOptions), ", "))
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
	w.WriteHeader(http.StatusNoContent)
}
