package wallet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"unicode/utf8"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/signer"
	"localsigner/signer/keys"
	"localsigner/signer/memo"
)

// What a remote-signing door (HiveAuth) needs besides Send and
// SignMessage: to prove to its relay that it holds a key of an account, and
// to sign the challenge of a sign-in the user approved.

// proofRoles is the order ProofOfKey picks keys in: the least powerful the
// vault holds. The owner key never signs or encrypts for a door.
var proofRoles = []string{"memo", "posting", "active"}

// ProofOfKey encrypts text (a time or a request id) as a Hive memo from the
// least powerful key the vault holds for account to the relay's key: the
// "proof of key" a HiveAuth relay checks against the chain before it hands
// the account's requests to this PKSA. It reveals only that Localsigner
// holds a key of the account, to a relay that can read the chain anyway,
// so nobody is asked. Errors: ErrLocked, ErrMissingKey.
func (w *Wallet) ProofOfKey(account string, relay keys.PublicKey, text string) (string, error) {
	c := w.cfg.Chain
	for _, role := range proofRoles {
		pub, err := w.cfg.Signer.PublicKey(c.Name, account, role)
		if errors.Is(err, signer.ErrNoKey) {
			continue
		}
		if err != nil {
			return "", signerError(err, account, role)
		}
		s, err := w.cfg.Signer.SharedSecret(c.Name, account, role, relay)
		if err != nil {
			return "", signerError(err, account, role)
		}
		m := memo.EncryptHive(&s.Secret, pub, relay, memo.NewNonce(), text)
		s.Clear()
		return m.String(), nil
	}
	return "", fmt.Errorf("%w: Localsigner holds no memo, posting or active key of @%s", ErrMissingKey, PrintableAccount(account))
}

// SignLogin signs the challenge of a sign-in the user has just approved
// (the grant's token, which must include login) with the account's
// posting or memo key: what a HiveAuth auth_req with a challenge asks, the
// proof a dapp checks against the chain, signed as Keychain's signBuffer
// (SHA-256 of the text). It is part of the sign-in the user approved, so
// nobody is asked again; an active-key challenge goes through SignMessage,
// which asks. Text that begins with the chain id is refused: its hash
// could be a transaction's digest. Audited without the text.
func (w *Wallet) SignLogin(ctx context.Context, grant *authz.Token, role, text string) (*MessageResult, error) {
	res, err := w.signLogin(ctx, grant, role, text)
	ev := authz.Event{Type: authz.EventMessageSigned, ClientID: grant.ClientID, Account: grant.Account, GrantID: grant.GrantID,
		Outcome: "signed", Detail: fmt.Sprintf("sign-in challenge, %d bytes, %s key", len(text), role)}
	if err != nil {
		ev.Outcome, ev.Detail = Outcome(err), AuditText(err)
	}
	w.record(ev)
	return res, err
}

func (w *Wallet) signLogin(ctx context.Context, grant *authz.Token, role, text string) (*MessageResult, error) {
	c := w.cfg.Chain
	switch {
	case !grant.Scopes.Has(authz.ScopeLogin):
		return nil, &ScopeError{Operation: authz.ScopeLogin, Reason: "the grant does not include login"}
	case role != "posting" && role != "memo":
		return nil, fmt.Errorf("%w: a sign-in challenge is signed with the posting or the memo key here; the active key asks first", ErrInvalidRequest)
	}
	if err := checkMessage(c.ID, text, false); err != nil {
		return nil, err
	}
	if err := w.untilUnlocked(ctx, approval.Waiting{ClientID: grant.ClientID, What: "sign-in proof"}); err != nil {
		return nil, err
	}
	pub, err := w.cfg.Signer.PublicKey(c.Name, grant.Account, role)
	if err != nil {
		return nil, signerError(err, grant.Account, role)
	}
	sig, err := w.cfg.Signer.Sign(c.Name, grant.Account, role, sha256.Sum256([]byte(text)))
	if err != nil {
		return nil, signerError(err, grant.Account, role)
	}
	return &MessageResult{Signature: sig.String(), PublicKey: pub.Format(c.Prefix)}, nil
}

// checkMessage refuses what must never be signed as a message: nothing,
// too much, not text (unless binary is allowed), or bytes that begin with
// the chain id, whose SHA-256 would be the digest of a transaction on the
// chain.
func checkMessage(chainID [32]byte, text string, binary bool) error {
	switch {
	case text == "":
		return fmt.Errorf("%w: the message is empty", ErrInvalidRequest)
	case len(text) > MaxMessage:
		return fmt.Errorf("%w: the message is %d bytes, at most %d", ErrInvalidRequest, len(text), MaxMessage)
	case !binary && !utf8.ValidString(text):
		return fmt.Errorf("%w: the message is not text", ErrInvalidRequest)
	case bytes.HasPrefix([]byte(text), chainID[:]):
		return fmt.Errorf("%w: the message begins with the chain id: it would sign a transaction", ErrInvalidRequest)
	}
	return nil
}
