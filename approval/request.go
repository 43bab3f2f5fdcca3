// Package approval is the contract between the code that needs a person's
// decision and the people who give it: the request and decision types and
// the queue they meet in. The wallet puts requests in; the desktop app (a
// window per request) and the command line (localsigner approvals, approve,
// deny) take them out and answer. It knows nothing of HTTP, Fyne or where a
// request came from beyond what the request says.
package approval

import (
	"encoding/json"
	"strings"
	"time"
)

// Scopes is a list of scope items ("vote", "custom_json:follow"), in the
// canonical order the wallet keeps them (authz.Scopes).
type Scopes []string

// String returns the items space-separated, the form of OAuth's scope
// parameter.
func (s Scopes) String() string { return strings.Join(s, " ") }

// Kinds of Request.
const (
	// KindAuthorize asks whether a site or app may have a grant: scopes
	// for an account. Decision.Scopes, Account and AllowImplicit matter.
	KindAuthorize = "authorize"
	// KindTransaction asks the user to confirm one transaction;
	// Request.Transaction describes it. Decision.Approved and
	// RememberSeconds matter.
	KindTransaction = "transaction"
	// KindMessage asks the user to sign a message, not a transaction, with
	// one key; Request.Message describes it. Decision.Approved matters.
	KindMessage = "message"
	// KindPair asks whether a browser extension may speak for the sites
	// the browser shows (the Keychain bridge); Request.Pair describes it.
	// Decision.Approved matters.
	KindPair = "pair"
)

// Request is a request waiting for the user. It holds only what a person
// needs to decide: who asks (client and, above all, the origin Localsigner
// established for it), for what, and for which account.
type Request struct {
	ID          string `json:"id"`
	ClientID    string `json:"client_id"`
	ClientName  string `json:"client_name,omitempty"` // registered apps only
	Registered  bool   `json:"registered"`            // a registered app rather than a site
	FirstTime   bool   `json:"first_time"`            // approving binds this client_id to RedirectURI
	RedirectURI string `json:"redirect_uri"`
	// Origin is where the answer goes; the approval UI shows it most
	// prominently, since client_id is chosen by the page.
	Origin       string `json:"origin"`
	ResponseType string `json:"response_type"`
	// RequestedScopes is a canonical scope set (sorted, "posting"
	// expanded), as authz.Scopes.
	RequestedScopes Scopes `json:"requested_scopes"`
	// Descriptions explains each requested scope with the key it uses.
	Descriptions []string `json:"descriptions"`
	// NeedsImplicitOptIn: the dapp wants the token in the redirect and has
	// not been allowed to; approving requires Decision.AllowImplicit.
	NeedsImplicitOptIn bool      `json:"needs_implicit_opt_in,omitempty"`
	Account            string    `json:"account,omitempty"` // the dapp's hint, or the account acting
	Chain              string    `json:"chain"`
	CreatedAt          time.Time `json:"created_at"`
	ExpiresAt          time.Time `json:"expires_at"`

	// Via, set when no browser origin stands behind a request (a HiveAuth
	// sign-in through a relay), is what the windows show in the origin's
	// place: the door and what the requester claims, marked as unverified.
	Via string `json:"via,omitempty"`
	// SessionSeconds, for a grant that is a session of a door without
	// tokens of its own (HiveAuth, the browser bridge), is how long the
	// approval lasts; windows say so instead of the OAuth lifetimes.
	SessionSeconds int64 `json:"session_seconds,omitempty"`

	// Kind is KindAuthorize, KindTransaction or KindMessage.
	Kind string `json:"kind"`
	// Transaction is set for KindTransaction only.
	Transaction *Transaction `json:"transaction,omitempty"`
	// Message is set for KindMessage only.
	Message *Message `json:"message,omitempty"`
	// Pair is set for KindPair only.
	Pair *Pair `json:"pair,omitempty"`
}

// Pair is a browser extension asking to be paired: which browser says it
// is asking, and the extension's origin, which the browser sets and a web
// page cannot.
type Pair struct {
	Browser string `json:"browser"`
	// Extension is the extension's origin (chrome-extension://ID or
	// moz-extension://UUID).
	Extension string `json:"extension"`
}

// Message is what a KindMessage request asks to sign.
type Message struct {
	// Authority is the key that signs: "posting" or "active".
	Authority string `json:"authority"`
	// Text is the message exactly as it will be signed (its SHA-256 is);
	// windows show it cleaned of control and direction characters.
	Text string `json:"text"`
	// Binary, when not zero, is the length of a message that is bytes,
	// not text: Text then holds them in hex, and windows say so.
	Binary int `json:"binary,omitempty"`
	// Via, Source and Callback are as in Transaction.
	Via      string `json:"via,omitempty"`
	Source   string `json:"source,omitempty"`
	Callback string `json:"callback,omitempty"`
}

