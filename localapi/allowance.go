package localapi

import (
	"errors"
	"fmt"

	"localsigner/authz"
	"localsigner/wallet"
)

// SetAllowance sets a spending limit per UTC day for asset ("HIVE") on the
// grant with id, or on every current grant of the client with that id;
// perDay is an amount with the asset's decimals ("10.000"), "0" removes it.
// It returns how many grants changed. For the admin channel (localsigner
// allowance) and the Apps tab.
func (s *Server) SetAllowance(id, asset, perDay string) (int, error) {
	a, err := wallet.ParseAllowance(s.chain, asset, perDay)
	if err != nil {
		return 0, err
	}
	n, err := s.iss.SetAllowance(id, a)
	if errors.Is(err, authz.ErrNotFound) {
		return 0, fmt.Errorf("no grant or client %q", id)
	}
	return n, err
}

// SetClientFlags lets a client present its token as ?bearer_token= on
// read-only endpoints (query) and as a bearer_token cookie (cookie). For
// the admin channel (localsigner token-carriers).
func (s *Server) SetClientFlags(id string, query, cookie bool) error {
	_, err := s.iss.SetClientFlags(id, query, cookie)
	if errors.Is(err, authz.ErrNotFound) {
		return fmt.Errorf("no client %q", id)
	}
	return err
}
