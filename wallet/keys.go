package wallet

import (
	"context"
	"errors"
	"fmt"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/signer"
	"localsigner/signer/chain"
	"localsigner/signer/keys"
	"localsigner/signer/memo"
)

// The wallet's other uses of the keys besides transactions: proving a
// sign-in, reading an encrypted memo sent to the account, sealing one. Each
// applies the same rules: the grant must include it, the owner key is never
// used, a locked vault is waited for.

// LoginRole is the account role whose key proves a sign-in on chain family
// f: posting on Hive; memo on Graphene chains, which have no posting
// authority and whose memo key is the least powerful one they publish.
func LoginRole(f chain.Family) string {
	if f == chain.Graphene {
		return "memo"
	}
	return "posting"
}

// LoginKey signs the proof of one sign-in (an id_token) with an account's
// login key.
type LoginKey struct {
	Role      string
	PublicKey keys.PublicKey
	w         *Wallet
	account   string
}

// Sign signs digest with the login key.
func (k *LoginKey) Sign(digest [32]byte) (keys.Signature, error) {
	sig, err := k.w.cfg.Signer.Sign(k.w.cfg.Chain.Name, k.account, k.Role, digest)
	if err != nil {
		return keys.Signature{}, signerError(err, k.account, k.Role)
	}
	return sig, nil
}

// Login returns the key that proves account's sign-in, for a grant whose
// scopes include login: ErrInsufficientScope without it, ErrLocked if the
// vault stays locked, ErrMissingKey if it holds no login key.
func (w *Wallet) Login(ctx context.Context, account string, scopes authz.Scopes) (*LoginKey, error) {
	if !scopes.Has(authz.ScopeLogin) {
		return nil, &ScopeError{Operation: authz.ScopeLogin, Reason: "the grant does not include login"}
	}
	if err := w.untilUnlocked(ctx, approval.Waiting{What: "sign-in proof"}); err != nil {
		return nil, err
	}
	role := LoginRole(w.cfg.Chain.Family)
	pub, err := w.cfg.Signer.PublicKey(w.cfg.Chain.Name, account, role)
	if err != nil {
		return nil, signerError(err, account, role)
	}
	return &LoginKey{Role: role, PublicKey: pub, w: w, account: account}, nil
}

// DecodeMemo returns the text of an encrypted Hive memo ("#…") sent to or
// by the grant's account. It needs the "memo" scope and never uses the
// owner key; the plaintext is neither logged nor audited (the audit event
// says only that a memo was read, or why not). Errors: a *ScopeError,
// ErrInvalidRequest (not an encrypted memo, not for a key Localsigner
// holds, does not decrypt, not a Hive chain), ErrOwnerKey, ErrLocked.
func (w *Wallet) DecodeMemo(ctx context.Context, grant *authz.Token, text string) (string, error) {
	plain, err := w.decodeMemo(ctx, grant, text)
	ev := authz.Event{Type: authz.EventMemoDecoded, ClientID: grant.ClientID, Account: grant.Account,
		GrantID: grant.GrantID, Outcome: "decoded"}
	if err != nil {
		ev.Outcome = Outcome(err)
	}
	w.record(ev)
	if err == nil {
		w.cfg.Grants.NoteUse(grant.GrantID)
	}
	return plain, err
}

func (w *Wallet) decodeMemo(ctx context.Context, grant *authz.Token, text string) (string, error) {
	c := w.cfg.Chain
	switch {
	case !grant.Scopes.Has(authz.ScopeMemo):
		return "", &ScopeError{Operation: authz.ScopeMemo,
			Reason: `reading encrypted memos needs the "memo" scope; ask for it in the authorization request`}
	case grant.Chain != "" && grant.Chain != c.Name:
		return "", &ScopeError{Operation: authz.ScopeMemo, Reason: "the token is for chain " + grant.Chain}
	case c.Family != chain.Hive:
		return "", fmt.Errorf("%w: this Localsigner serves %s; encrypted memos here are Hive memos", ErrInvalidRequest, c.Name)
	}
	m, err := memo.ParseHive(text)
	if err != nil {
		return "", fmt.Errorf("%w: not an encrypted memo: %w", ErrInvalidRequest, err)
	}
	if err := w.untilUnlocked(ctx, approval.Waiting{What: "reading a memo"}); err != nil {
		return "", err
	}
	secret, role, err := w.cfg.Signer.MemoSecret(c.Name, grant.Account, m.From, m.To)
	defer secret.Clear()
	switch {
	case errors.Is(err, signer.ErrLocked):
		return "", ErrLocked
	case errors.Is(err, signer.ErrNoKey):
		return "", fmt.Errorf("%w: the memo is not addressed to a key Localsigner holds for @%s", ErrInvalidRequest, grant.Account)
	case err != nil:
		w.log.Error("memo secret", "err", err)
		return "", fmt.Errorf("memo secret: %w", err)
	case role == "owner":
		return "", fmt.Errorf("%w: the memo is addressed to the owner key", ErrOwnerKey)
	}
	plain, err := m.Decrypt(&secret)
	if err != nil {
		return "", fmt.Errorf("%w: the memo does not decrypt: %w", ErrInvalidRequest, err)
	}
	return plain, nil
}

