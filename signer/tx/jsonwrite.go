package tx

import (
	"encoding/hex"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

// MarshalJSON writes the transaction in the chain's legacy API form, which
// Decode reads back to the same transaction: Hive operations as
// ["name", {…}] with "1.000 HIVE" assets, Peerplays operations as [id, {…}]
// with {"amount", "asset_id"} assets, times as "YYYY-MM-DDTHH:MM:SS",
// signatures as hex. Sets are written sorted, as signed. The transaction is
// validated first, so invalid transactions produce an error, not JSON.
func (t *Transaction) MarshalJSON() ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	w := &jsonWriter{c: t.Chain}
	w.buf = append(w.buf, '{')
	w.key("ref_block_num")
	w.uint(uint64(t.RefBlockNum))
	w.key("ref_block_prefix")
	w.uint(uint64(t.RefBlockPrefix))
	w.timeSec("expiration", &t.Expiration)
	w.key("operations")
	w.buf = append(w.buf, '[')
	for _, op := range t.Operations {
		w.comma()
		w.operation(op)
	}
	w.buf = append(w.buf, ']')
	w.key("extensions")
	w.buf = append(w.buf, "[]"...)
	w.key("signatures")
	w.buf = append(w.buf, '[')
	for _, s := range t.Signatures {
		w.comma()
		w.string(s.String())
	}
	w.buf = append(w.buf, "]}"...)
	return w.buf, nil
}

// MarshalOperationJSON writes one operation in the chain's legacy API form,
// as it appears in a transaction's "operations" list. It validates first.
func MarshalOperationJSON(c *chain.Chain, op Operation) ([]byte, error) {
	if c == nil {
		return nil, errors.New("tx: nil chain")
	}
	e := getEncoder(c)
	e.path.pushKey("operation")
	e.operation(op)
	err := e.err
	putEncoder(e)
	if err != nil {
		return nil, err
	}
	w := &jsonWriter{c: c}
	w.operation(op)
	return w.buf, nil
}

// jsonWriter is the visitor that prints fields. It assumes the encoder has
// validated them (all strings are valid UTF-8, all sets are consistent).
type jsonWriter struct {
	c   *chain.Chain
	buf []byte
}

// comma separates values: needed unless the container was just opened.
func (w *jsonWriter) comma() {
	if n := len(w.buf); n > 0 && w.buf[n-1] != '{' && w.buf[n-1] != '[' {
		w.buf = append(w.buf, ',')
	}
}

func (w *jsonWriter) key(name string) {
	w.comma()
	w.string(name)
	w.buf = append(w.buf, ':')
}

func (w *jsonWriter) string(s string) { w.buf = appendJSONString(w.buf, s) }

// uint writes an unsigned value; above 2^32-1 it is quoted, as fc does so
// JavaScript clients do not lose precision.
func (w *jsonWriter) uint(n uint64) {
	if n > 0xffffffff {
		w.buf = append(w.buf, '"')
		w.buf = strconv.AppendUint(w.buf, n, 10)
		w.buf = append(w.buf, '"')
		return
	}
	w.buf = strconv.AppendUint(w.buf, n, 10)
}

func (w *jsonWriter) int(n int64) {
	if n >= 0 {
		w.uint(uint64(n))
		return
	}
	w.buf = strconv.AppendInt(w.buf, n, 10)
}

func (w *jsonWriter) operation(op Operation) {
	w.buf = append(w.buf, '[')
	if w.c.Family == chain.Graphene {
		w.uint(uint64(op.code().id))
	} else {
		w.string(op.Name())
	}
	w.buf = append(w.buf, ',')
	w.fields(op)
	w.buf = append(w.buf, ']')
}

func (w *jsonWriter) fields(f fielder) {
	w.buf = append(w.buf, '{')
	f.fields(w)
	w.buf = append(w.buf, '}')
}

func (w *jsonWriter) account(name string, p *string)        { w.key(name); w.string(*p) }
func (w *jsonWriter) accountOrEmpty(name string, p *string) { w.key(name); w.string(*p) }
func (w *jsonWriter) text(name string, p *string, _ textKind) {
	w.key(name)
	w.string(*p)
}

func (w *jsonWriter) hexBytes(name string, p *[]byte) {
	w.key(name)
	w.string(hex.EncodeToString(*p))
}

func (w *jsonWriter) boolean(name string, p *bool) {
	w.key(name)
	w.buf = strconv.AppendBool(w.buf, *p)
}

func (w *jsonWriter) u16(name string, p *uint16, _ uint16)  { w.key(name); w.uint(uint64(*p)) }
func (w *jsonWriter) i16(name string, p *int16, _, _ int16) { w.key(name); w.int(int64(*p)) }
func (w *jsonWriter) u32(name string, p *uint32)            { w.key(name); w.uint(uint64(*p)) }
func (w *jsonWriter) u64(name string, p *uint64)            { w.key(name); w.uint(*p) }
func (w *jsonWriter) nonNegativeI64(name string, p *int64)  { w.key(name); w.int(*p) }

func (w *jsonWriter) timeSec(name string, p *time.Time) {
	w.key(name)
	w.string(p.UTC().Format(timeLayout))
}

func (w *jsonWriter) assetValue(a Asset) {
	sym, _ := w.c.SymbolByName(a.Symbol) // validated: the alias maps to the JSON name
	w.buf = append(w.buf, '"')
	w.buf = appendAmount(w.buf, a.Amount, a.Precision)
	w.buf = append(w.buf, ' ')
	w.buf = append(w.buf, sym.Name...)
	w.buf = append(w.buf, '"')
}

