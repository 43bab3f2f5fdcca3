package tx

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

// encoder is the visitor that validates every field and appends the binary
// (fc::raw) form to one growing buffer. It stops at the first error, which
// carries the JSON path of the field.
type encoder struct {
	c    *chain.Chain
	buf  []byte
	path path
	err  error
	// hf26 packs Hive assets as HF26 does (an asset number in place of
	// the precision and symbol bytes); see Transaction.DigestHF26.
	hf26 bool
}

var encoderPool = sync.Pool{New: func() any {
	return &encoder{buf: make([]byte, 0, 512), path: path{segs: make([]segment, 0, 8)}}
}}

func getEncoder(c *chain.Chain) *encoder {
	e := encoderPool.Get().(*encoder)
	e.c = c
	return e
}

// putEncoder recycles e; very large buffers are dropped so one huge
// transaction does not pin memory forever.
func putEncoder(e *encoder) {
	if cap(e.buf) > 1<<20 {
		e.buf = make([]byte, 0, 512)
	}
	e.buf = e.buf[:0]
	e.path.reset()
	e.c, e.err, e.hf26 = nil, nil, false
	encoderPool.Put(e)
}

func (e *encoder) fail(field string, err error) {
	if e.err == nil {
		e.err = e.path.errorAt(field, err)
	}
}

func (e *encoder) failf(field, format string, args ...any) {
	if e.err == nil {
		e.fail(field, fmt.Errorf(format, args...))
	}
}

func (e *encoder) varint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }

func (e *encoder) rawString(s string) {
	e.varint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) account(name string, p *string) {
	if e.err != nil {
		return
	}
	if err := ValidateAccountName(*p); err != nil {
		e.fail(name, err)
		return
	}
	e.rawString(*p)
}

func (e *encoder) accountOrEmpty(name string, p *string) {
	if e.err != nil {
		return
	}
	if *p == "" {
		e.buf = append(e.buf, 0)
		return
	}
	e.account(name, p)
}

// text limits, from hived's config.hpp and validate() methods.
const (
	maxPermlink  = 255  // HIVE_MAX_PERMLINK_LENGTH - 1
	maxTitle     = 255  // HIVE_COMMENT_TITLE_LIMIT - 1
	maxMemo      = 2047 // HIVE_MAX_MEMO_SIZE - 1
	maxCustomID  = 32   // HIVE_CUSTOM_OP_ID_MAX_LENGTH
	maxURL       = 2048 // HIVE_MAX_WITNESS_URL_LENGTH
	maxSubject   = 80   // HIVE_PROPOSAL_SUBJECT_MAX_LENGTH
	maxProposals = 5    // HIVE_PROPOSAL_MAX_IDS_NUMBER
	maxBenefits  = 127  // HIVE_BENEFICIARY_LIMIT - 1
)

func (e *encoder) text(name string, p *string, k textKind) {
	if e.err != nil {
		return
	}
	s := *p
	if !utf8.ValidString(s) {
		e.fail(name, errors.New("not valid UTF-8"))
		return
	}
	var limit int
	switch k {
	case textPermlink, textPermlinkNonEmpty, textTitle:
		limit = maxPermlink
	case textMemo:
		limit = maxMemo
	case textCustomID:
		limit = maxCustomID
	case textURL:
		limit = maxURL
	case textSubject:
		limit = maxSubject
	}
	switch {
	case limit > 0 && len(s) > limit:
		e.failf(name, "%d bytes, at most %d allowed", len(s), limit)
	case s == "" && (k == textBody || k == textURL || k == textSubject || k == textPermlinkNonEmpty):
		e.failf(name, "must not be empty")
	case k == textJSON || (k == textJSONOrEmpty && s != ""):
		if !json.Valid([]byte(s)) {
			e.failf(name, "not valid JSON")
		}
	}
	if e.err == nil {
		e.rawString(s)
	}
}

func (e *encoder) hexBytes(name string, p *[]byte) {
	if e.err != nil {
		return
	}
	e.varint(uint64(len(*p)))
	e.buf = append(e.buf, *p...)
}

func (e *encoder) boolean(name string, p *bool) {
	if *p {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

func (e *encoder) u16(name string, p *uint16, max uint16) {
	if *p > max {
		e.failf(name, "%d is more than %d", *p, max)
	}
	e.buf = binary.LittleEndian.AppendUint16(e.buf, *p)
}

func (e *encoder) i16(name string, p *int16, min, max int16) {
	if *p < min || *p > max {
		e.failf(name, "%d is outside %d..%d", *p, min, max)
	}
	e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(*p))
}

func (e *encoder) u32(name string, p *uint32) {
	e.buf = binary.LittleEndian.AppendUint32(e.buf, *p)
}

func (e *encoder) u64(name string, p *uint64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, *p)
}

func (e *encoder) nonNegativeI64(name string, p *int64) {
	if *p < 0 {
		e.failf(name, "must not be negative")
	}
	e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(*p))
}

