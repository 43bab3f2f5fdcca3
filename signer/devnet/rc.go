package devnet

import (
	"context"
	"encoding/json"
	"maps"
	"strconv"
	"time"

	"localsigner/signer/rc"
	"localsigner/signer/tx"
)

// The devnet charges resource credits as hived does (see package rc for the
// formulas and their sources): every Hive transaction's usage is priced at
// the pools' current levels, paid from its payer's regenerating credits,
// and refused with not_enough_rc_exception when they do not cover it. An
// account's most credits are its vesting shares; the pools move on per
// block and the resources' shares follow their usage over the last day.

// rcWindowBuckets and rcBucketLength are HIVE_RC_WINDOW_BUCKET_COUNT and
// HIVE_RC_BUCKET_TIME_LENGTH: usage counts for the weights for a day.
const (
	rcWindowBuckets = 24
	rcBucketLength  = time.Hour
)

// rcState is the devnet's resource-credit state; d.mu guards it.
type rcState struct {
	market  rc.Market
	block   rc.Usage // used in the pending block, in resource units
	buckets [rcWindowBuckets]rc.Usage
	start   time.Time // when the newest bucket began
}

func (d *Devnet) initRC(now time.Time) {
	d.rc.market = rc.HiveMarket(d.totalVests())
	d.rc.start = now
	for _, a := range d.accounts {
		a.rc = rc.Manabar{Current: a.maxRC(), LastUpdate: chainSeconds(now)}
	}
}

func chainSeconds(t time.Time) uint32 { return uint32(t.Unix()) }

// maxRC is the account's most credits (account_object::get_maximum_rc):
// its effective vesting shares, delegations out taken off and in added.
func (a *account) maxRC() int64 {
	return max(a.balances["VESTS"]-a.balances[delegatedKey]+a.balances[receivedKey], 0)
}

func (d *Devnet) totalVests() int64 {
	var v int64
	for _, a := range d.accounts {
		v += a.balances["VESTS"]
	}
	return v
}

// chargeRC prices t, which has been applied, and takes the price from its
// payer, as resource_credits::finalize_transaction does; d.mu must be held.
func (d *Devnet) chargeRC(t *tx.Transaction, now time.Time) *fcError {
	payer := d.byName[rc.Payer(t)]
	if payer == nil {
		return nil
	}
	size, err := rc.SignedSize(t, len(t.Signatures))
	if err != nil {
		return errDecode(err)
	}
	usage := rc.Count(t, size, len(t.Signatures), now)
	d.rc.market.Regen = rc.RegenPerBlock(d.totalVests())
	cost, _ := d.rc.market.Cost(usage)
	payer.rc.Regenerate(payer.maxRC(), chainSeconds(now))
	if !payer.rc.Has(cost) {
		return errNotEnoughRC(payer.name, payer.rc.Current, cost)
	}
	payer.rc.Current -= cost
	for i := range rc.NumResources {
		d.rc.block[i] += usage[i] * int64(max(d.rc.market.Resources[i].Dynamics.ResourceUnit, 1))
	}
	return nil
}

// endRCBlock moves the pools on after a block at time ts; d.mu must be held.
func (d *Devnet) endRCBlock(ts time.Time) {
	d.rc.market.EndBlock(d.rc.block)
	for !ts.Before(d.rc.start.Add(rcBucketLength)) {
		copy(d.rc.buckets[1:], d.rc.buckets[:rcWindowBuckets-1])
		d.rc.buckets[0] = rc.Usage{}
		d.rc.start = d.rc.start.Add(rcBucketLength)
		if ts.Sub(d.rc.start) > rcWindowBuckets*rcBucketLength {
			d.rc.buckets = [rcWindowBuckets]rc.Usage{}
			d.rc.start = ts
		}
	}
	for i := range rc.NumResources {
		d.rc.buckets[0][i] += d.rc.block[i]
	}
	var window rc.Usage
	for _, b := range d.rc.buckets {
		for i := range rc.NumResources {
			window[i] += b[i]
		}
	}
	d.rc.market.SetWeights(window)
	d.rc.block = rc.Usage{}
}

func errNotEnoughRC(account string, has, needs int64) *fcError {
	return &fcError{code: 4100100, name: "not_enough_rc_exception", what: "payer has not enough RC mana for transaction",
		format: "Account: ${account_name} has ${rc_current} RC, needs ${rc} RC. Please wait to transact or power up HIVE.",
		data:   map[string]any{"account_name": account, "rc_current": has, "rc": needs}, method: "use_account_rcs"}
}

