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
// The server holds no policy: every transaction, grant request, sign-in
// proof and memo goes to the wallet, which decides, asks the user and
// signs. Handlers decode the wire formats of OAuth 2, Hivesigner, PeerID
// and app tokens, call the wallet, and map its errors back.
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
	"strings"
	"sync"
	"syscall"
	"time"

	"localsigner/authz"
	"localsigner/internal/ratelimit"
	"localsigner/localapi/jose"
	"localsigner/signer/chain"
	"localsigner/signer/node"
	"localsigner/wallet"
)

// DefaultListen is the address the server listens on unless told otherwise.
const DefaultListen = "127.0.0.1:7777"

// ErrPortInUse means the port is taken; the server never picks another one
// silently, since dapps are configured with it.
var ErrPortInUse = errors.New("port already in use")

// Vault is what the server needs from the key vault: whether it is locked,
// locking and unlocking it for the admin channel, and which accounts it
// holds keys for. *signer.Vault satisfies it.
type Vault interface {
	Locked() bool
	Unlock(passphrase []byte) error
	Lock()
	// Accounts lists the accounts with at least one key on chain; it fails
	// while the vault is locked.
	Accounts(chain string) ([]string, error)
}

// Node is what the doors read from the chain themselves: accounts for
// /api/me, and for PeerID the account ids, fees and memo keys its
// operations name. Signing and broadcasting go through the wallet.
// *node.Client satisfies it.
type Node interface {
	// Accounts looks accounts up by name, in the order asked.
	Accounts(ctx context.Context, names []string) ([]node.Account, error)
	// API calls one method of a node API (database_api on Graphene).
	API(ctx context.Context, api, method string, params any, result any) error
}

var _ Node = (*node.Client)(nil)

// Config configures a Server.
type Config struct {
	// Listen is "127.0.0.1:PORT" (default DefaultListen), "[::1]:PORT" or
	// "localhost:PORT". Port 0 picks a free port (tests). Non-loopback
	// addresses are refused.
	Listen string
	// Wallet decides, confirms and signs every transaction and grant; its
	// chain and catalog are the server's.
	Wallet *wallet.Wallet
	// Issuer is the OAuth core over the grant store (the same the wallet
	// reads).
	Issuer *authz.Issuer
	Vault  Vault
	// Node is read for /api/me and PeerID's operations; nil makes them
	// answer that no node is reachable.
	Node Node
	// Logger receives operational logs (never secrets); nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Limits Limits
	// SweepInterval is how often expired codes and tokens are deleted
	// (default one minute).
	SweepInterval time.Duration
	// AccountCacheTTL is how long /api/me reuses an account read from the
	// node (default 3 s, one Hive block; negative disables the cache).
	AccountCacheTTL time.Duration
	// InstanceKey signs app tokens (POST /auth/token); nil makes a key that
	// lives as long as the process. The composition root loads it from the
	// store (store.DB.InstanceKey).
	InstanceKey *jose.InstanceKey
	// ShowWindow, set by the desktop app, brings its window to the front
	// when the browser extension's popup asks (its "Open Localsigner");
	// nil for a headless server, which has no window to show.
	ShowWindow func()
}

// Server is the local HTTP server. Create it with New, bind with Listen,
// run with Serve.
type Server struct {
	cfg      Config
	iss      *authz.Issuer
	w        *wallet.Wallet
	log      *slog.Logger
	limits   Limits
	endpoint *ratelimit.Limiter // per client per endpoint

	chain    *chain.Chain
	cat      authz.Catalog
	node     Node
	accounts *accountCache
	jwtKey   *jose.InstanceKey // signs app tokens (apptoken.go)

	mu        sync.Mutex
	listeners []net.Listener
	port      int
	hosts     map[string]bool // allowed Host header values
	issuer    string          // "http://127.0.0.1:PORT"
}

// New checks cfg and builds a server; it does not listen yet.
func New(cfg Config) (*Server, error) {
	if cfg.Wallet == nil || cfg.Issuer == nil || cfg.Vault == nil {
		return nil, errors.New("localapi: config needs Wallet, Issuer and Vault")
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
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = time.Minute
	}
	if cfg.AccountCacheTTL == 0 {
		cfg.AccountCacheTTL = 3 * time.Second
	}
	jwtKey, err := loadInstanceKey(cfg.InstanceKey)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, iss: cfg.Issuer, w: cfg.Wallet, log: cfg.Logger, limits: cfg.Limits.withDefaults(),
		chain: cfg.Wallet.Chain(), cat: cfg.Wallet.Catalog(), node: cfg.Node,
		accounts: newAccountCache(cfg.AccountCacheTTL, cfg.Now), jwtKey: jwtKey}
	s.endpoint = ratelimit.New(s.limits.PerMinute, s.limits.Burst, cfg.Now)
	return s, nil
}

