package devnet

import (
	"context"
	"encoding/json"
	"strconv"

	"localsigner/signer/tx"
)

// grapheneMethods are the Graphene (Peerplays) APIs the devnet serves,
// reached through {"method": "call", "params": [api, method, args]} with
// api "database" (or 0/2), "network_broadcast" (or 3) and "login" (1).
var grapheneMethods = map[string]handler{
	"login.login":             constant(true),
	"login.database":          constant(2),
	"login.network_broadcast": constant(3),
	"login.history":           constant(4),
	"database.get_dynamic_global_properties": func(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
		return d.locked(d.grapheneDGP), nil
	},
	"database.get_global_properties": func(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
		return d.grapheneGlobalProperties(), nil
	},
	"database.get_chain_properties": func(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
		return d.grapheneChainProperties(), nil
	},
	"database.get_chain_id": func(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
		return d.chain.IDHex(), nil
	},
	"database.get_config": func(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
		return map[string]any{"GRAPHENE_SYMBOL": d.chain.CoreSymbol, "GRAPHENE_ADDRESS_PREFIX": d.chain.Prefix,
			"GRAPHENE_BLOCKCHAIN_PRECISION": 100000, "GRAPHENE_BLOCKCHAIN_PRECISION_DIGITS": 5,
			"GRAPHENE_MAX_SIG_CHECK_DEPTH": maxAuthorityDepth, "LOCALSIGNER_DEVNET": true}, nil
	},
	"database.get_account_by_name": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var name string
		if e := positional(p, 1, &name); e != nil {
			return nil, e
		}
		return d.locked(func() any { return d.grapheneAccountOrNil(d.byName[name]) }), nil
	},
	"database.lookup_account_names": grapheneAccountList,
	"database.get_accounts":         grapheneAccountList,
	"database.get_account_count":    accountCount,
	"database.get_objects": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var ids []string
		if e := positional(p, 1, &ids); e != nil {
			return nil, e
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		out := make([]any, len(ids))
		for i, id := range ids {
			out[i] = d.grapheneObject(id)
		}
		return out, nil
	},
	"database.get_account_balances":       grapheneBalances,
	"database.get_named_account_balances": grapheneBalances,
	"database.get_required_fees": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var ops [][2]json.RawMessage
		var asset string
		if e := positional(p, 1, &ops, &asset); e != nil {
			return nil, e
		}
		if asset != "" && asset != coreAssetID {
			return nil, assertError("get_required_fees", "asset_id == asset_id_type()",
				"the devnet quotes fees in the core asset ${core} only", map[string]any{"core": coreAssetID})
		}
		out := make([]any, len(ops))
		for i, op := range ops {
			var id int
			if err := json.Unmarshal(op[0], &id); err != nil {
				return nil, rpcFailure(codeInvalidParams, "operation "+strconv.Itoa(i)+": want [id, {…}]")
			}
			out[i] = map[string]any{"amount": grapheneFees[grapheneOpNames[id]], "asset_id": coreAssetID}
		}
		return out, nil
	},
	"database.get_block":        positionalBlock(true, false),
	"database.get_block_header": blockHeader,
	"database.get_transaction": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var n blockNumParam
		var i int
		if e := positional(p, 2, &n, &i); e != nil {
			return nil, e
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		b := d.blockByNum(uint32(n))
		if b == nil || i < 0 || i >= len(b.txs) {
			return nil, assertError("get_transaction", "opt_block && opt_block->transactions.size() > trx_num", "", nil)
		}
		return json.RawMessage(b.txs[i].json), nil
	},
	"database.get_recent_transaction_by_id": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var id string
		if e := positional(p, 1, &id); e != nil {
			return nil, e
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		for tid, t := range d.known {
			if tid.String() == id {
				return json.RawMessage(t.json), nil
			}
		}
		return nil, nil
	},
	"database.get_key_references": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var ks []string
		if e := positional(p, 1, &ks); e != nil {
			return nil, e
		}
		return d.locked(func() any { return d.keyReferences(ks, true) }), nil
	},
	"database.get_assets":           grapheneAssets,
	"database.lookup_asset_symbols": grapheneAssets,
	"network_broadcast.broadcast_transaction": func(ctx context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		raw, e := txParam(p)
		if e != nil {
			return nil, e
		}
		if _, e := d.broadcast(ctx, raw, false); e != nil {
			return nil, e
		}
		return nil, nil
	},
	"network_broadcast.broadcast_transaction_synchronous": func(ctx context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		raw, e := txParam(p)
		if e != nil {
			return nil, e
		}
		it, e := d.broadcast(ctx, raw, true)
		if e != nil {
			return nil, e
		}
		return map[string]any{"id": it.id.String(), "block_num": it.blockNum, "trx_num": it.trxNum,
			"trx": json.RawMessage(it.json)}, nil
	},
}

// grapheneOpNames maps the operation ids with a fee schedule entry.
var grapheneOpNames = map[int]string{0: "transfer", 1: "limit_order_create", 2: "limit_order_cancel", 6: "account_update"}

// grapheneAccountList serves lookup_account_names and get_accounts: one
// entry per name or id asked, null if unknown.
func grapheneAccountList(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
	var refs []string
	if e := positional(p, 1, &refs); e != nil {
		return nil, e
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]any, len(refs))
	for i, r := range refs {
		out[i] = d.grapheneAccountOrNil(d.lookupAccount(r))
	}
	return out, nil
}

