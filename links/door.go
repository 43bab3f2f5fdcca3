package links

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"localsigner/approval"
	"localsigner/signer/chain"
	"localsigner/signer/tx"
	"localsigner/wallet"
)

// Wallet is what the door asks to sign: every link is a request without a
// grant, which the user confirms. *wallet.Wallet satisfies it.
type Wallet interface {
	Send(ctx context.Context, req wallet.Request) (*wallet.Result, error)
	SignMessage(ctx context.Context, req wallet.MessageRequest) (*wallet.MessageResult, error)
	WaitUnlocked(ctx context.Context, who approval.Waiting) error
}

// Node prepares the transaction a dry run shows (the head block's TaPoS and
// time). *node.Client satisfies it.
type Node interface {
	PrepareTransaction(ctx context.Context, ops []tx.Operation, expiration time.Duration) (*tx.Transaction, error)
}

// Accounts lists the accounts the vault holds keys for; it fails while the
// vault is locked. *signer.Vault satisfies it.
type Accounts interface {
	Accounts(chain string) ([]string, error)
}

// Door answers hive:// links for one chain.
type Door struct {
	w     Wallet
	node  Node
	vault Accounts
	chain *chain.Chain
}

// NewDoor returns the link door; node may be nil (links then fail with the
// wallet's "no node" error, and dry runs say so).
func NewDoor(c *chain.Chain, w Wallet, n Node, v Accounts) *Door {
	return &Door{w: w, node: n, vault: v, chain: c}
}

// OpenArgs is one link to open.
type OpenArgs struct {
	URI string `json:"uri"`
	// As is the account to sign as; empty takes the link's s=, or the only
	// account the vault holds.
	As string `json:"as,omitempty"`
	// DryRun resolves the link against the node and returns the
	// transaction it would ask to sign, signing nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// Outcome is what became of a link.
type Outcome struct {
	Action string `json:"action"`
	Signer string `json:"signer"`
	// Authority is the key that signs (or would sign): posting or active.
	Authority string `json:"authority"`
	// Transaction is, for a dry run, the transaction as it would be signed
	// now; for a sign-only link, the signed transaction.
	Transaction json.RawMessage `json:"transaction,omitempty"`
	DryRun      bool            `json:"dry_run,omitempty"`
	Broadcast   bool            `json:"broadcast"`
	TxID        string          `json:"tx_id,omitempty"`
	Block       uint32          `json:"block,omitempty"`
	TrxNum      uint32          `json:"trx_num,omitempty"`
	Signatures  []string        `json:"signatures,omitempty"`
	// CallbackHost is the host the link's callback names; Callback the URL
	// to open once signed, templates filled ("" for a dry run or none).
	CallbackHost string `json:"callback_host,omitempty"`
	Callback     string `json:"callback,omitempty"`
	// Notes are what the user was told beside the operations.
	Notes []string `json:"notes,omitempty"`
	// Message is a sign/msg link's text; PublicKey the key that signed it.
	Message   string `json:"message,omitempty"`
	PublicKey string `json:"public_key,omitempty"`
}

// Source is how a link's confirmation names where it came from.
const Source = "a hive:// link (who made it is not known)"

// Open parses, resolves and, unless a dry run, signs a link after the
// user's confirmation. Errors: ErrBadLink with the reason for links that
// cannot be used; the wallet's errors (ErrConfirmationDenied, …) for the
// rest. A sign/msg link's text is signed as Keychain's signBuffer does:
// the signature is over SHA-256 of its UTF-8 bytes.
func (d *Door) Open(ctx context.Context, a OpenArgs) (*Outcome, error) {
	l, err := Parse(a.URI)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Action: l.Action, DryRun: a.DryRun, Broadcast: !l.NoBroadcast && !a.DryRun && l.Action != ActionMsg}
	if l.Callback != nil {
		out.CallbackHost = l.Callback.Host
	}
	if out.Signer, err = d.signer(ctx, l, a.As, &out.Notes); err != nil {
		return nil, err
	}
	if l.Action == ActionMsg {
		return d.message(ctx, l, a, out)
	}
	r, err := l.Resolve(Head{Signer: out.Signer})
	if err != nil {
		return nil, err
	}
	ops, err := tx.DecodeOperations(d.chain, r.Operations)
	if err != nil {
		return nil, bad("its operations are not valid for %s: %v", d.chain.Name, err)
	}
	if len(ops) > wallet.MaxOperations {
		return nil, bad("it has %d operations, at most %d", len(ops), wallet.MaxOperations)
	}
	need, err := authorityOf(ops)
	if err != nil {
		return nil, err
	}
	out.Authority = need.String()
	switch {
	case l.Authority == "posting" && need > tx.Posting:
		return nil, bad("it asks for the posting key, but its operations need the %s key", need)
	case l.Authority == "active" && need == tx.Posting:
		out.Notes = append(out.Notes, "The link asks for the active key; its operations need only the posting key, which signs.")
	}
	var header *wallet.Header
	if r.HeaderFromLink {
		header = &wallet.Header{RefBlockNum: r.RefBlockNum, RefBlockPrefix: r.RefBlockPrefix, Expiration: r.Expiration}
	} else if l.opsUseHeader() {
		// Header placeholders inside an operation: filled from the head
		// now, so what is confirmed is what is signed.
		t, err := d.prepare(ctx, ops)
		if err != nil {
			return nil, err
		}
		if r, err = l.Resolve(Head{Signer: out.Signer, RefBlockNum: t.RefBlockNum, RefBlockPrefix: t.RefBlockPrefix, Expiration: t.Expiration}); err != nil {
			return nil, err
		}
		if ops, err = tx.DecodeOperations(d.chain, r.Operations); err != nil {
			return nil, bad("its operations are not valid for %s: %v", d.chain.Name, err)
		}
		header = &wallet.Header{RefBlockNum: t.RefBlockNum, RefBlockPrefix: t.RefBlockPrefix, Expiration: t.Expiration}
	}
	if a.DryRun {
		t := &tx.Transaction{Chain: d.chain, Operations: ops}
		if header != nil {
			t.RefBlockNum, t.RefBlockPrefix, t.Expiration = header.RefBlockNum, header.RefBlockPrefix, header.Expiration
		} else if t, err = d.prepare(ctx, ops); err != nil {
			return nil, err
		}
		if out.Transaction, err = t.MarshalJSON(); err != nil {
			return nil, bad("its transaction is not valid: %v", err)
		}
		return out, nil
	}
	res, err := d.w.Send(ctx, wallet.Request{Door: "link", Account: out.Signer, Ops: ops, Header: header,
		NoBroadcast: l.NoBroadcast, Source: Source, Callback: out.CallbackHost, Notes: out.Notes})
	if err != nil {
		return nil, err
	}
	out.TxID, out.Signatures = res.ID, res.Signatures
	c := Confirmation{ID: res.ID, Block: res.BlockNum, Txn: res.TrxNum}
	if res.Signed != nil {
		out.Transaction = res.Signed.Transaction
		c.ID = ""
	} else {
		out.Block, out.TrxNum = res.BlockNum, res.TrxNum
	}
	if len(res.Signatures) > 0 {
		c.Sig = res.Signatures[0]
	}
	out.Callback = l.CallbackURL(c)
	return out, nil
}

