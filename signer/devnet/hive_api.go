package devnet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
)

// hiveMethods are the hived APIs the devnet serves. condenser_api takes
// positional (array) params and writes assets as "1.000 HIVE"; database_api,
// block_api, network_broadcast_api and account_by_key_api take named
// (object) params, and database_api writes assets as NAI objects, as hived
// does.
var hiveMethods = map[string]handler{
	"condenser_api.get_dynamic_global_properties": func(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
		return d.locked(func() any { return d.hiveDGP(false) }), nil
	},
	"database_api.get_dynamic_global_properties": func(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
		return d.locked(func() any { return d.hiveDGP(true) }), nil
	},
	"condenser_api.get_config":           hiveConfig,
	"database_api.get_config":            hiveConfig,
	"condenser_api.get_version":          hiveVersion,
	"database_api.get_version":           hiveVersion,
	"condenser_api.get_hardfork_version": constant("1.28.0"),
	"condenser_api.get_chain_properties": constant(map[string]any{
		"account_creation_fee": "3.000 HIVE", "maximum_block_size": 65536, "hbd_interest_rate": 0,
		"account_subsidy_budget": 797, "account_subsidy_decay": 347321,
	}),
	"condenser_api.get_accounts": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var names []string
		if e := positional(p, 1, &names); e != nil {
			return nil, e
		}
		return d.locked(func() any { return d.hiveAccounts(names, false) }), nil
	},
	"database_api.find_accounts": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var args struct {
			Accounts []string `json:"accounts"`
		}
		if e := named(p, &args); e != nil {
			return nil, e
		}
		return d.locked(func() any { return map[string]any{"accounts": d.hiveAccounts(args.Accounts, true)} }), nil
	},
	"condenser_api.lookup_accounts": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var lower string
		var limit int
		if e := positional(p, 2, &lower, &limit); e != nil {
			return nil, e
		}
		return d.locked(func() any { return d.lookupNames(lower, limit) }), nil
	},
	"condenser_api.get_account_count": accountCount,
	"condenser_api.get_key_references": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var ks []string
		if e := positional(p, 1, &ks); e != nil {
			return nil, e
		}
		return d.locked(func() any { return d.keyReferences(ks, false) }), nil
	},
	"account_by_key_api.get_key_references": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var args struct {
			Keys []string `json:"keys"`
		}
		if e := named(p, &args); e != nil {
			return nil, e
		}
		return d.locked(func() any { return map[string]any{"accounts": d.keyReferences(args.Keys, false)} }), nil
	},
	"condenser_api.get_block":        positionalBlock(true, true),
	"condenser_api.get_block_header": blockHeader,
	"block_api.get_block": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		return blockAPI(d, p, "block", true)
	},
	"block_api.get_block_header": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		return blockAPI(d, p, "header", false)
	},
	"condenser_api.get_ops_in_block": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var n blockNumParam
		var onlyVirtual bool
		if e := positional(p, 1, &n, &onlyVirtual); e != nil {
			return nil, e
		}
		if onlyVirtual {
			return []any{}, nil
		}
		return d.locked(func() any { return d.opsInBlock(uint32(n)) }), nil
	},
	"condenser_api.get_transaction": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var id string
		if e := positional(p, 1, &id); e != nil {
			return nil, e
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, b := range d.blocks {
			for _, t := range b.txs {
				if t.id.String() == id {
					return withTxMeta(t), nil
				}
			}
		}
		return nil, assertError("get_transaction", "false", "Unknown Transaction ${id}", map[string]any{"id": id})
	},
	"condenser_api.get_content": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var author, permlink string
		if e := positional(p, 2, &author, &permlink); e != nil {
			return nil, e
		}
		return d.locked(func() any { return d.contentJSON(author, permlink) }), nil
	},
	"condenser_api.get_active_votes": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var author, permlink string
		if e := positional(p, 2, &author, &permlink); e != nil {
			return nil, e
		}
		return d.locked(func() any { return d.activeVotes(author, permlink) }), nil
	},
	"condenser_api.broadcast_transaction": func(ctx context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		raw, e := txParam(p)
		if e != nil {
			return nil, e
		}
		if _, e := d.broadcast(ctx, raw, false); e != nil {
			return nil, e
		}
		return map[string]any{}, nil
	},
	"condenser_api.broadcast_transaction_synchronous": func(ctx context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		raw, e := txParam(p)
		if e != nil {
			return nil, e
		}
		it, e := d.broadcast(ctx, raw, true)
		if e != nil {
			return nil, e
		}
		return map[string]any{"id": it.id.String(), "block_num": it.blockNum, "trx_num": it.trxNum, "expired": false}, nil
	},
	"network_broadcast_api.broadcast_transaction": func(ctx context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var args struct {
			Trx         json.RawMessage `json:"trx"`
			MaxBlockAge int             `json:"max_block_age"`
		}
		if e := named(p, &args); e != nil {
			return nil, e
		}
		if _, e := d.broadcast(ctx, args.Trx, false); e != nil {
			return nil, e
		}
		return map[string]any{}, nil
	},
}

