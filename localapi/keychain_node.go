package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"localsigner/signer/node"
	"localsigner/signer/tx"
	"localsigner/wallet"
)

// This file: the Keychain requests whose operations depend on what the
// chain holds now: amounts in HP (converted to VESTS at the node's current
// rate) and account authority changes (the account's authority as it is,
// with one account added or removed). What the node says only shapes the
// operation; the confirmation shows the operation as it will be signed.

// hpToVests converts an HP amount ("1.000") to VESTS ("2000.000000 VESTS")
// at the node's total_vesting_shares / total_vesting_fund_hive.
func (s *Server) hpToVests(ctx context.Context, hp string) (string, error) {
	if s.node == nil {
		return "", fmt.Errorf("%w: no node is configured", wallet.ErrNodeDown)
	}
	amount, err := kcAsset(s.chain, hp, liquidSymbol(s.chain))
	if err != nil {
		return "", err
	}
	a, err := tx.ParseAsset(s.chain, amount)
	if err != nil {
		return "", err
	}
	var dgpo struct {
		Fund   string `json:"total_vesting_fund_hive"`
		Shares string `json:"total_vesting_shares"`
	}
	if err := s.node.API(ctx, "condenser_api", "get_dynamic_global_properties", []any{}, &dgpo); err != nil {
		return "", wallet.NodeError("read the vesting rate", err)
	}
	fund, err1 := tx.ParseAsset(s.chain, dgpo.Fund)
	shares, err2 := tx.ParseAsset(s.chain, dgpo.Shares)
	if err1 != nil || err2 != nil || fund.Amount <= 0 || shares.Amount <= 0 {
		return "", fmt.Errorf("%w: the node's vesting rate is unreadable", wallet.ErrNodeDown)
	}
	// HP and the fund share their precision, so VESTS units =
	// hp units × shares units / fund units.
	v := new(big.Int).Mul(big.NewInt(a.Amount), big.NewInt(shares.Amount))
	v.Quo(v, big.NewInt(fund.Amount))
	if !v.IsInt64() {
		return "", errors.New("the amount is too large")
	}
	n := v.Int64()
	return fmt.Sprintf("%d.%06d VESTS", n/1e6, n%1e6), nil
}

// authorityChange builds the account_update that adds (weight > 0) or
// removes an account in the posting authority of username, from the
// authority the chain holds now. Changing the active authority needs the
// owner key, which Localsigner never uses for a site.
func (s *Server) authorityChange(ctx context.Context, r *kcRequest, add bool) (json.RawMessage, error) {
	if !strings.EqualFold(r.Role, "Posting") {
		return nil, fmt.Errorf("%w: changing the %s authority needs the owner key, which Localsigner never uses for a site",
			wallet.ErrOwnerKey, clip(strings.ToLower(r.Role)))
	}
	if !validAccountName(r.AuthorizedUsername) {
		return nil, errors.New("authorizedUsername is not a Hive account name")
	}
	if s.node == nil {
		return nil, fmt.Errorf("%w: no node is configured", wallet.ErrNodeDown)
	}
	accts, err := s.node.Accounts(ctx, []string{r.Username})
	if err != nil {
		return nil, wallet.NodeError("read the account", err)
	}
	if len(accts) != 1 || accts[0].Name != r.Username || accts[0].Posting == nil {
		return nil, fmt.Errorf("%w: @%s was not found", wallet.ErrInvalidRequest, r.Username)
	}
	cur := accts[0]
	auth := *cur.Posting
	entries := slices.DeleteFunc(slices.Clone(auth.AccountAuths), func(e node.AuthorityEntry) bool { return e.Name == r.AuthorizedUsername })
	if add {
		w, err := r.Weight.Int64()
		if err != nil || w < 1 || w > 65535 {
			return nil, errors.New("weight must be an integer from 1 to 65535")
		}
		entries = append(entries, node.AuthorityEntry{Name: r.AuthorizedUsername, Weight: uint16(w)})
	} else if len(entries) == len(auth.AccountAuths) {
		return nil, fmt.Errorf("%w: @%s is not in the posting authority of @%s", wallet.ErrInvalidRequest, r.AuthorizedUsername, r.Username)
	}
	slices.SortFunc(entries, func(a, b node.AuthorityEntry) int { return strings.Compare(a.Name, b.Name) })
	accountAuths := make([][]any, 0, len(entries))
	for _, e := range entries {
		accountAuths = append(accountAuths, []any{e.Name, e.Weight})
	}
	keyAuths := make([][]any, 0, len(auth.KeyAuths))
	for _, e := range auth.KeyAuths {
		keyAuths = append(keyAuths, []any{e.Name, e.Weight})
	}
	op := kcOp("account_update", map[string]any{"account": r.Username, "memo_key": cur.MemoKey, "json_metadata": cur.JSONMetadata,
		"posting": map[string]any{"weight_threshold": auth.WeightThreshold, "account_auths": accountAuths, "key_auths": keyAuths}})
	b, _ := json.Marshal([]json.RawMessage{op})
	return b, nil
}
