package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"localsigner/signer"
	"localsigner/signer/chain"
)

// noBalance stands for a balance that is not known (no node client, or it
// has not answered yet).
const noBalance = "—"

// accountsView is the Accounts tab: every account with its roles and public
// keys, balances from the node, and adding and removing keys.
type accountsView struct {
	u        *UI
	content  fyne.CanvasObject
	list     *fyne.Container
	status   *widget.Label
	balances map[string]string // "chain/account" → "1000.000 HIVE, …"
	fetched  time.Time         // when balances were last asked for
	// confirm is the removal dialog on screen, if any (tests answer it).
	confirm *dialog.ConfirmDialog
}

func newAccountsView(u *UI) *accountsView {
	v := &accountsView{u: u, list: container.NewVBox(), balances: make(map[string]string)}
	v.status = paragraph("")
	add := widget.NewButtonWithIcon("Add keys", theme.ContentAddIcon(), v.showAdd)
	add.Importance = widget.HighImportance
	top := container.NewBorder(nil, nil, nil, add, v.status)
	v.content = container.NewBorder(top, nil, nil, nil, container.NewVScroll(v.list))
	return v
}

// refresh lists the keys again and asks the node for balances.
func (v *accountsView) refresh() {
	ks, err := v.u.vault.List()
	v.list.RemoveAll()
	if err != nil {
		v.setStatus("Cannot list the keys: "+err.Error(), true)
		return
	}
	if len(ks) == 0 {
		l := paragraph("No keys yet. Add the keys of an account so dapps can ask you to sign with them.")
		v.list.Add(l)
		return
	}
	type acct struct {
		chain, name string
		keys        []signer.KeyInfo
	}
	var accts []*acct
	for _, k := range ks { // List is sorted by chain and account
		if n := len(accts); n == 0 || accts[n-1].chain != k.Chain || accts[n-1].name != k.Account {
			accts = append(accts, &acct{chain: k.Chain, name: k.Account})
		}
		a := accts[len(accts)-1]
		a.keys = append(a.keys, k)
	}
	for _, a := range accts {
		v.list.Add(v.accountCard(a.chain, a.name, a.keys))
	}
	if now := v.u.h.now(); v.u.svc.Balances != nil && now.Sub(v.fetched) > 10*time.Second {
		v.fetched = now
		v.fetchBalances(accountNames(ks, v.u.network()))
	}
}

func (v *accountsView) accountCard(chainName, account string, ks []signer.KeyInfo) fyne.CanvasObject {
	prefix := "STM"
	if c, err := chain.Lookup(chainName, ""); err == nil {
		prefix = c.Prefix
	}
	bal := v.balances[chainName+"/"+account]
	if bal == "" {
		bal = noBalance
	}
	rows := container.NewVBox()
	byRole := map[string]signer.KeyInfo{}
	for _, k := range ks {
		byRole[k.Role] = k
	}
	for _, r := range roles {
		k, ok := byRole[r]
		if !ok {
			continue
		}
		role := widget.NewLabelWithStyle(r, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		// Regular type, not monospace: every text style Fyne draws loads
		// its own copy of the fonts, several megabytes each.
		key := widget.NewLabel(k.PublicKey.Format(prefix))
		key.Selectable = true
		key.Truncation = fyne.TextTruncateEllipsis
		rm := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { v.askRemove(chainName, account, r) })
		rm.Importance = widget.LowImportance
		rows.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(80, 36), role), rm, key))
	}
	removeAll := widget.NewButtonWithIcon("Remove account", theme.DeleteIcon(), func() { v.askRemove(chainName, account, "") })
	removeAll.Importance = widget.DangerImportance
	rows.Add(container.NewHBox(layout.NewSpacer(), removeAll))
	return widget.NewCard(at(account), networkText(chainName)+" · balance: "+bal, rows)
}

// askRemove asks before removing a key (role "") or all of an account's.
func (v *accountsView) askRemove(chainName, account, role string) {
	what := "the " + role + " key of " + at(account)
	if role == "" {
		what = "all keys of " + at(account)
	}
	msg := fmt.Sprintf("Remove %s on %s from this vault?\n\nDapps can no longer sign with it. You can add it again with the private key or the master password.", what, networkText(chainName))
	d := dialog.NewConfirm("Remove keys?", msg, func(ok bool) {
		v.confirm = nil
		if !ok {
			return
		}
		v.u.touch()
		if err := v.u.vault.Remove(chainName, account, role); err != nil {
			v.setStatus("Not removed: "+err.Error(), true)
			return
		}
		v.setStatus("Removed "+what+".", false)
		v.refresh()
	}, v.u.win)
	d.SetConfirmText("Remove")
	d.SetDismissText("Keep")
	d.SetConfirmImportance(widget.DangerImportance)
	v.confirm = d
	d.Show()
}

func (v *accountsView) showAdd() {
	network := v.u.network()
	if network == "" {
		network = NetworkHive
	}
	form := newImportForm(v.u, network, func([]signer.KeyInfo) { v.refresh() })
	d := dialog.NewCustom("Add keys", "Close", container.NewGridWrap(fyne.NewSize(520, 420), form.content), v.u.win)
	d.Show()
}

func (v *accountsView) setStatus(text string, bad bool) { showStatus(v.status, text, bad) }

// fetchBalances asks the node for the balances of the accounts on the
// current network, off the Fyne goroutine, and shows them when they come.
func (v *accountsView) fetchBalances(names []string) {
	b := v.u.svc.Balances
	network := v.u.network()
	if b == nil || len(names) == 0 {
		return
	}
	v.u.h.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		got, err := b.Balances(ctx, network, names)
		if err != nil {
			return // the cards keep showing "—"; Settings shows node health
		}
		fyne.Do(func() {
			changed := false
			for name, list := range got {
				s := strings.Join(list, ", ")
				if v.balances[network+"/"+name] != s {
					v.balances[network+"/"+name] = s
					changed = true
				}
			}
			if changed && v.u.accounts == v {
				v.refresh()
			}
		})
	})
}
