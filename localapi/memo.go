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
	"localsigner/signer"
	"localsigner/signer/chain"
	"localsigner/signer/keys"
	"localsigner/signer/memo"
)

// Memos computes the shared secrets of encrypted memos with the vault's
// keys, which never leave it. SignerVault implements it; with a Signer that
// does not, /api/decode answers 501 and PeerID memos are refused.
type Memos interface {
	// MemoSecret is the secret of a memo between from and to, computed with
	// whichever of the two the account holds, and the role of that key.
	MemoSecret(chain, account string, from, to keys.PublicKey) (memo.SharedSecret, string, error)
	// SharedSecret is the secret of the account's key for role with peer.
	SharedSecret(chain, account, role string, peer keys.PublicKey) (memo.SharedSecret, error)
}

var _ Memos = SignerVault{}

// MemoSecret implements Memos.
func (s SignerVault) MemoSecret(chain, account string, from, to keys.PublicKey) (memo.SharedSecret, string, error) {
	return s.V.MemoSecret(chain, account, from, to)
}

// SharedSecret implements Memos.
func (s SignerVault) SharedSecret(chain, account, role string, peer keys.PublicKey) (memo.SharedSecret, error) {
	return s.V.SharedSecret(chain, account, role, peer)
}

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
	t, e := s.authenticate(r, r.Method == http.MethodGet)
	if e != nil {
		s.writeAPIError(w, e)
		return
	}
	if !s.allowClient(w, "decode", true, func() string { return t.ClientID }) {
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
	plain, e := s.decodeMemo(r.Context(), t, text)
	outcome := "decoded"
	if e != nil {
		outcome = e.code
	}
	s.record(authz.Event{Type: authz.EventMemoDecoded, ClientID: t.ClientID, Account: t.Account, GrantID: t.GrantID,
		Outcome: outcome})
	if e != nil {
		s.writeAPIError(w, e)
		return
	}
	s.iss.NoteUse(t.GrantID)
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

// decodeMemo checks the token and the memo and decrypts it.
func (s *Server) decodeMemo(ctx context.Context, t *authz.Token, text string) (string, *apiError) {
	switch {
	case !t.Scopes.Has(authz.ScopeMemo):
		return "", &apiError{http.StatusForbidden, "insufficient_scope",
			`reading encrypted memos needs the "memo" scope; ask for it in the authorization request`, true}
	case t.Chain != "" && t.Chain != s.cfg.Chain:
		return "", &apiError{http.StatusForbidden, "insufficient_scope", "the token is for chain " + t.Chain, true}
	case s.chain.Family != chain.Hive:
		return "", &apiError{http.StatusBadRequest, authz.CodeInvalidRequest,
			"this Localsigner serves " + s.cfg.Chain + "; /api/decode reads Hive memos", false}
	}
	m, err := memo.ParseHive(text)
	if err != nil {
		return "", &apiError{http.StatusBadRequest, authz.CodeInvalidRequest, "not an encrypted memo: " + err.Error(), false}
	}
	mv, ok := s.signer.(Memos)
	if !ok {
		return "", &apiError{http.StatusNotImplemented, authz.CodeServerError, "this Localsigner cannot decrypt memos", false}
	}
	if !s.waitUnlocked(ctx) {
		return "", &apiError{http.StatusServiceUnavailable, authz.CodeTemporarilyUnavailable, "Localsigner is locked; ask the user to unlock it", false}
	}
	secret, role, err := mv.MemoSecret(s.cfg.Chain, t.Account, m.From, m.To)
	defer secret.Clear()
	switch {
	case errors.Is(err, signer.ErrLocked):
		return "", &apiError{http.StatusServiceUnavailable, authz.CodeTemporarilyUnavailable, "Localsigner is locked; ask the user to unlock it", false}
	case errors.Is(err, signer.ErrNoKey):
		return "", &apiError{http.StatusBadRequest, authz.CodeInvalidRequest,
			"the memo is not addressed to a key Localsigner holds for @" + t.Account, false}
	case err != nil:
		s.log.Error("memo secret", "err", err)
		return "", &apiError{http.StatusInternalServerError, authz.CodeServerError, "the memo could not be decrypted", false}
	case role == "owner":
		return "", &apiError{http.StatusForbidden, authz.CodeAccessDenied, "the memo is addressed to the owner key, which is never used for a dapp", false}
	}
	plain, err := m.Decrypt(&secret)
	if err != nil {
		return "", &apiError{http.StatusBadRequest, authz.CodeInvalidRequest, "the memo does not decrypt: " + err.Error(), false}
	}
	return plain, nil
}

// sealPeerplaysMemo encrypts a PeerID transfer's memo from the account's
// memo key to the recipient's (read from the chain), as the memo_data
// object of the chain's JSON.
func (s *Server) sealPeerplaysMemo(ctx context.Context, account, to, text string) (map[string]any, error) {
	mv, ok := s.signer.(Memos)
	if !ok {
		return nil, ErrMemoUnsupported
	}
	api, ok := s.node.(nodeAPI)
	if !ok {
		return nil, fmt.Errorf("%w: the node client cannot read the recipient's memo key", ErrNodeDown)
	}
	var objs []struct {
		Options struct {
			MemoKey string `json:"memo_key"`
		} `json:"options"`
	}
	if err := api.API(ctx, "database", "get_objects", []any{[]string{to}}, &objs); err != nil {
		return nil, nodeError("read the recipient's memo key", err)
	}
	if len(objs) != 1 || objs[0].Options.MemoKey == "" {
		return nil, fmt.Errorf("%w: no memo key for account %s", ErrPeerIDOperations, printableAccount(to))
	}
	toKey, err := keys.ParsePublicKey(objs[0].Options.MemoKey, s.chain.Prefix)
	if err != nil {
		return nil, fmt.Errorf("%w: the recipient's memo key: %v", ErrNodeDown, err)
	}
	if !s.waitUnlocked(ctx) {
		return nil, ErrLocked
	}
	from, err := s.signer.PublicKey(s.cfg.Chain, account, "memo")
	if err != nil {
		return nil, signerMemoError(err, account)
	}
	secret, err := mv.SharedSecret(s.cfg.Chain, account, "memo", toKey)
	defer secret.Clear()
	if err != nil {
		return nil, signerMemoError(err, account)
	}
	nonce := memo.NewNonce()
	sealed := memo.SealGraphene(&secret.Secret, nonce, text)
	return map[string]any{"from": from.Format(s.chain.Prefix), "to": toKey.Format(s.chain.Prefix),
		"nonce": nonce, "message": hex.EncodeToString(sealed)}, nil
}

// signerMemoError maps a vault failure while sealing a memo.
func signerMemoError(err error, account string) error {
	switch {
	case errors.Is(err, signer.ErrLocked):
		return ErrLocked
	case errors.Is(err, signer.ErrNoKey):
		return fmt.Errorf("%w: Localsigner holds no memo key for @%s, which encrypts the memo", ErrMissingKey, account)
	}
	return fmt.Errorf("memo: %w", err)
}