// SealedMemo is a Graphene memo_data: text encrypted from the account's
// memo key to the recipient's.
type SealedMemo struct {
	From, To keys.PublicKey
	Nonce    uint64
	Message  []byte
}

// SealMemo encrypts text from account's memo key to the recipient's key
// to, for a transfer the wallet will then be asked to sign. Errors:
// ErrLocked, ErrMissingKey (no memo key for the account),
// ErrSecretInOperation (the text holds a private key: encrypted or not, it
// would reach the recipient).
func (w *Wallet) SealMemo(ctx context.Context, account string, to keys.PublicKey, text string) (*SealedMemo, error) {
	if signer.ContainsPrivateKey(text) {
		return nil, fmt.Errorf("%w: the memo carries a private key or a master password; nothing was signed", ErrSecretInOperation)
	}
	if err := w.untilUnlocked(ctx, approval.Waiting{What: "writing a memo"}); err != nil {
		return nil, err
	}
	c := w.cfg.Chain
	from, err := w.cfg.Signer.PublicKey(c.Name, account, "memo")
	if err != nil {
		return nil, memoKeyError(err, account)
	}
	secret, err := w.cfg.Signer.SharedSecret(c.Name, account, "memo", to)
	defer secret.Clear()
	if err != nil {
		return nil, memoKeyError(err, account)
	}
	nonce := memo.NewNonce()
	return &SealedMemo{From: from, To: to, Nonce: nonce, Message: memo.SealGraphene(&secret.Secret, nonce, text)}, nil
}

// memoKeyError maps a vault failure while sealing a memo.
func memoKeyError(err error, account string) error {
	switch {
	case errors.Is(err, signer.ErrLocked):
		return ErrLocked
	case errors.Is(err, signer.ErrNoKey):
		return fmt.Errorf("%w: Localsigner holds no memo key for @%s, which encrypts the memo", ErrMissingKey, account)
	}
	return fmt.Errorf("memo: %w", err)
}

// EncodeMemo encrypts text as a Hive memo ("#…") from the grant's
// account's memo key to the key to (normally the recipient's memo key, as
// the chain publishes it): what Keychain's requestEncodeMessage gives a
// dapp. It needs the "memo" scope; the text is neither logged nor audited.
// Errors: a *ScopeError, ErrInvalidRequest (not a Hive chain, empty or
// too long), ErrSecretInOperation, ErrMissingKey, ErrLocked.
func (w *Wallet) EncodeMemo(ctx context.Context, grant *authz.Token, to keys.PublicKey, text string) (string, error) {
	out, err := w.encodeMemo(ctx, grant, to, text)
	ev := authz.Event{Type: authz.EventMemoDecoded, ClientID: grant.ClientID, Account: grant.Account,
		GrantID: grant.GrantID, Outcome: "encoded", Detail: "a memo encrypted for the dapp"}
	if err != nil {
		ev.Outcome, ev.Detail = Outcome(err), AuditText(err)
	}
	w.record(ev)
	return out, err
}

func (w *Wallet) encodeMemo(ctx context.Context, grant *authz.Token, to keys.PublicKey, text string) (string, error) {
	c := w.cfg.Chain
	switch {
	case !grant.Scopes.Has(authz.ScopeMemo):
		return "", &ScopeError{Operation: authz.ScopeMemo,
			Reason: `encrypting memos needs the "memo" scope; ask for it in the authorization request`}
	case c.Family != chain.Hive:
		return "", fmt.Errorf("%w: this Localsigner serves %s; encrypted memos here are Hive memos", ErrInvalidRequest, c.Name)
	case text == "" || len(text) > 2000:
		return "", fmt.Errorf("%w: a memo is 1 to 2000 bytes", ErrInvalidRequest)
	case signer.ContainsPrivateKey(text):
		return "", fmt.Errorf("%w: the memo carries a private key or a master password; nothing was encrypted", ErrSecretInOperation)
	}
	if err := w.untilUnlocked(ctx, approval.Waiting{What: "writing a memo"}); err != nil {
		return "", err
	}
	from, err := w.cfg.Signer.PublicKey(c.Name, grant.Account, "memo")
	if err != nil {
		return "", memoKeyError(err, grant.Account)
	}
	secret, err := w.cfg.Signer.SharedSecret(c.Name, grant.Account, "memo", to)
	defer secret.Clear()
	if err != nil {
		return "", memoKeyError(err, grant.Account)
	}
	return memo.EncryptHive(&secret.Secret, from, to, memo.NewNonce(), text).String(), nil
}
