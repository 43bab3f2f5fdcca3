package authz

import (
	"errors"
	"fmt"
	"strings"
)

// PrefixBridge starts every bridge credential: "lsb_" + client id + "." +
// secret, so the server finds the client in one read.
const PrefixBridge = "lsb_"

// PairBridge records a paired browser extension (origin is its
// chrome-extension:// or moz-extension:// origin) and returns its client
// and the credential the extension keeps. The credential is returned once
// and stored only as a digest; pairing the same extension again replaces
// the old credential.
func (is *Issuer) PairBridge(name, origin string) (*Client, string, error) {
	id, err := newID("bridge_", 8)
	if err != nil {
		return nil, "", err
	}
	secret, err := NewSecret("")
	if err != nil {
		return nil, "", err
	}
	d := DigestOf(secret)
	c := &Client{ID: id, Name: name, Kind: Bridge, SecretDigest: &d, RedirectURIs: nil, CreatedAt: is.now()}
	err = is.update(func(tx Tx) error {
		cs, err := tx.Clients()
		if err != nil {
			return err
		}
		for _, old := range cs {
			if old.Kind == Bridge && old.Name == name {
				if err := tx.DeleteClient(old.ID); err != nil {
					return err
				}
			}
		}
		if err := tx.PutClient(c); err != nil {
			return err
		}
		return tx.AppendAudit(&Event{Time: c.CreatedAt, Type: EventAppAdded, ClientID: id, Origin: origin, Detail: name})
	})
	if err != nil {
		return nil, "", err
	}
	return c, PrefixBridge + id + "." + secret, nil
}

// ErrBridgeCredential is a bridge credential that is unknown, malformed or
// revoked (the user unpaired the browser).
var ErrBridgeCredential = errors.New("the browser is not paired (or was unpaired): pair it again")

// Bridge checks a bridge credential and returns its client.
func (is *Issuer) Bridge(credential string) (*Client, error) {
	rest, ok := strings.CutPrefix(credential, PrefixBridge)
	id, secret, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || len(credential) > 256 {
		return nil, ErrBridgeCredential
	}
	var out *Client
	err := is.store.View(func(tx Tx) error {
		c, err := tx.Client(id)
		if errors.Is(err, ErrNotFound) {
			return ErrBridgeCredential
		}
		if err != nil {
			return err
		}
		if c.Kind != Bridge || c.SecretDigest == nil || !DigestOf(secret).Equal(*c.SecretDigest) {
			return ErrBridgeCredential
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}
	return out, nil
}
