package tx

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"localsigner/signer/chain"
)

// The operation registry: what each operation means, in one place, for
// everything that decides or explains a transaction — the scope catalog,
// approval and confirmation texts, spending allowances, "don't ask again",
// the Apps tab's limits, previews and the doors that build operations.
// Nothing outside this file keeps its own list of operations.
//
// Facts are stated per JSON member name, so that registryTest can hold them
// against the wire layout (the fields methods): every account member is an
// actor or a counterparty, every amount is a debit or known not to be, and
// every key or authority is an effect the prompt shows in full.

// Effect is what an operation changes besides balances. An operation with
// any effect is never remembered ("don't ask again") and its confirmation
// lists the new keys and accounts in full.
type Effect uint8

// Effects.
const (
	// EffectKeys: it replaces the account's authorities or keys (owner,
	// active, posting, memo key, a witness's signing key).
	EffectKeys Effect = 1 << iota
	// EffectRecovery: it changes the recovery account or recovers an
	// account.
	EffectRecovery
	// EffectProxy: it hands the account's witness votes to a proxy.
	EffectProxy
	// EffectWitnessVote: it votes or unvotes witnesses, or gives up the
	// voting rights.
	EffectWitnessVote
	// EffectNewAccount: it creates an account with the keys it names.
	EffectNewAccount
)

// Balance names one of an account's balances.
type Balance uint8

// Balances.
const (
	// Liquid is the spendable balance (Hive's balance and hbd_balance).
	Liquid Balance = iota
	// Savings is Hive's savings, paid out three days after a withdrawal.
	Savings
	// Staked is Hive Power: vesting shares, counted in HIVE.
	Staked
	// NoBalance: the amounts go to no balance of the acting account.
	NoBalance
)

// Spec is what Localsigner knows about one operation type.
type Spec struct {
	Name   string
	ID     uint32
	Family chain.Family
	// Role is the authority the operation needs in its plain form: what
	// a scope for it grants. Some instances need more (custom_json with
	// required_auths, account_update2 changing keys, account_update the
	// owner); the policy reads RequiredAuthorities for those.
	Role Role
	// Label says in a few words what the operation does, for scope lists
	// and the Apps tab: "send funds".
	Label string
	// Actors are the members naming who acts: the granted account.
	Actors []string
	// Counterparties are the members naming the other accounts the
	// operation sends to or acts on.
	Counterparties []string
	// Keyed are members besides the counterparties that a remembered
	// entry must repeat exactly: a transfer's memo, which is the deposit
	// account at an exchange.
	Keyed []string
	// Debits are the amounts that leave the acting account's balances
	// (liquid, savings or staked), fees included; Untouched are the other
	// amounts an operation names (a price, a reward, a new delegation
	// total).
	Debits, Untouched []string
	// From is the balance the Debits leave (Liquid unless said); To the
	// one of the acting account they reach when it is also the recipient
	// (a deposit to one's own savings, a power up of one's own), NoBalance
	// when they always go elsewhere.
	From, To Balance
	// Allowance says a daily spending allowance may cover the operation:
	// all the active key does in it is move its Debits.
	Allowance bool
	// Remember says "don't ask again" may cover it, keyed on the
	// operation, its counterparties and Keyed members. Never with Effects.
	Remember bool
	Effects  Effect
	// RC is what the operation uses of the chain's resources, for the
	// resource-credit estimate (Hive only; see rc.go).
	RC RCFacts
	// repeat names the member that multiplies the debits (the executions
	// of a recurrent transfer, all committed at once).
	repeat string
}

// Rememberable reports whether a "don't ask again" entry may cover this
// kind of operation at all.
func (s *Spec) Rememberable() bool { return s.Remember && s.Effects == 0 }

func hiveSpec(name string, role Role, label string) *Spec {
	return &Spec{Name: name, Family: chain.Hive, Role: role, Label: label, To: NoBalance}
}

