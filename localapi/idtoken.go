package localapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"localsigner/authz"
	"localsigner/localapi/jose"
	"localsigner/wallet"
)

// attachIDToken adds an id_token to the answer of an authorization_code
// exchange whose grant includes login: proof of the sign-in, signed ES256K
// by the account's own key in the vault, that the dapp's backend can
// verify against the chain (see jose.IDClaims). If the vault stays locked
// or holds no such key, the answer goes out without one and the reason is
// logged: the code is already spent.
func (s *Server) attachIDToken(ctx context.Context, clientID string, resp *authz.TokenResponse) {
	if resp == nil || resp.Username == "" {
		return
	}
	key, err := s.w.Login(ctx, resp.Username, authz.Scopes(strings.Fields(resp.Scope)))
	if errors.Is(err, wallet.ErrInsufficientScope) {
		return
	}
	if err != nil {
		s.log.Warn("id_token not issued", "client", clientID, "err", err)
		return
	}
	role, pub := key.Role, key.PublicKey
	now := s.cfg.Now()
	c := &jose.IDClaims{Nonce: resp.Nonce, Chain: s.chain.Name, KeyRole: role, PublicKey: pub.Format(s.chain.Prefix),
		Origin: resp.Origin, RedirectURI: resp.RedirectURI,
		RegisteredClaims: jwt.RegisteredClaims{Issuer: s.IssuerURL(), Subject: resp.Username,
			Audience: jwt.ClaimStrings{clientID}, IssuedAt: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(jose.IDTokenLifetime))}}
	kid := resp.Username + "@" + s.chain.Name + "/" + role
	tok, err := jose.SignIDToken(c, kid, func(d [32]byte) ([]byte, error) {
		sig, err := key.Sign(d)
		if err != nil {
			return nil, err
		}
		return jose.CompactToJWS(sig[:])
	})
	if err != nil {
		s.log.Warn("id_token not issued", "client", clientID, "err", err)
		return
	}
	resp.IDToken = tok
}

// idTokenFor is the hook serveToken calls after a successful token
// request: authorization_code exchanges get an id_token.
func (s *Server) idTokenFor(r *http.Request, tr *authz.TokenRequest, resp *authz.TokenResponse) {
	if tr.GrantType == authz.GrantAuthorizationCode {
		s.attachIDToken(r.Context(), tr.Client.ID, resp)
	}
}
