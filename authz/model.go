package authz

import "time"

// ClientKind tells public dapps from registered apps.
type ClientKind string

const (
	// Public clients are web dapps: they choose their own client_id, have
	// no secret, and are bound to the redirect URI the user first approved
	// for them. Their record is created at that first approval.
	Public ClientKind = "public"
	// App clients are registered by the user (apps add) for their own
	// scripts: they get an id and a secret and may use client_credentials.
	App ClientKind = "app"
	// Bridge clients are paired browser extensions (the Keychain bridge):
	// a secret that lets the extension pass its sites' requests on, and
	// nothing else; no OAuth endpoint accepts them.
	Bridge ClientKind = "bridge"
)

// Client is a dapp or app known to the server.
type Client struct {
	ID   string     `json:"id"`
	Name string     `json:"name,omitempty"`
	Kind ClientKind `json:"kind"`
	// SecretDigest is the SHA-256 of an app's secret; zero for public
	// clients. The secret itself is shown once at registration.
	SecretDigest *Digest `json:"secret_sha256,omitempty"`
	// RedirectURIs are matched exactly. A public client has exactly the
	// one first approved; an app has those given at registration, or none.
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	// Scopes bound what an app may ever be granted; nil for public clients.
	Scopes Scopes `json:"scopes,omitempty"`
	// Chain and Account: the account client_credentials tokens act for
	// (apps only; empty means the app has no client_credentials).
	Chain   string `json:"chain,omitempty"`
	Account string `json:"account,omitempty"`
	// Implicit allows response_type=token (Hivesigner's default flow) for
	// this client. Set with "apps add --implicit", or for a public client
	// when the user approves an implicit request with "approve --implicit".
	Implicit bool `json:"implicit,omitempty"`
	// QueryToken lets the client present its access token as
	// ?bearer_token= on read-only dapp API endpoints (RFC 6750 §2.3), and
	// CookieToken as a bearer_token cookie from one of its own origins.
	// Both are off by default; the header is always accepted.
	QueryToken  bool      `json:"query_token,omitempty"`
	CookieToken bool      `json:"cookie_token,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	// PasswordDigest is the SHA-256 of the app password the user generated
	// for this app alone ("apps password"); nil keeps PeerID's password
	// grant off, the default. It is never the vault passphrase.
	PasswordDigest *Digest `json:"password_sha256,omitempty"`
}

// Origins returns the browser origins of the client's redirect URIs: the
// only origins allowed to call the server from a page on the client's
// behalf (CORS and the Origin check).
func (c *Client) Origins() []string {
	var out []string
	for _, u := range c.RedirectURIs {
		if o := OriginOf(u); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// Grant is one approval: client, account and scopes the user agreed to.
// Every token issued under it names it, so revoking a grant revokes them all.
type Grant struct {
	ID          string    `json:"id"`
	ClientID    string    `json:"client_id"`
	RedirectURI string    `json:"redirect_uri,omitempty"`
	Origin      string    `json:"origin,omitempty"`
	Chain       string    `json:"chain"`
	Account     string    `json:"account"`
	Scopes      Scopes    `json:"scopes"`
	Implicit    bool      `json:"implicit,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	// Nonce is the authorization request's nonce, echoed in the id_token of
	// a login.
	Nonce string `json:"nonce,omitempty"`
	// Allowances are standing spending limits the user set for this grant
	// (see Issuer.SetAllowance); Spending is what they have covered on the
	// current UTC day.
	Allowances []Allowance `json:"allowances,omitempty"`
	Spending   *Spending   `json:"spending,omitempty"`
	// LastUsed is when a bearer token of the grant was last accepted, to
	// within a minute (see Issuer.Lookup); zero if never.
	LastUsed time.Time `json:"last_used,omitzero"`
	// NoAsk are the "don't ask again" entries the user ticked when
	// confirming this grant's transactions (see Issuer.AddNoAsk); expired
	// ones are ignored, and dropped at the next change.
	NoAsk []NoAsk `json:"no_ask,omitempty"`
}

// TokenKind is what a stored digest stands for.
type TokenKind string

// Token kinds.
const (
	KindCode    TokenKind = "code"
	KindAccess  TokenKind = "access"
	KindRefresh TokenKind = "refresh"
)