func grapheneSpec(name string, role Role, label string) *Spec {
	return &Spec{Name: name, Family: chain.Graphene, Role: role, Label: label, To: NoBalance}
}

func (s *Spec) actors(m ...string) *Spec         { s.Actors = m; return s }
func (s *Spec) counterparties(m ...string) *Spec { s.Counterparties = m; return s }
func (s *Spec) keyed(m ...string) *Spec          { s.Keyed = m; return s }
func (s *Spec) debits(m ...string) *Spec         { s.Debits = m; return s }
func (s *Spec) untouched(m ...string) *Spec      { s.Untouched = m; return s }
func (s *Spec) effects(e Effect) *Spec           { s.Effects = e; return s }
func (s *Spec) allowance() *Spec                 { s.Allowance = true; return s }
func (s *Spec) remember() *Spec                  { s.Remember = true; return s }
func (s *Spec) rc(ns, state int64) *Spec         { s.RC.ExecNS, s.RC.State = ns, state; return s }
func (s *Spec) market() *Spec                    { s.RC.Market = true; return s }
func (s *Spec) moves(from, to Balance) *Spec     { s.From, s.To = from, to; return s }

// hiveSpecs are Hive's operations. Limit orders are not rememberable: the
// dapp sets the price, so a standing "yes" would let it sell at any price to
// whoever fills the order. Power downs, account creation, proposals and
// custom binary operations ask every time too.
var hiveSpecs = []*Spec{
	hiveSpec("vote", Posting, "vote on posts").actors("voter").counterparties("author").rc(479+17568+187+78, rcVoteSize),
	hiveSpec("comment", Posting, "publish posts and replies").actors("author").counterparties("parent_author").rc(2419+20408+221+166+42964, rcCommentBaseSize),
	hiveSpec("transfer", Active, "send funds").actors("from").counterparties("to").keyed("memo").
		debits("amount").allowance().remember().rc(638+5023+204+134, 0).market(),
	hiveSpec("transfer_to_vesting", Active, "power up").actors("from").counterparties("to").
		debits("amount").moves(Liquid, Staked).allowance().remember().rc(484+15856+2174+721+23010, rcTransferToVestingSize).market(),
	hiveSpec("withdraw_vesting", Active, "power down").actors("account").untouched("vesting_shares").rc(376+6524+2068+567+16307*13, 0),
	hiveSpec("limit_order_create", Active, "place market orders").actors("owner").
		debits("amount_to_sell").untouched("min_to_receive").allowance().rc(468+13924+187+124, rcLimitOrderSize).market(),
	hiveSpec("limit_order_cancel", Active, "cancel market orders").actors("owner").remember().rc(407+5986+204+142, 0),
	hiveSpec("feed_publish", Active, "publish a witness price feed").actors("publisher").
		untouched("exchange_rate.base", "exchange_rate.quote").rc(469+2233+213+144, 0),
	hiveSpec("convert", Active, "convert HBD to HIVE").actors("owner").debits("amount").allowance().remember().rc(442+11491+207+143+8280, rcConvertSize),
	hiveSpec("account_create", Active, "create accounts").actors("creator").counterparties("new_account_name").
		debits("fee").effects(EffectNewAccount).rc(498+31575+236+6401, rcAccountCreateBaseSize),
	hiveSpec("account_update", Active, "change keys and profile").actors("account").effects(EffectKeys).rc(1531+11433+206+152, 0),
	hiveSpec("witness_update", Active, "run a witness").actors("owner").
		untouched("props.account_creation_fee", "fee").effects(EffectKeys).rc(675+3287+154+121, rcWitnessUpdateBaseSize),
	hiveSpec("account_witness_vote", Active, "vote for witnesses").actors("account").counterparties("witness").
		effects(EffectWitnessVote).rc(516+13907+173+145, rcWitnessVoteSize),
	hiveSpec("account_witness_proxy", Active, "set a witness voting proxy").actors("account").counterparties("proxy").
		effects(EffectProxy).rc(684+57106+170+166, 0),
	hiveSpec("custom", Active, "send custom binary data").actors("required_auths").rc(132+183+238+121, 0),
	hiveSpec("delete_comment", Posting, "delete posts").actors("author").rc(521+17208+175+146, 0),
	hiveSpec("custom_json", Posting, "app actions (custom_json)").actors("required_auths", "required_posting_auths").remember().rc(859+162+321+167, 0),
	hiveSpec("comment_options", Posting, "set post payouts").actors("author").counterparties("extensions").
		untouched("max_accepted_payout").rc(413+5530+142+117, 0),
	hiveSpec("set_withdraw_vesting_route", Active, "route power downs").actors("from_account").counterparties("to_account").remember().rc(501+9003+632+121, rcWithdrawRouteSize),
	hiveSpec("limit_order_create2", Active, "place market orders").actors("owner").
		debits("amount_to_sell").untouched("exchange_rate.base", "exchange_rate.quote").allowance().rc(607+23356+310+118, rcLimitOrderSize).market(),
	hiveSpec("claim_account", Active, "claim account tokens").actors("creator").debits("fee").rc(336+8028+267+150, 0),
	hiveSpec("create_claimed_account", Active, "create accounts").actors("creator").counterparties("new_account_name").
		effects(EffectNewAccount).rc(964+46331+342+10778, rcAccountCreateBaseSize),
	hiveSpec("request_account_recovery", Active, "recover accounts").actors("recovery_account").counterparties("account_to_recover").
		effects(EffectRecovery).rc(613+7058+149+127, rcRecoveryRequestSize),
	hiveSpec("change_recovery_account", Owner, "change the recovery account").actors("account_to_recover").
		counterparties("new_recovery_account").effects(EffectRecovery).rc(580+9391+297+202, rcChangeRecoverySize),
	hiveSpec("escrow_transfer", Active, "send funds in escrow").actors("from").counterparties("to", "agent").keyed("json_meta").
		debits("hbd_amount", "hive_amount", "fee").allowance().remember().rc(2943+16130+309+204, rcEscrowSize),
	hiveSpec("escrow_dispute", Active, "dispute escrows").actors("who").counterparties("from", "to", "agent").remember().rc(918+5219+261+176, 0),
	hiveSpec("escrow_release", Active, "release escrows").actors("who").counterparties("from", "to", "agent", "receiver").
		untouched("hbd_amount", "hive_amount").remember().rc(1313+13586+252+189, 0),
	hiveSpec("escrow_approve", Active, "approve escrows").actors("who").counterparties("from", "to", "agent").remember().rc(814+8408+260+181, 0),
	hiveSpec("transfer_to_savings", Active, "move funds into savings").actors("from").counterparties("to").keyed("memo").
		debits("amount").moves(Liquid, Savings).allowance().remember().rc(771+5392+205+155, 0),
	hiveSpec("transfer_from_savings", Active, "withdraw from savings").actors("from").counterparties("to").keyed("memo").
		debits("amount").moves(Savings, Liquid).remember().rc(519+7840+111+106+8974, rcSavingsWithdrawSize),
	hiveSpec("cancel_transfer_from_savings", Active, "cancel savings withdrawals").actors("from").remember().rc(135+2881+72+66, 0),
	hiveSpec("decline_voting_rights", Owner, "give up voting rights").actors("account").effects(EffectWitnessVote).rc(530+3894+179+187+24301, rcDeclineVotingSize),
	hiveSpec("claim_reward_balance", Posting, "claim rewards").actors("account").
		untouched("reward_hive", "reward_hbd", "reward_vests").rc(427+23366+2798+970, 0),
	hiveSpec("delegate_vesting_shares", Active, "delegate Hive Power").actors("delegator").counterparties("delegatee").
		untouched("vesting_shares").remember().rc(411+11998+3110+1208, rcDelegationSize),
	hiveSpec("account_create_with_delegation", Active, "create accounts").actors("creator").counterparties("new_account_name").
		debits("fee").untouched("delegation").effects(EffectNewAccount).rc(770+39616+139+66, rcAccountCreateBaseSize+rcDelegationObjectSize),
	hiveSpec("account_update2", Posting, "update the profile (keys need more)").actors("account").effects(EffectKeys).rc(2182+10804+405+257, 0),
	hiveSpec("create_proposal", Active, "create funding proposals").actors("creator").counterparties("receiver").untouched("daily_pay").rc(831+24323+5666+2168, rcProposalBaseSize),
	hiveSpec("update_proposal_votes", Active, "vote on funding proposals").actors("voter").rc(503+12602+2993+1206, rcProposalVoteSize),
	hiveSpec("remove_proposal", Active, "remove funding proposals").actors("proposal_owner").rc(527+129323+3886+1692, 0),
	hiveSpec("update_proposal", Active, "change funding proposals").actors("creator").untouched("daily_pay").rc(820+11193+4501+267, 0),
	hiveSpec("collateralized_convert", Active, "convert HIVE to HBD").actors("owner").debits("amount").allowance().remember().rc(613+13325+332+239+9154, rcCollateralizedConvertSize),
	func() *Spec {
		s := hiveSpec("recurrent_transfer", Active, "send funds repeatedly").actors("from").counterparties("to").keyed("memo").
			debits("amount").allowance().remember().rc(914+12426+330+238, rcRecurrentBaseSize).market()
		s.repeat = "executions"
		return s
	}(),
}

