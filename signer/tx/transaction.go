package tx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"localsigner/signer/chain"
	"localsigner/signer/keys"
)

// Limits on what Decode accepts. Nodes reject transactions larger than the
// block size (64 KiB by default) anyway; these bounds keep a hostile input
// from costing much before that.
const (
	// MaxOperations is the most operations a transaction may contain.
	MaxOperations = 1000
	// MaxJSONSize is the largest JSON document Decode reads.
	MaxJSONSize = 4 << 20
)

// Transaction is a Graphene transaction for one chain. The zero Expiration
// and an empty Operations list are invalid; Signatures are carried along but
// are not part of the signed bytes.
type Transaction struct {
	// Chain decides the operation set, the asset symbols, the key prefix and
	// the chain id in the digest. It must not be nil.
	Chain *chain.Chain
	// RefBlockNum and RefBlockPrefix name a recent block (TaPoS), see
	// SetReferenceBlock.
	RefBlockNum    uint16
	RefBlockPrefix uint32
	// Expiration is when the transaction stops being valid; whole seconds,
	// at most an hour ahead of the head block on Hive.
	Expiration time.Time
	// Operations are executed in order, all or nothing.
	Operations []Operation
	// Signatures are compact signatures over Digest. The transaction's
	// extensions are always empty, so there is no field for them.
	Signatures []keys.Signature
}

// TransactionID is the first 20 bytes of sha256 of the serialized
// transaction, as block explorers show it.
type TransactionID [20]byte

// String returns the id as 40 lower-case hex characters.
func (id TransactionID) String() string { return hex.EncodeToString(id[:]) }

// SetReferenceBlock sets RefBlockNum and RefBlockPrefix from a block id
// given as 40 hex characters (the block number is its first 4 bytes, big
// endian; the prefix is bytes 4..7 read little endian).
func (t *Transaction) SetReferenceBlock(blockID string) error {
	var id [20]byte
	if len(blockID) != 2*len(id) {
		return fmt.Errorf("block id %q: want 40 hex characters", blockID)
	}
	if _, err := hex.Decode(id[:], []byte(blockID)); err != nil {
		return fmt.Errorf("block id %q: %w", blockID, err)
	}
	t.RefBlockNum = uint16(id[2])<<8 | uint16(id[3])
	t.RefBlockPrefix = uint32(id[4]) | uint32(id[5])<<8 | uint32(id[6])<<16 | uint32(id[7])<<24
	return nil
}

// encode validates t and appends its binary form, without signatures.
func (t *Transaction) encode(e *encoder) {
	e.u16("ref_block_num", &t.RefBlockNum, 0xffff)
	e.u32("ref_block_prefix", &t.RefBlockPrefix)
	e.timeSec("expiration", &t.Expiration)
	switch n := len(t.Operations); {
	case n == 0:
		e.failf("operations", "a transaction needs at least one operation")
		return
	case n > MaxOperations:
		e.failf("operations", "%d operations, at most %d allowed", n, MaxOperations)
		return
	}
	e.varint(uint64(len(t.Operations)))
	e.path.pushKey("operations")
	for i, op := range t.Operations {
		e.path.pushIndex(i)
		e.operation(op)
		e.path.pop()
		if e.err != nil {
			break
		}
	}
	e.path.pop()
	e.buf = append(e.buf, 0) // extensions
}

// operation writes the static_variant tag and the fields of op, which sits
// at the current path as a [name, body] pair.
func (e *encoder) operation(op Operation) {
	if op == nil {
		e.fail("", errors.New("nil operation"))
		return
	}
	c := op.code()
	if c.family != e.c.Family {
		e.fail("", fmt.Errorf("%w: %s is a %s operation, the chain is %s", ErrWrongFamily, op.Name(), c.family, e.c))
		return
	}
	e.varint(uint64(c.id))
	e.path.pushIndex(1)
	e.fielder(op)
	e.path.pop()
}

// run encodes t into a pooled encoder, after writing prefix.
func (t *Transaction) run(prefix []byte) (*encoder, error) { return t.runPacked(prefix, false) }