// locked runs f with d.mu held.
func (d *Devnet) locked(f func() any) any {
	d.mu.Lock()
	defer d.mu.Unlock()
	return f()
}

func constant(v any) handler {
	return func(context.Context, *Devnet, json.RawMessage) (any, *fcError) { return v, nil }
}

// blockHeader serves condenser_api's and Graphene's get_block_header: the
// header of the block numbered by the one positional param.
var blockHeader = positionalBlock(false, false)

// positionalBlock serves a get_block or get_block_header that takes the
// block number as its one positional param (condenser_api, Graphene's
// database API): with the transactions or without, and with condenser's
// transaction metadata or not (see blockJSON).
func positionalBlock(withTxs, txMeta bool) handler {
	return func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var n blockNumParam
		if e := positional(p, 1, &n); e != nil {
			return nil, e
		}
		return d.locked(func() any { return d.blockJSON(uint32(n), withTxs, txMeta) }), nil
	}
}

// accountCount serves condenser_api's and Graphene's get_account_count.
func accountCount(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
	return d.locked(func() any { return len(d.accounts) }), nil
}

func hiveConfig(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
	return map[string]any{
		"IS_TEST_NET": false, "HIVE_CHAIN_ID": d.chain.IDHex(), "HIVE_ADDRESS_PREFIX": d.chain.Prefix,
		"HIVE_BLOCK_INTERVAL": int(d.interval.Seconds()), "HIVE_MAX_TIME_UNTIL_EXPIRATION": int(hiveMaxExpiration.Seconds()),
		"HIVE_100_PERCENT": 10000, "HIVE_BLOCKCHAIN_VERSION": "1.28.0", "HIVE_INIT_MINER_NAME": "initminer",
		"HIVE_MAX_SIG_CHECK_DEPTH": maxAuthorityDepth, "LOCALSIGNER_DEVNET": true,
	}, nil
}

func hiveVersion(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
	return map[string]any{"blockchain_version": "1.28.0", "hive_revision": "localsigner-devnet",
		"fc_revision": "localsigner-devnet", "chain_id": d.chain.IDHex(), "node_type": "devnet"}, nil
}

// hiveAsset writes an amount in legacy ("1.000 HIVE") or NAI form.
func hiveAsset(units int64, symbol string, nai bool) any {
	if !nai {
		return hiveFormatter(symbol)(units)
	}
	ids := map[string]string{"HIVE": "@@000000021", "HBD": "@@000000013", "VESTS": "@@000000037"}
	return map[string]any{"amount": strconv.FormatInt(units, 10), "precision": hivePrecision[symbol], "nai": ids[symbol]}
}

const epoch = "1970-01-01T00:00:00"

