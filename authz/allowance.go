package authz

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Allowance is a standing spending limit the user put on a grant: a
// transaction that needs the active key only to move assets, and stays
// within PerDay of each asset it moves on the current UTC day, is signed
// without asking the user each time. Anything else that needs the active
// key still asks.
type Allowance struct {
	// Asset is the symbol as the chain writes it: HIVE, HBD, VESTS, PPY.
	Asset string `json:"asset"`
	// PerDay is the limit in the asset's smallest unit (0.001 HIVE = 1).
	PerDay int64 `json:"per_day"`
	// Precision is the asset's number of decimals, for display.
	Precision uint8 `json:"precision"`
}

// Spending is what a grant's allowances covered on one UTC day. A new day
// starts from zero.
type Spending struct {
	Day   string           `json:"day"`   // "2006-01-02", UTC
	Units map[string]int64 `json:"units"` // asset symbol → smallest units
}

// ErrAllowanceExceeded means the grant has no allowance for an asset the
// transaction moves, or the transaction would go beyond what is left today.
var ErrAllowanceExceeded = errors.New("spending allowance exceeded")

// DayOf is the UTC day an amount is counted on.
func DayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Grant returns one grant, or ErrNotFound.
func (is *Issuer) Grant(id string) (*Grant, error) {
	var g *Grant
	err := is.store.View(func(tx Tx) error {
		var err error
		g, err = tx.Grant(id)
		return err
	})
	return g, err
}

// ReserveSpending counts amounts (asset → smallest units) against the
// allowances of grant gid for day, in one storage transaction so that
// concurrent requests cannot together exceed a limit. It succeeds only if
// every asset has an allowance and stays within it; otherwise it returns
// ErrAllowanceExceeded and changes nothing. ErrNotFound: no such grant.
func (is *Issuer) ReserveSpending(gid, day string, amounts map[string]int64) error {
	if len(amounts) == 0 {
		return ErrAllowanceExceeded
	}
	return is.update(func(tx Tx) error {
		g, err := tx.Grant(gid)
		if err != nil {
			return err
		}
		sp := spendingOn(g, day)
		for asset, units := range amounts {
			i := slices.IndexFunc(g.Allowances, func(a Allowance) bool { return a.Asset == asset })
			if i < 0 || units < 0 {
				return fmt.Errorf("%w: no allowance for %s", ErrAllowanceExceeded, asset)
			}
			if units > g.Allowances[i].PerDay-sp.Units[asset] {
				return fmt.Errorf("%w: %s", ErrAllowanceExceeded, asset)
			}
		}
		for asset, units := range amounts {
			sp.Units[asset] += units
		}
		g.Spending = sp
		return tx.PutGrant(g)
	})
}

// ReleaseSpending gives back a reservation made for day by ReserveSpending,
// for a transaction that certainly did not reach the chain. A reservation
// of a past day is not given back (that day is over). A grant deleted in
// the meantime is not an error.
func (is *Issuer) ReleaseSpending(gid, day string, amounts map[string]int64) error {
	return is.update(func(tx Tx) error {
		g, err := tx.Grant(gid)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if g.Spending == nil || g.Spending.Day != day {
			return nil
		}
		for asset, units := range amounts {
			g.Spending.Units[asset] = max(0, g.Spending.Units[asset]-units)
		}
		return tx.PutGrant(g)
	})
}

// spendingOn returns g's spending record for day, a fresh one if the
// stored one is for another day.
func spendingOn(g *Grant, day string) *Spending {
	if g.Spending != nil && g.Spending.Day == day {
		if g.Spending.Units == nil {
			g.Spending.Units = map[string]int64{}
		}
		return g.Spending
	}
	return &Spending{Day: day, Units: map[string]int64{}}
}

