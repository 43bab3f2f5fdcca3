// Package localapi is Localsigner's local HTTP server: the OAuth 2.0
// authorization server dapps use to get permission without ever seeing a
// key, and later the dapp API that uses those permissions.
//
// It listens on loopback only, and since every website the user visits can
// make the browser send requests to 127.0.0.1, every request passes one
// entry check before routing (entry.go): Host allow-list against DNS
// rebinding, Origin and Sec-Fetch-Site checks against cross-site requests,
// body size limits and security headers. Routes are a sorted table of
// serveX methods; the OAuth logic itself lives in package authz.
//
// Authorization requests wait in an approval queue until the user decides
// (Approver; Queue serves the admin channel, the GUI plugs in later).
package localapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"localsigner/authz"
	"localsigner/localapi/jose"
	"localsigner/signer/chain"
)

// DefaultListen is the address the server listens on unless told otherwise.
const DefaultListen = "127.0.0.1:7777"

// Defaults for how long an authorization request may wait.
const (
	DefaultApprovalTimeout = 5 * time.Minute
	DefaultUnlockWait      = 2 * time.Minute
)

// ErrPortInUse means the port is taken; the server never picks another one
// silently, since dapps are configured with it.
var ErrPortInUse = errors.New("port already in use")

// Vault is what the server needs from the key vault: whether it is locked,
// locking and unlocking it for the admin channel, and which accounts it
// holds keys for. The signer's vault facade satisfies it through a small
// adapter in the composition root.
type Vault interface {
	Locked() bool
	Unlock(passphrase []byte) error
	Lock()
	// Accounts lists the accounts with at least one key on chain; it fails
	// while the vault is locked.
	Accounts(chain string) ([]string, error)
}

// Config configures a Server.
type Config struct {
	// Listen is "127.0.0.1:PORT" (default DefaultListen), "[::1]:PORT" or
	// "localhost:PORT". Port 0 picks a free port (tests). Non-loopback
	// addresses are refused.
	Listen string
	// Chain is the chain grants are made for; Catalog its operations.
	Chain   string
	Catalog authz.Catalog
	Store   authz.Store
	Vault   Vault
	// Approver asks the user; nil means the server's own Queue.
	Approver Approver
	// Logger receives operational logs (never secrets); nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now       func() time.Time
	Lifetimes authz.Lifetimes
	Limits    Limits
	// ApprovalTimeout bounds how long the browser waits for a decision.
	ApprovalTimeout time.Duration
	// UnlockWait bounds how long a request waits for a locked vault.
	UnlockWait time.Duration
	// SweepInterval is how often expired codes and tokens are deleted
	// (default one minute).
	SweepInterval time.Duration

	// Node reads accounts and broadcasts for the dapp API; nil makes
	// /api/broadcast and /api/me answer that no node is reachable.
	Node NodeClient
	// ChainParams are the parameters of Chain (id, key prefix, assets),
	// for decoding and signing dapp transactions; nil looks Chain up with
	// chain.Lookup.
	ChainParams *chain.Chain
	// Signer signs dapp transactions; nil uses Vault if it is a Signer
	// (SignerVault is).
	Signer Signer
	// ConfirmTimeout bounds how long a dapp transaction waits for the
	// user's confirmation (default ApprovalTimeout).
	ConfirmTimeout time.Duration
	// AccountCacheTTL is how long /api/me reuses an account read from the
	// node (default 3 s, one Hive block; negative disables the cache).
	AccountCacheTTL time.Duration
	// InstanceKey signs app tokens (POST /auth/token); nil makes a key that
	// lives as long as the process. The composition root loads it from the
	// store (store.DB.InstanceKey).
	InstanceKey *jose.InstanceKey
}

// Server is the local HTTP server. Create it with New, bind with Listen,
// run with Serve.
type Server struct {
	cfg      Config
	iss      *authz.Issuer
	queue    *Queue
	approver Approver
	log      *slog.Logger
	limits   Limits
	endpoint *limiter // per client per endpoint
	prompts  *limiter // per redirect origin

	// The dapp API (broadcast.go, dappapi.go).
	chain      *chain.Chain
	node       NodeClient
	signer     Signer
	accountIDs sync.Map // Graphene: account name → "1.2.N"
	accounts   *accountCache
	jwtKey     *jose.InstanceKey // signs app tokens (apptoken.go)

	mu        sync.Mutex
	listeners []net.Listener
	port      int
	hosts     map[string]bool // allowed Host header values
	issuer    string          // "http://127.0.0.1:PORT"
}