func (w *jsonWriter) asset(name string, p *Asset, _ assetRule) {
	w.key(name)
	w.assetValue(*p)
}

func (w *jsonWriter) publicKey(name string, p *keys.PublicKey) {
	w.key(name)
	w.string(formatKey(w.c, *p))
}

func (w *jsonWriter) optional(_ string, present bool) bool { return present }

func (w *jsonWriter) object(name string, f fielder) {
	w.key(name)
	w.fields(f)
}

func (w *jsonWriter) accountSet(name string, p *[]string) {
	set, _ := sortedSet(*p, compareOrdered[string])
	w.key(name)
	w.buf = append(w.buf, '[')
	for _, s := range set {
		w.comma()
		w.string(s)
	}
	w.buf = append(w.buf, ']')
}

func (w *jsonWriter) accountWeights(name string, p *[]AccountWeight) {
	set, _ := sortedSet(*p, compareAccountWeight)
	w.key(name)
	w.buf = append(w.buf, '[')
	for _, aw := range set {
		w.comma()
		w.buf = append(w.buf, '[')
		w.string(aw.Account)
		w.buf = append(w.buf, ',')
		w.uint(uint64(aw.Weight))
		w.buf = append(w.buf, ']')
	}
	w.buf = append(w.buf, ']')
}

func (w *jsonWriter) keyWeights(name string, p *[]KeyWeight) {
	set, _ := sortedSet(*p, compareKeyWeight)
	w.key(name)
	w.buf = append(w.buf, '[')
	for _, kw := range set {
		w.comma()
		w.buf = append(w.buf, '[')
		w.string(formatKey(w.c, kw.Key))
		w.buf = append(w.buf, ',')
		w.uint(uint64(kw.Weight))
		w.buf = append(w.buf, ']')
	}
	w.buf = append(w.buf, ']')
}

func (w *jsonWriter) proposalIDs(name string, p *[]int64) {
	w.key(name)
	w.buf = append(w.buf, '[')
	for _, id := range *p {
		w.comma()
		w.int(id)
	}
	w.buf = append(w.buf, ']')
}

func (w *jsonWriter) emptyExtensions(name string, form extForm) {
	w.key(name)
	if form == extObject {
		w.buf = append(w.buf, "{}"...)
	} else {
		w.buf = append(w.buf, "[]"...)
	}
}

func (w *jsonWriter) beneficiaries(name string, p *[]BeneficiaryRoute) {
	w.key(name)
	if len(*p) == 0 {
		w.buf = append(w.buf, "[]"...)
		return
	}
	w.buf = append(w.buf, `[[0,{"beneficiaries":[`...)
	for i := range *p {
		w.comma()
		w.fields(&(*p)[i])
	}
	w.buf = append(w.buf, "]}]]"...)
}

func (w *jsonWriter) proposalEndDate(name string, p **time.Time) {
	w.key(name)
	if *p == nil {
		w.buf = append(w.buf, "[]"...)
		return
	}
	w.buf = append(w.buf, `[[1,{`...)
	w.timeSec("end_date", *p)
	w.buf = append(w.buf, "}]]"...)
}

func (w *jsonWriter) recurrentPairID(name string, p **uint8) {
	w.key(name)
	if *p == nil {
		w.buf = append(w.buf, "[]"...)
		return
	}
	w.buf = append(w.buf, `[{"type":"recurrent_transfer_pair_id","value":{"pair_id":`...)
	w.uint(uint64(**p))
	w.buf = append(w.buf, "}}]"...)
}

func (w *jsonWriter) objectID(name string, p *ObjectID, _ ObjectType) {
	w.key(name)
	w.string(p.String())
}

func (w *jsonWriter) grapheneAsset(name string, p *GrapheneAsset, _ bool) {
	w.key(name)
	w.buf = append(w.buf, `{"amount":`...)
	w.int(p.Amount)
	w.buf = append(w.buf, `,"asset_id":`...)
	w.string(p.AssetID.String())
	w.buf = append(w.buf, '}')
}

func (w *jsonWriter) objectWeights(name string, p *[]ObjectWeight) {
	set, _ := sortedSet(*p, compareObjectWeight)
	w.key(name)
	w.buf = append(w.buf, '[')
	for _, ow := range set {
		w.comma()
		w.buf = append(w.buf, '[')
		w.string(ow.Account.String())
		w.buf = append(w.buf, ',')
		w.uint(uint64(ow.Weight))
		w.buf = append(w.buf, ']')
	}
	w.buf = append(w.buf, ']')
}

func (w *jsonWriter) emptyAddressAuths(name string) {
	w.key(name)
	w.buf = append(w.buf, "[]"...)
}

func (w *jsonWriter) voteIDs(name string, p *[]VoteID) {
	set, _ := sortedSet(*p, compareVoteID)
	w.key(name)
	w.buf = append(w.buf, '[')
	for _, id := range set {
		w.comma()
		w.string(id.String())
	}
	w.buf = append(w.buf, ']')
}

// appendJSONString quotes s, escaping what JSON requires. s is valid UTF-8
// (the encoder checked), so other characters are copied as they are.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			_, size := utf8.DecodeRuneInString(s[i:])
			b = append(b, s[i:i+size]...)
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}
