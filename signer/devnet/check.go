package devnet

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
	"localsigner/signer/tx"
)

// Expiration windows: HIVE_MAX_TIME_UNTIL_EXPIRATION, and the default of
// Graphene's maximum_time_until_expiration chain parameter.
const (
	hiveMaxExpiration     = time.Hour
	grapheneMaxExpiration = 24 * time.Hour
)

// maxAuthorityDepth is how far account_auths are followed: an account in an
// authority may sign with its own keys, not through further accounts.
const maxAuthorityDepth = 1

// journal undoes the changes of a transaction whose later operation fails,
// so a transaction applies all or nothing.
type journal struct{ undos []func() }

func (j *journal) add(f func()) { j.undos = append(j.undos, f) }

func (j *journal) undo() {
	for i := len(j.undos) - 1; i >= 0; i-- {
		j.undos[i]()
	}
}

// push checks a transaction as hived's _apply_transaction does (validate,
// duplicate check, authority, TaPoS, expiration, in that order), applies its
// operations to the pending state and queues it for the next block. d.mu
// must be held.
func (d *Devnet) push(raw []byte) (*includedTx, *fcError) {
	t, err := tx.Decode(d.chain, raw)
	if err != nil {
		return nil, errDecode(err)
	}
	id, err := t.ID()
	if err != nil {
		return nil, errDecode(err)
	}
	if _, dup := d.known[id]; dup {
		return nil, errDuplicateTx(id.String())
	}
	digest, err := t.Digest()
	if err != nil {
		return nil, errDecode(err)
	}
	if e := d.checkAuthority(t, digest); e != nil {
		// As hived since HF26: signatures over either packing are good.
		// hived tries the HF26 one first; the outcome is the same, and
		// the transaction's id is the one of the packing that was signed.
		hf, ok := d.hf26Signed(t)
		if !ok {
			return nil, e
		}
		if _, dup := d.known[hf]; dup {
			return nil, errDuplicateTx(hf.String())
		}
		id = hf
	}
	if want, ok := d.summary[t.RefBlockNum]; !ok || want != t.RefBlockPrefix {
		return nil, errTapos(t.RefBlockPrefix, want)
	}
	now := d.head().timestamp
	limit := hiveMaxExpiration
	if d.chain.Family == chain.Graphene {
		limit = grapheneMaxExpiration
	}
	if t.Expiration.After(now.Add(limit)) {
		return nil, errExpired(now, t.Expiration, limit)
	}
	if !now.Before(t.Expiration) {
		return nil, errExpired(now, t.Expiration, 0)
	}
	j := &journal{}
	var e *fcError
	if d.chain.Family == chain.Graphene {
		e = d.applyGraphene(t, j)
	} else if e = d.applyHive(t, id.String(), j); e == nil {
		e = d.chargeRC(t, now)
	}
	if e != nil {
		j.undo()
		return nil, e
	}
	js, err := json.Marshal(t)
	if err != nil {
		j.undo()
		return nil, errDecode(err)
	}
	it := &includedTx{t: t, id: id, json: js, done: make(chan struct{})}
	d.pending = append(d.pending, it)
	d.known[id] = it
	return it, nil
}

// hf26Signed reports whether t's signatures satisfy its authorities over
// the HF26 packing (Hive only), and its id in that packing.
func (d *Devnet) hf26Signed(t *tx.Transaction) (tx.TransactionID, bool) {
	if d.chain.Family != chain.Hive {
		return tx.TransactionID{}, false
	}
	digest, err := t.DigestHF26()
	if err != nil || d.checkAuthority(t, digest) != nil {
		return tx.TransactionID{}, false
	}
	id, err := t.IDHF26()
	return id, err == nil
}

// checkAuthority recovers the signing keys and checks every required
// authority. Hive (HF28 rules): each requirement must be met by exactly the
// role asked for; posting and active operations may be mixed; extra
// signatures are allowed unless StrictSignatures. This is hived's
// verify_authority_impl (libraries/protocol/transaction_util.cpp) with
// allow_strict_and_mixed_authorities, which HF28 turns on: before it an
// owner signature could stand in for active ("role upgrade") and posting
// could not be mixed with active; since, an active requirement is met by
// the active authority alone, so an owner key alone does not move funds.
// Graphene: active may also be met by owner, and signatures no authority
// needs are refused.
func (d *Devnet) checkAuthority(t *tx.Transaction, digest [32]byte) *fcError {
	signed := map[keys.PublicKey]bool{}
	graphene := d.chain.Family == chain.Graphene
	for _, sig := range t.Signatures {
		// hived checks BIP-62 alone since HF28; Graphene the fc rule too.
		if (graphene && !sig.IsCanonical()) || (!graphene && !sig.IsLowS()) {
			return errNotCanonical()
		}
		k, err := keys.Recover(digest, sig)
		if err != nil {
			return assertError("public_key", "verify_key", "unable to reconstruct public key from signature", nil)
		}
		if signed[k] {
			return errDuplicateSig()
		}
		signed[k] = true
	}
	used := map[keys.PublicKey]bool{}
	for _, req := range t.RequiredAuthorities() {
		a := d.lookupAccount(req.Account)
		if a == nil {
			return d.errNoAccount(req.Account)
		}
		role := roleOf(req.Role)
		ok := d.satisfied(a, role, signed, used, 0)
		if !ok && graphene && role == roleActive {
			ok = d.satisfied(a, roleOwner, signed, used, 0)
		}
		if !ok {
			return errMissingAuth(roleName(role), req.Account, a.auth[role].toJSON(d.chain.Prefix))
		}
	}
	if d.cfg.StrictSignatures || graphene {
		var unused []string
		for k := range signed {
			if !used[k] {
				unused = append(unused, k.Format(d.chain.Prefix))
			}
		}
		if len(unused) > 0 {
			sort.Strings(unused)
			return errIrrelevantSig(unused)
		}
	}
	return nil
}

