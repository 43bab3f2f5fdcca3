package localapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"localsigner/authz"
	"localsigner/signer/chain"
	"localsigner/signer/tx"
)

// This file: what Hive Keychain's in-page requests mean, as operations.
// The browser extension turns each window.hive_keychain call into the
// request object Keychain's own content script builds ({type, username,
// …}, Keychain's field names); kcRequest.operations turns that into the
// operations the wallet is asked to sign. Nothing here decides anything.

// kcRequest is one Keychain request as the extension forwards it.
type kcRequest struct {
	Type     string `json:"type"`
	Username string `json:"username"`
	// Method is the key Keychain names: "Posting", "Active" or "Memo".
	Method string `json:"method"`

	Message  string          `json:"message"`  // signBuffer, decode, encode
	Receiver string          `json:"receiver"` // encode
	Title    string          `json:"title"`    // signBuffer
	Ops      json.RawMessage `json:"operations"`
	Tx       json.RawMessage `json:"tx"` // signTx

	Author, Permlink string
	Weight           json.Number `json:"weight"`

	ParentUsername string          `json:"parent_username"`
	ParentPerm     string          `json:"parent_perm"`
	Body           string          `json:"body"`
	JSONMetadata   json.RawMessage `json:"json_metadata"`
	CommentOptions json.RawMessage `json:"comment_options"`

	ID         string `json:"id"`
	JSON       string `json:"json"`
	DisplayMsg string `json:"display_msg"`

	To       string `json:"to"`
	Amount   string `json:"amount"`
	Memo     string `json:"memo"`
	Currency string `json:"currency"`
	Enforce  bool   `json:"enforce"`

	Recipient  string      `json:"recipient"`
	Steem      string      `json:"steem"` // powerUp's amount, Keychain's old field name
	Witness    string      `json:"witness"`
	Vote       bool        `json:"vote"`
	Proxy      string      `json:"proxy"`
	Delegatee  string      `json:"delegatee"`
	Unit       string      `json:"unit"`
	Collateral bool        `json:"collaterized"`
	Recurrence json.Number `json:"recurrence"`
	Executions json.Number `json:"executions"`

	SteemPower         string `json:"steem_power"` // powerDown, in HP
	AuthorizedUsername string `json:"authorizedUsername"`
	Role               string `json:"role"`
}