// message signs a sign/msg link's text (a JSON string) with the key a=
// names, posting by default, after the user read it.
func (d *Door) message(ctx context.Context, l *Link, a OpenArgs, out *Outcome) (*Outcome, error) {
	var text string
	if err := json.Unmarshal(l.Message, &text); err != nil {
		return nil, bad("a sign/msg payload must be a JSON string, the message to sign")
	}
	role := tx.Posting
	if l.Authority == "active" {
		role = tx.Active
	}
	out.Authority, out.Message = role.String(), text
	if a.DryRun {
		return out, nil
	}
	res, err := d.w.SignMessage(ctx, wallet.MessageRequest{Door: "link", Account: out.Signer, Authority: role, Message: text,
		Source: Source, Callback: out.CallbackHost})
	if err != nil {
		return nil, err
	}
	out.Signatures, out.PublicKey = []string{res.Signature}, res.PublicKey
	out.Callback = l.CallbackURL(Confirmation{Sig: res.Signature})
	return out, nil
}

func (d *Door) prepare(ctx context.Context, ops []tx.Operation) (*tx.Transaction, error) {
	if d.node == nil {
		return nil, fmt.Errorf("%w: no node is configured", wallet.ErrNodeDown)
	}
	t, err := d.node.PrepareTransaction(ctx, ops, 0)
	if err != nil {
		return nil, wallet.NodeError("prepare the transaction", err)
	}
	return t, nil
}

// signer chooses the account: as, else the link's s=, else the only
// account held. A preferred signer whose keys are not here is said so.
func (d *Door) signer(ctx context.Context, l *Link, as string, notes *[]string) (string, error) {
	held, err := d.vault.Accounts(d.chain.Name)
	if err != nil && as == "" && l.Signer == "" {
		// Locked, and only the vault knows whom the link is for: wait for
		// the unlock, as a transaction would (an app just started by the
		// link is locked).
		if werr := d.w.WaitUnlocked(ctx, approval.Waiting{What: "a hive:// link"}); werr != nil {
			return "", werr
		}
		held, err = d.vault.Accounts(d.chain.Name)
	}
	locked := err != nil // the wallet waits for the unlock and checks the keys then
	has := func(a string) bool { return locked || slices.Contains(held, a) }
	switch {
	case as != "":
		if !has(as) {
			return "", fmt.Errorf("%w: no keys for @%s on %s in this vault", ErrBadLink, clip(as), d.chain.Name)
		}
		if l.Signer != "" && l.Signer != as {
			*notes = append(*notes, "The link prefers @"+clip(l.Signer)+"; you chose to sign as @"+clip(as)+".")
		}
		return as, nil
	case l.Signer != "":
		if !has(l.Signer) {
			return "", fmt.Errorf("%w: the link asks for @%s, whose keys are not in this vault; choose an account to sign as (held: %s)",
				ErrBadLink, clip(l.Signer), strings.Join(held, ", "))
		}
		return l.Signer, nil
	case !locked && len(held) == 1:
		return held[0], nil
	case locked:
		return "", errors.New("unlock Localsigner, or choose the account to sign as: the link names none")
	case len(held) == 0:
		return "", fmt.Errorf("no account on %s in this vault to sign the link", d.chain.Name)
	}
	return "", fmt.Errorf("the link names no account; choose one to sign as (held: %s)", strings.Join(held, ", "))
}

// authorityOf is the strongest key the operations need; owner is refused.
func authorityOf(ops []tx.Operation) (tx.Role, error) {
	need := tx.Posting
	for _, op := range ops {
		for _, r := range op.RequiredAuthorities() {
			if r.Role >= tx.Owner {
				return 0, bad("its %s operation needs the owner key, which Localsigner never uses for a request", op.Name())
			}
			need = max(need, r.Role)
		}
	}
	return need, nil
}
