package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"localsigner/signer/chain"
	"localsigner/signer/node"
	"localsigner/signer/tx"
	"localsigner/wallet"
)

// ErrMemoUnsupported: a transfer carries a memo but the server's signer
// cannot compute memo secrets (see Memos). Peerplays memos are encrypted
// with a shared secret of the sender's and recipient's memo keys, and
// Localsigner will not send one in plaintext instead.
var ErrMemoUnsupported = errors.New("memos are not supported by this signer: Peerplays memos are encrypted with the memo keys, and Localsigner will not send one in plaintext; leave memo empty")

// buildPeerIDOperations turns parsed PeerID operations into signed-ready
// operations for the server's chain: account names become ids (one node
// lookup for all), fee assets ids, times the chain's format, and each fee
// is what the node quotes (get_required_fees). The result is checked by tx
// exactly as any transaction. Errors wrap ErrPeerIDOperations (the request
// is wrong), ErrMemoUnsupported, or wallet.ErrNodeDown / a node refusal.
func (s *Server) buildPeerIDOperations(ctx context.Context, account string, ops []PeerIDOperation) ([]tx.Operation, error) {
	if s.chain.Family != chain.Graphene {
		return nil, fmt.Errorf("%w: this Localsigner serves %s, not a Peerplays chain", ErrPeerIDOperations, s.chain.Name)
	}
	if s.node == nil {
		return nil, fmt.Errorf("%w: no node is configured", wallet.ErrNodeDown)
	}
	ids, err := s.resolveAccountNames(ctx, ops)
	if err != nil {
		return nil, err
	}
	out := make([]tx.Operation, 0, len(ops))
	for i, p := range ops {
		obj, feeAsset, memoText, err := s.peeridObject(p, ids)
		if err != nil {
			return nil, fmt.Errorf("operation %d: %w", i, err)
		}
		if memoText != "" {
			to, _ := obj["to"].(string)
			if obj["memo"], err = s.sealPeerplaysMemo(ctx, account, to, memoText); err != nil {
				return nil, fmt.Errorf("operation %d: memo: %w", i, err)
			}
		}
		op, err := decodeGraphene(s.chain, p.Name, obj)
		if err != nil {
			return nil, fmt.Errorf("%w: operation %d: %v", ErrPeerIDOperations, i, err)
		}
		fee, err := s.requiredFee(ctx, op, feeAsset)
		if err != nil {
			return nil, fmt.Errorf("operation %d: %w", i, err)
		}
		obj["fee"] = fee
		if op, err = decodeGraphene(s.chain, p.Name, obj); err != nil {
			return nil, fmt.Errorf("%w: operation %d: %v", ErrPeerIDOperations, i, err)
		}
		out = append(out, op)
	}
	return out, nil
}

// peeridObject rewrites one PeerID operation into the chain's JSON object
// with a zero fee, and returns its memo's text apart, to be encrypted.
func (s *Server) peeridObject(p PeerIDOperation, ids map[string]string) (_ map[string]any, feeAsset, memoText string, _ error) {
	feeAsset = p.FeeAsset
	if !reAssetID.MatchString(feeAsset) {
		if feeAsset != s.chain.CoreSymbol {
			return nil, "", "", fmt.Errorf("%w: fee_asset %s: give the asset's id (1.3.N)", ErrPeerIDOperations, quoteShort(feeAsset))
		}
		feeAsset = "1.3.0"
	}
	obj := map[string]any{"fee": map[string]any{"amount": 0, "asset_id": feeAsset}}
	schema := peeridSchemas[p.Name]
	for k, v := range p.Fields {
		switch schema[k].kind {
		case fieldAccount:
			var ref string
			_ = json.Unmarshal(v, &ref) // checked by the parser
			if id, ok := ids[ref]; ok {
				ref = id
			}
			obj[k] = ref
		case fieldMemo:
			_ = json.Unmarshal(v, &memoText)
		case fieldTimestamp:
			t, _ := peeridTime(v)
			obj[k] = t.Format("2006-01-02T15:04:05")
		case fieldBool:
			if k == "update_last_voting_time" {
				var b bool
				_ = json.Unmarshal(v, &b)
				if b {
					return nil, "", "", fmt.Errorf("%w: update_last_voting_time is not supported", ErrPeerIDOperations)
				}
				continue
			}
			obj[k] = v
		case fieldOptions:
			opts, err := strictObject(v)
			if err != nil {
				return nil, "", "", fmt.Errorf("%w: %s: %v", ErrPeerIDOperations, k, err)
			}
			if ns, ok := opts["num_son"]; ok {
				if n, err := peeridInteger(ns); err != nil || n != 0 {
					return nil, "", "", fmt.Errorf("%w: new_options.num_son must be 0 (SON votes are not supported)", ErrPeerIDOperations)
				}
				delete(opts, "num_son")
			}
			obj[k] = opts
		default:
			obj[k] = v
		}
	}
	return obj, feeAsset, memoText, nil
}

// resolveAccountNames looks up every account given by name, in one call.
func (s *Server) resolveAccountNames(ctx context.Context, ops []PeerIDOperation) (map[string]string, error) {
	var names []string
	for _, p := range ops {
		schema := peeridSchemas[p.Name]
		for k, v := range p.Fields {
			if schema[k].kind != fieldAccount {
				continue
			}
			var ref string
			if json.Unmarshal(v, &ref) == nil && !reAccountID.MatchString(ref) && !slices.Contains(names, ref) {
				names = append(names, ref)
			}
		}
	}
	ids := map[string]string{}
	if len(names) == 0 {
		return ids, nil
	}
	accts, err := s.node.Accounts(ctx, names)
	if errors.Is(err, node.ErrUnknownAccount) {
		return nil, fmt.Errorf("%w: %v", ErrPeerIDOperations, err)
	}
	if err != nil {
		return nil, wallet.NodeError("look up accounts", err)
	}
	for i, a := range accts {
		if i < len(names) && a.ID != "" {
			ids[names[i]] = a.ID
		}
	}
	return ids, nil
}

// requiredFee asks the node for op's fee in asset.
func (s *Server) requiredFee(ctx context.Context, op tx.Operation, asset string) (json.RawMessage, error) {
	raw, err := tx.MarshalOperationJSON(s.chain, op)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPeerIDOperations, err)
	}
	var fees []json.RawMessage
	if err := s.node.API(ctx, "database", "get_required_fees", []any{[]json.RawMessage{raw}, asset}, &fees); err != nil {
		return nil, wallet.NodeError("get the fee", err)
	}
	if len(fees) != 1 {
		return nil, fmt.Errorf("%w: get_required_fees answered %d fees for one operation", wallet.ErrNodeDown, len(fees))
	}
	return fees[0], nil
}

// decodeGraphene decodes [name, obj] with package tx's checks.
func decodeGraphene(c *chain.Chain, name string, obj map[string]any) (tx.Operation, error) {
	raw, err := json.Marshal([]any{name, obj})
	if err != nil {
		return nil, err
	}
	return tx.DecodeOperation(c, raw)
}