// UnmarshalJSON reads author and permlink from their Keychain names.
func (r *kcRequest) UnmarshalJSON(b []byte) error {
	type plain kcRequest
	var aux struct {
		plain
		Author   string `json:"author"`
		Permlink string `json:"permlink"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*r = kcRequest(aux.plain)
	r.Author, r.Permlink = aux.Author, aux.Permlink
	return nil
}

// errKeychainUnsupported is a Keychain request this version cannot serve.
var errKeychainUnsupported = errors.New("this Keychain request is not supported by Localsigner yet")

var kcAmount = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,6})?$`)

// amount builds "1.000 HIVE" from Keychain's "1.000" and "HIVE", checked
// by the chain's asset parser.
func kcAsset(c *chain.Chain, amount, currency string) (string, error) {
	if !kcAmount.MatchString(amount) {
		return "", fmt.Errorf("amount %q is not a decimal number", clip(amount))
	}
	s := amount + " " + strings.ToUpper(currency)
	a, err := tx.ParseAsset(c, s)
	if err != nil {
		return "", fmt.Errorf("amount %q: %w", clip(s), err)
	}
	return a.String(), nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func kcOp(name string, v map[string]any) json.RawMessage {
	b, _ := json.Marshal([]any{name, v})
	return b
}

// operations returns the operations a broadcasting request asks for, as
// a JSON array for tx.DecodeOperations.
func (r *kcRequest) operations(c *chain.Chain) (json.RawMessage, error) {
	u := r.Username
	list := func(ops ...json.RawMessage) json.RawMessage {
		b, _ := json.Marshal(ops)
		return b
	}
	switch r.Type {
	case "broadcast":
		if len(r.Ops) == 0 {
			return nil, errors.New("operations is missing")
		}
		return normalizeOps(r.Ops)
	case "vote":
		w, err := r.Weight.Int64()
		if err != nil {
			return nil, errors.New("weight must be an integer between -10000 and 10000")
		}
		return list(kcOp("vote", map[string]any{"voter": u, "author": r.Author, "permlink": r.Permlink, "weight": w})), nil
	case "post":
		meta := "{}"
		if len(r.JSONMetadata) > 0 {
			var s string
			if json.Unmarshal(r.JSONMetadata, &s) == nil {
				meta = s
			} else {
				meta = string(r.JSONMetadata)
			}
		}
		ops := []json.RawMessage{kcOp("comment", map[string]any{"parent_author": r.ParentUsername, "parent_permlink": r.ParentPerm,
			"author": u, "permlink": r.Permlink, "title": r.Title, "body": r.Body, "json_metadata": meta})}
		if len(r.CommentOptions) > 0 && string(r.CommentOptions) != `""` && string(r.CommentOptions) != "null" {
			var opts json.RawMessage = r.CommentOptions
			var s string
			if json.Unmarshal(r.CommentOptions, &s) == nil {
				opts = json.RawMessage(s)
			}
			b, _ := json.Marshal([]any{"comment_options", opts})
			ops = append(ops, b)
		}
		return list(ops...), nil
	case "custom":
		if r.ID == "" {
			return nil, errors.New("a custom_json needs an id")
		}
		posting, active := []string{u}, []string{}
		if strings.EqualFold(r.Method, "Active") {
			posting, active = []string{}, []string{u}
		}
		return list(kcOp("custom_json", map[string]any{"required_auths": active, "required_posting_auths": posting,
			"id": r.ID, "json": r.JSON})), nil
	case "transfer":
		amt, err := kcAsset(c, r.Amount, r.Currency)
		if err != nil {
			return nil, err
		}
		return list(kcOp("transfer", map[string]any{"from": u, "to": r.To, "amount": amt, "memo": r.Memo})), nil
	case "powerUp":
		amt, err := kcAsset(c, r.Steem, liquidSymbol(c))
		if err != nil {
			return nil, err
		}
		to := r.Recipient
		if to == "" {
			to = u
		}
		return list(kcOp("transfer_to_vesting", map[string]any{"from": u, "to": to, "amount": amt})), nil
	case "witnessVote":
		return list(kcOp("account_witness_vote", map[string]any{"account": u, "witness": r.Witness, "approve": r.Vote})), nil
	case "proxy":
		return list(kcOp("account_witness_proxy", map[string]any{"account": u, "proxy": r.Proxy})), nil
	case "delegation":
		if !strings.EqualFold(r.Unit, "VESTS") {
			return nil, fmt.Errorf("%w: a delegation in HP (convert it to VESTS, or use unit VESTS)", errKeychainUnsupported)
		}
		amt, err := kcAsset(c, r.Amount, "VESTS")
		if err != nil {
			return nil, err
		}
		return list(kcOp("delegate_vesting_shares", map[string]any{"delegator": u, "delegatee": r.Delegatee, "vesting_shares": amt})), nil
	case "convert":
		name, sym := "convert", debtSymbol(c)
		if r.Collateral {
			name, sym = "collateralized_convert", liquidSymbol(c)
		}
		amt, err := kcAsset(c, r.Amount, sym)
		if err != nil {
			return nil, err
		}
		return list(kcOp(name, map[string]any{"owner": u, "requestid": requestID(), "amount": amt})), nil
	case "recurrentTransfer":
		amt, err := kcAsset(c, r.Amount, r.Currency)
		if err != nil {
			return nil, err
		}
		rec, err1 := r.Recurrence.Int64()
		exe, err2 := r.Executions.Int64()
		if err1 != nil || err2 != nil {
			return nil, errors.New("recurrence and executions must be integers")
		}
		return list(kcOp("recurrent_transfer", map[string]any{"from": u, "to": r.To, "amount": amt, "memo": r.Memo,
			"recurrence": rec, "executions": exe, "extensions": []any{}})), nil
	}
	return nil, fmt.Errorf("%w: %q", errKeychainUnsupported, clip(r.Type))
}

// requestID is a conversion's request id: the time in seconds, as Keychain
// makes it.
var requestID = func() int64 { return time.Now().Unix() }

func liquidSymbol(c *chain.Chain) string { return symbolOf(c, chain.Liquid, "HIVE") }
func debtSymbol(c *chain.Chain) string   { return symbolOf(c, chain.Debt, "HBD") }

func symbolOf(c *chain.Chain, k chain.SymbolKind, def string) string {
	for _, s := range c.Symbols {
		if s.Kind == k {
			return s.Name
		}
	}
	return def
}

// scopesFor is what a site needs granted for ops: each operation's name,
// custom_json narrowed to its id when it is a posting one.
func scopesFor(ops []tx.Operation) authz.Scopes {
	var out []string
	for _, op := range ops {
		name := op.Name()
		if name == "custom_json" {
			if id, posting := customID(op); posting && id != "" {
				name = "custom_json:" + id
			}
		}
		out = append(out, name)
	}
	return canonical(out)
}

func canonical(items []string) authz.Scopes {
	slices.Sort(items)
	return authz.Scopes(slices.Compact(items))
}

// customID reads a custom_json's id and whether only posting authorities
// sign it.
func customID(op tx.Operation) (string, bool) {
	cj, ok := op.(*tx.CustomJSON)
	if !ok {
		return "", false
	}
	return cj.ID, len(cj.RequiredAuths) == 0
}
