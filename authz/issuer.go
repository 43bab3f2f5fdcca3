package authz

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Lifetimes of what the Issuer hands out.
type Lifetimes struct {
	Code     time.Duration // authorization codes; at most 60 s
	Access   time.Duration // access tokens from the code flow and refresh
	Implicit time.Duration // access tokens in a redirect; at most 10 min
	Refresh  time.Duration // each refresh token, renewed on rotation
	// Replay is how long a redeemed code is remembered so that a second
	// use is recognised and revokes what the first one produced.
	Replay time.Duration
}

// DefaultLifetimes are the production values.
var DefaultLifetimes = Lifetimes{
	Code:     60 * time.Second,
	Access:   time.Hour,
	Implicit: 10 * time.Minute,
	Refresh:  30 * 24 * time.Hour,
	Replay:   10 * time.Minute,
}

// Upper bounds the configuration may not exceed.
const (
	maxCodeLifetime     = 60 * time.Second
	maxImplicitLifetime = 10 * time.Minute
)

// IssuerConfig configures an Issuer.
type IssuerConfig struct {
	Store   Store
	Catalog Catalog
	// Chain is the chain every grant is for ("devnet", "hive", ...).
	Chain string
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
	// Lifetimes; zero fields take DefaultLifetimes.
	Lifetimes Lifetimes
	// VerifySigned, if set, lets Lookup accept signed app tokens (JWTs):
	// it checks one and returns its jti and client id (see signed.go).
	VerifySigned SignedVerifier
	// Retention bounds the audit log; zero fields take DefaultRetention's.
	Retention Retention
}

// Issuer is the OAuth core: it decides and records grants, and issues,
// rotates, revokes and looks up codes and tokens. It knows nothing of HTTP;
// every change is one storage transaction, so concurrent calls cannot both
// redeem one code or rotate one refresh token (Lookup's throttled LastUsed
// write is a separate one). Safe for concurrent use.
type Issuer struct {
	store Store
	cat   Catalog
	chain string
	now   func() time.Time
	life  Lifetimes

	verifySigned SignedVerifier
	retention    Retention

	// changeMu guards changed, closed (and replaced) after every committed
	// write, so that requests waiting on a grant learn at once that it may
	// have gone.
	changeMu sync.Mutex
	changed  chan struct{}

	// useMu guards lastUse: when each grant's LastUsed was last written,
	// to throttle those writes (see noteUse).
	useMu   sync.Mutex
	lastUse map[string]time.Time
}

