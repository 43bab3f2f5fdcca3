package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"localsigner/signer/rc"
)

// rcAPI is hived's resource-credit API.
const rcAPI = "rc_api"

// ErrNoRC: the chain has no resource credits (a Graphene chain charges
// fees instead).
var ErrNoRC = errors.New("this chain has no resource credits")

// fcNumber is a 64-bit integer as hived writes it: a JSON number, or a
// string when it is large.
type fcNumber struct {
	u   uint64
	neg bool
}

func (n *fcNumber) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	neg := strings.HasPrefix(s, "-")
	u, err := strconv.ParseUint(strings.TrimPrefix(s, "-"), 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	n.u, n.neg = u, neg
	return nil
}

// int64 returns the value, or an error when it does not fit.
func (n fcNumber) int64() (int64, error) {
	if n.u > 1<<63-1 {
		return 0, fmt.Errorf("integer %d out of range", n.u)
	}
	if n.neg {
		return -int64(n.u), nil
	}
	return int64(n.u), nil
}

// RCAccount is an account's resource credits, brought up to the node's
// head block time.
type RCAccount struct {
	Account string
	// Current is what it holds now; Max what it holds when full.
	Current, Max int64
}

// Percent is Current as a share of Max, 0 to 100.
func (a *RCAccount) Percent() float64 {
	if a.Max <= 0 {
		return 0
	}
	return float64(a.Current) * 100 / float64(a.Max)
}

type rcAccountJSON struct {
	Account string `json:"account"`
	Manabar struct {
		Current    fcNumber `json:"current_mana"`
		LastUpdate uint32   `json:"last_update_time"`
	} `json:"rc_manabar"`
	MaxRC fcNumber `json:"max_rc"`
}

// RCAccount reads name's credits (rc_api.find_rc_accounts) and regenerates
// them to the node's head time, which is when the chain would charge a
// transaction sent now.
func (c *Client) RCAccount(ctx context.Context, name string, head time.Time) (*RCAccount, error) {
	if c.graphene() {
		return nil, ErrNoRC
	}
	var res struct {
		Accounts []rcAccountJSON `json:"rc_accounts"`
	}
	if err := c.API(ctx, rcAPI, "find_rc_accounts", map[string]any{"accounts": []string{name}}, &res); err != nil {
		return nil, err
	}
	if len(res.Accounts) != 1 || res.Accounts[0].Account != name {
		return nil, fmt.Errorf("%w: %q", ErrUnknownAccount, name)
	}
	a := res.Accounts[0]
	cur, err1 := a.Manabar.Current.int64()
	most, err2 := a.MaxRC.int64()
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("%w: find_rc_accounts: %v", ErrMalformedResponse, err)
	}
	m := rc.Manabar{Current: cur, LastUpdate: a.Manabar.LastUpdate}
	if s := head.Unix(); s > 0 && s < 1<<32 {
		m.Regenerate(most, uint32(s))
	}
	return &RCAccount{Account: name, Current: m.Current, Max: most}, nil
}

type rcResourceJSON struct {
	Dynamics struct {
		ResourceUnit fcNumber `json:"resource_unit"`
		Budget       fcNumber `json:"budget_per_time_unit"`
		PoolEq       fcNumber `json:"pool_eq"`
		MaxPool      fcNumber `json:"max_pool_size"`
		Decay        struct {
			PerTimeUnit fcNumber `json:"decay_per_time_unit"`
			Shift       uint8    `json:"decay_per_time_unit_denom_shift"`
		} `json:"decay_params"`
	} `json:"resource_dynamics_params"`
	Curve struct {
		A     fcNumber `json:"coeff_a"`
		B     fcNumber `json:"coeff_b"`
		Shift uint8    `json:"shift"`
	} `json:"price_curve_params"`
}

// rcParamsCache keeps the resource parameters, which change only when
// witnesses change the account subsidy.
type rcParamsCache struct {
	mu   sync.Mutex
	at   time.Time
	res  [rc.NumResources]rc.Resource
	have bool
}

const rcParamsTTL = 10 * time.Minute

func (c *Client) rcParams(ctx context.Context) ([rc.NumResources]rc.Resource, error) {
	c.rcCache.mu.Lock()
	if c.rcCache.have && time.Since(c.rcCache.at) < rcParamsTTL {
		r := c.rcCache.res
		c.rcCache.mu.Unlock()
		return r, nil
	}
	c.rcCache.mu.Unlock()
	var res struct {
		Params map[string]rcResourceJSON `json:"resource_params"`
	}
	var out [rc.NumResources]rc.Resource
	if err := c.API(ctx, rcAPI, "get_resource_params", map[string]any{}, &res); err != nil {
		return out, err
	}
	for i, name := range rc.Names {
		p, ok := res.Params[name]
		if !ok {
			return out, fmt.Errorf("%w: get_resource_params: no %s", ErrMalformedResponse, name)
		}
		r := &out[i]
		r.Dynamics.ResourceUnit = p.Dynamics.ResourceUnit.u
		b, _ := p.Dynamics.Budget.int64()
		r.Dynamics.BudgetPerTimeUnit = b
		r.Dynamics.PoolEq, r.Dynamics.MaxPoolSize = p.Dynamics.PoolEq.u, p.Dynamics.MaxPool.u
		if p.Dynamics.Decay.PerTimeUnit.u > 1<<32-1 {
			return out, fmt.Errorf("%w: get_resource_params: decay out of range", ErrMalformedResponse)
		}
		r.Dynamics.Decay.PerTimeUnit = uint32(p.Dynamics.Decay.PerTimeUnit.u)
		r.Dynamics.Decay.DenomShift = p.Dynamics.Decay.Shift
		r.Curve = rc.Curve{A: p.Curve.A.u, B: p.Curve.B.u, Shift: p.Curve.Shift}
	}
	c.rcCache.mu.Lock()
	c.rcCache.res, c.rcCache.at, c.rcCache.have = out, time.Now(), true
	c.rcCache.mu.Unlock()
	return out, nil
}