// timeSec writes a time_point_sec: whole seconds since 1970 in a uint32.
func (e *encoder) timeSec(name string, p *time.Time) {
	secs, err := timeToSec(*p)
	if err != nil {
		e.fail(name, err)
	}
	e.buf = binary.LittleEndian.AppendUint32(e.buf, secs)
}

func timeToSec(t time.Time) (uint32, error) {
	if t.Nanosecond() != 0 {
		return 0, fmt.Errorf("%s: must be whole seconds", t.UTC().Format(time.RFC3339Nano))
	}
	u := t.Unix()
	if u < 0 || u > math.MaxUint32 {
		return 0, fmt.Errorf("%s: outside 1970-01-01..2106-02-07", t.UTC().Format(time.RFC3339))
	}
	return uint32(u), nil
}

// asset writes Hive's legacy packing: int64 amount, precision, 7-byte
// symbol; or, packing as HF26, the int64 amount and a uint32 asset number.
func (e *encoder) asset(name string, p *Asset, r assetRule) {
	if e.err != nil {
		return
	}
	if e.c.Family != chain.Hive {
		e.failf(name, "Hive asset on a %s chain", e.c.Family)
		return
	}
	sym, err := checkAsset(e.c, *p, r)
	if err != nil {
		e.fail(name, err)
		return
	}
	e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(p.Amount))
	if e.hf26 {
		num, err := assetNum(sym)
		if err != nil {
			e.fail(name, err)
			return
		}
		e.buf = binary.LittleEndian.AppendUint32(e.buf, num)
		return
	}
	e.buf = append(e.buf, sym.Precision)
	var wire [7]byte
	copy(wire[:], sym.Wire)
	e.buf = append(e.buf, wire[:]...)
}

func (e *encoder) publicKey(name string, p *keys.PublicKey) {
	e.buf = append(e.buf, p[:]...)
}

func (e *encoder) optional(name string, present bool) bool {
	if present {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
	return present
}

func (e *encoder) object(name string, f fielder) {
	if e.err != nil {
		return
	}
	e.path.pushKey(name)
	e.fielder(f)
	e.path.pop()
}

// fielder encodes a structure and then runs its cross-field check.
func (e *encoder) fielder(f fielder) {
	f.fields(e)
	if ch, ok := f.(checker); ok && e.err == nil {
		if err := ch.check(e.c); err != nil {
			var ce *checkError
			if errors.As(err, &ce) {
				e.fail(ce.field, ce.err)
			} else {
				e.fail("", err)
			}
		}
	}
}

// writeSet writes a flat_set or flat_map: items sorted and de-duplicated
// as the node does, the count, then each item by write, with errors placed
// at name[i].
func writeSet[T comparable](e *encoder, name string, items []T, compare func(a, b T) int, write func(*T)) {
	if e.err != nil {
		return
	}
	set, err := sortedSet(items, compare)
	if err != nil {
		e.fail(name, err)
		return
	}
	e.varint(uint64(len(set)))
	e.path.pushKey(name)
	for i := range set {
		e.path.pushIndex(i)
		write(&set[i])
		e.path.pop()
	}
	e.path.pop()
}

func (e *encoder) accountSet(name string, p *[]string) {
	writeSet(e, name, *p, compareOrdered[string], func(a *string) { e.account("", a) })
}

func (e *encoder) accountWeights(name string, p *[]AccountWeight) {
	writeSet(e, name, *p, compareAccountWeight, func(aw *AccountWeight) {
		e.path.pushIndex(0)
		e.account("", &aw.Account)
		e.path.pop()
		e.buf = binary.LittleEndian.AppendUint16(e.buf, aw.Weight)
	})
}

func (e *encoder) keyWeights(name string, p *[]KeyWeight) {
	if e.err != nil {
		return
	}
	set, err := sortedSet(*p, compareKeyWeight)
	if err != nil {
		e.fail(name, err)
		return
	}
	e.varint(uint64(len(set)))
	for _, kw := range set {
		e.buf = append(e.buf, kw.Key[:]...)
		e.buf = binary.LittleEndian.AppendUint16(e.buf, kw.Weight)
	}
}

// proposalIDs writes a flat_set_ex<int64>: hived demands strictly ascending
// ids rather than sorting them.
func (e *encoder) proposalIDs(name string, p *[]int64) {
	if e.err != nil {
		return
	}
	ids := *p
	switch {
	case len(ids) == 0:
		e.failf(name, "at least one proposal id is required")
	case len(ids) > maxProposals:
		e.failf(name, "%d proposal ids, at most %d allowed", len(ids), maxProposals)
	}
	for i, id := range ids {
		if id < 0 {
			e.failf(name, "proposal id %d is negative", id)
		}
		if i > 0 && ids[i-1] >= id {
			e.failf(name, "proposal ids must be strictly ascending")
		}
	}
	e.varint(uint64(len(ids)))
	for _, id := range ids {
		e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(id))
	}
}

func (e *encoder) emptyExtensions(name string, form extForm) {
	e.buf = append(e.buf, 0)
}