// runPacked is run, packing assets as HF26 does when hf26 is set.
func (t *Transaction) runPacked(prefix []byte, hf26 bool) (*encoder, error) {
	if t.Chain == nil {
		return nil, errors.New("transaction has no chain")
	}
	e := getEncoder(t.Chain)
	e.hf26 = hf26
	e.buf = append(e.buf, prefix...)
	t.encode(e)
	if e.err != nil {
		err := e.err
		putEncoder(e)
		return nil, err
	}
	return e, nil
}

// Serialize validates the transaction and returns its binary form without
// signatures: the bytes the digest and the id are computed over.
func (t *Transaction) Serialize() ([]byte, error) {
	e, err := t.run(nil)
	if err != nil {
		return nil, err
	}
	defer putEncoder(e)
	return bytes.Clone(e.buf), nil
}

// Validate checks everything Serialize checks, without keeping the bytes.
func (t *Transaction) Validate() error {
	e, err := t.run(nil)
	if err != nil {
		return err
	}
	putEncoder(e)
	return nil
}

// Digest is what signatures sign: sha256(chain id ‖ serialized transaction).
// Binding the chain id means a signature cannot be replayed on another chain.
func (t *Transaction) Digest() ([32]byte, error) {
	if t.Chain == nil {
		return [32]byte{}, errors.New("transaction has no chain")
	}
	e, err := t.run(t.Chain.ID[:])
	if err != nil {
		return [32]byte{}, err
	}
	defer putEncoder(e)
	return sha256.Sum256(e.buf), nil
}

// ID returns the transaction id: the first 20 bytes of sha256 of the
// serialized transaction (no chain id, no signatures).
func (t *Transaction) ID() (TransactionID, error) {
	e, err := t.run(nil)
	if err != nil {
		return TransactionID{}, err
	}
	defer putEncoder(e)
	sum := sha256.Sum256(e.buf)
	var id TransactionID
	copy(id[:], sum[:])
	return id, nil
}

// SerializeHF26 is Serialize in HF26's packing, which writes each Hive
// asset's number (4 bytes) where the legacy packing writes its precision
// and symbol (8 bytes). Everything else is the same, so a transaction
// without amounts packs alike both ways. Graphene has one packing.
func (t *Transaction) SerializeHF26() ([]byte, error) {
	e, err := t.runPacked(nil, t.hive())
	if err != nil {
		return nil, err
	}
	defer putEncoder(e)
	return bytes.Clone(e.buf), nil
}

// DigestHF26 is Digest over the HF26 packing. hived since HF26 accepts
// signatures over either packing: it checks the authorities with this one
// first and falls back to the legacy one (chain_plugin's
// determine_encoding_and_accept_transaction). Libraries built on hived's
// own code (wax) sign this digest; dhive and hive-tx sign the legacy one,
// as Localsigner does.
func (t *Transaction) DigestHF26() ([32]byte, error) {
	if t.Chain == nil {
		return [32]byte{}, errors.New("transaction has no chain")
	}
	e, err := t.runPacked(t.Chain.ID[:], t.hive())
	if err != nil {
		return [32]byte{}, err
	}
	defer putEncoder(e)
	return sha256.Sum256(e.buf), nil
}

// IDHF26 is the transaction's id in the HF26 packing: the id a node
// reports for a transaction whose signatures are over DigestHF26.
func (t *Transaction) IDHF26() (TransactionID, error) {
	e, err := t.runPacked(nil, t.hive())
	if err != nil {
		return TransactionID{}, err
	}
	defer putEncoder(e)
	sum := sha256.Sum256(e.buf)
	var id TransactionID
	copy(id[:], sum[:])
	return id, nil
}

func (t *Transaction) hive() bool { return t.Chain != nil && t.Chain.Family == chain.Hive }

// RequiredAuthorities merges the requirements of all operations, keeping the
// first occurrence of each (account, role) pair in operation order.
func (t *Transaction) RequiredAuthorities() []Requirement {
	var out []Requirement
	seen := make(map[Requirement]bool)
	for _, op := range t.Operations {
		if op == nil {
			continue
		}
		for _, r := range op.RequiredAuthorities() {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}