// RCMarket reads what prices a transaction now: the resource parameters
// (rc_api.get_resource_params, cached), the pools (get_resource_pool), each
// resource's share of regeneration (get_rc_stats, in basis points) and the
// regeneration from the chain's total vesting shares.
func (c *Client) RCMarket(ctx context.Context, p *DynamicGlobalProperties) (*rc.Market, error) {
	if c.graphene() {
		return nil, ErrNoRC
	}
	var m rc.Market
	var err error
	if m.Resources, err = c.rcParams(ctx); err != nil {
		return nil, err
	}
	var pools struct {
		Pools map[string]struct {
			Pool fcNumber `json:"pool"`
		} `json:"resource_pool"`
	}
	if err := c.API(ctx, rcAPI, "get_resource_pool", map[string]any{}, &pools); err != nil {
		return nil, err
	}
	var stats struct {
		Stats struct {
			Share []uint16 `json:"share"`
		} `json:"rc_stats"`
	}
	if err := c.API(ctx, rcAPI, "get_rc_stats", map[string]any{}, &stats); err != nil {
		return nil, err
	}
	if len(stats.Stats.Share) != rc.NumResources {
		return nil, fmt.Errorf("%w: get_rc_stats: %d shares", ErrMalformedResponse, len(stats.Stats.Share))
	}
	for i, name := range rc.Names {
		pl, ok := pools.Pools[name]
		if !ok {
			return nil, fmt.Errorf("%w: get_resource_pool: no %s", ErrMalformedResponse, name)
		}
		if m.Pools[i], err = pl.Pool.int64(); err != nil {
			return nil, fmt.Errorf("%w: get_resource_pool: %v", ErrMalformedResponse, err)
		}
		m.Weights[i] = uint64(stats.Stats.Share[i])
	}
	m.Divisor = 10000
	_, vests, err := p.VestingTotals()
	if err != nil {
		return nil, err
	}
	m.Regen = rc.RegenPerBlock(vests)
	return &m, nil
}

// VestingTotals reads the chain's vesting fund (HIVE units) and vesting
// shares (VESTS units) from a Hive dynamic global properties answer, in
// either asset form ("1.000000 VESTS" or a NAI object): their ratio is
// what Hive Power is worth, and the shares set resource-credit
// regeneration.
func (p *DynamicGlobalProperties) VestingTotals() (fund, shares int64, err error) {
	var v struct {
		Fund   json.RawMessage `json:"total_vesting_fund_hive"`
		Shares json.RawMessage `json:"total_vesting_shares"`
	}
	if err := json.Unmarshal(p.Raw, &v); err != nil {
		return 0, 0, fmt.Errorf("%w: vesting totals: %v", ErrMalformedResponse, err)
	}
	fund, ok1 := assetUnits(v.Fund, 3)
	shares, ok2 := assetUnits(v.Shares, 6)
	if !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("%w: vesting totals %s, %s", ErrMalformedResponse, v.Fund, v.Shares)
	}
	return fund, shares, nil
}

// HivePower is what vests (VESTS units) are worth in HIVE units at the
// chain's current rate; false when the answer lacks the totals.
func (p *DynamicGlobalProperties) HivePower(vests int64) (int64, bool) {
	fund, shares, err := p.VestingTotals()
	if err != nil || shares == 0 {
		return 0, false
	}
	v := new(big.Int).Mul(big.NewInt(vests), big.NewInt(fund))
	v.Quo(v, big.NewInt(shares))
	if !v.IsInt64() {
		return 0, false
	}
	return v.Int64(), true
}

// assetUnits reads a non-negative asset of the given precision in either
// of hived's forms as units.
func assetUnits(raw json.RawMessage, precision int) (int64, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		num, _, _ := strings.Cut(s, " ")
		whole, frac, _ := strings.Cut(num, ".")
		if len(frac) != precision {
			return 0, false
		}
		v, err := strconv.ParseInt(whole+frac, 10, 64)
		return v, err == nil && v >= 0
	}
	var nai struct {
		Amount    string `json:"amount"`
		Precision int    `json:"precision"`
	}
	if json.Unmarshal(raw, &nai) != nil || nai.Precision != precision {
		return 0, false
	}
	v, err := strconv.ParseInt(nai.Amount, 10, 64)
	return v, err == nil && v >= 0
}
