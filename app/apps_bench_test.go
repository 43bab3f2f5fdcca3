package app

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"localsigner/authz"
)

// manyGrants is a Grants service holding n grants of n dapps.
type manyGrants struct{ gs []authz.GrantInfo }

func newManyGrants(n int) *manyGrants {
	m := &manyGrants{}
	now := time.Now()
	for i := range n {
		m.gs = append(m.gs, authz.GrantInfo{Grant: authz.Grant{ID: fmt.Sprintf("g_%d", i), ClientID: fmt.Sprintf("dapp%d", i),
			Origin: fmt.Sprintf("https://d%d.example", i), Chain: "devnet", Account: "alice",
			Scopes: authz.Scopes{"login", "vote"}, CreatedAt: now}})
	}
	return m
}

func (m *manyGrants) Grants() ([]authz.GrantInfo, error)              { return m.gs, nil }
func (m *manyGrants) RevokeClient(string) (int, error)                { return 0, nil }
func (m *manyGrants) NarrowGrant(string, []string) error              { return nil }
func (m *manyGrants) ForgetNoAsk(string, string, string) (int, error) { return 0, nil }

// BenchmarkAppsTab times building the Apps tab for a power user's number
// of dapps (BENCHMARKS.md): it must grow with the number of cards, not its
// square.
func BenchmarkAppsTab(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			v, dir := newVault(b, true)
			a := test.NewTempApp(b)
			u, _ := newTestUI(b, a, v, Options{DataDir: dir, Network: NetworkDevnet})
			u.Attach(Services{Grants: newManyGrants(n)})
			u.tabs.SelectIndex(1)
			for b.Loop() {
				u.apps.refresh()
			}
		})
	}
}