func init() { maps.Copy(hiveMethods, rcMethods) }

// fcInt writes a 64-bit integer as hived's JSON does: a number up to
// 2^32-1 in magnitude, a string beyond.
func fcInt(v int64) any {
	if v <= 0xffffffff && v >= -0xffffffff {
		return v
	}
	return strconv.FormatInt(v, 10)
}

func fcUint(v uint64) any {
	if v <= 0xffffffff {
		return v
	}
	return strconv.FormatUint(v, 10)
}

// rcMethods are hived's rc_api calls the devnet serves.
var rcMethods = map[string]handler{
	"rc_api.get_resource_params": func(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
		return d.locked(d.rcParamsJSON), nil
	},
	"rc_api.get_resource_pool": func(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
		return d.locked(d.rcPoolJSON), nil
	},
	"rc_api.get_rc_stats": func(_ context.Context, d *Devnet, _ json.RawMessage) (any, *fcError) {
		return d.locked(d.rcStatsJSON), nil
	},
	"rc_api.find_rc_accounts": func(_ context.Context, d *Devnet, p json.RawMessage) (any, *fcError) {
		var args struct {
			Accounts []string `json:"accounts"`
		}
		if e := named(p, &args); e != nil {
			return nil, e
		}
		if len(args.Accounts) > 1000 {
			return nil, rpcFailure(codeInvalidParams, "accounts: at most 1000")
		}
		return d.locked(func() any { return d.rcAccountsJSON(args.Accounts) }), nil
	},
}

func (d *Devnet) rcParamsJSON() any {
	params := map[string]any{}
	for i, r := range d.rc.market.Resources {
		dy := r.Dynamics
		params[rc.Names[i]] = map[string]any{
			"resource_dynamics_params": map[string]any{
				"resource_unit": fcUint(dy.ResourceUnit), "budget_per_time_unit": fcInt(dy.BudgetPerTimeUnit),
				"pool_eq": fcUint(dy.PoolEq), "max_pool_size": fcUint(dy.MaxPoolSize),
				"decay_params": map[string]any{"decay_per_time_unit": dy.Decay.PerTimeUnit,
					"decay_per_time_unit_denom_shift": dy.Decay.DenomShift},
				"min_decay": fcInt(dy.MinDecay),
			},
			"price_curve_params": map[string]any{"coeff_a": fcUint(r.Curve.A), "coeff_b": fcUint(r.Curve.B), "shift": r.Curve.Shift},
		}
	}
	return map[string]any{"resource_names": rc.Names, "resource_params": params, "size_info": map[string]any{}}
}

func (d *Devnet) rcPoolJSON() any {
	pools := map[string]any{}
	for i, p := range d.rc.market.Pools {
		eq := int64(max(d.rc.market.Resources[i].Dynamics.PoolEq, 1))
		pools[rc.Names[i]] = map[string]any{"pool": fcInt(p), "fill_level": p * 10000 / eq}
	}
	return map[string]any{"resource_pool": pools}
}

func (d *Devnet) rcStatsJSON() any {
	m := &d.rc.market
	var budget, pool [rc.NumResources]any
	var share [rc.NumResources]uint16
	for i := range rc.NumResources {
		budget[i] = fcInt(m.Resources[i].Dynamics.BudgetPerTimeUnit)
		pool[i] = fcInt(m.Pools[i])
		share[i] = m.Share(i)
	}
	return map[string]any{"rc_stats": map[string]any{
		"block": d.head().num, "regen": fcInt(rc.RegenPerBlock(d.totalVests())),
		"budget": budget, "pool": pool, "share": share,
	}}
}

// rcAccountsJSON answers find_rc_accounts: each account's manabar as
// stored, not regenerated to now, as hived returns it.
func (d *Devnet) rcAccountsJSON(names []string) any {
	out := []any{}
	for _, n := range names {
		a := d.byName[n]
		if a == nil {
			continue
		}
		out = append(out, map[string]any{
			"account":                    a.name,
			"rc_manabar":                 map[string]any{"current_mana": fcInt(a.rc.Current), "last_update_time": a.rc.LastUpdate},
			"max_rc_creation_adjustment": hiveAsset(0, "VESTS", true),
			"max_rc":                     fcInt(a.maxRC()),
			"delegated_rc":               0,
			"received_delegated_rc":      0,
		})
	}
	return map[string]any{"rc_accounts": out}
}
