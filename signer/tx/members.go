package tx

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

// memberKind classifies a member for the operation registry: what the
// policy must know about it, not how it is encoded.
type memberKind uint8

const (
	memberOther     memberKind = iota // numbers, flags, times, ids of things other than accounts
	memberAccount                     // one account name or account id (1.2.N)
	memberAccounts                    // a set of accounts (required_auths)
	memberAsset                       // an amount with its asset
	memberKey                         // a public key
	memberText                        // free text (memo, JSON, titles)
	memberAuthority                   // an account authority (owner, active, posting): keys and accounts
	memberVotes                       // Graphene vote ids
)

// member is one leaf of an operation as the registry sees it. Path is the
// JSON member name, with "parent." for members of nested structures
// ("new_options.voting_account"). Members inside an authority are folded
// into that authority.
type member struct {
	path  string
	kind  memberKind
	value string // accounts, keys, text: as the chain's JSON writes them
	// For memberAccounts, the accounts.
	list []string
	// For memberAsset: amount in smallest units, and symbol and precision
	// when known (Graphene assets other than the core one have neither).
	units     int64
	symbol    string
	precision uint8
	known     bool
	// For memberAuthority: one line for people ("threshold 1; key STM… weight
	// 1; account @bob weight 1").
	authority string
}

// memberReader is the visitor that lists an operation's members for the
// registry. It reads only; the chain gives key prefixes and asset symbols.
type memberReader struct {
	c      *chain.Chain
	prefix string // of the nested structure being read
	out    []member
	// auth collects the members of the authority being read, nil outside.
	auth *[]string
}

// membersOf lists op's members in wire order.
func membersOf(c *chain.Chain, op Operation) []member {
	r := &memberReader{c: c}
	op.fields(r)
	return r.out
}

func (r *memberReader) add(name string, m member) {
	m.path = r.prefix + name
	r.out = append(r.out, m)
}

func (r *memberReader) keyText(k keys.PublicKey) string {
	prefix := "STM"
	if r.c != nil && r.c.Prefix != "" {
		prefix = r.c.Prefix
	}
	return k.Format(prefix)
}

func (r *memberReader) account(name string, p *string) {
	r.add(name, member{kind: memberAccount, value: *p})
}
func (r *memberReader) accountOrEmpty(name string, p *string) {
	r.add(name, member{kind: memberAccount, value: *p})
}
func (r *memberReader) text(name string, p *string, _ textKind) {
	r.add(name, member{kind: memberText, value: *p})
}
func (r *memberReader) hexBytes(name string, _ *[]byte)        { r.add(name, member{kind: memberOther}) }
func (r *memberReader) boolean(name string, _ *bool)           { r.add(name, member{kind: memberOther}) }
func (r *memberReader) u16(name string, _ *uint16, _ uint16)   { r.add(name, member{kind: memberOther}) }
func (r *memberReader) i16(name string, _ *int16, _, _ int16)  { r.add(name, member{kind: memberOther}) }
func (r *memberReader) u32(name string, _ *uint32)             { r.add(name, member{kind: memberOther}) }
func (r *memberReader) u64(name string, _ *uint64)             { r.add(name, member{kind: memberOther}) }
func (r *memberReader) nonNegativeI64(name string, _ *int64)   { r.add(name, member{kind: memberOther}) }
func (r *memberReader) timeSec(name string, _ *time.Time)      { r.add(name, member{kind: memberOther}) }
func (r *memberReader) proposalIDs(name string, _ *[]int64)    { r.add(name, member{kind: memberOther}) }
func (r *memberReader) emptyExtensions(name string, _ extForm) {}
func (r *memberReader) proposalEndDate(name string, _ **time.Time) {
	r.add(name, member{kind: memberOther})
}
func (r *memberReader) recurrentPairID(name string, _ **uint8) {
	r.add(name, member{kind: memberOther})
}
func (r *memberReader) emptyAddressAuths(string) {}

