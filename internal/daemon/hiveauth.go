package daemon

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gorilla/websocket"

	"localsigner/hiveauth"
	"localsigner/links"
	"localsigner/signer"
)

// HiveAuthOptions turn the HiveAuth PKSA on. The zero value leaves it off,
// the default: it connects to a relay on the network.
type HiveAuthOptions struct {
	Enabled bool
	// Relay is the relay's URL; empty takes hiveauth.DefaultRelay.
	Relay string
	// Dial, if set, replaces the websocket dialer (tests).
	Dial func(ctx context.Context, url string) (*websocket.Conn, error)
}

// SessionsFile holds the HiveAuth sessions in the data directory,
// encrypted under a key derived from the vault's store key.
const SessionsFile = "hiveauth-sessions.bin"

// sessionFile is the PKSA's session store: AES-256-GCM under
// HMAC-SHA256(store key, label), so the dapps' session keys are readable
// only once the vault is unlocked, and a changed file is refused whole.
type sessionFile struct {
	path  string
	vault *signer.Vault
}

const sessionsLabel = "localsigner hiveauth sessions v1"

func (f sessionFile) aead() (cipher.AEAD, error) {
	sk, _, err := f.vault.StoreKey()
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, sk)
	m.Write([]byte(sessionsLabel))
	key := m.Sum(nil)
	clear(sk)
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Load implements hiveauth.Store.
func (f sessionFile) Load() ([]hiveauth.Session, error) {
	if f.vault.Locked() {
		return nil, signer.ErrLocked
	}
	raw, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a, err := f.aead()
	if err != nil {
		return nil, err
	}
	if len(raw) < a.NonceSize() {
		return nil, errors.New("the HiveAuth sessions file is damaged")
	}
	plain, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], []byte(sessionsLabel))
	if err != nil {
		return nil, errors.New("the HiveAuth sessions file does not open under this vault's key")
	}
	defer clear(plain)
	var out []hiveauth.Session
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, fmt.Errorf("the HiveAuth sessions file: %w", err)
	}
	return out, nil
}

// Save implements hiveauth.Store: write to a temporary file, sync, rename.
func (f sessionFile) Save(s []hiveauth.Session) error {
	a, err := f.aead()
	if err != nil {
		return err
	}
	plain, err := json.Marshal(s)
	if err != nil {
		return err
	}
	defer clear(plain)
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	out := a.Seal(nonce, nonce, plain, []byte(sessionsLabel))
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".hiveauth-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}

// startHiveAuth builds and runs the PKSA when the options turn it on.
func (d *Daemon) startHiveAuth(ctx context.Context, o Options, gate recordsGate) error {
	if !o.HiveAuth.Enabled {
		return nil
	}
	p, err := hiveauth.New(hiveauth.Config{Relay: o.HiveAuth.Relay, Wallet: d.Wallet, Grants: d.Issuer, Accounts: gate,
		Store: sessionFile{path: filepath.Join(o.DataDir, SessionsFile), vault: o.Vault}, Log: o.Logger, Now: o.Now,
		Dial: o.HiveAuth.Dial})
	if err != nil {
		return err
	}
	d.HiveAuth = p
	remove := o.Vault.OnUnlock(p.Unlocked)
	d.serve(func() error {
		defer remove()
		if err := p.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	})
	if !o.Vault.Locked() {
		p.Unlocked()
	}
	return nil
}

// OpenHiveAuth implements admin.HiveAuthBackend.
func (b adminBackend) OpenHiveAuth(ctx context.Context, uri string) (*hiveauth.LinkResult, error) {
	if b.hiveauth == nil {
		return nil, fmt.Errorf("%w: turn it on in Settings (or serve --hiveauth), then open the link again", hiveauth.ErrOff)
	}
	return b.hiveauth.OpenLink(ctx, uri)
}

// isHiveAuthLink tells a has:// link from a hive:// one.
func isHiveAuthLink(a links.OpenArgs) bool { return strings.HasPrefix(strings.ToLower(a.URI), "has:") }