// beneficiaries writes comment_options extensions: empty, or one
// comment_payout_beneficiaries (tag 0) whose routes must be strictly
// ascending by account and sum to at most 100%.
func (e *encoder) beneficiaries(name string, p *[]BeneficiaryRoute) {
	if e.err != nil {
		return
	}
	routes := *p
	if len(routes) == 0 {
		e.buf = append(e.buf, 0)
		return
	}
	if len(routes) > maxBenefits {
		e.failf(name, "%d beneficiaries, at most %d allowed", len(routes), maxBenefits)
		return
	}
	e.buf = append(e.buf, 1, 0) // one extension, tag 0
	e.varint(uint64(len(routes)))
	e.path.pushKey(name)
	e.path.pushIndex(0)
	e.path.pushIndex(1)
	e.path.pushKey("beneficiaries")
	sum := 0
	for i := range routes {
		e.path.pushIndex(i)
		e.fielder(&routes[i])
		e.path.pop()
		if i > 0 && routes[i-1].Account >= routes[i].Account {
			e.failf("", "beneficiaries must be sorted by account name, strictly ascending (%q before %q)",
				routes[i-1].Account, routes[i].Account)
		}
		sum += int(routes[i].Weight)
	}
	if sum > hive100Percent {
		e.failf("", "beneficiary weights sum to %d, more than %d", sum, hive100Percent)
	}
	e.path.pop()
	e.path.pop()
	e.path.pop()
	e.path.pop()
}

func (e *encoder) proposalEndDate(name string, p **time.Time) {
	if *p == nil {
		e.buf = append(e.buf, 0)
		return
	}
	e.buf = append(e.buf, 1, 1) // one extension, tag 1: update_proposal_end_date
	e.path.pushKey(name)
	e.path.pushIndex(0)
	e.path.pushIndex(1)
	e.timeSec("end_date", *p)
	e.path.pop()
	e.path.pop()
	e.path.pop()
}

func (e *encoder) recurrentPairID(name string, p **uint8) {
	if *p == nil {
		e.buf = append(e.buf, 0)
		return
	}
	e.buf = append(e.buf, 1, 1, **p) // one extension, tag 1: recurrent_transfer_pair_id
}

func (e *encoder) objectID(name string, p *ObjectID, want ObjectType) {
	if e.err != nil {
		return
	}
	if !p.Is(want) {
		e.failf(name, "%s is not a%s id (%d.%d.N)", p, article(want.name), want.Space, want.Type)
		return
	}
	if p.Instance > maxInstance {
		e.failf(name, "%s: instance out of range", p)
		return
	}
	e.varint(p.Instance)
}

func article(noun string) string {
	if noun != "" && (noun[0] == 'a' || noun[0] == 'e' || noun[0] == 'i' || noun[0] == 'o' || noun[0] == 'u') {
		return "n " + noun
	}
	return " " + noun
}

func (e *encoder) grapheneAsset(name string, p *GrapheneAsset, positive bool) {
	if e.err != nil {
		return
	}
	if e.c.Family != chain.Graphene {
		e.failf(name, "Graphene asset on a %s chain", e.c.Family)
		return
	}
	switch {
	case p.Amount < 0:
		e.failf(name, "%s: amount must not be negative", p)
		return
	case positive && p.Amount == 0:
		e.failf(name, "%s: amount must be greater than zero", p)
		return
	}
	e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(p.Amount))
	e.path.pushKey(name)
	e.objectID("asset_id", &p.AssetID, AssetObject)
	e.path.pop()
}

func (e *encoder) objectWeights(name string, p *[]ObjectWeight) {
	writeSet(e, name, *p, compareObjectWeight, func(ow *ObjectWeight) {
		e.objectID("", &ow.Account, AccountObject)
		e.buf = binary.LittleEndian.AppendUint16(e.buf, ow.Weight)
	})
}

func (e *encoder) emptyAddressAuths(name string) { e.buf = append(e.buf, 0) }

func (e *encoder) voteIDs(name string, p *[]VoteID) {
	if e.err != nil {
		return
	}
	set, err := sortedSet(*p, compareVoteID)
	if err != nil {
		e.fail(name, err)
		return
	}
	e.varint(uint64(len(set)))
	for _, id := range set {
		if id.Type() >= voteTypeCount {
			e.failf(name, "vote id %s: unknown vote type", id)
		}
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(id))
	}
}

// assetNum is hived's asset_symbol_type::asset_num for a Hive asset
// (asset_symbol.hpp): the NAI without its check digit, offset by
// SMT_MAX_NAI, shifted past the control bit and four precision bits.
// HIVE is 3200000035, HBD 3200000003, VESTS 3200000070, on testnets too.
func assetNum(sym chain.Symbol) (uint32, error) {
	digits := strings.TrimPrefix(sym.NAI, "@@")
	n, err := strconv.ParseUint(digits, 10, 32)
	if err != nil || len(digits) != 9 {
		return 0, fmt.Errorf("%s has no numeric asset identifier", sym.Name)
	}
	const smtMaxNAI, naiShift = 99999999, 5
	return uint32((smtMaxNAI+n/10)<<naiShift) | uint32(sym.Precision), nil
}
