package tx

import (
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

// Every operation and nested structure lists its members once, in wire
// order, in a fields method that calls a visitor. Three visitors walk that
// list: the decoder fills the fields from JSON, the encoder validates them
// and writes the binary form, the JSON writer prints them. One list per type
// means the JSON and binary orders cannot drift apart.

// fielder is implemented by every operation and nested structure.
type fielder interface {
	fields(v visitor)
}

// checker is implemented by types with rules spanning several fields. The
// encoder calls check after the fields themselves passed validation.
type checker interface {
	check(c *chain.Chain) error
}

// textKind selects the validation rule of a string field.
type textKind uint8

const (
	textAny              textKind = iota // any valid UTF-8
	textPermlink                         // at most 255 bytes
	textPermlinkNonEmpty                 // 1 to 255 bytes
	textTitle                            // at most 255 bytes
	textBody                             // not empty
	textMemo                             // at most 2047 bytes
	textJSON                             // valid JSON
	textJSONOrEmpty                      // valid JSON or empty
	textCustomID                         // at most 32 bytes
	textURL                              // 1 to 2048 bytes
	textSubject                          // 1 to 80 bytes
)

// extForm selects the JSON form of an always-empty extensions field.
type extForm uint8

const (
	extSet     extForm = iota // extensions_type: JSON []
	extOptions                // Peerplays account_options.extensions: [] or {} on input, [] on output
	extObject                 // Graphene extension<T>: {} (also [] or null on input)
)

// kindMask is a set of chain.SymbolKind values allowed in an asset field.
type kindMask uint8

const (
	anyKind    kindMask = 1<<chain.Liquid | 1<<chain.Debt | 1<<chain.Vesting
	liquidOnly kindMask = 1 << chain.Liquid
	debtOnly   kindMask = 1 << chain.Debt
	vestsOnly  kindMask = 1 << chain.Vesting
	market     kindMask = 1<<chain.Liquid | 1<<chain.Debt
)

// assetRule restricts a Hive asset field the way hived's validate() does.
type assetRule struct {
	kinds    kindMask
	positive bool // amount must be > 0 (otherwise >= 0)
}

// visitor is implemented by decoder, encoder and jsonWriter. Each method
// handles one member called name; p points at the Go field.
type visitor interface {
	account(name string, p *string)
	accountOrEmpty(name string, p *string)
	text(name string, p *string, k textKind)
	hexBytes(name string, p *[]byte)
	boolean(name string, p *bool)
	u16(name string, p *uint16, max uint16)
	i16(name string, p *int16, min, max int16)
	u32(name string, p *uint32)
	u64(name string, p *uint64)
	nonNegativeI64(name string, p *int64)
	timeSec(name string, p *time.Time)
	asset(name string, p *Asset, r assetRule)
	publicKey(name string, p *keys.PublicKey)

	// optional reports whether an optional member is present: from the JSON
	// when decoding, from present otherwise. The encoder writes the 00/01
	// flag. The member itself is then visited only if present.
	optional(name string, present bool) bool
	object(name string, f fielder)

	accountSet(name string, p *[]string)
	accountWeights(name string, p *[]AccountWeight)
	keyWeights(name string, p *[]KeyWeight)
	proposalIDs(name string, p *[]int64)
	emptyExtensions(name string, form extForm)
	beneficiaries(name string, p *[]BeneficiaryRoute)
	proposalEndDate(name string, p **time.Time)
	recurrentPairID(name string, p **uint8)

	objectID(name string, p *ObjectID, want ObjectType)
	grapheneAsset(name string, p *GrapheneAsset, positive bool)
	objectWeights(name string, p *[]ObjectWeight)
	emptyAddressAuths(name string)
	voteIDs(name string, p *[]VoteID)
}

// optionalObject visits an optional nested structure held by pointer.
func optionalObject[T any, PT interface {
	*T
	fielder
}](v visitor, name string, p **T) {
	if !v.optional(name, *p != nil) {
		if *p != nil { // only the decoder gets here; the others never write
			*p = nil
		}
		return
	}
	if *p == nil {
		*p = new(T)
	}
	v.object(name, PT(*p))
}

// optionalKey visits an optional public key held by pointer.
func optionalKey(v visitor, name string, p **keys.PublicKey) {
	if !v.optional(name, *p != nil) {
		if *p != nil { // only the decoder gets here; the others never write
			*p = nil
		}
		return
	}
	if *p == nil {
		*p = new(keys.PublicKey)
	}
	v.publicKey(name, *p)
}