// grapheneSpecs are the Peerplays operations Localsigner signs.
var grapheneSpecs = []*Spec{
	grapheneSpec("transfer", Active, "send funds").actors("from").counterparties("to").keyed("memo").
		debits("fee", "amount").allowance().remember(),
	grapheneSpec("limit_order_create", Active, "place market orders").actors("seller").
		debits("fee", "amount_to_sell").untouched("min_to_receive").allowance(),
	grapheneSpec("limit_order_cancel", Active, "cancel market orders").actors("fee_paying_account").debits("fee").remember(),
	grapheneSpec("account_update", Active, "change keys and votes").actors("account").
		counterparties("new_options.voting_account").debits("fee").effects(EffectKeys | EffectProxy | EffectWitnessVote),
}

// registry indexes the specs by family and name, filling in their ids from
// the operation tables.
var registry = func() map[chain.Family]map[string]*Spec {
	out := map[chain.Family]map[string]*Spec{}
	for _, set := range []struct {
		specs []*Spec
		table *opTable
	}{{hiveSpecs, hiveOps}, {grapheneSpecs, grapheneOps}} {
		for _, s := range set.specs {
			ctor, ok := set.table.byName[s.Name]
			if !ok {
				panic("tx: registry names an unknown operation " + s.Name)
			}
			s.ID = ctor().code().id
			if out[s.Family] == nil {
				out[s.Family] = map[string]*Spec{}
			}
			out[s.Family][s.Name] = s
		}
	}
	return out
}()

