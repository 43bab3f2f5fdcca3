package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

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
	if x.s == nil {
		return nil, authz.ErrSealed
	}
	out := make([]T, 0, x.t.Bucket(bucket).Stats().KeyN) // records are large: grow once
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
	if err := x.unindexClient(c.ID); err != nil {
		return err
	}
	if err := put(x, bucketClients, []byte(c.ID), c, "client"); err != nil {
		return err
	}
	for _, o := range c.Origins() {
		if err := x.t.Bucket(bucketOrigins).Put(pairKey(o, c.ID), nil); err != nil {
			return err
		}
	}
	return nil
}

func (x *tx) DeleteClient(id string) error {
	if err := x.unindexClient(id); err != nil {
		return err
	}
	return x.t.Bucket(bucketClients).Delete([]byte(id))
}

// unindexClient removes the origin index entries of the client stored
// under id, if it can be read.
func (x *tx) unindexClient(id string) error {
	old, err := x.Client(id)
	if err != nil {
		return nil // none, or rejected: nothing of it was indexed
	}
	for _, o := range old.Origins() {
		if err := x.t.Bucket(bucketOrigins).Delete(pairKey(o, id)); err != nil {
			return err
		}
	}
	return nil
}

func (x *tx) OriginAllowed(origin string) (bool, error) {
	if x.s == nil {
		return false, authz.ErrSealed
	}
	prefix := append([]byte(origin), 0)
	c := x.t.Bucket(bucketOrigins).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		// The index only points: the client record, checked, decides.
		cl, err := x.Client(string(k[len(prefix):]))
		if errors.Is(err, authz.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		if slices.Contains(cl.Origins(), origin) {
			return true, nil
		}
	}
	return false, nil
}

func (x *tx) Grant(id string) (*authz.Grant, error) {
	return get[authz.Grant](x, bucketGrants, []byte(id), "grant")
}

func (x *tx) Grants() ([]authz.Grant, error) {
	gs, err := list[authz.Grant](x, bucketGrants, "grant")
	if err != nil {
		return nil, err
	}
	// Sort an index, not the records: a grant is a few hundred bytes, and
	// moving ten thousand of them around costs more than reading them.
	order := make([]int, len(gs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return gs[a].CreatedAt.Compare(gs[b].CreatedAt) })
	out := make([]authz.Grant, len(gs))
	for i, j := range order {
		out[i] = gs[j]
	}
	return out, nil
}

func (x *tx) PutGrant(g *authz.Grant) error {
	if err := put(x, bucketGrants, []byte(g.ID), g, "grant"); err != nil {
		return err
	}
	return x.t.Bucket(bucketClientGrants).Put(pairKey(g.ClientID, g.ID), nil)
}

// pairKey is a ‖ 0 ‖ b; ids never contain a zero byte.
func pairKey(a, b string) []byte {
	k := make([]byte, 0, len(a)+1+len(b))
	k = append(k, a...)
	k = append(k, 0)
	return append(k, b...)
}

