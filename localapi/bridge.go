package localapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
	"localsigner/wallet"
)

// This file: the browser bridge's door. The Localsigner extension injects
// Hive Keychain's window.hive_keychain into pages and forwards each call
// here from its background worker, with the page's origin as the browser
// reported it (never as the page said) and the credential it got when the
// user paired it. Each site is then an ordinary grant for its origin:
// first an approval, then the wallet's policy, as for every door.

const doorBridge = "bridge"

// bridgeSessionLifetime is how long a site's approval through the bridge
// lasts before the site asks again.
const bridgeSessionLifetime = 30 * 24 * time.Hour

// Extension origins are set by the browser: a web page cannot have one.
var extensionOrigin = regexp.MustCompile(`^(chrome-extension://[a-p]{32}|moz-extension://[0-9a-f-]{36})$`)

const maxBridgeBody = maxBroadcastBody

// pairName is how a paired bridge is named in listings; the extension's
// origin at its end is what later calls are checked against.
func pairName(browser, origin string) string {
	b := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, browser)
	if len(b) > 40 {
		b = b[:40]
	}
	if b == "" {
		b = "a browser"
	}
	return "Browser bridge: " + b + " at " + origin
}

// serveBridgePair asks the user to pair the calling extension, and gives
// it its credential once approved.
func (s *Server) serveBridgePair(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if !extensionOrigin.MatchString(origin) {
		s.jsonError(w, http.StatusForbidden, "invalid_request", "only the Localsigner browser extension can pair")
		return
	}
	var req struct {
		Browser string `json:"browser"`
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	if err := json.Unmarshal(body, &req); err != nil {
		s.jsonError(w, http.StatusBadRequest, "invalid_request", "the body must be JSON: {\"browser\": \"…\"}")
		return
	}
	name := pairName(req.Browser, origin)
	browser, _, _ := strings.Cut(strings.TrimPrefix(name, "Browser bridge: "), " at "+origin)
	if err := s.w.AskPairing(r.Context(), approval.Pair{Browser: browser, Extension: origin}); err != nil {
		if r.Context().Err() != nil {
			return
		}
		s.writeJSON(w, http.StatusForbidden, map[string]string{"error": bridgeErrorCode(err), "message": bridgeMessage(err)})
		return
	}
	_, cred, err := s.iss.PairBridge(name, origin)
	if err != nil {
		s.log.Error("pair bridge", "err", err)
		s.jsonError(w, http.StatusInternalServerError, "server_error", "the pairing could not be saved")
		return
	}
	s.log.Info("browser bridge paired", "extension", origin)
	s.writeJSON(w, http.StatusOK, map[string]string{"credential": cred})
}

// bridgeClient checks a bridge call's credential and that it comes from
// the extension it was given to.
func (s *Server) bridgeClient(w http.ResponseWriter, r *http.Request) (*authz.Client, bool) {
	origin := r.Header.Get("Origin")
	cred, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	c, err := s.iss.Bridge(strings.TrimSpace(cred))
	switch {
	case errors.Is(err, authz.ErrSealed):
		s.jsonError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "Localsigner is locked")
		return nil, false
	case err != nil || !extensionOrigin.MatchString(origin) || !strings.HasSuffix(c.Name, " at "+origin):
		s.writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "not_paired", "message": authz.ErrBridgeCredential.Error()})
		return nil, false
	}
	return c, true
}

// serveBridgeStatus tells the extension's popup whether it is paired and
// whether Localsigner is locked.
func (s *Server) serveBridgeStatus(w http.ResponseWriter, r *http.Request) {
	// A page's fetch always carries its Origin; the extension's GET may
	// carry none (it has the host permission).
	origin := r.Header.Get("Origin")
	if origin != "" && !extensionOrigin.MatchString(origin) {
		s.jsonError(w, http.StatusForbidden, "invalid_request", "only the Localsigner browser extension asks this")
		return
	}
	out := map[string]any{"localsigner": true, "locked": s.cfg.Vault.Locked(), "chain": s.chain.Name}
	cred, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	c, err := s.iss.Bridge(strings.TrimSpace(cred))
	out["paired"] = err == nil && (origin == "" || strings.HasSuffix(c.Name, " at "+origin))
	s.writeJSON(w, http.StatusOK, out)
}