// hiveDGP is get_dynamic_global_properties; d.mu must be held.
func (d *Devnet) hiveDGP(nai bool) map[string]any {
	h := d.head()
	var hive, hbd, vests int64
	for _, a := range d.accounts {
		hive += a.balances["HIVE"]
		hbd += a.balances["HBD"]
		vests += a.balances["VESTS"]
	}
	fund := vests / vestsPerHiveUnit
	as := func(v int64, s string) any { return hiveAsset(v, s, nai) }
	return map[string]any{
		"id": 0, "head_block_number": h.num, "head_block_id": h.idHex(), "time": fmtTime(h.timestamp),
		"current_witness": "initminer", "total_pow": 0, "num_pow_witnesses": 0,
		"virtual_supply": as(hive+fund, "HIVE"), "current_supply": as(hive+fund, "HIVE"),
		"init_hbd_supply": as(0, "HBD"), "current_hbd_supply": as(hbd, "HBD"),
		"total_vesting_fund_hive": as(fund, "HIVE"), "total_vesting_shares": as(vests, "VESTS"),
		"total_reward_fund_hive": as(0, "HIVE"), "total_reward_shares2": "0",
		"pending_rewarded_vesting_shares": as(0, "VESTS"), "pending_rewarded_vesting_hive": as(0, "HIVE"),
		"hbd_interest_rate": 0, "hbd_print_rate": 10000, "maximum_block_size": 65536,
		"required_actions_partition_percent": 0, "current_aslot": h.num,
		"recent_slots_filled": "340282366920938463463374607431768211455", "participation_count": 128,
		"last_irreversible_block_num": h.num, "vote_power_reserve_rate": 10, "delegation_return_period": 432000,
		"reverse_auction_seconds": 0, "available_account_subsidies": 0, "hbd_stop_percent": 1000,
		"hbd_start_percent": 900, "next_maintenance_time": fmtTime(h.timestamp.Add(3600e9)),
		"last_budget_time": fmtTime(h.timestamp), "next_daily_maintenance_time": fmtTime(h.timestamp.Add(86400e9)),
		"content_reward_percent": 6500, "vesting_reward_percent": 1500, "proposal_fund_percent": 1000,
		"dhf_interval_ledger": as(0, "HBD"), "downvote_pool_percent": 2500, "current_remove_threshold": 200,
		"early_voting_seconds": 86400, "mid_voting_seconds": 172800, "max_consecutive_recurrent_transfers": 100,
		"max_recurrent_transfer_end_date": 730, "min_recurrent_transfers_recurrence": 24,
		"max_open_recurrent_transfers": 255,
	}
}

// hiveAccounts returns the accounts found, in the order asked, skipping
// unknown names as hived does; d.mu must be held.
func (d *Devnet) hiveAccounts(names []string, nai bool) []any {
	out := []any{}
	for _, n := range names {
		if a := d.byName[n]; a != nil {
			out = append(out, d.hiveAccountJSON(a, nai))
		}
	}
	return out
}