// Transaction is what a KindTransaction request asks to sign: one line per
// operation with its raw JSON, what leaves the account, and why the user is
// asked.
type Transaction struct {
	GrantID string `json:"grant_id,omitempty"`
	// Authority is the strongest key that will sign: "active" or
	// "posting".
	Authority  string      `json:"authority"`
	Operations []Operation `json:"operations"`
	// Spending lists what the transaction moves out of the account, one
	// amount per asset ("10.000 HIVE"); empty if nothing or unknown.
	Spending []string `json:"spending,omitempty"`
	// Balances are, per asset the transaction takes from the account's
	// liquid balance, "HIVE: 1000.000 → 999.000 (as the node reports it)",
	// read from the node when the user is asked; empty when nothing is
	// taken from a liquid balance.
	Balances []string `json:"balances,omitempty"`
	// BalanceChanges are the same balances for scripts, one per balance
	// and asset the node reported (Balances also says what it could not).
	BalanceChanges []BalanceChange `json:"balance_changes,omitempty"`
	// Reason says why the user is asked rather than the grant deciding.
	Reason string `json:"reason"`
	// Remember, when not empty, offers "don't ask again": what the user
	// would stop being asked about, one line per operation kind ("transfer
	// to @bob with no memo, any amount"). Empty when the transaction cannot
	// be remembered.
	Remember []string `json:"remember,omitempty"`
	// Source, set when no site or app stands behind the request, says what
	// brought it ("a hive:// link"): who made it is not known, and the
	// window says so.
	Source string `json:"source,omitempty"`
	// Via is the heading windows show in the origin's place when no
	// browser origin stands behind the request ("HiveAuth app “x”"); empty
	// shows the origin, or "A hive:// link" when Source is set.
	Via string `json:"via,omitempty"`
	// Callback is the host the result will be sent to after signing (a
	// link's callback), shown before the user decides; empty if none.
	Callback string `json:"callback,omitempty"`
	// SignOnly: the transaction is signed and handed back, not broadcast
	// by Localsigner (whoever receives it may broadcast it).
	SignOnly bool `json:"sign_only,omitempty"`
	// Notes are further facts the user should read before deciding, one
	// line each (the link asked for a key the operations do not need).
	Notes []string `json:"notes,omitempty"`
	// RC is the transaction's estimated cost in resource credits against
	// what the paying account holds, read from the node when the user is
	// asked; nil on a chain without them.
	RC *RC `json:"rc,omitempty"`
}

// BalanceChange is one balance a transaction changes, read from the node
// when the user is asked.
type BalanceChange struct {
	// Balance is "liquid", "savings" or "hive_power".
	Balance string `json:"balance"`
	// Asset is the symbol: "HIVE", "HBD", "HP", "PPY".
	Asset string `json:"asset"`
	// Before and After are amounts with their symbol ("1000.000 HIVE");
	// After is negative when the account holds too little (the chain
	// would refuse it).
	Before string `json:"before"`
	After  string `json:"after"`
	// When says when After is reached if not at once ("in 3 days",
	// "over 13 weeks").
	When string `json:"when,omitempty"`
}

// RC is a resource-credit estimate. Only Text is set when the node did
// not say (Cost, Current and Max are then zero).
type RC struct {
	// Account pays: the first account the transaction acts for.
	Account string `json:"account,omitempty"`
	// Cost is the estimate, Current what the account holds now, Max what
	// it holds when full.
	Cost    int64 `json:"cost"`
	Current int64 `json:"current"`
	Max     int64 `json:"max"`
	// Text says it in one line: "Resource credits: about 1.2 million RC,
	// 0.01% of the 9.8 billion @alice has now."
	Text string `json:"text"`
}

// Operation is one operation as the user sees it.
type Operation struct {
	Name string `json:"name"`
	// Summary is a sentence such as "Transfer 10.000 HIVE from @alice to
	// @bob, memo “thanks”"; text chosen by the dapp is cleaned of control
	// and direction-changing characters.
	Summary string `json:"summary"`
	// Details, for operations that change authorities, keys, recovery,
	// proxy or witness votes, list every new key and account in full, one
	// per line ("New active authority: key STM6… weight 1, threshold 1").
	Details []string `json:"details,omitempty"`
	// JSON is the operation in the chain's JSON form, [name, {…}].
	JSON json.RawMessage `json:"json"`
}

// Decision is the user's answer.
type Decision struct {
	Approved bool `json:"approved"`
	// Scopes is the subset granted; nil grants everything requested.
	Scopes Scopes `json:"scopes,omitempty"`
	// Account is the account to act for; empty takes the request's hint,
	// or the only account the vault holds on the chain.
	Account string `json:"account,omitempty"`
	// AllowImplicit lets a dapp use response_type=token from now on.
	AllowImplicit bool `json:"allow_implicit,omitempty"`
	// RememberSeconds, on an approved transaction whose request offers it
	// (Transaction.Remember), stops asking for the same operations to the
	// same accounts from this grant for that many seconds. Zero asks every
	// time.
	RememberSeconds int64 `json:"remember_seconds,omitempty"`
}
