package devnet

import (
	"fmt"
	"slices"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
)

// Hive symbol precisions, for formatting balances.
var hivePrecision = map[string]uint8{"HIVE": 3, "HBD": 3, "VESTS": 6}

// vestsPerHive is the devnet's fixed power-up rate: 1.000 HIVE buys
// 1000.000000 VESTS (units: 1 HIVE unit → 10^6 VESTS units).
const vestsPerHiveUnit = 1_000_000

// applyHive applies the effects users look for; other operations are
// accepted without effect. d.mu must be held; every change is journaled.
func (d *Devnet) applyHive(t *tx.Transaction, txID string, j *journal) *fcError {
	now := d.head().timestamp
	for _, op := range t.Operations {
		var e *fcError
		switch o := op.(type) {
		case *tx.Transfer:
			e = d.transferHive(j, o.From, o.To, o.Amount)
		case *tx.TransferToVesting:
			to := o.To
			if to == "" {
				to = o.From
			}
			e = d.powerUp(j, o.From, to, o.Amount)
		case *tx.TransferToSavings:
			e = d.moveHive(j, o.From, "", o.To, savingsKey(o.Amount.Symbol), o.Amount)
		case *tx.TransferFromSavings:
			// hived pays it out after three days; the devnet at once.
			e = d.moveHive(j, o.From, savingsKey(o.Amount.Symbol), o.To, "", o.Amount)
		case *tx.DelegateVestingShares:
			e = d.delegate(j, o.Delegator, o.Delegatee, o.VestingShares.Amount)
		case *tx.Vote:
			e = d.vote(j, o, now)
		case *tx.Comment:
			e = d.comment(j, o, now)
		case *tx.DeleteComment:
			e = d.deleteComment(j, o.Author, o.Permlink)
		case *tx.CustomJSON:
			rec := CustomJSON{ID: o.ID, JSON: o.JSON, TransactionID: txID,
				RequiredAuths: slices.Clone(o.RequiredAuths), RequiredPostingAuths: slices.Clone(o.RequiredPostingAuths)}
			d.customJSON = append(d.customJSON, rec)
			j.add(func() { d.customJSON = d.customJSON[:len(d.customJSON)-1] })
		case *tx.AccountUpdate:
			memo := o.MemoKey
			e = d.updateAccount(j, o.Account, o.Owner, o.Active, o.Posting, &memo, o.JSONMetadata, "")
		case *tx.AccountUpdate2:
			e = d.updateAccount(j, o.Account, o.Owner, o.Active, o.Posting, o.MemoKey, o.JSONMetadata, o.PostingJSONMetadata)
		}
		if e != nil {
			return e
		}
	}
	return nil
}

// adjust changes a balance, refusing to go below zero as hived's
// adjust_balance does.
func (d *Devnet) adjust(j *journal, a *account, key string, delta int64, format func(int64) string) *fcError {
	old := a.balances[key]
	if old+delta < 0 {
		return errInsufficientFunds(a.name, format(-delta), format(old))
	}
	a.balances[key] = old + delta
	j.add(func() { a.balances[key] = old })
	return nil
}

func hiveFormatter(symbol string) func(int64) string {
	return func(v int64) string {
		return tx.Asset{Amount: v, Precision: hivePrecision[symbol], Symbol: symbol}.String()
	}
}

func (d *Devnet) transferHive(j *journal, from, to string, amount tx.Asset) *fcError {
	src, dst := d.byName[from], d.byName[to]
	if src == nil {
		return errUnknownAccount(from)
	}
	if dst == nil {
		return errUnknownAccount(to)
	}
	f := hiveFormatter(amount.Symbol)
	if e := d.adjust(j, src, amount.Symbol, -amount.Amount, f); e != nil {
		return e
	}
	return d.adjust(j, dst, amount.Symbol, amount.Amount, f)
}

// savingsKey is where an account's savings in symbol are kept in its
// balances; delegatedKey and receivedKey its delegated Hive Power.
func savingsKey(symbol string) string { return "savings:" + symbol }

const (
	delegatedKey = "delegated:VESTS"
	receivedKey  = "received:VESTS"
)

// moveHive moves amount from one balance of from (fromKey, the liquid one
// when empty) to one of to (toKey, likewise).
func (d *Devnet) moveHive(j *journal, from, fromKey, to, toKey string, amount tx.Asset) *fcError {
	src, dst := d.byName[from], d.byName[to]
	if src == nil {
		return errUnknownAccount(from)
	}
	if dst == nil {
		return errUnknownAccount(to)
	}
	if fromKey == "" {
		fromKey = amount.Symbol
	}
	if toKey == "" {
		toKey = amount.Symbol
	}
	f := hiveFormatter(amount.Symbol)
	if e := d.adjust(j, src, fromKey, -amount.Amount, f); e != nil {
		return e
	}
	return d.adjust(j, dst, toKey, amount.Amount, f)
}

