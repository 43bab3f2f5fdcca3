package store

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"localsigner/authz"
)

// Sealed records. Clients, grants (with their don't-ask-again entries and
// allowances) and tokens are what lets a dapp act; each such value is
// stored as
//
//	"LS" 0x01 | HMAC-SHA256(key, "localsigner/store/v1" 0 | bucket 0 | uvarint len(k) | k | json) [32] | json
//
// under a key the vault holds (signer.Vault.StoreKey). The MAC binds the
// record to its bucket and key, so a valid record copied under another id
// or token digest fails too. Whoever can write the file but does not know
// the passphrase cannot add or widen a standing permission: a record that
// fails the check is never used (readers see it as absent) and is reported
// (OpenRecords, OnRejected). Until OpenRecords has the key, reads and
// writes of these buckets return authz.ErrSealed. The audit log, the token
// index and the meta bucket are not sealed: they grant nothing.
var (
	sealMagic     = []byte{'L', 'S', 1}
	sealedBuckets = [][]byte{bucketClients, bucketGrants, bucketTokens}
	sealCheckName = []byte("seal_check")
)

const (
	sealDomain = "localsigner/store/v1"
	tagLen     = sha256.Size
	// maxRejected bounds the rejected records kept for Rejected.
	maxRejected = 1000
)

// sealer authenticates record values under one key. macs pools HMAC
// states: listing ten thousand records should not set up ten thousand.
type sealer struct {
	key  []byte
	macs sync.Pool
}