// Token is the stored record of a code, access token or refresh token,
// keyed by the digest of the secret. It answers "what does this bearer
// token grant" in one lookup: client, chain, account, scopes and expiry.
type Token struct {
	Digest    Digest    `json:"-"` // the storage key
	Kind      TokenKind `json:"kind"`
	GrantID   string    `json:"grant_id"`
	ClientID  string    `json:"client_id"`
	Chain     string    `json:"chain"`
	Account   string    `json:"account"`
	Scopes    Scopes    `json:"scopes"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// KeepUntil is when the record may be swept; after ExpiresAt for codes
	// and rotated refresh tokens, so that a replay is still recognised.
	KeepUntil time.Time `json:"keep_until"`
	// Family groups the tokens of one code exchange (and its refreshes) or
	// one client_credentials issue. On a code, it is set at redemption to the
	// family the code produced, so a replay can revoke exactly that.
	Family string `json:"family,omitempty"`
	// Spent marks a redeemed code or a rotated refresh token.
	Spent bool `json:"spent,omitempty"`
	// Code binding (RFC 6749 §4.1.3, RFC 7636).
	RedirectURI string `json:"redirect_uri,omitempty"`
	Challenge   string `json:"code_challenge,omitempty"`
}

// TokenState is the part of a token a listing shows.
type TokenState struct {
	Kind      TokenKind
	ExpiresAt time.Time
	Spent     bool
}

// Active reports whether the token can be used at now: not spent, not
// expired.
func (t *Token) Active(now time.Time) bool { return !t.Spent && now.Before(t.ExpiresAt) }

// Event is one audit log entry. Events never hold a secret: tokens and codes
// are referred to by kind and grant only.
type Event struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	Type string    `json:"type"`
	// Door is how a transaction's request came in ("hivesigner", "peerid",
	// "oauth", later the browser bridge and links); empty for other events.
	Door     string `json:"door,omitempty"`
	ClientID string `json:"client_id,omitempty"`
	Origin   string `json:"origin,omitempty"`
	Account  string `json:"account,omitempty"`
	GrantID  string `json:"grant_id,omitempty"`
	Scopes   Scopes `json:"scopes,omitempty"`
	Detail   string `json:"detail,omitempty"`
	// Operations, TxID and Outcome describe a dapp API transaction
	// (EventBroadcast): the operation names, the transaction id once
	// signed, and how it ended ("broadcast", "refused", "denied", …).
	Operations []string `json:"operations,omitempty"`
	TxID       string   `json:"tx_id,omitempty"`
	Outcome    string   `json:"outcome,omitempty"`
}

// Audit event types.
const (
	EventApproved      = "approved"
	EventDenied        = "denied"
	EventTokenIssued   = "token_issued"
	EventRefreshed     = "refreshed"
	EventCodeReplay    = "code_replay"
	EventRefreshReuse  = "refresh_reuse"
	EventRevoked       = "revoked"
	EventClientRevoked = "client_revoked"
	EventAppAdded      = "app_added"
	EventAppRemoved    = "app_removed"
	EventUnlocked      = "unlocked"
	EventUnlockFailed  = "unlock_failed"
	EventLocked        = "locked"
	EventBroadcast     = "broadcast"      // a dapp API transaction, whatever its outcome
	EventAllowanceSet  = "allowance_set"  // the user changed a grant's spending limit
	EventClientFlags   = "client_flags"   // the user changed a client's token carriers
	EventAppPassword   = "app_password"   // the user generated or removed an app password
	EventNoAskSet      = "no_ask_set"     // the user ticked "don't ask again" when confirming
	EventNoAskRemoved  = "no_ask_removed" // the user removed "don't ask again" entries
	EventMemoDecoded   = "memo_decoded"   // a dapp asked for an encrypted memo's text (never recorded)
	// EventMessageSigned: a request to sign a message (not a transaction),
	// whatever its outcome; the text is never recorded.
	EventMessageSigned = "message_signed"
	// EventRecordsRejected: stored permission records failed their check
	// (written or changed without the vault's key) and are ignored.
	EventRecordsRejected = "records_rejected"
	// EventRecordsAdopted: records of an older Localsigner were sealed at
	// the vault's first unlock since sealing exists.
	EventRecordsAdopted = "records_adopted"
	// EventPaired: a browser extension asked to be paired (the Keychain
	// bridge), whatever the user answered.
	EventPaired = "paired"
)

// AuditFilter selects audit events for AuditFind; zero fields select
// everything.
type AuditFilter struct {
	// Limit is how many of the newest matches to return; 0 is all.
	Limit int `json:"limit,omitempty"`
	// ClientID and Account must equal the event's when set.
	ClientID string `json:"client_id,omitempty"`
	Account  string `json:"account,omitempty"`
	// Since and Until bound the event's time (Since inclusive, Until
	// exclusive) when set.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// Forward pages from the oldest: only events after AfterSeq (0: from
	// the start), and Limit takes the oldest matches instead of the
	// newest. A reader of the whole log asks page by page, so that
	// neither side holds a million events at once.
	Forward  bool   `json:"forward,omitempty"`
	AfterSeq uint64 `json:"after_seq,omitempty"`
}

// Match reports whether e passes the filter's conditions (not Limit).
func (f *AuditFilter) Match(e *Event) bool {
	return e.Seq > f.AfterSeq && (f.ClientID == "" || e.ClientID == f.ClientID) && (f.Account == "" || e.Account == f.Account) &&
		(f.Since.IsZero() || !e.Time.Before(f.Since)) && (f.Until.IsZero() || e.Time.Before(f.Until))
}

// Store is transactional storage for the OAuth state. View runs fn in a
// read-only transaction, Update in a read-write one that commits if fn
// returns nil and rolls back otherwise. Package store implements it on
// bbolt.
type Store interface {
	View(fn func(Tx) error) error
	Update(fn func(Tx) error) error
}

// Tx is one storage transaction. Getters return ErrNotFound for missing
// records. Records are copied in and out: changing a returned value does
// not change storage until it is put back.
type Tx interface {
	Client(id string) (*Client, error)
	Clients() ([]Client, error)
	// OriginAllowed reports whether origin is an origin of some client's
	// redirect URIs, through an index, each hit checked against the
	// client's record.
	OriginAllowed(origin string) (bool, error)
	PutClient(c *Client) error
	DeleteClient(id string) error

	Grant(id string) (*Grant, error)
	Grants() ([]Grant, error)
	// ClientGrants returns the grants of one client, through an index
	// rather than reading every grant.
	ClientGrants(clientID string) ([]Grant, error)
	PutGrant(g *Grant) error
	// DeleteGrant removes the grant and every token issued under it.
	DeleteGrant(id string) error

	Token(d Digest) (*Token, error)
	PutToken(t *Token) error
	DeleteToken(d Digest) error
	// GrantTokens lists the tokens issued under a grant.
	GrantTokens(grantID string) ([]Token, error)
	// GrantTokenStates is what a listing needs of a grant's tokens (kind,
	// expiry, spent) without reading each token record.
	GrantTokenStates(grantID string) ([]TokenState, error)
	// ForEachToken calls fn for every token; fn must not change storage.
	ForEachToken(fn func(*Token) error) error

	// AppendAudit stores e, assigning e.Seq.
	AppendAudit(e *Event) error
	// Audit returns the newest limit events, oldest first (limit <= 0: all).
	Audit(limit int) ([]Event, error)
	// AuditFind returns the newest events f matches (up to f.Limit),
	// oldest first, reading backwards from the newest and stopping at
	// f.Since: the log is in time order.
	AuditFind(f AuditFilter) ([]Event, error)
	// AuditSpan is the sequence numbers of the oldest and newest event
	// (0, 0 when empty); the log has no gaps in between.
	AuditSpan() (first, last uint64, err error)
	// OldestAudit returns the oldest n events, oldest first.
	OldestAudit(n int) ([]Event, error)
	// DeleteAuditThrough deletes every event up to and including seq.
	DeleteAuditThrough(seq uint64) error

	// Recipients lists whom account on chain has sent value to through
	// Localsigner, oldest first (none: an empty list); PutRecipients
	// replaces the list.
	Recipients(chain, account string) ([]string, error)
	PutRecipients(chain, account string, names []string) error
}
