package rc

import (
	"math"
	"math/big"
)

// Curve is a resource's price curve (rc_price_curve_params): the price of
// a unit is A / (B + pool), scaled by the credits regenerated per block.
type Curve struct {
	A     uint64
	B     uint64
	Shift uint8
}

// Dynamics is how a resource's pool fills and drains (rd_dynamics_params):
// a budget added per block, a decay proportional to the pool.
type Dynamics struct {
	ResourceUnit      uint64
	BudgetPerTimeUnit int64
	PoolEq            uint64
	MaxPoolSize       uint64
	Decay             struct {
		PerTimeUnit uint32
		DenomShift  uint8
	}
	MinDecay int64
}

// Resource is one resource's parameters (rc_resource_params), as
// rc_api.get_resource_params gives them.
type Resource struct {
	Dynamics Dynamics
	Curve    Curve
}

// Market is the state that prices a transaction: each resource's
// parameters and pool, each resource's share of the credits the chain
// regenerates (Weights[i]/Divisor), and that regeneration per block.
type Market struct {
	Resources [NumResources]Resource
	Pools     [NumResources]int64
	Weights   [NumResources]uint64
	Divisor   uint64
	// Regen is the credits all accounts regenerate per block: the total
	// vesting shares over the blocks in RegenSeconds.
	Regen int64
}

// RegenPerBlock is hived's rc_regen for a chain with totalVests vesting
// shares (in their smallest units).
func RegenPerBlock(totalVests int64) int64 { return totalVests / (RegenSeconds / blockInterval) }

// ResourceCost is resource_credits::compute_cost for one resource: the
// credits count units cost when the pool holds pool and the resource's
// share of regeneration is regen. It rounds against the user, as hived
// does, and a pool below zero prices as an empty one.
func ResourceCost(c Curve, pool, count, regen int64) int64 {
	if count == 0 || regen <= 0 {
		return 0
	}
	if count < 0 {
		return -ResourceCost(c, pool, -count, regen)
	}
	num := new(big.Int).SetInt64(regen)
	num.Mul(num, new(big.Int).SetUint64(c.A))
	num.Rsh(num, uint(c.Shift))
	num.Add(num, big.NewInt(1))
	num.Mul(num, big.NewInt(count))
	denom := new(big.Int).SetUint64(c.B)
	if pool > 0 {
		denom.Add(denom, big.NewInt(pool))
	}
	if denom.Sign() == 0 {
		return math.MaxInt64
	}
	num.Quo(num, denom)
	// hived truncates the quotient to 64 bits; a cost that large is more
	// than any account holds, so it saturates instead.
	if !num.IsInt64() || num.Int64() == math.MaxInt64 {
		return math.MaxInt64
	}
	return num.Int64() + 1
}

// Cost is what usage u costs in total and per resource
// (resource_credits::compute_cost over a transaction): each resource's
// usage in its units times its price at its pool, with its share of
// regeneration. A chain regenerating nothing charges nothing.
func (m *Market) Cost(u Usage) (total int64, each [NumResources]int64) {
	if m.Regen <= 0 || m.Divisor == 0 {
		return 0, each
	}
	for i := range NumResources {
		unit := int64(max(m.Resources[i].Dynamics.ResourceUnit, 1))
		n := u[i]
		if n > 0 && n > math.MaxInt64/unit {
			n = math.MaxInt64
		} else {
			n *= unit
		}
		share := new(big.Int).Mul(big.NewInt(m.Regen), new(big.Int).SetUint64(m.Weights[i]))
		share.Quo(share, new(big.Int).SetUint64(m.Divisor))
		if !share.IsInt64() || share.Int64() <= 0 {
			continue
		}
		each[i] = ResourceCost(m.Resources[i].Curve, m.Pools[i], n, share.Int64())
		if total > math.MaxInt64-each[i] {
			total = math.MaxInt64
		} else {
			total += each[i]
		}
	}
	return total, each
}

// Decay is rd_compute_pool_decay over one block: what a pool of size pool
// loses to decay.
func Decay(d Dynamics, pool int64) int64 {
	if pool < 0 {
		return -Decay(d, -pool)
	}
	v := new(big.Int).SetUint64(uint64(d.Decay.PerTimeUnit))
	v.Mul(v, big.NewInt(pool))
	v.Rsh(v, uint(d.Decay.DenomShift))
	if !v.IsInt64() || v.Int64() > pool {
		return pool
	}
	return v.Int64()
}

// EndBlock moves the pools on by one block in which used was consumed (in
// resource units), as resource_credits::on_post_apply_block does: each
// pool loses the usage and its decay and gains its budget, never below
// zero. The new-accounts pool is the chain's available account subsidies
// on hived; here it follows the same rule.
func (m *Market) EndBlock(used Usage) {
	for i := range NumResources {
		d := m.Resources[i].Dynamics
		p := m.Pools[i]
		decay := Decay(d, p-used[i])
		m.Pools[i] = max(p-decay+d.BudgetPerTimeUnit-used[i], 0)
	}
}

// SetWeights is rc_pool_object::recalculate_resource_weights: each
// resource's share of regeneration follows its usage over the window
// relative to its budget (at least 1); new accounts always get the whole.
func (m *Market) SetWeights(window Usage) {
	var sum uint64
	for i := range NumResources {
		if i == NewAccounts {
			continue
		}
		w := uint64(1)
		if b := m.Resources[i].Dynamics.BudgetPerTimeUnit; b > 0 && window[i] > 0 {
			v := new(big.Int).Mul(big.NewInt(window[i]), big.NewInt(10000))
			v.Quo(v, big.NewInt(b))
			if v.IsUint64() {
				w = max(v.Uint64(), 1)
			}
		}
		m.Weights[i] = w
		sum += w
	}
	m.Weights[NewAccounts] = sum
	m.Divisor = sum
}

// Share is rc_pool_object::count_share: resource i's share of
// regeneration in basis points, as rc_api.get_rc_stats reports it.
func (m *Market) Share(i int) uint16 {
	if m.Divisor == 0 {
		return 0
	}
	return uint16(min(m.Weights[i]*10000/m.Divisor, 10000))
}
