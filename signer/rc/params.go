package rc

import (
	"math"
	"math/big"
	"math/bits"
)

// Budget is one resource's entry in hived's resource_parameters.json: how
// much of it the chain budgets over a time, how fast an unused pool decays,
// and the shape of its price curve. Generate turns it into the parameters
// a node serves.
type Budget struct {
	BudgetSeconds   float64 // budget_time
	Budget          float64 // budget: resource units per BudgetSeconds
	HalfLifeSeconds float64 // half_life
	UnitExponent    int     // resource_unit = 10^UnitExponent
	APointNum       float64
	APointDenom     float64
	UPointNum       float64
	UPointDenom     float64
}

const (
	day  = 24 * 3600.0
	hour = 3600.0
)

// HiveBudgets are hived's resource_parameters.json (hived 1.27/1.28).
var HiveBudgets = [NumResources]Budget{
	HistoryBytes:  {30 * day, 37_500_000_000, 15 * day, 0, 150, 10000, 1, 2},
	NewAccounts:   {30000, 797, 5 * day, 4, 37, 1000, 1, 2},
	MarketBytes:   {30 * day, 6_250_000_000, 16 * hour, 1, 150, 10000, 1, 2},
	StateBytes:    {30 * day, 37_623_913_512_960, 15 * day, 0, 150, 10000, 1, 2},
	ExecutionTime: {1 * hour, 48_000_000_000, 1 * hour, 0, 150, 10000, 1, 2},
}

// inelasticityThreshold is the fraction of the equilibrium pool below
// which prices stop being elastic (the generator's default, 1/128).
const inelasticityThreshold = 1.0 / 128

// Generate computes a resource's dynamics and price curve from its budget
// the way hived's build does (rc_generate_resource_parameters.py), for
// blocks every three seconds.
func Generate(b Budget) Resource {
	var r Resource
	const timeUnit = blockInterval
	tau := b.HalfLifeSeconds / math.Ln2
	decayPerSec := -math.Expm1(-1 / tau)
	unit := math.Pow(10, float64(b.UnitExponent))
	r.Dynamics.ResourceUnit = uint64(unit)
	budgetPerSec := b.Budget / b.BudgetSeconds * unit
	r.Dynamics.BudgetPerTimeUnit = int64(budgetPerSec*timeUnit + 0.5)
	poolEq := budgetPerSec / decayPerSec
	r.Dynamics.PoolEq = uint64(poolEq + 1)
	r.Dynamics.MaxPoolSize = uint64(poolEq*2 + 0.5)

	a := b.APointNum / b.APointDenom
	u := b.UPointNum / b.UPointDenom
	k := u / (a * (1 - u))
	A := (tau / timeUnit) / k
	B := inelasticityThreshold * poolEq
	shift := int(math.Floor(math.Log2((math.Exp2(64) - 1) / A)))
	r.Curve.Shift = uint8(shift)
	r.Curve.A = floatToUint64(math.Ldexp(A, shift) + 0.5)
	r.Curve.B = uint64(B + 0.5)

	decayPerUnit := -math.Expm1(-timeUnit * math.Ln2 / b.HalfLifeSeconds)
	denomShift := int(math.Floor(math.Log2((math.Exp2(32) - 1) / decayPerUnit)))
	r.Dynamics.Decay.DenomShift = uint8(denomShift)
	r.Dynamics.Decay.PerTimeUnit = uint32(math.Ldexp(decayPerUnit, denomShift) + 0.5)
	return r
}

func floatToUint64(f float64) uint64 {
	if f >= math.Exp2(64) {
		return math.MaxUint64
	}
	return uint64(f)
}

// Witnesses set the new-accounts resource: the account subsidy budget and
// decay of the witness schedule (HIVE_DEFAULT_ACCOUNT_SUBSIDY_BUDGET and
// _DECAY), in units of HIVE_ACCOUNT_SUBSIDY_PRECISION.
const (
	DefaultSubsidyBudget = 797
	DefaultSubsidyDecay  = 347321
	subsidyPrecision     = 10000
	rdDecayShift         = 36 // HIVE_RD_DECAY_DENOM_SHIFT
)

// AccountSubsidy is the new-accounts resource for a witness-set budget and
// decay, as resource_credits::set_pool_params makes it: rd_setup_dynamics_params
// for the pool (equilibrium the smallest pool whose decay covers the
// budget) and generate_rc_curve_params with the default curve.
func AccountSubsidy(budget int32, decay uint32) Resource {
	var r Resource
	d := &r.Dynamics
	d.ResourceUnit = subsidyPrecision
	d.BudgetPerTimeUnit = int64(budget)
	d.Decay.PerTimeUnit, d.Decay.DenomShift = decay, rdDecayShift
	eq := new(big.Int).Lsh(big.NewInt(int64(budget)), rdDecayShift)
	eq.Add(eq, big.NewInt(int64(decay)-1))
	eq.Quo(eq, big.NewInt(int64(max(decay, 1))))
	d.PoolEq, d.MaxPoolSize = eq.Uint64(), eq.Uint64()
	r.Curve = curveFor(*d, 37, 1000, 1, 2)
	return r
}

// curveFor is generate_rc_curve_params (rc_curve.cpp) with the
// inelasticity threshold at 1/128: A = a(1-u) / (r u) in fixed point, B
// the threshold share of the equilibrium pool.
func curveFor(d Dynamics, aNum, aDenom, uNum, uDenom uint64) Curve {
	num := max(aNum*(uDenom-uNum), 1)
	denom := max(aDenom*uNum*uint64(d.Decay.PerTimeUnit), 1)
	shift1 := uint(63 - (bits.Len64(num) - 1))
	a1 := (num << shift1) / denom
	shift2 := uint(63 - (bits.Len64(a1) - 1))
	shift := shift1 + shift2
	a := new(big.Int).Lsh(new(big.Int).SetUint64(num), shift)
	a.Quo(a, new(big.Int).SetUint64(denom))
	b := new(big.Int).Mul(new(big.Int).SetUint64(d.PoolEq), big.NewInt(1))
	b.Quo(b, big.NewInt(128))
	return Curve{A: a.Uint64(), B: b.Uint64(), Shift: uint8(shift - uint(d.Decay.DenomShift))}
}

// HiveMarket is a chain's market at its start: hived's parameters (the
// new-accounts resource from the default account subsidy), every pool at
// its equilibrium, every resource equally popular, regenerating as a
// chain with totalVests vesting shares does.
func HiveMarket(totalVests int64) Market {
	var m Market
	for i, b := range HiveBudgets {
		m.Resources[i] = Generate(b)
		if i == NewAccounts {
			m.Resources[i] = AccountSubsidy(DefaultSubsidyBudget, DefaultSubsidyDecay)
		}
		m.Pools[i] = int64(m.Resources[i].Dynamics.PoolEq)
	}
	m.SetWeights(Usage{})
	m.Regen = RegenPerBlock(totalVests)
	return m
}