// New checks cfg and builds a server; it does not listen yet.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Vault == nil || cfg.Catalog == nil || cfg.Chain == "" {
		return nil, errors.New("localapi: config needs Store, Vault, Catalog and Chain")
	}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ApprovalTimeout <= 0 {
		cfg.ApprovalTimeout = DefaultApprovalTimeout
	}
	if cfg.UnlockWait <= 0 {
		cfg.UnlockWait = DefaultUnlockWait
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = time.Minute
	}
	if cfg.ConfirmTimeout <= 0 {
		cfg.ConfirmTimeout = cfg.ApprovalTimeout
	}
	if cfg.AccountCacheTTL == 0 {
		cfg.AccountCacheTTL = 3 * time.Second
	}
	params := cfg.ChainParams
	if params == nil {
		var err error
		if params, err = chain.Lookup(cfg.Chain, ""); err != nil {
			return nil, fmt.Errorf("localapi: chain %q: %w (set Config.ChainParams)", cfg.Chain, err)
		}
	}
	sig := cfg.Signer
	if sig == nil {
		sig, _ = cfg.Vault.(Signer)
	}
	if sig == nil {
		return nil, errors.New("localapi: config needs a Signer (or a Vault that is one)")
	}
	jwtKey, err := loadInstanceKey(cfg.InstanceKey)
	if err != nil {
		return nil, err
	}
	var s *Server // the issuer's app token check needs the server's issuer URL
	iss, err := authz.NewIssuer(authz.IssuerConfig{Store: cfg.Store, Catalog: cfg.Catalog, Chain: cfg.Chain,
		Now: cfg.Now, Lifetimes: cfg.Lifetimes,
		VerifySigned: func(t string) (string, string, error) { return s.verifyAppToken(t) }})
	if err != nil {
		return nil, err
	}
	s = &Server{cfg: cfg, iss: iss, log: cfg.Logger, limits: cfg.Limits.withDefaults(),
		chain: params, node: cfg.Node, signer: sig, accounts: newAccountCache(cfg.AccountCacheTTL, cfg.Now), jwtKey: jwtKey}
	s.endpoint = newLimiter(s.limits.PerMinute, s.limits.Burst, cfg.Now)
	s.prompts = newLimiter(s.limits.PromptsPerMinute, s.limits.PromptBurst, cfg.Now)
	s.queue = NewQueue(s.limits.MaxPending, s.limits.MaxPendingPerOrigin, s.completeDecision)
	s.approver = cfg.Approver
	if s.approver == nil {
		s.approver = s.queue
	}
	return s, nil
}

// Issuer returns the OAuth core, for the dapp API and the admin channel.
func (s *Server) Issuer() *authz.Issuer { return s.iss }

// Queue returns the approval queue (the admin channel and GUI decide there).
func (s *Server) Queue() *Queue { return s.queue }

// Listen binds the configured loopback address and, on the same port, the
// other loopback family if it is available. A taken port is an error
// wrapping ErrPortInUse that names the port.
func (s *Server) Listen() error {
	host, portStr, err := net.SplitHostPort(s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen address %q: want 127.0.0.1:PORT", s.cfg.Listen)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return fmt.Errorf("listen address %q: invalid port", s.cfg.Listen)
	}
	var primary, secondary string
	switch host {
	case "127.0.0.1", "localhost":
		primary, secondary = "127.0.0.1", "::1"
	case "::1":
		primary, secondary = "::1", "127.0.0.1"
	default:
		return fmt.Errorf("listen address %q: only loopback (127.0.0.1, [::1], localhost) is allowed", s.cfg.Listen)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(primary, portStr))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%w: %s is taken (is Localsigner or another program already using it?); choose another with --listen 127.0.0.1:PORT", ErrPortInUse, net.JoinHostPort(primary, portStr))
		}
		return fmt.Errorf("listen on %s: %w", net.JoinHostPort(primary, portStr), err)
	}
	port = ln.Addr().(*net.TCPAddr).Port
	lns := []net.Listener{ln}
	if ln2, err := net.Listen("tcp", net.JoinHostPort(secondary, strconv.Itoa(port))); err == nil {
		lns = append(lns, ln2)
	} else {
		s.log.Info("not listening on the other loopback address", "addr", net.JoinHostPort(secondary, strconv.Itoa(port)), "err", err)
	}
	p := strconv.Itoa(port)
	s.mu.Lock()
	s.listeners, s.port = lns, port
	s.hosts = map[string]bool{"127.0.0.1:" + p: true, "[::1]:" + p: true, "localhost:" + p: true}
	s.issuer = "http://127.0.0.1:" + p
	s.mu.Unlock()
	return nil
}