// bridgeCall is one Keychain call as the extension forwards it.
type bridgeCall struct {
	// Origin is the page's origin, from the browser (the message
	// sender), not from the page.
	Origin string `json:"origin"`
	// Grants are the site tokens the extension holds for Origin.
	Grants  []string  `json:"grants"`
	Request kcRequest `json:"request"`
}

// kcAnswer is Keychain's answer shape; the extension adds request_id and
// data (the request as the page made it).
type kcAnswer struct {
	Success   bool   `json:"success"`
	Error     any    `json:"error"`
	Result    any    `json:"result"`
	Message   string `json:"message"`
	PublicKey string `json:"publicKey,omitempty"`
}

// bridgeReply is what the extension gets: Keychain's answer for the page,
// and the site token to keep when the user approved the site just now.
type bridgeReply struct {
	Keychain kcAnswer `json:"keychain"`
	Grant    string   `json:"grant,omitempty"`
	Account  string   `json:"account,omitempty"`
}

// serveBridgeCall answers one Keychain request of a site.
func (s *Server) serveBridgeCall(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.bridgeClient(w, r); !ok {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var call bridgeCall
	if err := json.Unmarshal(body, &call); err != nil {
		s.writeJSON(w, http.StatusOK, bridgeReply{Keychain: kcFail("the request is not a Keychain request: " + err.Error())})
		return
	}
	if o := authz.OriginOf(call.Origin + "/"); o == "" || o != call.Origin {
		s.writeJSON(w, http.StatusOK, bridgeReply{Keychain: kcFail("the page has no web origin Localsigner can name")})
		return
	}
	reply := s.bridgeAnswer(r, &call)
	if r.Context().Err() != nil {
		return
	}
	s.writeJSON(w, http.StatusOK, reply)
}

func kcFail(msg string) kcAnswer {
	return kcAnswer{Success: false, Error: msg, Message: msg}
}

func kcFailErr(err error) kcAnswer {
	return kcAnswer{Success: false, Error: bridgeErrorCode(err), Message: bridgeMessage(err)}
}

// bridgeErrorCode is Keychain's error field for err: "user_cancel" when the
// user refused, as Keychain says it.
func bridgeErrorCode(err error) string {
	switch {
	case errors.Is(err, wallet.ErrConfirmationDenied):
		return "user_cancel"
	case errors.Is(err, wallet.ErrLocked):
		return "locked"
	}
	return "error"
}

func bridgeMessage(err error) string {
	switch {
	case errors.Is(err, wallet.ErrConfirmationDenied):
		return "Request was canceled by the user."
	case errors.Is(err, wallet.ErrLocked):
		return "Localsigner is locked: unlock it and try again."
	case errors.Is(err, wallet.ErrConfirmationTimeout):
		return "The request was not confirmed in time."
	}
	return wallet.AuditText(err)
}

// bridgeAnswer runs the call through the wallet.
func (s *Server) bridgeAnswer(r *http.Request, call *bridgeCall) bridgeReply {
	ctx := r.Context()
	req := &call.Request
	if req.Type == "handshake" {
		return bridgeReply{Keychain: kcAnswer{Success: true, Result: "localsigner", Message: "Localsigner is here"}}
	}
	if s.cfg.Vault.Locked() {
		// Keychain dapps wait for an answer with a spinner: say at once
		// why there is none. The desktop app shows its unlock screen.
		s.log.Info("bridge request while locked", "origin", call.Origin)
		return bridgeReply{Keychain: kcFailErr(wallet.ErrLocked)}
	}
	if req.Username != "" && !validAccountName(req.Username) {
		return bridgeReply{Keychain: kcFail("username is not a Hive account name")}
	}
	var ops []tx.Operation
	var need authz.Scopes
	switch req.Type {
	case "signBuffer":
		switch {
		case strings.EqualFold(req.Method, "Memo"):
			return bridgeReply{Keychain: kcFailErr(fmt.Errorf("%w: signing with the memo key", errKeychainUnsupported))}
		case req.Message == "":
			return bridgeReply{Keychain: kcFail("message is missing")}
		}
		need = authz.Scopes{authz.ScopeLogin}
	case "decode", "encode":
		if req.Message == "" || !strings.HasPrefix(req.Message, "#") {
			return bridgeReply{Keychain: kcFail("the message must be a memo starting with #")}
		}
		if req.Type == "encode" && !strings.EqualFold(req.Method, "Memo") {
			return bridgeReply{Keychain: kcFailErr(fmt.Errorf("%w: encoding with the %s key (the memo key is supported)", errKeychainUnsupported, clip(req.Method)))}
		}
		need = authz.Scopes{authz.ScopeMemo}
	case "signTx":
		t, err := tx.Decode(s.chain, req.Tx)
		if err != nil {
			return bridgeReply{Keychain: kcFail("the transaction is not valid: " + err.Error())}
		}
		ops = t.Operations
		need = scopesFor(ops)
	default:
		raw, err := s.chainOperations(r.Context(), req)
		if err == nil {
			ops, err = tx.DecodeOperations(s.chain, raw)
		}
		if err != nil {
			s.w.RecordFailure(doorBridge, nil, nil, fmt.Errorf("%w: %w", wallet.ErrInvalidOperations, err))
			return bridgeReply{Keychain: kcFailErr(err)}
		}
		need = scopesFor(ops)
	}
	if req.Username == "" && req.Type != "signBuffer" {
		return bridgeReply{Keychain: kcFail("username is missing")}
	}

	tok := s.siteGrant(call.Origin, req.Username, call.Grants)
	var fresh string
	approvedNow := false
	if tok == nil || !tok.Scopes.Covers(need) {
		ask := need
		if tok != nil {
			ask = canonical(append(slices.Clone(tok.Scopes), need...))
		}
		if !ask.Has(authz.ScopeLogin) {
			ask = canonical(append(slices.Clone(ask), authz.ScopeLogin))
		}
		t, secret, err := s.askSite(r, call.Origin, req.Username, ask)
		if err != nil {
			return bridgeReply{Keychain: kcFailErr(err)}
		}
		tok, fresh, approvedNow = t, secret, true
	}
	out := bridgeReply{Grant: fresh, Account: tok.Account}
	switch req.Type {
	case "signBuffer":
		var res *wallet.MessageResult
		var err error
		message, binary := keychainBuffer(req.Message)
		if approvedNow && !binary && !strings.EqualFold(req.Method, "Active") {
			// The user just approved the site's sign-in: its message is
			// the proof of it, signed with the posting key.
			res, err = s.w.SignLogin(ctx, tok, "posting", message)
		} else {
			role := tx.Posting
			if strings.EqualFold(req.Method, "Active") {
				role = tx.Active
			}
			res, err = s.w.SignMessage(ctx, wallet.MessageRequest{Door: doorBridge, ClientID: tok.ClientID, Origin: call.Origin,
				Account: tok.Account, Authority: role, Message: message, Binary: binary})
		}
		if err != nil {
			out.Keychain = kcFailErr(err)
			return out
		}
		out.Keychain = kcAnswer{Success: true, Result: res.Signature, PublicKey: res.PublicKey, Message: "Message signed succesfully."}
	case "decode":
		plain, err := s.w.DecodeMemo(ctx, tok, req.Message)
		if err != nil {
			out.Keychain = kcFailErr(err)
			return out
		}
		// Keychain answers the text as hive-js decodes it: with the '#'.
		out.Keychain = kcAnswer{Success: true, Result: "#" + plain, Message: "Memo decoded succesfully"}
	case "encode":
		to, err := s.memoKeyOf(ctx, req.Receiver)
		if err != nil {
			out.Keychain = kcFailErr(err)
			return out
		}
		enc, err := s.w.EncodeMemo(ctx, tok, to, strings.TrimPrefix(req.Message, "#"))
		if err != nil {
			out.Keychain = kcFailErr(err)
			return out
		}
		out.Keychain = kcAnswer{Success: true, Result: enc, Message: "Message encoded succesfully"}
	case "signTx":
		t, _ := tx.Decode(s.chain, req.Tx)
		res, err := s.w.Send(ctx, wallet.Request{Door: doorBridge, Grant: tok, Origin: call.Origin, Ops: ops, NoBroadcast: true,
			Header: &wallet.Header{RefBlockNum: t.RefBlockNum, RefBlockPrefix: t.RefBlockPrefix, Expiration: t.Expiration}})
		if err != nil {
			out.Keychain = kcFailErr(err)
			return out
		}
		out.Keychain = kcAnswer{Success: true, Result: res.Signed.Transaction, Message: "Transaction signed succesfully."}
	default:
		res, err := s.w.Send(ctx, wallet.Request{Door: doorBridge, Grant: tok, Origin: call.Origin, Ops: ops})
		if err != nil {
			out.Keychain = kcFailErr(err)
			return out
		}
		out.Keychain = kcAnswer{Success: true, Message: "The transaction has been broadcasted successfully.",
			Result: map[string]any{"id": res.ID, "tx_id": res.ID, "block_num": res.BlockNum, "trx_num": res.TrxNum, "expired": false}}
	}
	return out
}

// siteGrant finds, among the tokens the extension holds for origin, a live
// one of origin's own grant for account: a token of another site's grant
// is never used, whatever the extension sends.
func (s *Server) siteGrant(origin, account string, tokens []string) *authz.Token {
	for _, secret := range tokens {
		if len(tokens) > 16 {
			break
		}
		t, err := s.iss.Lookup(secret)
		if err != nil || (account != "" && t.Account != account) {
			continue
		}
		g, err := s.iss.Grant(t.GrantID)
		if err != nil || g.Origin != origin || !strings.HasPrefix(g.ClientID, "keychain-") {
			continue
		}
		return t
	}
	return nil
}

// askSite asks the user to approve origin for account (empty: the user
// chooses) with scopes, and records the site's grant.
func (s *Server) askSite(r *http.Request, origin, account string, scopes authz.Scopes) (*authz.Token, string, error) {
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, "", err
	}
	cid := "keychain-" + hex.EncodeToString(b[:])
	ar := &approval.Request{ClientID: cid, Origin: origin, RedirectURI: origin, FirstTime: true, Account: account,
		RequestedScopes: approval.Scopes(scopes), ResponseType: "keychain", SessionSeconds: int64(bridgeSessionLifetime / time.Second)}
	d, err := s.w.AskGrant(r.Context(), ar)
	if err != nil {
		return nil, "", err
	}
	if account != "" && d.Account != account {
		return nil, "", fmt.Errorf("%w: the site asked for @%s", wallet.ErrInvalidRequest, account)
	}
	res, err := s.iss.SessionGrant(authz.SessionApproval{ClientID: cid, Name: origin + " (Keychain)", Account: d.Account,
		Scopes: authz.Scopes(d.Scopes), Door: doorBridge, Origin: origin, Lifetime: bridgeSessionLifetime})
	if err != nil {
		return nil, "", err
	}
	t, err := s.iss.Lookup(res.Token)
	if err != nil {
		return nil, "", err
	}
	return t, res.Token, nil
}

