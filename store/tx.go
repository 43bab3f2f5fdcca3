package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"localsigner/authz"
)

// tx adapts a bbolt transaction to authz.Tx.
type tx struct {
	t   *bolt.Tx
	s   *sealer // nil before OpenRecords
	rej *rejections
}

var _ authz.Tx = (*tx)(nil)

func get[T any](x *tx, bucket, key []byte, what string) (*T, error) {
	v, err := x.sealedGet(bucket, key)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if err := json.Unmarshal(v, out); err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	return out, nil
}

func put(x *tx, bucket, key []byte, v any, what string) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", what, err)
	}
	return x.sealedPut(bucket, key, data)
}

func list[T any](x *tx, bucket []byte, what string) ([]T, error) {
	var out []T
	err := x.sealedEach(bucket, func(k, v []byte) error {
		var r T
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode %s %q: %w", what, k, err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

func (x *tx) Client(id string) (*authz.Client, error) {
	return get[authz.Client](x, bucketClients, []byte(id), "client")
}

func (x *tx) Clients() ([]authz.Client, error) {
	return list[authz.Client](x, bucketClients, "client")
}

func (x *tx) PutClient(c *authz.Client) error {
	return put(x, bucketClients, []byte(c.ID), c, "client")
}

func (x *tx) DeleteClient(id string) error { return x.t.Bucket(bucketClients).Delete([]byte(id)) }

func (x *tx) Grant(id string) (*authz.Grant, error) {
	return get[authz.Grant](x, bucketGrants, []byte(id), "grant")
}

func (x *tx) Grants() ([]authz.Grant, error) {
	gs, err := list[authz.Grant](x, bucketGrants, "grant")
	slices.SortFunc(gs, func(a, b authz.Grant) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return gs, err
}

func (x *tx) PutGrant(g *authz.Grant) error {
	return put(x, bucketGrants, []byte(g.ID), g, "grant")
}

// indexKey is grant id ‖ 0 ‖ digest. Grant ids never contain a zero byte.
func indexKey(grantID string, d authz.Digest) []byte {
	k := make([]byte, 0, len(grantID)+1+len(d))
	k = append(k, grantID...)
	k = append(k, 0)
	return append(k, d[:]...)
}

func grantPrefix(grantID string) []byte { return append([]byte(grantID), 0) }

func (x *tx) DeleteGrant(id string) error {
	idx := x.t.Bucket(bucketGrantTokens)
	tokens := x.t.Bucket(bucketTokens)
	prefix := grantPrefix(id)
	var keys [][]byte
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := tokens.Delete(k[len(prefix):]); err != nil {
			return err
		}
		if err := idx.Delete(k); err != nil {
			return err
		}
	}
	return x.t.Bucket(bucketGrants).Delete([]byte(id))
}

func (x *tx) Token(d authz.Digest) (*authz.Token, error) {
	t, err := get[authz.Token](x, bucketTokens, d[:], "token")
	if err != nil {
		return nil, err
	}
	t.Digest = d
	return t, nil
}

func (x *tx) PutToken(t *authz.Token) error {
	if err := put(x, bucketTokens, t.Digest[:], t, "token"); err != nil {
		return err
	}
	return x.t.Bucket(bucketGrantTokens).Put(indexKey(t.GrantID, t.Digest), nil)
}

func (x *tx) DeleteToken(d authz.Digest) error {
	b := x.t.Bucket(bucketTokens)
	t, err := x.Token(d)
	if errors.Is(err, authz.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := x.t.Bucket(bucketGrantTokens).Delete(indexKey(t.GrantID, d)); err != nil {
		return err
	}
	return b.Delete(d[:])
}

func (x *tx) GrantTokens(grantID string) ([]authz.Token, error) {
	prefix := grantPrefix(grantID)
	var out []authz.Token
	c := x.t.Bucket(bucketGrantTokens).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var d authz.Digest
		if len(k)-len(prefix) != len(d) {
			return nil, fmt.Errorf("corrupt grant index key %x", k)
		}
		copy(d[:], k[len(prefix):])
		t, err := x.Token(d)
		if errors.Is(err, authz.ErrNotFound) {
			continue // index entry of a token already gone
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, nil
}

func (x *tx) ForEachToken(fn func(*authz.Token) error) error {
	return x.sealedEach(bucketTokens, func(k, v []byte) error {
		var t authz.Token
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("decode token: %w", err)
		}
		copy(t.Digest[:], k)
		return fn(&t)
	})
}

func (x *tx) AppendAudit(e *authz.Event) error {
	b := x.t.Bucket(bucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit event: %w", err)
	}
	return b.Put(k[:], data)
}

func (x *tx) Audit(limit int) ([]authz.Event, error) {
	var out []authz.Event
	c := x.t.Bucket(bucketAudit).Cursor()
	for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
		var e authz.Event
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("decode audit event: %w", err)
		}
		out = append(out, e)
	}
	slices.Reverse(out)
	return out, nil
}

func decodeEvent(v []byte) (authz.Event, error) {
	var e authz.Event
	if err := json.Unmarshal(v, &e); err != nil {
		return e, fmt.Errorf("decode audit event: %w", err)
	}
	return e, nil
}

func (x *tx) AuditFind(f authz.AuditFilter) ([]authz.Event, error) {
	var out []authz.Event
	c := x.t.Bucket(bucketAudit).Cursor()
	for k, v := c.Last(); k != nil && (f.Limit <= 0 || len(out) < f.Limit); k, v = c.Prev() {
		e, err := decodeEvent(v)
		if err != nil {
			return nil, err
		}
		if !f.Since.IsZero() && e.Time.Before(f.Since) {
			break // older from here on
		}
		if f.Match(&e) {
			out = append(out, e)
		}
	}
	slices.Reverse(out)
	return out, nil
}

func (x *tx) AuditSpan() (first, last uint64, err error) {
	c := x.t.Bucket(bucketAudit).Cursor()
	k, _ := c.First()
	if k == nil {
		return 0, 0, nil
	}
	l, _ := c.Last()
	if len(k) != 8 || len(l) != 8 {
		return 0, 0, fmt.Errorf("corrupt audit key %x", k)
	}
	return binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(l), nil
}

func (x *tx) OldestAudit(n int) ([]authz.Event, error) {
	var out []authz.Event
	c := x.t.Bucket(bucketAudit).Cursor()
	for k, v := c.First(); k != nil && len(out) < n; k, v = c.Next() {
		e, err := decodeEvent(v)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (x *tx) DeleteAuditThrough(seq uint64) error {
	c := x.t.Bucket(bucketAudit).Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= seq; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}