// delegate sets from's delegation to to at vests (0 removes it); the
// devnet returns removed Hive Power at once, not after five days.
func (d *Devnet) delegate(j *journal, from, to string, vests int64) *fcError {
	src, dst := d.byName[from], d.byName[to]
	if src == nil {
		return errUnknownAccount(from)
	}
	if dst == nil {
		return errUnknownAccount(to)
	}
	key := "to:" + to
	delta := vests - src.balances[key]
	f := hiveFormatter("VESTS")
	if free := src.balances["VESTS"] - src.balances[delegatedKey]; delta > free {
		return errInsufficientFunds(src.name, f(delta), f(free))
	}
	for _, c := range []struct {
		a     *account
		key   string
		delta int64
	}{{src, key, delta}, {src, delegatedKey, delta}, {dst, receivedKey, delta}} {
		if e := d.adjust(j, c.a, c.key, c.delta, f); e != nil {
			return e
		}
	}
	return nil
}

func (d *Devnet) powerUp(j *journal, from, to string, amount tx.Asset) *fcError {
	src, dst := d.byName[from], d.byName[to]
	if src == nil {
		return errUnknownAccount(from)
	}
	if dst == nil {
		return errUnknownAccount(to)
	}
	if e := d.adjust(j, src, "HIVE", -amount.Amount, hiveFormatter("HIVE")); e != nil {
		return e
	}
	return d.adjust(j, dst, "VESTS", amount.Amount*vestsPerHiveUnit, hiveFormatter("VESTS"))
}

func postKey(author, permlink string) string { return author + "/" + permlink }

func errNoComment(author, permlink string) *fcError {
	return assertError("get_comment", "comment != nullptr", "Could not find comment ${author}/${permlink}",
		map[string]any{"author": author, "permlink": permlink})
}

func (d *Devnet) vote(j *journal, o *tx.Vote, now time.Time) *fcError {
	p := d.posts[postKey(o.Author, o.Permlink)]
	if p == nil {
		return errNoComment(o.Author, o.Permlink)
	}
	for _, v := range p.votes {
		if v.Voter == o.Voter {
			old := *v
			v.Weight, v.Time = o.Weight, now
			j.add(func() { *v = old })
			return nil
		}
	}
	v := &Vote{Voter: o.Voter, Author: o.Author, Permlink: o.Permlink, Weight: o.Weight, Time: now}
	p.votes = append(p.votes, v)
	d.votes = append(d.votes, v)
	j.add(func() {
		p.votes = p.votes[:len(p.votes)-1]
		d.votes = d.votes[:len(d.votes)-1]
	})
	return nil
}

func (d *Devnet) comment(j *journal, o *tx.Comment, now time.Time) *fcError {
	key := postKey(o.Author, o.Permlink)
	if p := d.posts[key]; p != nil {
		old := *p
		p.Title, p.Body, p.JSONMetadata, p.LastUpdate = o.Title, o.Body, o.JSONMetadata, now
		j.add(func() { *p = old })
		return nil
	}
	var parent *Post
	if o.ParentAuthor != "" {
		parent = d.posts[postKey(o.ParentAuthor, o.ParentPermlink)]
		if parent == nil {
			return errNoComment(o.ParentAuthor, o.ParentPermlink)
		}
	}
	p := &Post{Author: o.Author, Permlink: o.Permlink, ParentAuthor: o.ParentAuthor, ParentPermlink: o.ParentPermlink,
		Title: o.Title, Body: o.Body, JSONMetadata: o.JSONMetadata, Created: now, LastUpdate: now, id: len(d.posts) + 1}
	d.posts[key] = p
	if parent != nil {
		parent.Children++
	}
	j.add(func() {
		delete(d.posts, key)
		if parent != nil {
			parent.Children--
		}
	})
	return nil
}

func (d *Devnet) deleteComment(j *journal, author, permlink string) *fcError {
	key := postKey(author, permlink)
	p := d.posts[key]
	if p == nil {
		return errNoComment(author, permlink)
	}
	if p.Children > 0 {
		return assertError("do_apply", "comment.children == 0", "Cannot delete a comment with replies.", nil)
	}
	parent := d.posts[postKey(p.ParentAuthor, p.ParentPermlink)]
	delete(d.posts, key)
	if parent != nil {
		parent.Children--
	}
	j.add(func() {
		d.posts[key] = p
		if parent != nil {
			parent.Children++
		}
	})
	return nil
}