// Issuer returns the OAuth core, for the dapp API and the admin channel.
func (s *Server) Issuer() *authz.Issuer { return s.iss }

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
	var lns []net.Listener
	for attempt := 0; ; attempt++ {
		lns, port, err = s.listenBoth(primary, secondary, portStr)
		// A free port picked at random may be taken on the other family
		// by chance: pick another. A port the user chose is an error.
		if err == nil || portStr != "0" || !errors.Is(err, ErrPortInUse) || attempt == 4 {
			break
		}
	}
	if err != nil {
		return err
	}
	p := strconv.Itoa(port)
	s.mu.Lock()
	s.listeners, s.port = lns, port
	s.hosts = map[string]bool{"127.0.0.1:" + p: true, "[::1]:" + p: true, "localhost:" + p: true}
	s.issuer = "http://127.0.0.1:" + p
	s.mu.Unlock()
	return nil
}

// listenBoth binds the port on the primary loopback address and then on the
// other one. Another program holding the port on either is ErrPortInUse:
// listening on one only would hand it what clients send to localhost:PORT
// over the other. A system without the other family (no IPv6) is fine.
func (s *Server) listenBoth(primary, secondary, portStr string) ([]net.Listener, int, error) {
	taken := func(addr string) error {
		return fmt.Errorf("%w: %s is taken (is Localsigner or another program already using it?); choose another with --listen 127.0.0.1:PORT", ErrPortInUse, addr)
	}
	addr := net.JoinHostPort(primary, portStr)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, 0, taken(addr)
		}
		return nil, 0, fmt.Errorf("listen on %s: %w", addr, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	addr2 := net.JoinHostPort(secondary, strconv.Itoa(port))
	ln2, err := net.Listen("tcp", addr2)
	switch {
	case err == nil:
		return []net.Listener{ln, ln2}, port, nil
	case errors.Is(err, syscall.EADDRINUSE):
		ln.Close()
		return nil, 0, taken(addr2)
	}
	s.log.Info("not listening on the other loopback address (not available on this system)", "addr", addr2, "err", err)
	return []net.Listener{ln}, port, nil
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
	cancelBase() // ends waiting requests, which withdraws their prompts
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
			if n, err := s.iss.Sweep(); errors.Is(err, authz.ErrSealed) {
				continue // not unlocked since the start: nothing to read yet
			} else if err != nil {
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
	{"/bridge/call", []string{http.MethodPost}, maxBridgeBody, (*Server).serveBridgeCall},
	{"/bridge/pair", []string{http.MethodPost}, maxOAuthBody, (*Server).serveBridgePair},
	{"/bridge/show", []string{http.MethodPost}, 0, (*Server).serveBridgeShow},
	{"/bridge/status", []string{http.MethodGet}, 0, (*Server).serveBridgeStatus},
	{"/oauth2/authorize", []string{http.MethodGet}, 0, (*Server).serveAuthorize},
	{"/oauth2/introspect", []string{http.MethodPost}, maxOAuthBody, (*Server).serveIntrospect},
	{"/oauth2/revoke", []string{http.MethodPost}, maxOAuthBody, (*Server).serveRevoke},
	{"/oauth2/token", []string{http.MethodPost}, maxOAuthBody, (*Server).serveToken},
	{permissionsPath, []string{http.MethodGet}, 0, (*Server).serveAuthorize},
}

// bridge reports whether the route is the browser extension's: its
// handlers accept only extension origins (which no web page has), with the
// pairing credential, and never answer a page's CORS request.
func (rt *route) bridge() bool { return strings.HasPrefix(rt.path, "/bridge/") }

// navigation reports whether the route is an authorization page, which a
// browser reaches by navigating to it and a script never reads: no CORS.
func (rt *route) navigation() bool {
	return rt.path == "/oauth2/authorize" || rt.path == permissionsPath
}

func lookupRoute(path string) *route {
	i := sort.Search(len(routes), func(i int) bool { return routes[i].path >= path })
	if i < len(routes) && routes[i].path == path {
		return &routes[i]
	}
	return nil
}