func (r *memberReader) asset(name string, p *Asset, _ assetRule) {
	r.add(name, member{kind: memberAsset, units: p.Amount, symbol: p.Symbol, precision: p.Precision, known: p.Symbol != ""})
}

func (r *memberReader) grapheneAsset(name string, p *GrapheneAsset, _ bool) {
	m := member{kind: memberAsset, units: p.Amount, symbol: p.AssetID.String()}
	if p.AssetID == NewObjectID(AssetObject, 0) && r.c != nil && r.c.CoreSymbol != "" {
		m.symbol, m.precision, m.known = r.c.CoreSymbol, r.c.CorePrecision, true
	}
	r.add(name, m)
}

func (r *memberReader) publicKey(name string, p *keys.PublicKey) {
	if r.auth != nil {
		return // keys of an authority are read by keyWeights
	}
	r.add(name, member{kind: memberKey, value: r.keyText(*p)})
}

func (r *memberReader) optional(_ string, present bool) bool { return present }

// object reads a nested structure. Authorities become one member.
func (r *memberReader) object(name string, f fielder) {
	switch a := f.(type) {
	case *Authority:
		r.add(name, member{kind: memberAuthority, authority: r.authorityText(a.WeightThreshold, a.KeyAuths, accountWeightTexts(a.AccountAuths))})
		return
	case *GrapheneAuthority:
		var accts []string
		for _, w := range a.AccountAuths {
			accts = append(accts, "account "+w.Account.String()+" weight "+strconv.Itoa(int(w.Weight)))
		}
		r.add(name, member{kind: memberAuthority, authority: r.authorityText(a.WeightThreshold, a.KeyAuths, accts)})
		return
	case *MemoData:
		// An encrypted memo: its keys are the two memo keys, not a change of
		// any; its text is sealed, new each time.
		r.add(name, member{kind: memberText, value: "(encrypted) " + hex.EncodeToString(a.Message)})
		return
	}
	outer := r.prefix
	r.prefix = outer + name + "."
	f.fields(r)
	r.prefix = outer
}

func accountWeightTexts(ws []AccountWeight) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = "account @" + w.Account + " weight " + strconv.Itoa(int(w.Weight))
	}
	return out
}

// authorityText writes an authority in full: every key and account.
func (r *memberReader) authorityText(threshold uint32, ks []KeyWeight, accts []string) string {
	parts := []string{"threshold " + strconv.FormatUint(uint64(threshold), 10)}
	for _, k := range ks {
		parts = append(parts, "key "+r.keyText(k.Key)+" weight "+strconv.Itoa(int(k.Weight)))
	}
	parts = append(parts, accts...)
	return strings.Join(parts, "; ")
}

func (r *memberReader) accountSet(name string, p *[]string) {
	r.add(name, member{kind: memberAccounts, list: append([]string(nil), *p...)})
}

// Authorities are read whole by object; these are reached only from
// elsewhere, which no operation does today.
func (r *memberReader) accountWeights(name string, _ *[]AccountWeight) {
	r.add(name, member{kind: memberAuthority})
}
func (r *memberReader) keyWeights(name string, _ *[]KeyWeight) {
	r.add(name, member{kind: memberAuthority})
}
func (r *memberReader) objectWeights(name string, _ *[]ObjectWeight) {
	r.add(name, member{kind: memberAuthority})
}

func (r *memberReader) beneficiaries(name string, p *[]BeneficiaryRoute) {
	var accts []string
	for _, b := range *p {
		accts = append(accts, b.Account)
	}
	r.add(name, member{kind: memberAccounts, list: accts})
}

func (r *memberReader) objectID(name string, p *ObjectID, want ObjectType) {
	if want == AccountObject {
		r.add(name, member{kind: memberAccount, value: p.String()})
		return
	}
	r.add(name, member{kind: memberOther})
}

func (r *memberReader) voteIDs(name string, p *[]VoteID) {
	var vs []string
	for _, v := range *p {
		vs = append(vs, v.String())
	}
	r.add(name, member{kind: memberVotes, list: vs})
}
