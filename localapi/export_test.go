package localapi

import (
	"context"

	"localsigner/authz"
	"localsigner/signer/tx"
)

// SignAndBroadcastForTest exposes the sign-and-broadcast core to the
// external tests and benchmarks.
func (s *Server) SignAndBroadcastForTest(ctx context.Context, grant *authz.Token, ops []tx.Operation) (*BroadcastResult, error) {
	return s.signAndBroadcast(ctx, grant, ops)
}