// satisfied reports whether the signed keys meet a's authority for role,
// directly or through accounts in its account_auths (one level deep: an
// account auth counts if that account's own keys meet its authority, active
// for active and owner, posting for posting). As in the nodes' sign_state,
// keys are counted in order only until the threshold is met; the keys that
// counted are added to used, so a key beyond the threshold is unnecessary.
func (d *Devnet) satisfied(a *account, role int, signed, used map[keys.PublicKey]bool, depth int) bool {
	auth := &a.auth[role]
	threshold := uint64(auth.threshold)
	var total uint64
	helped := map[keys.PublicKey]bool{}
	for _, kw := range auth.keys {
		if total >= threshold {
			break
		}
		if signed[kw.key] {
			total += uint64(kw.weight)
			helped[kw.key] = true
		}
	}
	if total < threshold && depth < maxAuthorityDepth {
		sub := roleActive
		if role == rolePosting {
			sub = rolePosting
		}
		for _, aw := range auth.accounts {
			if total >= threshold {
				break
			}
			other := d.lookupAccount(aw.account)
			if other == nil || other == a {
				continue
			}
			if d.satisfied(other, sub, signed, helped, depth+1) {
				total += uint64(aw.weight)
			}
		}
	}
	if total < threshold {
		return false
	}
	for k := range helped {
		used[k] = true
	}
	return true
}

// lookupAccount finds an account by Hive name or Graphene id "1.2.N" (names
// work on Graphene too). d.mu must be held.
func (d *Devnet) lookupAccount(ref string) *account {
	if a := d.byName[ref]; a != nil {
		return a
	}
	if d.chain.Family == chain.Graphene {
		if id, err := tx.ParseObjectID(ref); err == nil && id.Is(tx.AccountObject) {
			return d.byInstance[id.Instance]
		}
	}
	return nil
}

func (d *Devnet) errNoAccount(ref string) *fcError {
	if d.chain.Family == chain.Graphene {
		return errUnknownObject(ref)
	}
	return errUnknownAccount(ref)
}

// toJSON renders an authority as nodes do.
func (a *authority) toJSON(prefix string) map[string]any {
	accts := make([][]any, 0, len(a.accounts))
	for _, aw := range a.accounts {
		accts = append(accts, []any{aw.account, aw.weight})
	}
	ks := make([][]any, 0, len(a.keys))
	for _, kw := range a.keys {
		ks = append(ks, []any{kw.key.Format(prefix), kw.weight})
	}
	return map[string]any{"weight_threshold": a.threshold, "account_auths": accts, "key_auths": ks}
}

// describe is a one-line summary for the log.
func (a *authority) describe(prefix string) string {
	if len(a.keys) == 1 && len(a.accounts) == 0 && a.threshold <= uint32(a.keys[0].weight) {
		return a.keys[0].key.Format(prefix)
	}
	var parts []string
	for _, kw := range a.keys {
		parts = append(parts, fmt.Sprintf("%s×%d", kw.key.Format(prefix), kw.weight))
	}
	for _, aw := range a.accounts {
		parts = append(parts, fmt.Sprintf("%s×%d", aw.account, aw.weight))
	}
	return fmt.Sprintf("threshold %d of [%s]", a.threshold, strings.Join(parts, ", "))
}

// fromHive converts an operation's authority.
func fromHive(a *tx.Authority) authority {
	out := authority{threshold: a.WeightThreshold}
	for _, aw := range a.AccountAuths {
		out.accounts = append(out.accounts, accountWeight{aw.Account, aw.Weight})
	}
	for _, kw := range a.KeyAuths {
		out.keys = append(out.keys, keyWeight{kw.Key, kw.Weight})
	}
	return out
}

// fromGraphene converts a Graphene operation's authority.
func fromGraphene(a *tx.GrapheneAuthority) authority {
	out := authority{threshold: a.WeightThreshold}
	for _, aw := range a.AccountAuths {
		out.accounts = append(out.accounts, accountWeight{aw.Account.String(), aw.Weight})
	}
	for _, kw := range a.KeyAuths {
		out.keys = append(out.keys, keyWeight{kw.Key, kw.Weight})
	}
	return out
}