// grapheneBalances serves get_account_balances (by id or name) and
// get_named_account_balances; no asset ids means every balance.
func grapheneBalances(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
	var ref string
	var assets []string
	if e := positional(p, 1, &ref, &assets); e != nil {
		return nil, e
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.lookupAccount(ref)
	if a == nil {
		return nil, errUnknownObject(ref)
	}
	if len(assets) == 0 {
		assets = []string{coreAssetID}
	}
	out := make([]any, len(assets))
	for i, id := range assets {
		out[i] = map[string]any{"amount": a.balances[id], "asset_id": id}
	}
	return out, nil
}

// grapheneAssets serves get_assets and lookup_asset_symbols: only the core
// asset exists.
func grapheneAssets(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
	var refs []string
	if e := positional(p, 1, &refs); e != nil {
		return nil, e
	}
	out := make([]any, len(refs))
	for i, r := range refs {
		if r == coreAssetID || r == d.chain.CoreSymbol {
			out[i] = d.coreAsset()
		}
	}
	return out, nil
}

func (d *Devnet) grapheneDGP() any {
	h := d.head()
	return map[string]any{
		"id": "2.1.0", "head_block_number": h.num, "head_block_id": h.idHex(), "time": fmtTime(h.timestamp),
		"current_witness": "1.6.1", "next_maintenance_time": fmtTime(h.timestamp.Add(86400e9)),
		"last_budget_time": fmtTime(h.timestamp), "witness_budget": 0, "accounts_registered_this_interval": 0,
		"recently_missed_count": 0, "current_aslot": h.num,
		"recent_slots_filled": "340282366920938463463374607431768211455", "dynamic_flags": 0,
		"last_irreversible_block_num": h.num,
	}
}

func (d *Devnet) grapheneGlobalProperties() any {
	var fees []any
	for _, id := range []int{0, 1, 2, 6} {
		params := map[string]any{"fee": grapheneFees[grapheneOpNames[id]]}
		if id == 0 || id == 6 {
			params["price_per_kbyte"] = 0
		}
		fees = append(fees, []any{id, params})
	}
	return map[string]any{
		"id": "2.0.0",
		"parameters": map[string]any{
			"current_fees":                  map[string]any{"parameters": fees, "scale": 10000},
			"block_interval":                int(d.interval.Seconds()),
			"maintenance_interval":          86400,
			"maximum_transaction_size":      2048,
			"maximum_block_size":            2000000,
			"maximum_time_until_expiration": int(grapheneMaxExpiration.Seconds()),
			"extensions":                    map[string]any{},
		},
		"next_available_vote_id": 0, "active_committee_members": []any{}, "active_witnesses": []string{"1.6.1"},
	}
}

func (d *Devnet) grapheneChainProperties() any {
	return map[string]any{"id": "2.11.0", "chain_id": d.chain.IDHex(), "immutable_parameters": map[string]any{
		"min_committee_member_count": 11, "min_witness_count": 11, "num_special_accounts": 0, "num_special_assets": 0}}
}

func (d *Devnet) coreAsset() any {
	core := map[string]any{"amount": 1, "asset_id": coreAssetID}
	return map[string]any{
		"id": coreAssetID, "symbol": d.chain.CoreSymbol, "precision": d.chain.CorePrecision, "issuer": "1.2.3",
		"options": map[string]any{"max_supply": "100000000000000", "market_fee_percent": 0, "max_market_fee": "0",
			"issuer_permissions": 0, "flags": 0, "core_exchange_rate": map[string]any{"base": core, "quote": core},
			"whitelist_authorities": []any{}, "blacklist_authorities": []any{}, "whitelist_markets": []any{},
			"blacklist_markets": []any{}, "description": "", "extensions": []any{}},
		"dynamic_asset_data_id": "2.3.0",
	}
}

// grapheneObject is get_objects for one id; d.mu must be held.
func (d *Devnet) grapheneObject(ref string) any {
	switch ref {
	case coreAssetID:
		return d.coreAsset()
	case "2.0.0":
		return d.grapheneGlobalProperties()
	case "2.1.0":
		return d.grapheneDGP()
	case "2.11.0":
		return d.grapheneChainProperties()
	}
	id, err := tx.ParseObjectID(ref)
	if err != nil || !id.Is(tx.AccountObject) {
		return nil
	}
	return d.grapheneAccountOrNil(d.byInstance[id.Instance])
}

// grapheneAccountOrNil renders an account object as a Peerplays node does,
// or nil (JSON null) for an unknown account.
func (d *Devnet) grapheneAccountOrNil(a *account) any {
	if a == nil {
		return nil
	}
	id := "1.2." + strconv.FormatUint(a.instance, 10)
	auth := func(r int) map[string]any {
		m := a.auth[r].toJSON(d.chain.Prefix)
		m["address_auths"] = []any{}
		return m
	}
	return map[string]any{
		"id": id, "membership_expiration_date": epoch, "registrar": id, "referrer": id, "lifetime_referrer": id,
		"network_fee_percentage": 2000, "lifetime_referrer_fee_percentage": 3000, "referrer_rewards_percentage": 0,
		"name": a.name, "owner": auth(roleOwner), "active": auth(roleActive),
		"options": map[string]any{"memo_key": a.memo.Format(d.chain.Prefix), "voting_account": "1.2.5",
			"num_witness": 0, "num_committee": 0, "votes": []any{}, "extensions": map[string]any{}},
		"statistics": "2.6." + strconv.FormatUint(a.instance, 10), "whitelisting_accounts": []any{},
		"blacklisting_accounts": []any{}, "whitelisted_accounts": []any{}, "blacklisted_accounts": []any{},
		"owner_special_authority": []any{0, map[string]any{}}, "active_special_authority": []any{0, map[string]any{}},
		"top_n_control_flags": 0,
	}
}
