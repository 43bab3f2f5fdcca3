package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"localsigner/authz"
	"localsigner/signer/node"
	"localsigner/signer/tx"
	"localsigner/wallet"
)

// The Hivesigner-compatible dapp API: /api/broadcast, /api/me,
// /api/oauth2/token/revoke, and /api/token to inspect a token. Answers
// follow what Hivesigner's SDK 3.3.5 expects: status exactly 200 on
// success, {error, error_description} otherwise.

// doorHivesigner names the Hivesigner-compatible API in the audit log.
const doorHivesigner = "hivesigner"

// maxBroadcastBody bounds a /api/broadcast body; a Hive block is 64 KiB.
const maxBroadcastBody = 1 << 20

// serveBroadcast is POST /api/broadcast {"operations": [[name, {…}], …]}.
func (s *Server) serveBroadcast(w http.ResponseWriter, r *http.Request) {
	t, ok := s.entry(w, r, "broadcast", false)
	if !ok {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	ops, err := s.decodeBroadcast(body)
	if err != nil {
		s.w.RecordFailure(doorHivesigner, t, nil, fmt.Errorf("%w: %w", wallet.ErrInvalidOperations, err))
		s.writeAPIError(w, &apiError{http.StatusBadRequest, authz.CodeInvalidRequest, err.Error(), false})
		return
	}
	res, err := s.w.Send(r.Context(), wallet.Request{Door: doorHivesigner, Grant: t, Ops: ops})
	if err != nil {
		if r.Context().Err() != nil {
			return // the dapp left; the audit log has the outcome
		}
		s.writeAPIError(w, s.broadcastError(err))
		return
	}
	s.writeJSON(w, http.StatusOK, struct {
		Result *wallet.Result `json:"result"`
	}{res})
}

// decodeBroadcast reads the body of /api/broadcast into operations for the
// server's chain, after the fix-ups Hivesigner applies (normalizeOps).
func (s *Server) decodeBroadcast(body []byte) ([]tx.Operation, error) {
	var req struct {
		Operations json.RawMessage `json:"operations"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, errors.New("the body must be JSON: {\"operations\": [[name, {…}], …]}")
	}
	if len(req.Operations) == 0 {
		return nil, errors.New("operations is missing")
	}
	raw, err := normalizeOps(req.Operations)
	if err != nil {
		return nil, err
	}
	ops, err := tx.DecodeOperations(s.chain, raw)
	if err != nil {
		return nil, err
	}
	return ops, nil
}

// normalizeOps applies Hivesigner's leniency so that requests its server
// accepts are accepted here: the fields __config and __rshares some dapps
// send are dropped, and a custom_json without required_auths or
// required_posting_auths gets an empty list. Other requests pass through
// unparsed.
func normalizeOps(raw json.RawMessage) (json.RawMessage, error) {
	if !bytes.Contains(raw, []byte(`"__`)) && !bytes.Contains(raw, []byte(`"custom_json"`)) {
		return raw, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return raw, nil // the decoder reports it with a path
	}
	changed := false
	for i, item := range list {
		var pair []json.RawMessage
		if json.Unmarshal(item, &pair) != nil || len(pair) != 2 {
			continue
		}
		var name string
		var body map[string]json.RawMessage
		if json.Unmarshal(pair[0], &name) != nil || json.Unmarshal(pair[1], &body) != nil || body == nil {
			continue
		}
		n := len(body)
		delete(body, "__config")
		delete(body, "__rshares")
		mod := len(body) != n
		if name == "custom_json" {
			for _, k := range []string{"required_auths", "required_posting_auths"} {
				if _, ok := body[k]; !ok {
					body[k] = json.RawMessage("[]")
					mod = true
				}
			}
		}
		if !mod {
			continue
		}
		b, err := json.Marshal([]any{name, body})
		if err != nil {
			return nil, fmt.Errorf("operation %d: %w", i, err)
		}
		list[i], changed = b, true
	}
	if !changed {
		return raw, nil
	}
	return json.Marshal(list)
}

// broadcastError maps a wallet error for /api/broadcast.
func (s *Server) broadcastError(err error) *apiError {
	var te *wallet.TxError
	var ne *node.NodeError
	switch {
	case errors.Is(err, wallet.ErrRevoked):
		return errBadToken
	case errors.Is(err, wallet.ErrInsufficientScope):
		return &apiError{http.StatusForbidden, "insufficient_scope", "the token does not allow this: " + err.Error(), true}
	case errors.Is(err, wallet.ErrConfirmationDenied):
		return &apiError{http.StatusForbidden, authz.CodeAccessDenied, "the user denied the transaction", false}
	case errors.Is(err, wallet.ErrConfirmationTimeout):
		return &apiError{http.StatusForbidden, authz.CodeAccessDenied, "the user did not confirm the transaction in time", false}
	case errors.Is(err, wallet.ErrMissingKey):
		return &apiError{http.StatusForbidden, authz.CodeAccessDenied, err.Error(), false}
	case errors.Is(err, wallet.ErrBusy):
		return &apiError{http.StatusTooManyRequests, authz.CodeTemporarilyUnavailable, err.Error() + "; try again later", false}
	case errors.Is(err, wallet.ErrLocked):
		return &apiError{http.StatusServiceUnavailable, authz.CodeTemporarilyUnavailable, "Localsigner is locked; ask the user to unlock it", false}
	case errors.Is(err, wallet.ErrNodeDown) && errors.As(err, &te):
		return &apiError{http.StatusServiceUnavailable, authz.CodeTemporarilyUnavailable, "the node did not confirm transaction " +
			te.TxID + "; it may still be included, so check before sending it again", false}
	case errors.Is(err, node.ErrMalformedResponse) && !errors.As(err, &te):
		return &apiError{http.StatusBadGateway, authz.CodeTemporarilyUnavailable, "the node answered wrongly, so nothing was signed: " +
			nodeAnswer(err), false}
	case errors.Is(err, wallet.ErrNodeDown):
		return &apiError{http.StatusServiceUnavailable, authz.CodeTemporarilyUnavailable, "the node is unreachable; nothing was signed", false}
	case errors.As(err, &ne):
		return &apiError{http.StatusBadRequest, "transaction_rejected", "the node refused the transaction: " + ne.Error(), false}
	case errors.Is(err, wallet.ErrInvalidOperations):
		return &apiError{http.StatusBadRequest, authz.CodeInvalidRequest, err.Error(), false}
	}
	s.log.Error("dapp transaction failed", "err", err)
	return &apiError{http.StatusInternalServerError, authz.CodeServerError, "the transaction could not be signed", false}
}

// serveMe is /api/me (GET, POST, and PUT, which Hivesigner's deprecated
// updateUserMetadata sends and which changes nothing here): the account,
// the granted scope and the account's public data from the node.
func (s *Server) serveMe(w http.ResponseWriter, r *http.Request) {
	t, ok := s.entry(w, r, "me", r.Method == http.MethodGet)
	if !ok {
		return
	}
	if s.node == nil {
		s.writeAPIError(w, &apiError{http.StatusServiceUnavailable, authz.CodeTemporarilyUnavailable, "no node is configured", false})
		return
	}
	acct, err := s.accounts.get(r.Context(), s.node, t.Account)
	if err != nil {
		if r.Context().Err() == nil {
			s.log.Warn("read account for /api/me", "err", err)
		}
		s.writeAPIError(w, &apiError{http.StatusServiceUnavailable, authz.CodeTemporarilyUnavailable,
			"the node is unreachable: could not read @" + t.Account, false})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.Write(meJSON(t, acct))
	s.iss.NoteUse(t.GrantID)
}

// meJSON writes the /api/me answer: Hivesigner's {user, _id, name,
// account, scope, user_metadata} plus client_id, chain and expires_at
// (Unix seconds). It is assembled by hand because /api/me is the API's
// hottest path: the cached account JSON is copied as it is instead of
// being re-validated by encoding/json on every call.
func meJSON(t *authz.Token, acct cachedAccount) []byte {
	b := make([]byte, 0, 192+len(acct.account)+len(acct.meta))
	b = append(b, `{"user":`...)
	b = appendJSONString(b, t.Account)
	b = append(b, `,"_id":`...)
	b = appendJSONString(b, t.Account)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, t.Account)
	b = append(b, `,"account":`...)
	b = append(b, acct.account...)
	b = append(b, `,"scope":[`...)
	for i, sc := range t.Scopes {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, sc)
	}
	b = append(b, `],"user_metadata":`...)
	b = append(b, acct.meta...)
	b = append(b, `,"client_id":`...)
	b = appendJSONString(b, t.ClientID)
	b = append(b, `,"chain":`...)
	b = appendJSONString(b, t.Chain)
	b = append(b, `,"expires_at":`...)
	b = strconv.AppendInt(b, t.ExpiresAt.Unix(), 10)
	return append(b, "}\n"...)
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// does (quotes, backslashes, control characters, and <, >, & for HTML).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// tokenInfo is the /api/token answer: what the token grants.
type tokenInfo struct {
	Active     bool            `json:"active"`
	ClientID   string          `json:"client_id"`
	Account    string          `json:"account"`
	Chain      string          `json:"chain"`
	Scope      string          `json:"scope"`
	Scopes     []string        `json:"scopes"`
	GrantID    string          `json:"grant_id"`
	IssuedAt   int64           `json:"issued_at"`
	ExpiresAt  int64           `json:"expires_at"`
	ExpiresIn  int64           `json:"expires_in"`
	Allowances []allowanceInfo `json:"allowances,omitempty"`
}

// allowanceInfo is one spending limit and what is left of it today.
type allowanceInfo struct {
	Asset      string `json:"asset"`
	PerDay     string `json:"per_day"`
	SpentToday string `json:"spent_today"`
}

// serveToken is GET /api/token: what the presented token grants (client,
// account, scopes, expiry, spending allowances).
func (s *Server) serveTokenInfo(w http.ResponseWriter, r *http.Request) {
	t, ok := s.entry(w, r, "token-info", true)
	if !ok {
		return
	}
	now := s.cfg.Now()
	info := tokenInfo{Active: true, ClientID: t.ClientID, Account: t.Account, Chain: t.Chain, Scope: t.Scopes.String(),
		Scopes: []string(t.Scopes), GrantID: t.GrantID, IssuedAt: t.IssuedAt.Unix(), ExpiresAt: t.ExpiresAt.Unix(),
		ExpiresIn: int64(t.ExpiresAt.Sub(now) / time.Second)}
	if info.Scopes == nil {
		info.Scopes = []string{}
	}
	if g, err := s.iss.Grant(t.GrantID); err == nil {
		day := authz.DayOf(now)
		for _, a := range g.Allowances {
			var spent int64
			if g.Spending != nil && g.Spending.Day == day {
				spent = g.Spending.Units[a.Asset]
			}
			info.Allowances = append(info.Allowances, allowanceInfo{Asset: a.Asset,
				PerDay: authz.FormatUnits(a.PerDay, a.Precision), SpentToday: authz.FormatUnits(spent, a.Precision)})
		}
	}
	s.writeJSON(w, http.StatusOK, info)
	s.iss.NoteUse(t.GrantID)
}

// serveAPIRevoke is POST /api/oauth2/token/revoke, Hivesigner's revocation:
// the SDK sends {"token": …} with the same token in Authorization. The
// token really is revoked (an access token ends; a refresh token ends its
// grant) and the answer is {"success": true}, also for a token already
// gone, as RFC 7009 does.
func (s *Server) serveAPIRevoke(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req struct {
		Token string `json:"token"`
	}
	if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &req) != nil {
		s.writeAPIError(w, &apiError{http.StatusBadRequest, authz.CodeInvalidRequest, "the body must be JSON: {\"token\": …}", false})
		return
	}
	q := &authz.TokenQuery{Token: req.Token, Origin: r.Header.Get("Origin")}
	tok, carrier, e := presentedToken(r)
	limitKey := callerKey(r, "")
	if q.Token != "" {
		limitKey = tokenKey(q.Token)
	} else if e == nil {
		limitKey = tokenKey(tok)
	}
	if !s.allowKey(w, "api-revoke", limitKey) {
		return
	}
	switch {
	case e == nil && carrier != "header":
		s.writeAPIError(w, errQueryCarrier)
		return
	case q.Token == "" && e != nil:
		s.writeAPIError(w, e)
		return
	case q.Token == "":
		q.Token = tok
	case e == nil && tok != q.Token:
		// The body names the token to revoke and the header carries the
		// caller's own: they must be the same client's.
		presenter, err := s.iss.Lookup(tok)
		if err != nil {
			s.writeAPIError(w, errBadToken)
			return
		}
		q.Presenter = presenter.ClientID
	}
	if err := s.iss.Revoke(q); err != nil {
		s.oauthError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// accountCache keeps accounts read from the node for /api/me for a few
// seconds, so that a dapp polling it does not turn each call into a node
// round trip. Entries are the JSON to answer with.
type accountCache struct {
	ttl time.Duration
	now func() time.Time

	mu sync.RWMutex
	m  map[string]cachedAccount
}

type cachedAccount struct {
	account json.RawMessage // the node's account, "null" if unknown
	meta    json.RawMessage // user_metadata
	at      time.Time
}

// maxCachedAccounts bounds the cache; a desktop vault holds a few accounts.
const maxCachedAccounts = 256

func newAccountCache(ttl time.Duration, now func() time.Time) *accountCache {
	return &accountCache{ttl: ttl, now: now, m: make(map[string]cachedAccount)}
}

func (c *accountCache) get(ctx context.Context, n Node, name string) (cachedAccount, error) {
	now := c.now()
	if c.ttl > 0 {
		c.mu.RLock()
		e, ok := c.m[name]
		c.mu.RUnlock()
		if ok && now.Sub(e.at) < c.ttl && !now.Before(e.at) {
			return e, nil
		}
	}
	accts, err := n.Accounts(ctx, []string{name})
	e := cachedAccount{account: json.RawMessage("null"), meta: json.RawMessage("{}"), at: now}
	switch {
	case errors.Is(err, node.ErrUnknownAccount):
	case err != nil:
		return cachedAccount{}, err
	case len(accts) == 1:
		e.account, e.meta = accountJSON(&accts[0])
	}
	if c.ttl > 0 {
		c.mu.Lock()
		if len(c.m) >= maxCachedAccounts {
			clear(c.m)
		}
		c.m[name] = e
		c.mu.Unlock()
	}
	return e, nil
}

// accountJSON writes an account in the node's get_accounts form (the
// fields Localsigner reads) and its user metadata: posting_json_metadata
// if it holds a profile, else json_metadata, as Hivesigner does; {} if
// neither is a JSON object.
func accountJSON(a *node.Account) (account, meta json.RawMessage) {
	v := struct {
		ID                  string          `json:"id,omitempty"`
		Name                string          `json:"name"`
		Owner               node.Authority  `json:"owner"`
		Active              node.Authority  `json:"active"`
		Posting             *node.Authority `json:"posting,omitempty"`
		MemoKey             string          `json:"memo_key"`
		Balance             string          `json:"balance"`
		HBDBalance          string          `json:"hbd_balance,omitempty"`
		VestingShares       string          `json:"vesting_shares,omitempty"`
		JSONMetadata        string          `json:"json_metadata"`
		PostingJSONMetadata string          `json:"posting_json_metadata"`
	}{a.ID, a.Name, a.Owner, a.Active, a.Posting, a.MemoKey, a.Balance, a.HBDBalance, a.VestingShares,
		a.JSONMetadata, a.PostingJSONMetadata}
	account, err := json.Marshal(v)
	if err != nil {
		account = json.RawMessage("null")
	}
	meta = json.RawMessage("{}")
	var probe struct {
		Profile json.RawMessage `json:"profile"`
	}
	if json.Unmarshal([]byte(a.PostingJSONMetadata), &probe) == nil && len(probe.Profile) > 0 {
		meta = compactJSON(a.PostingJSONMetadata)
	} else if m := compactJSON(a.JSONMetadata); m[0] == '{' {
		meta = m
	}
	return account, meta
}

// compactJSON returns s compacted if it is a JSON object, else {}.
func compactJSON(s string) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil || b.Len() == 0 || b.Bytes()[0] != '{' {
		return json.RawMessage("{}")
	}
	return b.Bytes()
}

// nodeAnswer is what a dapp may read of a node's wrong answer: the part
// after the node error's sentinel, short.
func nodeAnswer(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, node.ErrMalformedResponse.Error()+": "); ok {
		msg = after
	}
	return tx.CleanText(msg, 200)
}