// SetAllowance sets the allowance for a.Asset (PerDay > 0) or removes it
// (PerDay == 0) on the grant with id, or, if no grant has that id, on every
// grant of the client with that id. It returns how many grants changed;
// ErrNotFound if id names neither. Grants made later do not inherit it.
func (is *Issuer) SetAllowance(id string, a Allowance) (int, error) {
	if a.PerDay < 0 || a.Asset == "" || len(a.Asset) > 16 || strings.ContainsFunc(a.Asset, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) {
		return 0, errors.New("allowance: want an asset symbol such as HIVE and a non-negative amount")
	}
	n := 0
	err := is.update(func(tx Tx) error {
		var targets []*Grant
		g, err := tx.Grant(id)
		switch {
		case err == nil:
			targets = append(targets, g)
		case !errors.Is(err, ErrNotFound):
			return err
		default:
			gs, err := tx.Grants()
			if err != nil {
				return err
			}
			for i := range gs {
				if gs[i].ClientID == id {
					targets = append(targets, &gs[i])
				}
			}
		}
		if len(targets) == 0 {
			return ErrNotFound
		}
		for _, g := range targets {
			g.Allowances = slices.DeleteFunc(g.Allowances, func(x Allowance) bool { return x.Asset == a.Asset })
			if a.PerDay > 0 {
				g.Allowances = append(g.Allowances, a)
				slices.SortFunc(g.Allowances, func(x, y Allowance) int { return strings.Compare(x.Asset, y.Asset) })
			}
			if len(g.Allowances) == 0 {
				g.Allowances = nil
			}
			if err := tx.PutGrant(g); err != nil {
				return err
			}
			detail := fmt.Sprintf("%s per day: %s", a.Asset, FormatUnits(a.PerDay, a.Precision))
			if a.PerDay == 0 {
				detail = a.Asset + " allowance removed"
			}
			if err := tx.AppendAudit(&Event{Time: is.now(), Type: EventAllowanceSet, ClientID: g.ClientID,
				Account: g.Account, GrantID: g.ID, Detail: detail}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// ErrLoopbackCookie: the cookie carrier was asked for a dapp served from
// this computer's loopback address, where every page shares its cookies.
var ErrLoopbackCookie = errors.New("the cookie carrier is not offered to a dapp on 127.0.0.1 or localhost: cookies are shared by every port there, so any local page could read the token")

// SetClientFlags sets which token carriers besides the Authorization
// header a client may use: ?bearer_token= on read-only endpoints (query)
// and the bearer_token cookie (cookie). ErrNotFound for an unknown client;
// ErrLoopbackCookie for the cookie on a loopback dapp.
func (is *Issuer) SetClientFlags(id string, query, cookie bool) (*Client, error) {
	var out *Client
	err := is.update(func(tx Tx) error {
		c, err := tx.Client(id)
		if err != nil {
			return err
		}
		if cookie && slices.ContainsFunc(c.Origins(), LoopbackOrigin) {
			return ErrLoopbackCookie
		}
		c.QueryToken, c.CookieToken = query, cookie
		if err := tx.PutClient(c); err != nil {
			return err
		}
		out = c
		return tx.AppendAudit(&Event{Time: is.now(), Type: EventClientFlags, ClientID: id,
			Detail: fmt.Sprintf("query_token=%t cookie_token=%t", query, cookie)})
	})
	return out, err
}

// Client returns one client, or ErrNotFound.
func (is *Issuer) Client(id string) (*Client, error) {
	var c *Client
	err := is.store.View(func(tx Tx) error {
		var err error
		c, err = tx.Client(id)
		return err
	})
	return c, err
}

// FormatUnits writes units/10^precision with exactly precision decimals:
// FormatUnits(10000, 3) is "10.000".
func FormatUnits(units int64, precision uint8) string {
	neg := units < 0
	mag := uint64(units)
	if neg {
		mag = -mag
	}
	s := fmt.Sprint(mag)
	for len(s) <= int(precision) {
		s = "0" + s
	}
	if precision > 0 {
		s = s[:len(s)-int(precision)] + "." + s[len(s)-int(precision):]
	}
	if neg {
		s = "-" + s
	}
	return s
}