// updateAccount applies account_update(2): nil authorities and key, and
// empty metadata, mean unchanged.
func (d *Devnet) updateAccount(j *journal, name string, owner, active, posting *tx.Authority, memo *keys.PublicKey, meta, postingMeta string) *fcError {
	a := d.byName[name]
	if a == nil {
		return errUnknownAccount(name)
	}
	old := *a
	for i, au := range []*tx.Authority{owner, active, posting} {
		if au != nil {
			a.auth[i] = fromHive(au)
		}
	}
	if memo != nil && !memo.IsZero() {
		a.memo = *memo
	}
	if meta != "" {
		a.jsonMetadata = meta
	}
	if postingMeta != "" {
		a.postingJSONMetadata = postingMeta
	}
	a.lastUpdate = d.head().timestamp
	j.add(func() { *a = old })
	return nil
}

// grapheneFees is the devnet's fee schedule in PPY units (precision 5), by
// operation name; get_required_fees publishes it.
var grapheneFees = map[string]int64{
	"transfer":           20000,
	"limit_order_create": 500,
	"limit_order_cancel": 0,
	"account_update":     2000,
}

// grapheneFeePayer names the account paying an operation's fee.
func grapheneFeePayer(op tx.Operation) (tx.GrapheneAsset, tx.ObjectID) {
	switch o := op.(type) {
	case *tx.PeerplaysTransfer:
		return o.Fee, o.From
	case *tx.PeerplaysLimitOrderCreate:
		return o.Fee, o.Seller
	case *tx.PeerplaysLimitOrderCancel:
		return o.Fee, o.FeePayingAccount
	case *tx.PeerplaysAccountUpdate:
		return o.Fee, o.Account
	}
	return tx.GrapheneAsset{}, tx.ObjectID{}
}

// applyGraphene charges fees (core asset only, at least the schedule) and
// applies transfers and account updates. d.mu must be held.
func (d *Devnet) applyGraphene(t *tx.Transaction, j *journal) *fcError {
	core := tx.NewObjectID(tx.AssetObject, 0)
	format := func(v int64) string { return tx.GrapheneAsset{Amount: v, AssetID: core}.Format(d.chain) }
	for _, op := range t.Operations {
		fee, payerID := grapheneFeePayer(op)
		if fee.AssetID != core {
			return assertError("prepare_fee", "fee.asset_id == asset_id_type()",
				"the devnet takes fees in the core asset ${core} only", map[string]any{"core": coreAssetID})
		}
		if need := grapheneFees[op.Name()]; fee.Amount < need {
			return errInsufficientFee(fee.Amount, need)
		}
		payer := d.byInstance[payerID.Instance]
		if payer == nil {
			return errUnknownObject(payerID.String())
		}
		if payer.balances[coreAssetID] < fee.Amount {
			return errGrapheneInsufficientBalance(format(payer.balances[coreAssetID]), format(fee.Amount), payer.name, "fee pool")
		}
		d.adjustGraphene(j, payer, coreAssetID, -fee.Amount)
		switch o := op.(type) {
		case *tx.PeerplaysTransfer:
			to := d.byInstance[o.To.Instance]
			if to == nil {
				return errUnknownObject(o.To.String())
			}
			if o.Amount.AssetID != core {
				return errUnknownObject(o.Amount.AssetID.String())
			}
			if payer.balances[coreAssetID] < o.Amount.Amount {
				return errGrapheneInsufficientBalance(format(payer.balances[coreAssetID]), format(o.Amount.Amount), payer.name, to.name)
			}
			d.adjustGraphene(j, payer, coreAssetID, -o.Amount.Amount)
			d.adjustGraphene(j, to, coreAssetID, o.Amount.Amount)
		case *tx.PeerplaysAccountUpdate:
			old := *payer
			if o.Owner != nil {
				payer.auth[roleOwner] = fromGraphene(o.Owner)
			}
			if o.Active != nil {
				payer.auth[roleActive] = fromGraphene(o.Active)
			}
			if o.NewOptions != nil {
				payer.memo = o.NewOptions.MemoKey
			}
			j.add(func() { *payer = old })
		}
	}
	return nil
}

func (d *Devnet) adjustGraphene(j *journal, a *account, asset string, delta int64) {
	old := a.balances[asset]
	a.balances[asset] = old + delta
	j.add(func() { a.balances[asset] = old })
}

// balanceSummary is a one-line balance for the log.
func (d *Devnet) balanceSummary(a *account) string {
	if d.chain.Family == chain.Graphene {
		return tx.GrapheneAsset{Amount: a.balances[coreAssetID], AssetID: tx.NewObjectID(tx.AssetObject, 0)}.Format(d.chain)
	}
	return fmt.Sprintf("%s, %s, %s", hiveFormatter("HIVE")(a.balances["HIVE"]),
		hiveFormatter("HBD")(a.balances["HBD"]), hiveFormatter("VESTS")(a.balances["VESTS"]))
}