var accountNameRE = regexp.MustCompile(`^[a-z][a-z0-9.-]{2,15}$`)

func validAccountName(a string) bool { return accountNameRE.MatchString(a) }

// memoKeyOf is the memo key the chain publishes for account (an encoded
// message's recipient).
func (s *Server) memoKeyOf(ctx context.Context, account string) (keys.PublicKey, error) {
	if !validAccountName(account) {
		return keys.PublicKey{}, fmt.Errorf("%w: the receiver is not a Hive account name", wallet.ErrInvalidRequest)
	}
	if s.node == nil {
		return keys.PublicKey{}, fmt.Errorf("%w: no node is configured", wallet.ErrNodeDown)
	}
	accts, err := s.node.Accounts(ctx, []string{account})
	if err != nil {
		return keys.PublicKey{}, wallet.NodeError("look the receiver up", err)
	}
	if len(accts) != 1 || accts[0].Name != account {
		return keys.PublicKey{}, fmt.Errorf("%w: @%s does not exist", wallet.ErrInvalidRequest, account)
	}
	k, err := keys.ParsePublicKey(accts[0].MemoKey, s.chain.Prefix)
	if err != nil {
		return keys.PublicKey{}, fmt.Errorf("%w: @%s publishes no usable memo key", wallet.ErrInvalidRequest, account)
	}
	return k, nil
}