func (d *Devnet) hiveAccountJSON(a *account, nai bool) map[string]any {
	as := func(v int64, s string) any { return hiveAsset(v, s, nai) }
	created := fmtTime(d.blocks[0].timestamp)
	posts := 0
	for _, p := range d.posts {
		if p.Author == a.name {
			posts++
		}
	}
	m := map[string]any{
		"id": a.instance, "name": a.name,
		"owner":    a.auth[roleOwner].toJSON(d.chain.Prefix),
		"active":   a.auth[roleActive].toJSON(d.chain.Prefix),
		"posting":  a.auth[rolePosting].toJSON(d.chain.Prefix),
		"memo_key": a.memo.Format(d.chain.Prefix), "json_metadata": a.jsonMetadata,
		"posting_json_metadata": a.postingJSONMetadata, "proxy": "",
		"previous_owner_update": epoch, "last_owner_update": epoch, "last_account_update": fmtTime(a.lastUpdate),
		"created": created, "mined": false, "recovery_account": "initminer", "last_account_recovery": epoch,
		"reset_account": "null", "comment_count": 0, "lifetime_vote_count": 0, "post_count": posts, "can_vote": true,
		"voting_manabar":   map[string]any{"current_mana": strconv.FormatInt(a.balances["VESTS"], 10), "last_update_time": d.head().timestamp.Unix()},
		"downvote_manabar": map[string]any{"current_mana": strconv.FormatInt(a.balances["VESTS"]/4, 10), "last_update_time": d.head().timestamp.Unix()},
		"balance":          as(a.balances["HIVE"], "HIVE"), "savings_balance": as(a.balances[savingsKey("HIVE")], "HIVE"),
		"hbd_balance": as(a.balances["HBD"], "HBD"), "hbd_seconds": "0", "hbd_seconds_last_update": epoch,
		"hbd_last_interest_payment": epoch, "savings_hbd_balance": as(a.balances[savingsKey("HBD")], "HBD"), "savings_hbd_seconds": "0",
		"savings_hbd_seconds_last_update": epoch, "savings_hbd_last_interest_payment": epoch,
		"savings_withdraw_requests": 0, "reward_hbd_balance": as(0, "HBD"), "reward_hive_balance": as(0, "HIVE"),
		"reward_vesting_balance": as(0, "VESTS"), "reward_vesting_hive": as(0, "HIVE"),
		"vesting_shares": as(a.balances["VESTS"], "VESTS"), "delegated_vesting_shares": as(a.balances[delegatedKey], "VESTS"),
		"received_vesting_shares": as(a.balances[receivedKey], "VESTS"), "vesting_withdraw_rate": as(0, "VESTS"),
		"post_voting_power": as(a.balances["VESTS"], "VESTS"), "next_vesting_withdrawal": "1969-12-31T23:59:59",
		"withdrawn": 0, "to_withdraw": 0, "withdraw_routes": 0, "pending_transfers": 0, "curation_rewards": 0,
		"posting_rewards": 0, "proxied_vsf_votes": []int{0, 0, 0, 0}, "witnesses_voted_for": 0,
		"last_post": epoch, "last_root_post": epoch, "last_vote_time": epoch, "post_bandwidth": 0,
		"pending_claimed_accounts": 0, "governance_vote_expiration_ts": "1969-12-31T23:59:59",
		"delayed_votes": []any{}, "open_recurrent_transfers": 0,
	}
	if !nai {
		m["vesting_balance"] = as(0, "HIVE")
		m["reputation"] = 0
		for _, k := range []string{"transfer_history", "market_history", "post_history", "vote_history",
			"other_history", "witness_votes", "tags_usage", "guest_bloggers"} {
			m[k] = []any{}
		}
	}
	return m
}

