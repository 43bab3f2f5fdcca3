package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"localsigner/authz"
	"localsigner/signer/chain"
	"localsigner/signer/node"
	"localsigner/signer/tx"
	"localsigner/wallet"
)

// PeerID compatibility (Peerplays): the endpoints PeerID's backend serves
// under /api/v1, answering in its envelope — {"result": …, "status": 200}
// on success, {"error": …, "status": N} with HTTP status N on failure,
// where error is a string or, for a bad parameter, an object naming it —
// and its authorization page /permissions (see serveAuthorize).
//
//	POST /api/v1/auth/exchange      code, client_id, client_secret
//	POST /api/v1/auth/refreshtoken  refresh_token, client_id, client_secret
//	POST /api/v1/auth/token         login, password, client_id (app password; off by default)
//	POST /api/v1/app/operations     Authorization: Bearer, ClientID; {"operations": […]}
//
// Parameters come from the JSON or form body or, as PeerID's docs show
// them, from the query string. Token answers are PeerID's AccessToken row:
// token, refresh_token, expires, app_id, scope (Peerplays operation ids).

// doorPeerID names PeerID's API in the audit log.
const doorPeerID = "peerid"

// permissionsPath is PeerID's authorization page.
const permissionsPath = "/permissions"

// peeridEnvelope is PeerID's answer envelope.
type peeridEnvelope struct {
	Result any `json:"result"`
	Status int `json:"status"`
}

type peeridFailure struct {
	Error  any `json:"error"`
	Status int `json:"status"`
}

func (s *Server) peeridResult(w http.ResponseWriter, v any) {
	s.writeJSON(w, http.StatusOK, peeridEnvelope{Result: v, Status: http.StatusOK})
}

func (s *Server) peeridError(w http.ResponseWriter, status int, e any) {
	s.writeJSON(w, status, peeridFailure{Error: e, Status: status})
}