func (x *tx) ClientGrants(clientID string) ([]authz.Grant, error) {
	prefix := append([]byte(clientID), 0)
	var out []authz.Grant
	c := x.t.Bucket(bucketClientGrants).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		g, err := x.Grant(string(k[len(prefix):]))
		if errors.Is(err, authz.ErrNotFound) {
			continue // gone, or rejected by its check
		}
		if err != nil {
			return nil, err
		}
		if g.ClientID == clientID {
			out = append(out, *g)
		}
	}
	slices.SortFunc(out, func(a, b authz.Grant) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
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
	if v := x.t.Bucket(bucketGrants).Get([]byte(id)); v != nil && x.s != nil {
		if raw, err := x.s.open(bucketGrants, []byte(id), v); err == nil {
			var g struct {
				ClientID string `json:"client_id"`
			}
			if json.Unmarshal(raw, &g) == nil {
				if err := x.t.Bucket(bucketClientGrants).Delete(pairKey(g.ClientID, id)); err != nil {
					return err
				}
			}
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
	key := indexKey(t.GrantID, t.Digest)
	return x.t.Bucket(bucketGrantTokens).Put(key, x.s.seal(bucketGrantTokens, key, tokenState(t)))
}

// tokenState is the grant_tokens index value: kind, expiry and spent, so
// that a listing reads them without decoding each token; sealed like the
// records, since the listing trusts it.
func tokenState(t *authz.Token) []byte {
	v := []byte{0, 0}
	switch t.Kind {
	case authz.KindAccess:
		v[0] = 1
	case authz.KindRefresh:
		v[0] = 2
	}
	if t.Spent {
		v[1] = 1
	}
	return binary.BigEndian.AppendUint64(v, uint64(t.ExpiresAt.Unix()))
}

func (x *tx) GrantTokenStates(grantID string) ([]authz.TokenState, error) {
	if x.s == nil {
		return nil, authz.ErrSealed
	}
	prefix := grantPrefix(grantID)
	var out []authz.TokenState
	c := x.t.Bucket(bucketGrantTokens).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		raw, err := x.s.open(bucketGrantTokens, k, v)
		if err != nil || len(raw) != 10 {
			// An entry from before the summary, or one someone wrote: read
			// the token itself, which is checked.
			var d authz.Digest
			if len(k)-len(prefix) != len(d) {
				continue
			}
			copy(d[:], k[len(prefix):])
			t, err := x.Token(d)
			if err != nil {
				continue
			}
			out = append(out, authz.TokenState{Kind: t.Kind, ExpiresAt: t.ExpiresAt, Spent: t.Spent})
			continue
		}
		s := authz.TokenState{ExpiresAt: time.Unix(int64(binary.BigEndian.Uint64(raw[2:])), 0), Spent: raw[1] == 1}
		switch raw[0] {
		case 1:
			s.Kind = authz.KindAccess
		case 2:
			s.Kind = authz.KindRefresh
		default:
			s.Kind = authz.KindCode
		}
		out = append(out, s)
	}
	return out, nil
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
	if err := b.Put(k[:], data); err != nil {
		return err
	}
	return indexEvent(x.t, e, true)
}

// auditIndexName is the meta key saying the audit indexes cover the log.
var auditIndexName = []byte("audit_index")

// indexEvent adds (or, with add false, removes) e's entries in the audit
// indexes.
func indexEvent(t *bolt.Tx, e *authz.Event, add bool) error {
	for _, ix := range []struct {
		bucket []byte
		value  string
	}{{bucketAuditClient, e.ClientID}, {bucketAuditAccount, e.Account}} {
		if ix.value == "" {
			continue
		}
		key := binary.BigEndian.AppendUint64(append([]byte(ix.value), 0), e.Seq)
		var err error
		if add {
			err = t.Bucket(ix.bucket).Put(key, nil)
		} else {
			err = t.Bucket(ix.bucket).Delete(key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// indexAudit indexes every event once, for a log written before the
// indexes existed.
func indexAudit(t *bolt.Tx) error {
	meta := t.Bucket(bucketMeta)
	if meta.Get(auditIndexName) != nil {
		return nil
	}
	err := t.Bucket(bucketAudit).ForEach(func(k, v []byte) error {
		e, err := decodeEvent(v)
		if err != nil {
			return nil // unreadable: not indexed, still listed unfiltered
		}
		return indexEvent(t, &e, true)
	})
	if err != nil {
		return err
	}
	return meta.Put(auditIndexName, []byte("1"))
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
	if f.Forward {
		return x.auditForward(f)
	}
	switch {
	case f.ClientID != "":
		return x.auditIndexed(bucketAuditClient, f.ClientID, f)
	case f.Account != "":
		return x.auditIndexed(bucketAuditAccount, f.Account, f)
	}
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

// auditIndexed is AuditFind through the index in bucket for value,
// newest first.
func (x *tx) auditIndexed(bucket []byte, value string, f authz.AuditFilter) ([]authz.Event, error) {
	prefix := append([]byte(value), 0)
	events := x.t.Bucket(bucketAudit)
	c := x.t.Bucket(bucket).Cursor()
	// The newest entry of value is the last key before prefix ‖ max.
	end := binary.BigEndian.AppendUint64(bytes.Clone(prefix), ^uint64(0))
	k, _ := c.Seek(end)
	if k == nil {
		k, _ = c.Last()
	} else if !bytes.Equal(k, end) {
		k, _ = c.Prev()
	}
	var out []authz.Event
	for ; k != nil && bytes.HasPrefix(k, prefix) && (f.Limit <= 0 || len(out) < f.Limit); k, _ = c.Prev() {
		if len(k) != len(prefix)+8 {
			continue
		}
		v := events.Get(k[len(prefix):])
		if v == nil {
			continue // pruned
		}
		e, err := decodeEvent(v)
		if err != nil {
			return nil, err
		}
		if !f.Since.IsZero() && e.Time.Before(f.Since) {
			break
		}
		if f.Match(&e) {
			out = append(out, e)
		}
	}
	slices.Reverse(out)
	return out, nil
}

// auditForward pages forward from f.AfterSeq: the oldest matches first.
func (x *tx) auditForward(f authz.AuditFilter) ([]authz.Event, error) {
	var out []authz.Event
	c := x.t.Bucket(bucketAudit).Cursor()
	for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, f.AfterSeq+1)); k != nil && (f.Limit <= 0 || len(out) < f.Limit); k, v = c.Next() {
		e, err := decodeEvent(v)
		if err != nil {
			return nil, err
		}
		if !f.Until.IsZero() && !e.Time.Before(f.Until) {
			break // newer from here on
		}
		if f.Match(&e) {
			out = append(out, e)
		}
	}
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
	for k, v := c.First(); k != nil && binary.BigEndian.Uint64(k) <= seq; k, v = c.First() {
		if e, err := decodeEvent(v); err == nil {
			if err := indexEvent(x.t, &e, false); err != nil {
				return err
			}
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// Recipients implements authz.Tx.
func (x *tx) Recipients(chain, account string) ([]string, error) {
	names, err := get[[]string](x, bucketRecipients, pairKey(chain, account), "recipients")
	if errors.Is(err, authz.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return *names, nil
}

// PutRecipients implements authz.Tx.
func (x *tx) PutRecipients(chain, account string, names []string) error {
	return put(x, bucketRecipients, pairKey(chain, account), names, "recipients")
}