// NewIssuer checks cfg and returns an Issuer.
func NewIssuer(cfg IssuerConfig) (*Issuer, error) {
	if cfg.Store == nil || cfg.Catalog == nil || cfg.Chain == "" {
		return nil, errors.New("authz: issuer needs a store, a catalog and a chain")
	}
	l := cfg.Lifetimes
	d := DefaultLifetimes
	for _, f := range []struct{ v, def *time.Duration }{
		{&l.Code, &d.Code}, {&l.Access, &d.Access}, {&l.Implicit, &d.Implicit},
		{&l.Refresh, &d.Refresh}, {&l.Replay, &d.Replay},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	if l.Code > maxCodeLifetime || l.Implicit > maxImplicitLifetime {
		return nil, fmt.Errorf("authz: code lifetime must be at most %s and implicit token lifetime at most %s", maxCodeLifetime, maxImplicitLifetime)
	}
	if l.Replay < l.Code {
		l.Replay = l.Code
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	ret := cfg.Retention
	if ret.Keep <= 0 {
		ret.Keep = DefaultRetention.Keep
	}
	return &Issuer{store: cfg.Store, cat: cfg.Catalog, chain: cfg.Chain, now: now, life: l, verifySigned: cfg.VerifySigned,
		retention: ret}, nil
}

// update runs fn in a write transaction of the store and, if it committed,
// tells the waiters of Changed.
func (is *Issuer) update(fn func(Tx) error) error {
	err := is.store.Update(fn)
	if err == nil {
		is.changeMu.Lock()
		if is.changed != nil {
			close(is.changed)
			is.changed = nil
		}
		is.changeMu.Unlock()
	}
	return err
}

// Changed returns a channel that is closed at the next committed change of
// the grants, tokens or clients: a revocation, a narrowing, a new grant. A
// request waiting for the user takes it before re-reading its grant, and
// re-reads the grant whenever it closes.
func (is *Issuer) Changed() <-chan struct{} {
	is.changeMu.Lock()
	defer is.changeMu.Unlock()
	if is.changed == nil {
		is.changed = make(chan struct{})
	}
	return is.changed
}

// Catalog returns the operation catalog scopes are checked against.
func (is *Issuer) Catalog() Catalog { return is.cat }

// Chain returns the chain grants are made for.
func (is *Issuer) Chain() string { return is.chain }

// Lifetimes returns the lifetimes in force.
func (is *Issuer) Lifetimes() Lifetimes { return is.life }

// CheckClient finds the client of an authorization request and checks its
// redirect URI: exactly a registered one for an app, exactly the approved
// one for a known public client. An unknown client_id is a new public
// client (known is false): its redirect URI is whatever the user will see
// and approve. Errors must be shown to the user, never redirected.
func (is *Issuer) CheckClient(r *AuthorizeRequest) (c *Client, known bool, err error) {
	err = is.store.View(func(tx Tx) error {
		got, err := tx.Client(r.ClientID)
		if errors.Is(err, ErrNotFound) {
			c = &Client{ID: r.ClientID, Kind: Public, RedirectURIs: []string{r.RedirectURI}}
			return nil
		}
		if err != nil {
			return err
		}
		if !MatchRedirectURI(got.RedirectURIs, r.RedirectURI) {
			// A client_id names one site: a proof of sign-in or a token
			// for it must never go to another one, so it is not re-bound.
			if origins := got.Origins(); len(origins) > 0 && !slices.Contains(origins, r.Origin) {
				return oauthErr(CodeInvalidRequest, "client_id %s is bound to %s; a page at %s cannot use it (pick another client_id)",
					r.ClientID, strings.Join(origins, ", "), r.Origin)
			}
			return oauthErr(CodeInvalidRequest, "redirect_uri is not the one registered or approved for this client")
		}
		c, known = got, true
		return nil
	})
	return c, known, err
}

// Precheck applies the client's policy to a request before anyone is asked:
// an app may only ask for its registered scopes and uses the implicit flow
// only if registered for it. Errors may be redirected.
func (is *Issuer) Precheck(c *Client, r *AuthorizeRequest) error {
	if r.Type == ResponseCode && r.Challenge == "" && c.Kind != App {
		return oauthErr(CodeInvalidRequest, "PKCE is required: code_challenge is missing")
	}
	if c.Kind == App {
		if !c.Scopes.Covers(r.Scopes) {
			return oauthErr(CodeInvalidScope, "scope exceeds what this app is registered for")
		}
		if r.Type == ResponseToken && !c.Implicit {
			return oauthErr(CodeUnauthorizedClient, "the implicit flow is not enabled for this app")
		}
	}
	return nil
}

// Approval is what the user decided for one authorization request.
type Approval struct {
	Request *AuthorizeRequest
	Account string
	Scopes  Scopes // a non-empty subset of Request.Scopes
	// AllowImplicit enables response_type=token for a public client; the
	// user must opt in explicitly.
	AllowImplicit bool
}

// AuthorizeResult is what goes back in the redirect.
type AuthorizeResult struct {
	GrantID     string
	Code        string // code flow
	AccessToken string // implicit flow
	ExpiresIn   int64  // implicit flow, seconds
	Account     string
	Scopes      Scopes
}

// Authorize records an approved request as a grant and issues its code (or,
// in the implicit flow, its access token). For a new public client it also
// records the client bound to the approved redirect URI.
func (is *Issuer) Authorize(a Approval) (*AuthorizeResult, error) {
	r := a.Request
	if len(a.Scopes) == 0 || !r.Scopes.Covers(a.Scopes) {
		return nil, oauthErr(CodeInvalidScope, "granted scopes must be a non-empty subset of those requested")
	}
	if !validAccount(a.Account) {
		return nil, oauthErr(CodeInvalidRequest, "no valid account chosen")
	}
	now := is.now()
	var res *AuthorizeResult
	err := is.update(func(tx Tx) error {
		c, err := tx.Client(r.ClientID)
		switch {
		case errors.Is(err, ErrNotFound):
			c = &Client{ID: r.ClientID, Kind: Public, RedirectURIs: []string{r.RedirectURI}, CreatedAt: now}
		case err != nil:
			return err
		case !MatchRedirectURI(c.RedirectURIs, r.RedirectURI):
			return oauthErr(CodeInvalidRequest, "redirect_uri is not the one registered or approved for this client")
		}
		if c.Kind == Public && r.Type == ResponseToken && a.AllowImplicit {
			c.Implicit = true
		}
		if err := is.Precheck(c, r); err != nil {
			return err
		}
		if r.Type == ResponseToken && !c.Implicit {
			return oauthErr(CodeUnauthorizedClient, "the implicit flow was not enabled for this client")
		}
		if c.Kind == Public {
			if err := tx.PutClient(c); err != nil {
				return err
			}
		}
		scopes := a.Scopes
		if r.Type == ResponseToken {
			scopes = scopes.Without(ScopeOffline) // no refresh tokens in a redirect
			if len(scopes) == 0 {
				scopes = Scopes{ScopeLogin}
			}
		}
		gid, err := newID("g_", 12)
		if err != nil {
			return err
		}
		g := &Grant{ID: gid, ClientID: c.ID, RedirectURI: r.RedirectURI, Origin: r.Origin, Chain: is.chain,
			Account: a.Account, Scopes: scopes, Implicit: r.Type == ResponseToken, CreatedAt: now, Nonce: r.Nonce}
		if err := tx.PutGrant(g); err != nil {
			return err
		}
		res = &AuthorizeResult{GrantID: gid, Account: a.Account, Scopes: scopes}
		if r.Type == ResponseToken {
			fam, err := newID("f_", 8)
			if err != nil {
				return err
			}
			res.AccessToken, err = is.issue(tx, g, KindAccess, fam, scopes, is.life.Implicit, now)
			if err != nil {
				return err
			}
			res.ExpiresIn = int64(is.life.Implicit / time.Second)
		} else {
			code, err := NewSecret(PrefixCode)
			if err != nil {
				return err
			}
			t := &Token{Digest: DigestOf(code), Kind: KindCode, GrantID: g.ID, ClientID: c.ID, Chain: is.chain,
				Account: a.Account, Scopes: scopes, IssuedAt: now, ExpiresAt: now.Add(is.life.Code),
				KeepUntil: now.Add(is.life.Replay), RedirectURI: r.RedirectURI, Challenge: r.Challenge}
			if err := tx.PutToken(t); err != nil {
				return err
			}
			res.Code = code
		}
		return tx.AppendAudit(&Event{Time: now, Type: EventApproved, ClientID: c.ID, Origin: r.Origin,
			Account: a.Account, GrantID: gid, Scopes: scopes, Detail: "response_type=" + string(r.Type)})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// issue creates and stores one access or refresh token for grant g.
func (is *Issuer) issue(tx Tx, g *Grant, kind TokenKind, family string, scopes Scopes, ttl time.Duration, now time.Time) (string, error) {
	prefix := PrefixAccess
	if kind == KindRefresh {
		prefix = PrefixRefresh
	}
	secret, err := NewSecret(prefix)
	if err != nil {
		return "", err
	}
	exp := now.Add(ttl)
	t := &Token{Digest: DigestOf(secret), Kind: kind, GrantID: g.ID, ClientID: g.ClientID, Chain: g.Chain,
		Account: g.Account, Scopes: scopes, IssuedAt: now, ExpiresAt: exp, KeepUntil: exp, Family: family}
	if err := tx.PutToken(t); err != nil {
		return "", err
	}
	return secret, nil
}

// authenticate checks a client's credentials: an app must present its
// secret, a public client must present none. The secret is compared by
// digest in constant time.
func authenticate(tx Tx, creds ClientCredentials) (*Client, error) {
	c, err := tx.Client(creds.ID)
	if errors.Is(err, ErrNotFound) {
		return nil, oauthErr(CodeInvalidClient, "unknown client")
	}
	if err != nil {
		return nil, err
	}
	switch c.Kind {
	case App:
		if creds.Method != AuthBasic && creds.Method != AuthPost {
			return nil, oauthErr(CodeInvalidClient, "client authentication required")
		}
		if c.SecretDigest == nil || !DigestOf(creds.Secret).Equal(*c.SecretDigest) {
			return nil, oauthErr(CodeInvalidClient, "client authentication failed")
		}
	case Public:
		if creds.Method != AuthNone {
			return nil, oauthErr(CodeInvalidClient, "this client has no secret")
		}
	default:
		return nil, oauthErr(CodeInvalidClient, "unknown client")
	}
	return c, nil
}

// ClientOrigins returns the browser origins of a client's redirect URIs,
// or nil for an unknown client.
func (is *Issuer) ClientOrigins(id string) ([]string, error) {
	var out []string
	err := is.store.View(func(tx Tx) error {
		c, err := tx.Client(id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		out = c.Origins()
		return nil
	})
	return out, err
}

// OriginAllowed reports whether origin is the origin of some client's
// registered or approved redirect URI: a browser request may come from it
// at all. It is an index lookup, since every browser request asks.
func (is *Issuer) OriginAllowed(origin string) (bool, error) {
	var ok bool
	err := is.store.View(func(tx Tx) error {
		var err error
		ok, err = tx.OriginAllowed(origin)
		return err
	})
	return ok, err
}