// Lookup returns the spec of the operation called name in family, or nil.
func Lookup(family chain.Family, name string) *Spec { return registry[family][name] }

// SpecOf returns the spec of op's type.
func SpecOf(op Operation) *Spec { return registry[op.code().family][op.Name()] }

// Specs lists family's operations by id.
func Specs(family chain.Family) []*Spec {
	out := make([]*Spec, 0, len(registry[family]))
	for _, s := range registry[family] {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Spec) int { return int(a.ID) - int(b.ID) })
	return out
}

// Amount is an amount of one asset in its smallest units ("1.000 HIVE" is
// 1000 units of HIVE, precision 3). Symbol is "1.3.N" for a Graphene asset
// other than the core one, whose symbol and precision are chain state;
// Known is false then.
type Amount struct {
	Symbol    string
	Units     int64
	Precision uint8
	Known     bool
}

// String formats a known amount as the chain does ("10.000 HIVE") and an
// unknown one as "<units> of asset 1.3.N".
func (a Amount) String() string {
	if !a.Known {
		return fmt.Sprintf("%d units of asset %s", a.Units, a.Symbol)
	}
	return string(appendAmount(nil, a.Units, a.Precision)) + " " + a.Symbol
}

// RememberKey is what a "don't ask again" entry stores for one operation:
// the operation (custom_json with its id) and the values of its
// counterparties and keyed members, all of which a later operation must
// repeat exactly.
type RememberKey struct {
	Operation string
	Match     map[string]string
	// Text says what the entry lets through, for people: "transfer to
	// @bob, no memo, any amount".
	Text string
}

