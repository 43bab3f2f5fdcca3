package localapi

import (
	"errors"
	"fmt"
	"slices"

	"localsigner/approval"
	"localsigner/authz"
)

// The methods below are what the admin channel (package localapi/admin)
// exposes to the command line. They are never reachable over HTTP.

// Status is a snapshot of the server for "localsigner status"-like output.
type Status struct {
	Locked  bool   `json:"locked"`
	Chain   string `json:"chain"`
	Issuer  string `json:"issuer"`
	Pending int    `json:"pending"`
}

// Status reports whether the vault is locked and how many requests wait.
func (s *Server) Status() Status {
	return Status{Locked: s.cfg.Vault.Locked(), Chain: s.chain.Name, Issuer: s.IssuerURL(), Pending: len(s.w.Queue().Pending())}
}

// Unlock unlocks the vault. The passphrase is neither logged nor kept.
func (s *Server) Unlock(passphrase []byte) error {
	if err := s.cfg.Vault.Unlock(passphrase); err != nil {
		s.record(authz.Event{Type: authz.EventUnlockFailed})
		return err
	}
	s.record(authz.Event{Type: authz.EventUnlocked})
	s.log.Info("vault unlocked")
	return nil
}

// Lock locks the vault.
func (s *Server) Lock() error {
	s.cfg.Vault.Lock()
	s.record(authz.Event{Type: authz.EventLocked})
	s.log.Info("vault locked")
	return nil
}

func (s *Server) record(e authz.Event) {
	if err := s.iss.Record(e); err != nil {
		s.log.Error("audit", "err", err)
	}
}

// Pending lists the requests waiting for the user.
func (s *Server) Pending() []approval.Request { return s.w.Queue().Pending() }

// Waiting lists the requests held until the vault is unlocked.
func (s *Server) Waiting() []approval.Waiting { return s.w.Queue().Waiting() }

// RefuseWaiting ends the requests held until unlock at once.
func (s *Server) RefuseWaiting() int { return s.w.Queue().RefuseWaiting() }

// Decide approves or denies a pending request.
func (s *Server) Decide(id string, d approval.Decision) error { return s.w.Queue().Decide(id, d) }

// Grants lists the grants with their live tokens.
func (s *Server) Grants() ([]authz.GrantInfo, error) { return s.iss.Grants() }

// Clients lists known dapps and registered apps.
func (s *Server) Clients() ([]authz.Client, error) { return s.iss.Clients() }

// RevokeClient revokes every grant of a client.
func (s *Server) RevokeClient(id string) (int, error) {
	n, err := s.iss.RevokeClient(id)
	if errors.Is(err, authz.ErrNotFound) {
		return 0, fmt.Errorf("no client %q", id)
	}
	return n, err
}

// NarrowGrant replaces a grant's scopes with a non-empty subset of them
// (authz.ErrScopeWiden otherwise) and narrows its live tokens at once.
func (s *Server) NarrowGrant(grantID string, scopes []string) error {
	err := s.iss.NarrowGrant(grantID, scopes)
	if errors.Is(err, authz.ErrNotFound) {
		return fmt.Errorf("no grant %q", grantID)
	}
	return err
}

// ForgetNoAsk removes "don't ask again" entries of a grant: all of them
// when operation is empty, else those of operation for counterparty to
// ("*" for any). The next such transaction asks again. It returns how many
// live entries went. For the Apps tab and the admin channel (localsigner
// forget).
func (s *Server) ForgetNoAsk(grantID, operation, to string) (int, error) {
	n, err := s.iss.RemoveNoAsk(grantID, operation, to)
	if errors.Is(err, authz.ErrNotFound) {
		return 0, fmt.Errorf("no grant %q", grantID)
	}
	return n, err
}

// AddApp registers an app. If it names an account, the vault must be
// unlocked and hold keys for it on the server's chain.
func (s *Server) AddApp(spec authz.AppSpec) (*authz.Client, string, error) {
	if spec.Account != "" {
		accounts, err := s.cfg.Vault.Accounts(s.chain.Name)
		if err != nil {
			return nil, "", fmt.Errorf("check account (is the vault unlocked?): %w", err)
		}
		if !slices.Contains(accounts, spec.Account) {
			return nil, "", fmt.Errorf("the vault holds no keys for account %q on %s", spec.Account, s.chain.Name)
		}
	}
	return s.iss.AddApp(spec)
}

// RemoveApp deletes a registered app and its grants.
func (s *Server) RemoveApp(id string) error {
	err := s.iss.RemoveApp(id)
	if errors.Is(err, authz.ErrNotFound) {
		return fmt.Errorf("no app %q", id)
	}
	return err
}

// Audit returns the newest limit audit events.
func (s *Server) Audit(limit int) ([]authz.Event, error) { return s.iss.Audit(limit) }

// AuditFind returns the newest audit events f selects, oldest first.
func (s *Server) AuditFind(f authz.AuditFilter) ([]authz.Event, error) { return s.iss.AuditFind(f) }

// Introspect describes any token, whoever it was issued to.
func (s *Server) Introspect(token string) (*authz.Introspection, error) {
	return s.iss.IntrospectAny(token)
}