// peeridToken is the token part of PeerID's AccessToken row.
type peeridToken struct {
	Token        string `json:"token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Expires      string `json:"expires"` // RFC 3339, UTC
	AppID        string `json:"app_id"`
	// Scope lists the Peerplays operation ids granted, as PeerID does.
	Scope []int `json:"scope"`
	// Username, TokenType and ExpiresIn are extras a PeerID client ignores.
	Username  string `json:"username"`
	TokenType string `json:"token_type"`
	ExpiresIn int64  `json:"expires_in"`
}

func (s *Server) peeridTokenRow(resp *authz.TokenResponse, clientID string) peeridToken {
	ids := []int{}
	for _, item := range strings.Fields(resp.Scope) {
		if spec := tx.Lookup(chain.Graphene, item); spec != nil {
			ids = append(ids, int(spec.ID))
		}
	}
	exp := s.cfg.Now().Add(time.Duration(resp.ExpiresIn) * time.Second).UTC()
	return peeridToken{Token: resp.AccessToken, RefreshToken: resp.RefreshToken, Expires: exp.Format(time.RFC3339),
		AppID: clientID, Scope: ids, Username: resp.Username, TokenType: resp.TokenType, ExpiresIn: resp.ExpiresIn}
}

// peeridParams reads string parameters from the query and the body (JSON
// object of strings and numbers, or a form); a parameter given twice with
// different values is an error.
func peeridParams(r *http.Request, body []byte, known ...string) (map[string]string, error) {
	out := map[string]string{}
	set := func(k, v string) error {
		if old, ok := out[k]; ok && old != v {
			return fmt.Errorf("%s is given twice", k)
		}
		if len(v) > 4096 {
			return fmt.Errorf("%s is too long", k)
		}
		out[k] = v
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errors.New("malformed query")
	}
	var bodyVals map[string]string
	if len(strings.TrimSpace(string(body))) > 0 {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case "application/x-www-form-urlencoded":
			f, err := url.ParseQuery(string(body))
			if err != nil {
				return nil, errors.New("malformed form body")
			}
			bodyVals = map[string]string{}
			for k, vs := range f {
				if len(vs) != 1 {
					return nil, fmt.Errorf("%s is given twice", quoteShort(k))
				}
				bodyVals[k] = vs[0]
			}
		default: // JSON, what PeerID's clients send
			obj, err := strictObject(body)
			if err != nil {
				return nil, fmt.Errorf("body: %v", err)
			}
			bodyVals = map[string]string{}
			for k, raw := range obj {
				var sv string
				if json.Unmarshal(raw, &sv) == nil {
					bodyVals[k] = sv
					continue
				}
				if n, err := peeridInteger(raw); err == nil {
					bodyVals[k] = strconv.FormatInt(n, 10)
					continue
				}
				return nil, fmt.Errorf("%s must be a string or a number", quoteShort(k))
			}
		}
	}
	for _, k := range known {
		if vs := q[k]; len(vs) > 0 {
			if len(vs) != 1 {
				return nil, fmt.Errorf("%s is given twice", k)
			}
			if err := set(k, vs[0]); err != nil {
				return nil, err
			}
		}
		if v, ok := bodyVals[k]; ok {
			if err := set(k, v); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// peeridBegin reads the body and parameters of an auth endpoint and
// applies its rate limit; false means the answer was written.
func (s *Server) peeridBegin(w http.ResponseWriter, r *http.Request, endpoint string, known ...string) (map[string]string, bool) {
	body, ok := s.readBody(w, r)
	if !ok {
		return nil, false
	}
	p, err := peeridParams(r, body, known...)
	if err != nil {
		s.peeridError(w, http.StatusBadRequest, map[string]string{"request": err.Error()})
		return nil, false
	}
	key := endpoint + "|" + p["client_id"]
	if ok, wait := s.endpoint.Allow(key); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()+0.999))))
		s.peeridError(w, http.StatusTooManyRequests, "too many requests")
		return nil, false
	}
	for _, k := range known {
		if k != "client_secret" && k != "mobile" && p[k] == "" {
			s.peeridError(w, http.StatusBadRequest, map[string]string{k: k + " is required"})
			return nil, false
		}
	}
	if !s.clientOriginOK(r, p["client_id"]) {
		s.peeridError(w, http.StatusForbidden, "Origin does not belong to this client")
		return nil, false
	}
	return p, true
}

// peeridOAuthError maps an OAuth error to PeerID's error answer; field
// names the parameter a grant error is about.
func (s *Server) peeridOAuthError(w http.ResponseWriter, err error, field string) {
	e := authz.AsError(err)
	switch e.Code {
	case authz.CodeInvalidClient:
		s.peeridError(w, http.StatusBadRequest, map[string]string{"client_id": "client_id or client_secret invalid"})
	case authz.CodeInvalidGrant, authz.CodeInvalidScope, authz.CodeInvalidRequest:
		s.peeridError(w, http.StatusBadRequest, map[string]string{field: e.Description})
	case authz.CodeUnauthorizedClient:
		s.peeridError(w, http.StatusForbidden, e.Description)
	case authz.CodeTemporarilyUnavailable:
		s.peeridError(w, http.StatusServiceUnavailable, e.Description)
	default:
		s.log.Error("PeerID token request failed", "err", err)
		s.peeridError(w, http.StatusInternalServerError, "server side error")
	}
}

// serveIDExchange is POST /api/v1/auth/exchange: a code from /permissions
// for tokens, with the app's secret.
func (s *Server) serveIDExchange(w http.ResponseWriter, r *http.Request) {
	p, ok := s.peeridBegin(w, r, "peerid_exchange", "code", "client_id", "client_secret")
	if !ok {
		return
	}
	creds := authz.ClientCredentials{ID: p["client_id"], Secret: p["client_secret"], Method: authz.AuthPost}
	resp, err := s.iss.ExchangeCodeWithoutPKCE(creds, p["code"])
	if err != nil {
		s.peeridOAuthError(w, err, "code")
		return
	}
	s.log.Info("token issued", "client", creds.ID, "grant_type", "peerid exchange")
	s.peeridResult(w, s.peeridTokenRow(resp, creds.ID))
}

// serveIDRefresh is POST /api/v1/auth/refreshtoken: rotation as at
// /oauth2/token, with the app's secret.
func (s *Server) serveIDRefresh(w http.ResponseWriter, r *http.Request) {
	p, ok := s.peeridBegin(w, r, "peerid_refresh", "refresh_token", "client_id", "client_secret")
	if !ok {
		return
	}
	tr := &authz.TokenRequest{GrantType: authz.GrantRefreshToken, RefreshToken: p["refresh_token"],
		Client: authz.ClientCredentials{ID: p["client_id"], Secret: p["client_secret"], Method: authz.AuthPost}}
	resp, err := s.iss.Token(tr)
	if err != nil {
		s.peeridOAuthError(w, err, "refresh_token")
		return
	}
	s.log.Info("token issued", "client", tr.Client.ID, "grant_type", "peerid refresh")
	s.peeridResult(w, s.peeridTokenRow(resp, tr.Client.ID))
}

// serveIDPassword is POST /api/v1/auth/token, PeerID's password grant. It
// is off unless the user generated an app password for this app ("apps
// password"); the password is that app password, compared by digest. The
// vault passphrase is never taken here: nothing in this path reaches the
// vault. PeerID's mobile alternative is refused.
func (s *Server) serveIDPassword(w http.ResponseWriter, r *http.Request) {
	p, ok := s.peeridBegin(w, r, "peerid_password", "login", "password", "client_id", "mobile")
	if !ok {
		return
	}
	if p["mobile"] != "" {
		s.peeridError(w, http.StatusBadRequest, map[string]string{"mobile": "sign-in by mobile number is not supported; use the app password"})
		return
	}
	resp, err := s.iss.PasswordToken(p["client_id"], p["login"], p["password"])
	if err != nil {
		if authz.AsError(err).Code == authz.CodeInvalidGrant {
			s.record(authz.Event{Type: authz.EventDenied, ClientID: p["client_id"], Detail: "password grant: wrong login or app password"})
		}
		s.peeridOAuthError(w, err, "password")
		return
	}
	s.log.Info("token issued", "client", p["client_id"], "grant_type", "peerid password")
	s.peeridResult(w, s.peeridTokenRow(resp, p["client_id"]))
}

// serveIDOperations is POST /api/v1/app/operations: PeerID operations
// resolved against the node, then the dapp API's core (scope, confirmation
// of active operations, signing, broadcast). Every call that got past the
// token check leaves an audit event, whatever its outcome.
func (s *Server) serveIDOperations(w http.ResponseWriter, r *http.Request) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		s.peeridError(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	grant, err := s.iss.Lookup(tok)
	if errors.Is(err, authz.ErrNotFound) {
		s.peeridError(w, http.StatusUnauthorized, "Access Token invalid or expired")
		return
	}
	if errors.Is(err, authz.ErrSealed) {
		s.peeridError(w, http.StatusServiceUnavailable, authz.AsError(err).Description)
		return
	}
	if err != nil {
		s.log.Error("token lookup", "err", err)
		s.peeridError(w, http.StatusInternalServerError, "server side error")
		return
	}
	if id := r.Header.Get("ClientID"); id != "" && id != grant.ClientID || grant.Chain != s.chain.Name {
		s.peeridError(w, http.StatusUnauthorized, "Access Token invalid or expired")
		return
	}
	// A page may use only its own app's token, as on every other dapp
	// endpoint: another app's token from this origin signs nothing.
	if !s.clientOriginOK(r, grant.ClientID) {
		s.peeridError(w, http.StatusForbidden, "the request's Origin does not belong to this token's app")
		return
	}
	if ok, wait := s.endpoint.Allow("peerid_operations|" + grant.ClientID); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()+0.999))))
		s.peeridError(w, http.StatusTooManyRequests, "too many requests")
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		if q := r.URL.Query().Get("operations"); q != "" {
			body = []byte(`{"operations":` + q + `}`)
		}
	}
	parsed, err := ParsePeerIDOperations(body)
	if err != nil {
		s.peeridFailed(grant, nil, err)
		s.peeridError(w, http.StatusBadRequest, map[string]string{"operations": err.Error()})
		return
	}
	names := make([]string, len(parsed))
	for i, p := range parsed {
		names[i] = p.Name
	}
	ops, err := s.buildPeerIDOperations(r.Context(), grant.Account, parsed)
	if err != nil {
		s.peeridFailed(grant, names, err)
		s.peeridOpsError(w, err)
		return
	}
	res, err := s.w.Send(r.Context(), wallet.Request{Door: doorPeerID, Grant: grant, Ops: ops})
	if err != nil {
		s.peeridOpsError(w, err)
		return
	}
	s.peeridResult(w, res)
}

// peeridFailed records a request that failed before the wallet (which
// records its own outcome).
func (s *Server) peeridFailed(grant *authz.Token, names []string, err error) {
	if errors.Is(err, ErrPeerIDOperations) || errors.Is(err, ErrMemoUnsupported) {
		err = fmt.Errorf("%w: %w", wallet.ErrInvalidOperations, err)
	}
	s.w.RecordFailure(doorPeerID, grant, names, err)
}

// peeridOpsError maps the dapp API's errors to PeerID answers.
func (s *Server) peeridOpsError(w http.ResponseWriter, err error) {
	var txe *wallet.TxError
	txid := ""
	if errors.As(err, &txe) {
		txid = txe.TxID
	}
	switch {
	case errors.Is(err, ErrPeerIDOperations), errors.Is(err, ErrMemoUnsupported), errors.Is(err, wallet.ErrInvalidOperations):
		s.peeridError(w, http.StatusBadRequest, map[string]string{"operations": err.Error()})
	case errors.Is(err, wallet.ErrRevoked):
		s.peeridError(w, http.StatusUnauthorized, "Access Token invalid or expired")
	case errors.Is(err, wallet.ErrInsufficientScope):
		var se *wallet.ScopeError
		msg := "operation not permitted"
		if errors.As(err, &se) {
			msg = se.Error()
		}
		s.peeridError(w, http.StatusForbidden, msg)
	case errors.Is(err, wallet.ErrConfirmationDenied), errors.Is(err, wallet.ErrMissingKey):
		s.peeridError(w, http.StatusForbidden, err.Error())
	case errors.Is(err, wallet.ErrConfirmationTimeout):
		s.peeridError(w, http.StatusRequestTimeout, err.Error())
	case errors.Is(err, wallet.ErrLocked):
		s.peeridError(w, http.StatusServiceUnavailable, "Localsigner is locked; unlock it and try again")
	case errors.Is(err, wallet.ErrBusy):
		s.peeridError(w, http.StatusTooManyRequests, err.Error())
	case errors.Is(err, node.ErrMalformedResponse) && txid == "":
		s.peeridError(w, http.StatusBadGateway, "the Peerplays node answered wrongly, so nothing was signed: "+nodeAnswer(err))
	case errors.Is(err, wallet.ErrNodeDown):
		msg := "the Peerplays node is unreachable; try again later"
		if txid != "" {
			msg = "the Peerplays node did not confirm transaction " + txid + "; it may still be included"
		}
		s.peeridError(w, http.StatusServiceUnavailable, msg)
	case errors.Is(err, node.ErrRejected):
		var ne *node.NodeError
		msg := "the node refused the transaction"
		if errors.As(err, &ne) {
			msg += ": " + ne.Kind.String()
		}
		s.peeridError(w, http.StatusBadRequest, msg)
	case errors.Is(err, context.Canceled):
		// the dapp left; nobody reads an answer
	default:
		s.log.Error("PeerID operations failed", "err", err)
		s.peeridError(w, http.StatusInternalServerError, "server side error")
	}
}

// permissionsClient applies PeerID's rules to a /permissions request once
// its client is known: only a registered app, asking for exactly the
// operations it was registered with.
func permissionsClient(c *authz.Client, known bool, req *authz.AuthorizeRequest) error {
	if !known || c.Kind != authz.App {
		return &authz.Error{Code: authz.CodeUnauthorizedClient, Description: "/permissions is for registered apps ('localsigner apps add')"}
	}
	req.Scopes = c.Scopes
	return nil
}

// SetAppPassword generates a new app password for a registered app,
// enabling PeerID's password grant for it, and returns it once; with off it
// turns the grant off. For the admin channel only.
func (s *Server) SetAppPassword(id string, off bool) (string, error) {
	var err error
	pw := ""
	if off {
		err = s.iss.ClearAppPassword(id)
	} else {
		pw, err = s.iss.SetAppPassword(id)
	}
	if errors.Is(err, authz.ErrNotFound) {
		return "", fmt.Errorf("no app %q", id)
	}
	return pw, err
}
