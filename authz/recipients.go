package authz

import "slices"

// MaxRecipients is how many recipients are remembered per account: the
// most recent ones.
const MaxRecipients = 2000

// SentTo lists whom account on chain has sent value to through
// Localsigner, oldest first. The wallet reads it to tell a first transfer,
// and a recipient that looks like a known one.
func (is *Issuer) SentTo(chain, account string) ([]string, error) {
	var out []string
	err := is.store.View(func(tx Tx) error {
		var err error
		out, err = tx.Recipients(chain, account)
		return err
	})
	return out, err
}

// NoteSent adds names to account's recipients once a transaction to them
// is broadcast; one sent to again moves to the end, and beyond
// MaxRecipients the oldest are forgotten.
func (is *Issuer) NoteSent(chain, account string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	return is.store.Update(func(tx Tx) error {
		list, err := tx.Recipients(chain, account)
		if err != nil {
			return err
		}
		list = slices.DeleteFunc(list, func(n string) bool { return slices.Contains(names, n) })
		for _, n := range names {
			if !slices.Contains(list, n) {
				list = append(list, n)
			}
		}
		if len(list) > MaxRecipients {
			list = list[len(list)-MaxRecipients:]
		}
		return tx.PutRecipients(chain, account, list)
	})
}
