package localapi

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"localsigner/authz"
	"localsigner/signer/keys"
	"localsigner/wallet"
)

// maxDecodeMemo bounds the memo /api/decode reads: Hive memos are at most
// 2047 bytes on chain, and their encrypted form is longer by a header and
// base58.
const maxDecodeMemo = 4096

// serveDecode is Hivesigner's /api/decode: the text of an encrypted Hive
// memo ("#…") sent to or by the token's account, answered as
// {"memoDecoded": "#text", "username": account} as Hivesigner's SDK
// expects. Reading private messages needs the "memo" scope; the owner key
// is never used; the plaintext is neither logged nor audited.
func (s *Server) serveDecode(w http.ResponseWriter, r *http.Request) {
	t, ok := s.entry(w, r, "decode", r.Method == http.MethodGet)
	if !ok {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	text, e := decodeRequest(r, body)
	if e != nil {
		s.writeAPIError(w, e)
		return
	}
	plain, err := s.w.DecodeMemo(r.Context(), t, text)
	if err != nil {
		s.writeAPIError(w, s.memoError(err))
		return
	}
	s.writeJSON(w, http.StatusOK, struct {
		MemoDecoded string `json:"memoDecoded"`
		Username    string `json:"username"`
	}{"#" + plain, t.Account})
}

// decodeRequest reads the memo from the JSON body, or from the query as
// Hivesigner also accepts.
func decodeRequest(r *http.Request, body []byte) (string, *apiError) {
	var req struct {
		Memo *string `json:"memo"`
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return "", &apiError{http.StatusBadRequest, authz.CodeInvalidRequest, `the body must be JSON: {"memo": "#…"}`, false}
		}
	}
	text := r.URL.Query().Get("memo")
	if req.Memo != nil {
		text = *req.Memo
	}
	switch {
	case text == "":
		return "", &apiError{http.StatusBadRequest, authz.CodeInvalidRequest, "memo is missing", false}
	case len(text) > maxDecodeMemo:
		return "", &apiError{http.StatusBadRequest, authz.CodeInvalidRequest, fmt.Sprintf("memo is longer than %d bytes", maxDecodeMemo), false}
	}
	return text, nil
}

// memoError maps a wallet error of DecodeMemo for /api/decode.
func (s *Server) memoError(err error) *apiError {
	switch {
	case errors.Is(err, wallet.ErrInsufficientScope):
		var se *wallet.ScopeError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = se.Reason
		}
		return &apiError{http.StatusForbidden, "insufficient_scope", msg, true}
	case errors.Is(err, wallet.ErrLocked):
		return &apiError{http.StatusServiceUnavailable, authz.CodeTemporarilyUnavailable, "Localsigner is locked; ask the user to unlock it", false}
	case errors.Is(err, wallet.ErrOwnerKey):
		return &apiError{http.StatusForbidden, authz.CodeAccessDenied, "the memo is addressed to the owner key, which is never used for a dapp", false}
	case errors.Is(err, wallet.ErrInvalidRequest):
		return &apiError{http.StatusBadRequest, authz.CodeInvalidRequest, strings.TrimPrefix(err.Error(), wallet.ErrInvalidRequest.Error()+": "), false}
	}
	s.log.Error("decode memo", "err", err)
	return &apiError{http.StatusInternalServerError, authz.CodeServerError, "the memo could not be decrypted", false}
}

// sealPeerplaysMemo encrypts a PeerID transfer's memo from the account's
// memo key to the recipient's (read from the chain), as the memo_data
// object of the chain's JSON.
func (s *Server) sealPeerplaysMemo(ctx context.Context, account, to, text string) (map[string]any, error) {
	var objs []struct {
		Options struct {
			MemoKey string `json:"memo_key"`
		} `json:"options"`
	}
	if err := s.node.API(ctx, "database", "get_objects", []any{[]string{to}}, &objs); err != nil {
		return nil, wallet.NodeError("read the recipient's memo key", err)
	}
	if len(objs) != 1 || objs[0].Options.MemoKey == "" {
		return nil, fmt.Errorf("%w: no memo key for account %s", ErrPeerIDOperations, wallet.PrintableAccount(to))
	}
	toKey, err := keys.ParsePublicKey(objs[0].Options.MemoKey, s.chain.Prefix)
	if err != nil {
		return nil, fmt.Errorf("%w: the recipient's memo key: %v", wallet.ErrNodeDown, err)
	}
	m, err := s.w.SealMemo(ctx, account, toKey, text)
	if err != nil {
		return nil, err
	}
	return map[string]any{"from": m.From.Format(s.chain.Prefix), "to": m.To.Format(s.chain.Prefix),
		"nonce": m.Nonce, "message": hex.EncodeToString(m.Message)}, nil
}
