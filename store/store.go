// Package store keeps the local authorization server's state in a bbolt
// file in the data directory: clients, grants, token digests and the audit
// log. It implements authz.Store.
//
// Layout (one bucket each; values are JSON, sealed where marked, see
// seal.go):
//
//	meta          "version" → "1", "instance_key", "seal_check"
//	clients       client id → authz.Client (sealed)
//	grants        grant id  → authz.Grant (sealed)
//	tokens        SHA-256 of the secret (32 bytes) → authz.Token (sealed)
//	grant_tokens  grant id ‖ 0x00 ‖ digest → empty (index for revocation)
//	client_grants client id ‖ 0x00 ‖ grant id → empty (index, see OpenRecords)
//	client_origins origin ‖ 0x00 ‖ client id → empty (index, see OpenRecords)
//	audit_client  client id ‖ 0x00 ‖ sequence → empty (index)
//	audit_account account ‖ 0x00 ‖ sequence → empty (index)
//	audit         sequence (8 bytes, big-endian) → authz.Event
//
// No token, code or client secret is ever written, only digests. The file
// also serves as the single-instance lock: bbolt holds an exclusive flock on
// it while open, and Open gives up after a timeout with ErrAlreadyRunning
// instead of waiting forever.
package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"

	"localsigner/authz"
	"localsigner/internal/datadir"
)

// FileName is the database file's name in the data directory.
const FileName = "localapi.db"

// schemaVersion is written to meta/version; Open refuses other versions
// rather than misread them.
const schemaVersion = "1"

// ErrAlreadyRunning means another process holds the database: another
// Localsigner is running with the same data directory.
var ErrAlreadyRunning = errors.New("another Localsigner is already running with this data directory")

var (
	bucketMeta        = []byte("meta")
	bucketClients     = []byte("clients")
	bucketGrants      = []byte("grants")
	bucketTokens      = []byte("tokens")
	bucketGrantTokens = []byte("grant_tokens")
	bucketAudit       = []byte("audit")
	// bucketClientGrants indexes grants by client; rebuilt from the
	// grants whenever the records open, so it needs no migration and
	// cannot drift from a grant a check rejected.
	bucketClientGrants = []byte("client_grants")
	// bucketAuditClient and bucketAuditAccount index the audit log by
	// client and by account, so a filtered listing reads only its events.
	bucketAuditClient  = []byte("audit_client")
	bucketAuditAccount = []byte("audit_account")
	// bucketOrigins indexes clients by the origins of their redirect
	// URIs, rebuilt like client_grants.
	bucketOrigins = []byte("client_origins")
	// bucketRecipients keeps, per chain and account, the sealed list of
	// accounts it sent value to (the first-transfer and look-alike checks).
	bucketRecipients = []byte("recipients")
	allBuckets       = [][]byte{bucketMeta, bucketClients, bucketGrants, bucketTokens, bucketGrantTokens, bucketAudit,
		bucketClientGrants, bucketAuditClient, bucketAuditAccount, bucketOrigins, bucketRecipients}
)

// Options configure Open.
type Options struct {
	// LockTimeout is how long to wait for another instance to let go of
	// the file; zero means one second.
	LockTimeout time.Duration
}

// DB is the open database. It is safe for concurrent use; bbolt allows one
// writer and many readers at a time.
type DB struct {
	bolt *bolt.DB
	path string

	seal     atomic.Pointer[sealer] // nil until OpenRecords
	openMu   sync.Mutex
	rejected rejections
}

var _ authz.Store = (*DB)(nil)

// Open opens or creates the database in dataDir, creating the directory
// with mode 0700 and the file with 0600.
func Open(dataDir string, opts Options) (*DB, error) {
	if err := datadir.Prepare(dataDir); err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, FileName)
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if errors.Is(err, bolterr.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s is locked)", ErrAlreadyRunning, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		b.Close()
		return nil, fmt.Errorf("restrict %s: %w", path, err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get([]byte("version")); {
		case v == nil:
			if err := meta.Put([]byte("version"), []byte(schemaVersion)); err != nil {
				return err
			}
		case string(v) != schemaVersion:
			return fmt.Errorf("unsupported schema version %q", v)
		}
		return indexAudit(tx)
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("initialise %s: %w", path, err)
	}
	return &DB{bolt: b, path: path}, nil
}

// Path returns the database file's path.
func (d *DB) Path() string { return d.path }

// Close releases the file and its lock.
func (d *DB) Close() error { return d.bolt.Close() }

// View implements authz.Store.
func (d *DB) View(fn func(authz.Tx) error) error {
	return d.bolt.View(func(t *bolt.Tx) error { return fn(d.tx(t)) })
}

// Update implements authz.Store.
func (d *DB) Update(fn func(authz.Tx) error) error {
	return d.bolt.Update(func(t *bolt.Tx) error { return fn(d.tx(t)) })
}

func (d *DB) tx(t *bolt.Tx) *tx { return &tx{t: t, s: d.seal.Load(), rej: &d.rejected} }

// Checksum hashes every key and value of every bucket in order. Two equal
// checksums mean nothing changed; tests use it to prove that a refused
// request left the store untouched.
func (d *DB) Checksum() ([32]byte, error) {
	h := sha256.New()
	err := d.bolt.View(func(t *bolt.Tx) error {
		for _, name := range allBuckets {
			h.Write(name)
			err := t.Bucket(name).ForEach(func(k, v []byte) error {
				fmt.Fprintf(h, "%d:%x=%d:%x;", len(k), k, len(v), v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, err
}