// Facts is what one operation means, read from the registry.
type Facts struct {
	Spec *Spec
	// Summary is one sentence a person can check before signing.
	Summary string
	// Details, for operations with effects, list every new authority and
	// key in full, one per line.
	Details []string
	// Debits are what leaves the account, one per asset, by symbol.
	Debits []Amount
	// Remember is the key a "don't ask again" entry would store, or nil
	// when this operation may not be remembered.
	Remember *RememberKey
	// Fee is a Graphene operation's fee (nil on Hive, which has none): the
	// amount a node quotes, which the wallet bounds.
	Fee *Amount
}

// DebitsKnown reports whether every debit is in an asset of known symbol
// and precision (and none overflowed).
func (f *Facts) DebitsKnown() bool {
	return !slices.ContainsFunc(f.Debits, func(a Amount) bool { return !a.Known })
}

// TokenCustomIDs are the custom_json ids that move tokens on Hive-Engine,
// the Hive sidechain: a remembered one would send any token anywhere, so
// they always ask.
var TokenCustomIDs = []string{"ssc-mainnet-hive", "ssc-mainnet1", "ssc-testnet-hive"}

// Describe reads the registry's facts for op on chain c. It never fails: an
// operation of package tx always has a spec (registryTest proves it).
func Describe(c *chain.Chain, op Operation) Facts {
	spec := SpecOf(op)
	f := Facts{Spec: spec, Summary: Summary(c, op)}
	ms := membersOf(c, op)
	byPath := make(map[string]member, len(ms))
	for _, m := range ms {
		byPath[m.path] = m
	}
	f.Debits = debitsOf(spec, byPath, op)
	if spec.Effects != 0 {
		f.Details = detailsOf(spec, ms)
	}
	f.Remember = rememberKey(spec, byPath, op)
	if m, ok := byPath["fee"]; ok && spec.Family == chain.Graphene {
		f.Fee = &Amount{Symbol: m.symbol, Units: m.units, Precision: m.precision, Known: m.known}
	}
	return f
}

func debitsOf(spec *Spec, byPath map[string]member, op Operation) []Amount {
	times := int64(1)
	if spec.repeat != "" {
		if rt, ok := op.(*RecurrentTransfer); ok {
			times = int64(max(rt.Executions, 1))
		}
	}
	sums := map[string]Amount{}
	for _, path := range spec.Debits {
		m, ok := byPath[path]
		if !ok || m.units == 0 {
			continue
		}
		a := sums[m.symbol]
		a.Symbol, a.Precision = m.symbol, m.precision
		if _, seen := sums[m.symbol]; !seen {
			a.Known = m.known
		}
		switch {
		case m.units < 0 || m.units > math.MaxInt64/times || a.Units > math.MaxInt64-m.units*times:
			a.Known = false
			a.Units = math.MaxInt64
		default:
			a.Units += m.units * times
			a.Known = a.Known && m.known
		}
		sums[m.symbol] = a
	}
	out := make([]Amount, 0, len(sums))
	for _, a := range sums {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Symbol < out[j].Symbol })
	return out
}

