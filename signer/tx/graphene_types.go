package tx

import (
	"fmt"
	"strconv"
	"strings"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

// maxInstance is GRAPHENE_DB_MAX_INSTANCE_ID: object instances have 48 bits.
const maxInstance = 1<<48 - 1

// ObjectID is a Graphene object id "space.type.instance": accounts are
// 1.2.N, assets 1.3.N, limit orders 1.7.N. Only the instance is serialized
// (as a varint); the space and type are implied by the field, so the decoder
// checks them against it.
type ObjectID struct {
	Space    uint8
	Type     uint8
	Instance uint64
}

// ObjectType is the "space.type" part of an object id a field requires.
type ObjectType struct {
	Space, Type uint8
	name        string
}

// Object types used by the supported Peerplays operations.
var (
	AccountObject    = ObjectType{1, 2, "account"}
	AssetObject      = ObjectType{1, 3, "asset"}
	LimitOrderObject = ObjectType{1, 7, "limit order"}
)

// NewObjectID returns the id of instance n of type t.
func NewObjectID(t ObjectType, n uint64) ObjectID {
	return ObjectID{Space: t.Space, Type: t.Type, Instance: n}
}

// Is reports whether id is of type t.
func (id ObjectID) Is(t ObjectType) bool { return id.Space == t.Space && id.Type == t.Type }

// String returns "space.type.instance".
func (id ObjectID) String() string {
	return strconv.Itoa(int(id.Space)) + "." + strconv.Itoa(int(id.Type)) + "." + strconv.FormatUint(id.Instance, 10)
}

// ParseObjectID reads "space.type.instance" with decimal parts.
func ParseObjectID(s string) (ObjectID, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return ObjectID{}, fmt.Errorf("object id %q: want \"space.type.instance\"", s)
	}
	var n [3]uint64
	for i, p := range parts {
		if !allDigits(p) {
			return ObjectID{}, fmt.Errorf("object id %q: parts must be decimal numbers", s)
		}
		v, err := strconv.ParseUint(p, 10, 64)
		if err != nil || (i < 2 && v > 255) || v > maxInstance {
			return ObjectID{}, fmt.Errorf("object id %q: out of range", s)
		}
		n[i] = v
	}
	return ObjectID{Space: uint8(n[0]), Type: uint8(n[1]), Instance: n[2]}, nil
}

// GrapheneAsset is a Graphene amount: Amount in the asset's smallest unit and
// the asset's id (1.3.0 is the core asset, PPY on Peerplays). A transaction
// does not carry the asset's precision or symbol; see Format.
type GrapheneAsset struct {
	Amount  int64
	AssetID ObjectID
}

// String returns the raw form, "<units> <asset id>", e.g. "2000000 1.3.0".
func (a GrapheneAsset) String() string {
	return strconv.FormatInt(a.Amount, 10) + " " + a.AssetID.String()
}

// Format shows core-asset amounts with the chain's symbol and precision
// ("20.00000 PPY"); other assets in raw units, since their precision is
// chain state that the transaction does not contain.
func (a GrapheneAsset) Format(c *chain.Chain) string {
	if a.AssetID == NewObjectID(AssetObject, 0) && c.CoreSymbol != "" {
		return string(appendAmount(nil, a.Amount, c.CorePrecision)) + " " + c.CoreSymbol
	}
	return a.String()
}

// ObjectWeight is one entry of a Graphene authority's account_auths.
type ObjectWeight struct {
	Account ObjectID
	Weight  uint16
}

func compareObjectWeight(a, b ObjectWeight) int {
	return compareOrdered(a.Account.Instance, b.Account.Instance)
}

// GrapheneAuthority is a Graphene authority. Graphene also defines
// address_auths (legacy 20-byte addresses); account_update requires them to
// be empty, so they are always serialized empty and rejected on input.
type GrapheneAuthority struct {
	WeightThreshold uint32
	AccountAuths    []ObjectWeight
	KeyAuths        []KeyWeight
}

func (a *GrapheneAuthority) fields(v visitor) {
	v.u32("weight_threshold", &a.WeightThreshold)
	v.objectWeights("account_auths", &a.AccountAuths)
	v.keyWeights("key_auths", &a.KeyAuths)
	v.emptyAddressAuths("address_auths")
}