// lookupNames lists account names from lower on, sorted; d.mu must be held.
func (d *Devnet) lookupNames(lower string, limit int) []string {
	var names []string
	for n := range d.byName {
		if n >= lower {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if limit >= 0 && len(names) > limit {
		names = names[:limit]
	}
	return names
}

// keyReferences lists, for each key, the accounts whose owner, active or
// posting authority contains it (Graphene: by id); d.mu must be held.
func (d *Devnet) keyReferences(ks []string, byID bool) [][]string {
	out := make([][]string, len(ks))
	for i, s := range ks {
		out[i] = []string{}
		k, err := keys.ParsePublicKey(s, d.chain.Prefix)
		if err != nil {
			continue
		}
		for _, a := range d.accounts {
			if a.hasKey(k) {
				ref := a.name
				if byID {
					ref = "1.2." + strconv.FormatUint(a.instance, 10)
				}
				out[i] = append(out[i], ref)
			}
		}
	}
	return out
}

func (a *account) hasKey(k keys.PublicKey) bool {
	for _, au := range a.auth {
		for _, kw := range au.keys {
			if kw.key == k {
				return true
			}
		}
	}
	return false
}

// blockJSON is a block as condenser_api (and Graphene's database API) show
// it, or nil; d.mu must be held.
func (d *Devnet) blockJSON(n uint32, withTxs, txMeta bool) any {
	b := d.blockByNum(n)
	if b == nil {
		return nil
	}
	root := merkleRoot(b.txs)
	m := map[string]any{
		"previous": hex.EncodeToString(b.previous[:]), "timestamp": fmtTime(b.timestamp),
		"witness": d.witnessName(), "transaction_merkle_root": hex.EncodeToString(root[:]), "extensions": []any{},
	}
	if !withTxs {
		return m
	}
	txs := make([]json.RawMessage, len(b.txs))
	ids := make([]string, len(b.txs))
	for i, t := range b.txs {
		if txMeta {
			txs[i] = withTxMeta(t)
		} else {
			txs[i] = t.json
		}
		ids[i] = t.id.String()
	}
	m["witness_signature"] = b.sig.String()
	m["transactions"] = txs
	m["block_id"] = b.idHex()
	m["signing_key"] = d.witnessKey.PublicKey().Format(d.chain.Prefix)
	m["transaction_ids"] = ids
	return m
}

// blockAPI is block_api.get_block(_header): {"block": …} or {} if absent.
func blockAPI(d *Devnet, p json.RawMessage, key string, withTxs bool) (any, *fcError) {
	var args struct {
		BlockNum blockNumParam `json:"block_num"`
	}
	if e := named(p, &args); e != nil {
		return nil, e
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	b := d.blockJSON(uint32(args.BlockNum), withTxs, false)
	if b == nil {
		return map[string]any{}, nil
	}
	return map[string]any{key: b}, nil
}

// withTxMeta adds transaction_id, block_num and transaction_num to a
// transaction's JSON, as condenser_api's get_block and get_transaction do.
func withTxMeta(t *includedTx) json.RawMessage {
	extra, _ := json.Marshal(map[string]any{"transaction_id": t.id.String(), "block_num": t.blockNum, "transaction_num": t.trxNum})
	out := append([]byte{}, t.json[:len(t.json)-1]...)
	out = append(out, ',')
	return append(out, extra[1:]...)
}

// opsInBlock is condenser_api.get_ops_in_block without virtual operations.
func (d *Devnet) opsInBlock(n uint32) []any {
	out := []any{}
	b := d.blockByNum(n)
	if b == nil {
		return out
	}
	for i, t := range b.txs {
		for k, op := range t.t.Operations {
			js, err := tx.MarshalOperationJSON(d.chain, op)
			if err != nil {
				continue
			}
			out = append(out, map[string]any{"trx_id": t.id.String(), "block": n, "trx_in_block": i, "op_in_trx": k,
				"virtual_op": false, "timestamp": fmtTime(b.timestamp), "op": json.RawMessage(js)})
		}
	}
	return out
}

// contentJSON is condenser_api.get_content; an unknown post gives hived's
// empty object (id 0, empty author).
func (d *Devnet) contentJSON(author, permlink string) map[string]any {
	p := d.posts[postKey(author, permlink)]
	if p == nil {
		p = &Post{}
	}
	category := p.ParentPermlink
	if p.ParentAuthor != "" {
		category = ""
	}
	net := 0
	for _, v := range p.votes {
		switch {
		case v.Weight > 0:
			net++
		case v.Weight < 0:
			net--
		}
	}
	return map[string]any{
		"id": p.id, "author": p.Author, "permlink": p.Permlink, "category": category,
		"parent_author": p.ParentAuthor, "parent_permlink": p.ParentPermlink, "title": p.Title, "body": p.Body,
		"json_metadata": p.JSONMetadata, "created": fmtTime(p.Created), "last_update": fmtTime(p.LastUpdate),
		"children": p.Children, "net_votes": net, "active_votes": d.activeVotes(author, permlink),
		"url": "/" + category + "/@" + p.Author + "/" + p.Permlink,
	}
}

// activeVotes is condenser_api.get_active_votes; d.mu must be held.
func (d *Devnet) activeVotes(author, permlink string) []any {
	out := []any{}
	p := d.posts[postKey(author, permlink)]
	if p == nil {
		return out
	}
	for _, v := range p.votes {
		out = append(out, map[string]any{"voter": v.Voter, "weight": 0, "rshares": 0, "percent": v.Weight,
			"reputation": 0, "time": fmtTime(v.Time)})
	}
	return out
}

// witnessName is the producer shown in blocks: hived's initminer, or the
// first Graphene witness object.
func (d *Devnet) witnessName() string {
	if d.chain.Family == chain.Graphene {
		return "1.6.1"
	}
	return "initminer"
}