func newSealer(key []byte) *sealer {
	s := &sealer{key: bytes.Clone(key)}
	s.macs.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

func (s *sealer) tag(bucket, key, value []byte) []byte {
	m := s.macs.Get().(hash.Hash)
	defer s.macs.Put(m)
	m.Reset()
	m.Write([]byte(sealDomain))
	m.Write([]byte{0})
	m.Write(bucket)
	m.Write([]byte{0})
	m.Write(binary.AppendUvarint(nil, uint64(len(key))))
	m.Write(key)
	m.Write(value)
	return m.Sum(nil)
}

func (s *sealer) seal(bucket, key, value []byte) []byte {
	out := make([]byte, 0, len(sealMagic)+tagLen+len(value))
	out = append(out, sealMagic...)
	out = append(out, s.tag(bucket, key, value)...)
	return append(out, value...)
}

// errNotSealed and errBadTag say why a stored value was refused.
var (
	errNotSealed = errors.New("not sealed (written without the vault's key)")
	errBadTag    = errors.New("fails its check (changed or written without the vault's key)")
)

// open returns the JSON inside a sealed value.
func (s *sealer) open(bucket, key, stored []byte) ([]byte, error) {
	if !bytes.HasPrefix(stored, sealMagic) || len(stored) < len(sealMagic)+tagLen {
		return nil, errNotSealed
	}
	tag, value := stored[len(sealMagic):len(sealMagic)+tagLen], stored[len(sealMagic)+tagLen:]
	if !hmac.Equal(tag, s.tag(bucket, key, value)) {
		return nil, errBadTag
	}
	return value, nil
}

// check is the value stored as meta/seal_check: it tells, at the next
// OpenRecords, whether the store was sealed before and under which key.
func (s *sealer) check() []byte { return s.tag(bucketMeta, sealCheckName, nil) }

// RejectedRecord is a stored permission record that failed its check and
// is ignored.
type RejectedRecord struct {
	// Kind is "client", "grant" or "token".
	Kind string `json:"kind"`
	// ID is the client or grant id, or a token digest's first 8 bytes in
	// hex (never enough to use it).
	ID string `json:"id"`
	// Why says what was wrong.
	Why string `json:"why"`
}

// SealReport is what OpenRecords found.
type SealReport struct {
	// Adopted counts records written before sealing existed that were
	// sealed now, on the vault's first store key.
	Adopted int
	// Rejected are the records that failed their check; they stay in the
	// file, unused, until overwritten or removed with their grant.
	Rejected []RejectedRecord
	// OtherKey says the store was sealed under another vault's key (a store
	// or vault restored from different backups): none of its records could
	// be used.
	OtherKey bool
}

// rejections is the DB's record of rejected records, for Rejected.
type rejections struct {
	mu     sync.Mutex
	seen   map[RejectedRecord]bool
	list   []RejectedRecord
	notify func(RejectedRecord)
}

func (r *rejections) add(rec RejectedRecord) {
	r.mu.Lock()
	if r.seen[rec] || len(r.list) >= maxRejected {
		r.mu.Unlock()
		return
	}
	if r.seen == nil {
		r.seen = map[RejectedRecord]bool{}
	}
	r.seen[rec] = true
	r.list = append(r.list, rec)
	fn := r.notify
	r.mu.Unlock()
	if fn != nil {
		fn(rec)
	}
}

func kindOf(bucket []byte) string {
	switch {
	case bytes.Equal(bucket, bucketClients):
		return "client"
	case bytes.Equal(bucket, bucketGrants):
		return "grant"
	default:
		return "token"
	}
}

func recordID(bucket, key []byte) string {
	if bytes.Equal(bucket, bucketTokens) {
		return hex.EncodeToString(key[:min(len(key), 8)])
	}
	return string(key)
}

// Sealed reports whether the permission records are still closed: no
// OpenRecords yet.
func (d *DB) Sealed() bool { return d.seal.Load() == nil }

// OnRejected sets fn to be told of each record that fails its check from
// now on, at OpenRecords or later (once per record). fn runs inside a
// store transaction: it must not call the store.
func (d *DB) OnRejected(fn func(RejectedRecord)) {
	d.rejected.mu.Lock()
	d.rejected.notify = fn
	d.rejected.mu.Unlock()
}

// Rejected lists the records that failed their check since Open, up to a
// thousand.
func (d *DB) Rejected() []RejectedRecord {
	d.rejected.mu.Lock()
	defer d.rejected.mu.Unlock()
	return slices.Clone(d.rejected.list)
}

// OpenRecords makes the permission records usable under key (32 bytes from
// signer.Vault.StoreKey) and checks every one of them. fresh says the
// vault's key was just created in an intact vault: records stored before
// sealing existed (an older Localsigner's) are adopted, sealed under key,
// once — but only if this store was never sealed. Otherwise an unsealed
// record is one someone wrote into the file, and is rejected. Calling it
// again when open does nothing.
func (d *DB) OpenRecords(key []byte, fresh bool) (SealReport, error) {
	var rep SealReport
	if len(key) != 32 {
		return rep, fmt.Errorf("store key: %d bytes, want 32", len(key))
	}
	d.openMu.Lock()
	defer d.openMu.Unlock()
	if !d.Sealed() {
		return rep, nil
	}
	s := newSealer(key)
	var rejected []RejectedRecord
	err := d.bolt.Update(func(t *bolt.Tx) error {
		rep, rejected = SealReport{}, nil
		meta := t.Bucket(bucketMeta)
		prev := meta.Get(sealCheckName)
		rep.OtherKey = prev != nil && !hmac.Equal(prev, s.check())
		adopt := prev == nil && fresh
		for _, name := range sealedBuckets {
			b := t.Bucket(name)
			type kv struct{ k, v []byte }
			var reseal []kv
			err := b.ForEach(func(k, v []byte) error {
				_, err := s.open(name, k, v)
				switch {
				case err == nil:
				case errors.Is(err, errNotSealed) && adopt:
					reseal = append(reseal, kv{bytes.Clone(k), s.seal(name, k, v)})
				default:
					rejected = append(rejected, RejectedRecord{Kind: kindOf(name), ID: recordID(name, k), Why: err.Error()})
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, r := range reseal {
				if err := b.Put(r.k, r.v); err != nil {
					return err
				}
			}
			rep.Adopted += len(reseal)
		}
		if err := meta.Put(sealCheckName, s.check()); err != nil {
			return err
		}
		return rebuildClientIndex(t, s)
	})
	if err != nil {
		return SealReport{}, fmt.Errorf("open permission records: %w", err)
	}
	d.seal.Store(s)
	for _, r := range rejected {
		d.rejected.add(r)
	}
	rep.Rejected = rejected
	return rep, nil
}

// sealedGet returns the JSON of a sealed record: authz.ErrNotFound when
// absent or rejected, authz.ErrSealed before OpenRecords.
func (x *tx) sealedGet(bucket, key []byte) ([]byte, error) {
	if x.s == nil {
		return nil, authz.ErrSealed
	}
	v := x.t.Bucket(bucket).Get(key)
	if v == nil {
		return nil, authz.ErrNotFound
	}
	out, err := x.s.open(bucket, key, v)
	if err != nil {
		x.rej.add(RejectedRecord{Kind: kindOf(bucket), ID: recordID(bucket, key), Why: err.Error()})
		return nil, authz.ErrNotFound
	}
	return out, nil
}

// sealedPut stores value sealed.
func (x *tx) sealedPut(bucket, key, value []byte) error {
	if x.s == nil {
		return authz.ErrSealed
	}
	return x.t.Bucket(bucket).Put(key, x.s.seal(bucket, key, value))
}

// sealedEach calls fn with the JSON of every record that passes its check.
func (x *tx) sealedEach(bucket []byte, fn func(k, v []byte) error) error {
	if x.s == nil {
		return authz.ErrSealed
	}
	return x.t.Bucket(bucket).ForEach(func(k, v []byte) error {
		out, err := x.s.open(bucket, k, v)
		if err != nil {
			x.rej.add(RejectedRecord{Kind: kindOf(bucket), ID: recordID(bucket, k), Why: err.Error()})
			return nil
		}
		return fn(k, out)
	})
}

// rebuildClientIndex makes the client → grants and origin → clients
// indexes anew from the records that pass their check.
func rebuildClientIndex(t *bolt.Tx, s *sealer) error {
	if err := rebuildOriginIndex(t, s); err != nil {
		return err
	}
	if err := t.DeleteBucket(bucketClientGrants); err != nil && !errors.Is(err, bolterr.ErrBucketNotFound) {
		return err
	}
	idx, err := t.CreateBucket(bucketClientGrants)
	if err != nil {
		return err
	}
	return t.Bucket(bucketGrants).ForEach(func(k, v []byte) error {
		raw, err := s.open(bucketGrants, k, v)
		if err != nil {
			return nil // rejected: not indexed, never used
		}
		var g struct {
			ClientID string `json:"client_id"`
		}
		if json.Unmarshal(raw, &g) != nil {
			return nil
		}
		return idx.Put(pairKey(g.ClientID, string(k)), nil)
	})
}

func rebuildOriginIndex(t *bolt.Tx, s *sealer) error {
	if err := t.DeleteBucket(bucketOrigins); err != nil && !errors.Is(err, bolterr.ErrBucketNotFound) {
		return err
	}
	idx, err := t.CreateBucket(bucketOrigins)
	if err != nil {
		return err
	}
	return t.Bucket(bucketClients).ForEach(func(k, v []byte) error {
		raw, err := s.open(bucketClients, k, v)
		if err != nil {
			return nil
		}
		var c authz.Client
		if json.Unmarshal(raw, &c) != nil {
			return nil
		}
		for _, o := range c.Origins() {
			if err := idx.Put(pairKey(o, string(k)), nil); err != nil {
				return err
			}
		}
		return nil
	})
}