// check applies Graphene's rules for a new owner or active authority
// (account_update_operation::validate): not empty and not impossible.
func (a *GrapheneAuthority) check(*chain.Chain) error {
	if len(a.AccountAuths)+len(a.KeyAuths) == 0 {
		return invalid("", "authority must list at least one account or key")
	}
	var total uint64
	for _, w := range a.AccountAuths {
		total += uint64(w.Weight)
	}
	for _, w := range a.KeyAuths {
		total += uint64(w.Weight)
	}
	if total < uint64(a.WeightThreshold) {
		return invalid("weight_threshold", "impossible authority: weights sum to less than the threshold")
	}
	return nil
}

// VoteID is a Graphene vote target: the instance in the upper 24 bits, the
// type (0 committee, 1 witness, 2 worker, 3-5 SON) in the lower 8. JSON
// writes it "type:instance".
type VoteID uint32

// Vote types of Peerplays (vote_id_type::vote_type).
const (
	VoteCommittee   = 0
	VoteWitness     = 1
	VoteWorker      = 2
	VoteSONBitcoin  = 3
	VoteSONHive     = 4
	VoteSONEthereum = 5
	voteTypeCount   = 6
)

// NewVoteID builds a vote id; instance must be below 2^24.
func NewVoteID(typ uint8, instance uint32) VoteID { return VoteID(instance<<8 | uint32(typ)) }

// Type returns the vote type.
func (v VoteID) Type() uint8 { return uint8(v) }

// Instance returns the voted object's instance.
func (v VoteID) Instance() uint32 { return uint32(v) >> 8 }

// String returns "type:instance".
func (v VoteID) String() string {
	return strconv.Itoa(int(v.Type())) + ":" + strconv.FormatUint(uint64(v.Instance()), 10)
}

// ParseVoteID reads "type:instance".
func ParseVoteID(s string) (VoteID, error) {
	t, inst, ok := strings.Cut(s, ":")
	if !ok || !allDigits(t) || !allDigits(inst) {
		return 0, fmt.Errorf("vote id %q: want \"type:instance\"", s)
	}
	tv, err1 := strconv.ParseUint(t, 10, 8)
	iv, err2 := strconv.ParseUint(inst, 10, 32)
	if err1 != nil || err2 != nil || tv >= voteTypeCount || iv >= 1<<24 {
		return 0, fmt.Errorf("vote id %q: type must be below %d and instance below 2^24", s, voteTypeCount)
	}
	return NewVoteID(uint8(tv), uint32(iv)), nil
}

// compareVoteID orders vote ids as a Peerplays flat_set<vote_id_type> does.
// vote_id_type defines no operator<, so the comparison goes through its
// implicit conversion to uint32, which yields the instance only: the set is
// ordered by instance and two votes for the same instance are duplicates.
func compareVoteID(a, b VoteID) int { return compareOrdered(a.Instance(), b.Instance()) }

// AccountOptions are the Graphene account settings the active authority may
// change: memo key, voting proxy and votes. Their extensions are always
// empty here.
type AccountOptions struct {
	MemoKey       keys.PublicKey
	VotingAccount ObjectID // 1.2.5 means "vote for myself"
	NumWitness    uint16
	NumCommittee  uint16
	Votes         []VoteID
}

func (o *AccountOptions) fields(v visitor) {
	v.publicKey("memo_key", &o.MemoKey)
	v.objectID("voting_account", &o.VotingAccount, AccountObject)
	v.u16("num_witness", &o.NumWitness, 0xffff)
	v.u16("num_committee", &o.NumCommittee, 0xffff)
	v.voteIDs("votes", &o.Votes)
	v.emptyExtensions("extensions", extOptions)
}

// check is account_options::validate: the desired number of witnesses and
// committee members may not exceed the number voted for.
func (o *AccountOptions) check(*chain.Chain) error {
	var witnesses, committee int
	for _, id := range o.Votes {
		switch id.Type() {
		case VoteWitness:
			witnesses++
		case VoteCommittee:
			committee++
		}
	}
	if int(o.NumWitness) > witnesses {
		return invalid("num_witness", "may not exceed the number of witnesses voted for")
	}
	if int(o.NumCommittee) > committee {
		return invalid("num_committee", "may not exceed the number of committee members voted for")
	}
	return nil
}

// MemoData is an encrypted Graphene transfer memo: the sender's and
// recipient's memo keys, a nonce and the ciphertext.
type MemoData struct {
	From    keys.PublicKey
	To      keys.PublicKey
	Nonce   uint64
	Message []byte
}

func (m *MemoData) fields(v visitor) {
	v.publicKey("from", &m.From)
	v.publicKey("to", &m.To)
	v.u64("nonce", &m.Nonce)
	v.hexBytes("message", &m.Message)
}