// Port returns the bound port (after Listen).
func (s *Server) Port() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// IssuerURL is the issuer identifier (RFC 8414, RFC 9207): the base URL on
// 127.0.0.1, whichever loopback name a request used.
func (s *Server) IssuerURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issuer
}

// Serve answers requests until ctx ends, then shuts down: pending approvals
// fail, open requests get five seconds to finish. It needs Listen first.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	lns := s.listeners
	s.mu.Unlock()
	if len(lns) == 0 {
		return errors.New("localapi: Serve before Listen")
	}
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, len(lns))
	for _, ln := range lns {
		s.log.Info("listening", "addr", ln.Addr().String())
		go func() { errc <- hs.Serve(ln) }()
	}
	go s.sweepLoop(base)
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	cancelBase() // ends waiting approvals
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (s *Server) sweepLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.iss.Sweep(); err != nil {
				s.log.Error("sweep expired tokens", "err", err)
			} else if n > 0 {
				s.log.Debug("swept expired records", "count", n)
			}
		}
	}
}

// route is one entry of the routing table.
type route struct {
	path    string
	methods []string
	maxBody int64 // bytes; 0 allows no body
	serve   func(*Server, http.ResponseWriter, *http.Request)
}

// maxOAuthBody bounds request bodies of the OAuth endpoints.
const maxOAuthBody = 64 << 10

// routes is sorted by path; lookupRoute binary-searches it and a test keeps
// it sorted.
var routes = []route{
	{"/.well-known/jwks.json", []string{http.MethodGet}, 0, (*Server).serveJWKS},
	{"/.well-known/oauth-authorization-server", []string{http.MethodGet}, 0, (*Server).serveMetadata},
	{"/api/broadcast", []string{http.MethodPost}, maxBroadcastBody, (*Server).serveBroadcast},
	{"/api/decode", []string{http.MethodGet, http.MethodPost, http.MethodPut}, maxOAuthBody, (*Server).serveDecode},
	{"/api/me", []string{http.MethodGet, http.MethodPost, http.MethodPut}, maxOAuthBody, (*Server).serveMe},
	{"/api/oauth2/token/revoke", []string{http.MethodPost}, maxOAuthBody, (*Server).serveAPIRevoke},
	{"/api/token", []string{http.MethodGet}, 0, (*Server).serveTokenInfo},
	{"/api/v1/app/operations", []string{http.MethodPost}, maxBroadcastBody, (*Server).serveIDOperations},
	{"/api/v1/auth/exchange", []string{http.MethodPost}, maxOAuthBody, (*Server).serveIDExchange},
	{"/api/v1/auth/refreshtoken", []string{http.MethodPost}, maxOAuthBody, (*Server).serveIDRefresh},
	{"/api/v1/auth/token", []string{http.MethodPost}, maxOAuthBody, (*Server).serveIDPassword},
	{"/auth/token", []string{http.MethodPost}, maxOAuthBody, (*Server).serveAppToken},
	{"/oauth2/authorize", []string{http.MethodGet}, 0, (*Server).serveAuthorize},
	{"/oauth2/introspect", []string{http.MethodPost}, maxOAuthBody, (*Server).serveIntrospect},
	{"/oauth2/revoke", []string{http.MethodPost}, maxOAuthBody, (*Server).serveRevoke},
	{"/oauth2/token", []string{http.MethodPost}, maxOAuthBody, (*Server).serveToken},
	{permissionsPath, []string{http.MethodGet}, 0, (*Server).serveAuthorize},
}

func lookupRoute(path string) *route {
	i := sort.Search(len(routes), func(i int) bool { return routes[i].path >= path })
	if i < len(routes) && routes[i].path == path {
		return &routes[i]
	}
	return nil
}