// detailsOf lists the authorities, keys, accounts and votes an operation
// with effects sets, in full.
func detailsOf(spec *Spec, ms []member) []string {
	var out []string
	for _, m := range ms {
		name := m.path[strings.LastIndex(m.path, ".")+1:]
		name = strings.TrimSuffix(strings.TrimPrefix(name, "new_"), "_authority")
		name = strings.ReplaceAll(name, "_", " ")
		switch {
		case m.kind == memberAuthority:
			out = append(out, "New "+name+" authority: "+clean(m.authority, 8000))
		case m.kind == memberKey:
			out = append(out, "New "+name+": "+clean(m.value, 200))
		case m.kind == memberVotes:
			v := "none"
			if len(m.list) > 0 {
				v = clean(strings.Join(m.list, ", "), 8000)
			}
			out = append(out, "Votes: "+v)
		case m.kind == memberAccount && slices.Contains(spec.Counterparties, m.path):
			out = append(out, strings.ToUpper(name[:1])+name[1:]+": "+accountWords(m.value, "none"))
		}
	}
	return out
}

// accountWords names an account member for people: "@bob", "account
// 1.2.7" for a Graphene id, or none when the member is empty.
func accountWords(v, none string) string {
	switch {
	case v == "":
		return none
	case strings.HasPrefix(v, "1.2."):
		return "account " + clean(v, 32)
	}
	return "@" + clean(v, 32)
}

func rememberKey(spec *Spec, byPath map[string]member, op Operation) *RememberKey {
	if !spec.Rememberable() {
		return nil
	}
	k := &RememberKey{Operation: spec.Name, Match: map[string]string{}}
	var words []string
	if cj, ok := op.(*CustomJSON); ok {
		if cj.ID == "" || slices.Contains(TokenCustomIDs, cj.ID) {
			return nil
		}
		k.Operation += ":" + cj.ID
		words = append(words, "custom_json id "+quote(cj.ID, 32))
	} else {
		words = append(words, spec.Name)
	}
	for _, path := range spec.Counterparties {
		m := byPath[path]
		k.Match[path] = m.value
		who := accountWords(m.value, "the same account")
		if path == "to" || path == "to_account" || path == "delegatee" {
			words = append(words, "to "+who)
		} else {
			words = append(words, strings.ReplaceAll(path, "_", " ")+" "+who)
		}
	}
	for _, path := range spec.Keyed {
		m := byPath[path]
		if strings.HasPrefix(m.value, "(encrypted)") {
			return nil // sealed anew each time: an entry would never match again
		}
		k.Match[path] = m.value
		name := strings.ReplaceAll(path, "_", " ")
		if m.value == "" {
			words = append(words, "no "+name)
		} else {
			words = append(words, name+" "+quote(m.value, 60))
		}
	}
	if len(spec.Debits)+len(spec.Untouched) > 0 {
		words = append(words, "any amount")
	}
	if len(k.Match) == 0 {
		k.Match = nil
	}
	k.Text = words[0]
	for i, w := range words[1:] {
		sep := ", "
		if i == 0 && strings.HasPrefix(w, "to ") {
			sep = " " // "transfer to @bob, …"
		}
		k.Text += sep + w
	}
	return k
}

// RememberQualifies reports whether a stored "don't ask again" entry for
// operation with the member values match can still be kept on family's
// chain: the operation may be remembered and the entry names exactly the
// members a key for it names today.
func RememberQualifies(family chain.Family, operation string, match map[string]string) bool {
	name, id, isCustom := strings.Cut(operation, ":")
	spec := Lookup(family, name)
	if spec == nil || !spec.Rememberable() || isCustom != (name == "custom_json") ||
		isCustom && (id == "" || slices.Contains(TokenCustomIDs, id)) {
		return false
	}
	want := append(slices.Clone(spec.Counterparties), spec.Keyed...)
	if len(want) != len(match) {
		return false
	}
	for _, m := range want {
		if _, ok := match[m]; !ok {
			return false
		}
	}
	return true
}
