package store

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// instanceKeyName is the meta bucket's key for the token-signing key.
var instanceKeyName = []byte("instance_key")

// InstanceKey returns the server's token-signing key (32 bytes) from the
// meta bucket, creating it with generate the first time, in one write
// transaction so two starts cannot create two keys.
//
// The key sits in this 0600 file unencrypted, on purpose: it signs app
// tokens only, never a chain transaction, and an app token is accepted
// only while its jti is recorded here too (by digest), so the key alone
// cannot mint a usable token; whoever can write this file can already add
// tokens. Keeping it out of the vault means app tokens keep working while
// the vault is locked. The caller owns the returned slice.
func (d *DB) InstanceKey(generate func() ([]byte, error)) ([]byte, error) {
	var out []byte
	err := d.bolt.Update(func(t *bolt.Tx) error {
		meta := t.Bucket(bucketMeta)
		if v := meta.Get(instanceKeyName); v != nil {
			out = bytes.Clone(v)
			return nil
		}
		k, err := generate()
		if err != nil {
			return err
		}
		out = k
		return meta.Put(instanceKeyName, bytes.Clone(k))
	})
	if err != nil {
		return nil, fmt.Errorf("instance key: %w", err)
	}
	return out, nil
}
