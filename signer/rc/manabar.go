package rc

import "math/big"

// Manabar is an account's credits (util::manabar): what it holds and when
// that was last brought up to date, in chain seconds.
type Manabar struct {
	Current    int64
	LastUpdate uint32
}

// Regenerate brings m up to now for an account whose most is max: the
// credits grow by max over RegenSeconds, linearly, up to max (hived's
// regenerate_mana<true>, which rc uses, does not cap the elapsed time).
func (m *Manabar) Regenerate(max int64, now uint32) {
	if now < m.LastUpdate {
		return
	}
	dt := now - m.LastUpdate
	m.LastUpdate = now
	if m.Current >= max {
		m.Current = max
		return
	}
	if dt == 0 {
		return
	}
	v := new(big.Int).SetInt64(0)
	if max > 0 {
		v.SetInt64(max)
	}
	v.Mul(v, big.NewInt(int64(dt)))
	v.Quo(v, big.NewInt(RegenSeconds))
	next := m.Current
	if v.IsInt64() {
		next += v.Int64()
	} else {
		next = max
	}
	m.Current = min(next, max)
}

// Has reports whether m holds need (has_mana).
func (m *Manabar) Has(need int64) bool { return need <= 0 || m.Current >= need }