// chainOperations is req.operations, with the requests that need the
// chain's state first: amounts in HP and authority changes.
func (s *Server) chainOperations(ctx context.Context, req *kcRequest) (json.RawMessage, error) {
	switch {
	case req.Type == "powerDown":
		vests, err := s.hpToVests(ctx, req.SteemPower)
		if err != nil {
			return nil, err
		}
		b, _ := json.Marshal([]json.RawMessage{kcOp("withdraw_vesting", map[string]any{"account": req.Username, "vesting_shares": vests})})
		return b, nil
	case req.Type == "delegation" && strings.EqualFold(req.Unit, "HP"):
		vests, err := s.hpToVests(ctx, req.Amount)
		if err != nil {
			return nil, err
		}
		amount, _, _ := strings.Cut(vests, " ")
		c := *req
		c.Amount, c.Unit = amount, "VESTS"
		return c.operations(s.chain)
	case req.Type == "addAccountAuthority", req.Type == "removeAccountAuthority":
		return s.authorityChange(ctx, req, req.Type == "addAccountAuthority")
	}
	return req.operations(s.chain)
}

// keychainBuffer reads a signBuffer message: text, or a JSON-stringified
// Buffer ({"type":"Buffer","data":[…]}), which Keychain signs as its
// bytes. binary is set when those bytes are not UTF-8 text.
func keychainBuffer(m string) (msg string, binary bool) {
	if !strings.HasPrefix(strings.TrimSpace(m), "{") {
		return m, false
	}
	var b struct {
		Type string `json:"type"`
		Raw  []int  `json:"data"`
	}
	if json.Unmarshal([]byte(m), &b) != nil || b.Type != "Buffer" {
		return m, false
	}
	out := make([]byte, 0, len(b.Raw))
	for _, v := range b.Raw {
		if v < 0 || v > 255 {
			return m, false
		}
		out = append(out, byte(v))
	}
	return string(out), !utf8.Valid(out)
}

// serveBridgeShow brings the desktop app's window to the front, for the
// popup's "Open Localsigner". Only an extension can ask (no page has its
// origin); it shows a window and changes nothing else.
func (s *Server) serveBridgeShow(w http.ResponseWriter, r *http.Request) {
	if !extensionOrigin.MatchString(r.Header.Get("Origin")) {
		s.jsonError(w, http.StatusForbidden, "invalid_request", "only the Localsigner browser extension asks this")
		return
	}
	if s.cfg.ShowWindow == nil {
		s.writeJSON(w, http.StatusOK, map[string]any{"shown": false, "message": "Localsigner runs without a window here (serve --headless)."})
		return
	}
	s.cfg.ShowWindow()
	s.writeJSON(w, http.StatusOK, map[string]any{"shown": true})
}
