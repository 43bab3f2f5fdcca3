package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Transport errors: the request may not have reached a node, or no usable
// answer came back. Callers branch on them with errors.Is; the GUI says
// "the node is unreachable" rather than "the transaction is invalid".
var (
	// ErrTimeout: a node did not answer within Options.CallTimeout.
	ErrTimeout = errors.New("node did not answer in time")
	// ErrConnectionLost: the websocket closed or failed while a call was in
	// flight, or could not be opened.
	ErrConnectionLost = errors.New("connection to node lost")
	// ErrMalformedResponse: a node answered with something that is not the
	// JSON-RPC response expected (broken JSON, wrong shape).
	ErrMalformedResponse = errors.New("malformed response from node")
	// ErrAllNodesDown: every configured node was tried for this call and
	// none gave an answer or could be used. The error also wraps the last
	// node's failure, e.g. ErrWrongChain.
	ErrAllNodesDown = errors.New("no node answered")
	// ErrClosed: the Client was closed.
	ErrClosed = errors.New("node client closed")
)

// Chain errors: a node was reached but cannot be trusted to serve the
// chain the Client signs for, so no call (least of all a broadcast) is sent
// to it. The node shows as Down with the reason in Status and the Client
// moves on to the next one, as for a transport failure.
var (
	// ErrWrongChain: the node reported another chain id than
	// Options.Chain.ID. Returned as a *WrongChainError naming both ids.
	ErrWrongChain = errors.New("node serves another chain")
	// ErrChainUnverified: the node answered the chain-id question with a
	// refusal or something that is not a chain id. Such a node is refused
	// too: a node that cannot say which chain it serves is not trusted to
	// serve the right one.
	ErrChainUnverified = errors.New("node did not tell its chain id")
)

// Rejections: a node answered and refused. Every *NodeError matches
// ErrRejected and the sentinel of its Kind, so callers can write
// errors.Is(err, node.ErrMissingAuthority) without a type assertion.
var (
	// ErrRejected matches every *NodeError: the node answered and refused.
	ErrRejected = errors.New("node refused the request")
	// ErrMissingAuthority: the signatures do not satisfy an authority the
	// operations require (wrong key, or a key of the wrong role).
	ErrMissingAuthority = errors.New("missing authority")
	// ErrExpired: the expiration is not after the head block time, or too
	// far after it.
	ErrExpired = errors.New("transaction expired")
	// ErrDuplicate: the chain already has a transaction with this id.
	ErrDuplicate = errors.New("duplicate transaction")
	// ErrInsufficientFunds: a balance is too low for the amount.
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrInsufficientFee: a Graphene fee is below the fee schedule.
	ErrInsufficientFee = errors.New("insufficient fee")
	// ErrUnknownAccount: an account named does not exist.
	ErrUnknownAccount = errors.New("unknown account")
	// ErrTaposMismatch: the reference block is not one of the chain's
	// recent blocks (wrong chain, a fork, or built from a stale node).
	ErrTaposMismatch = errors.New("reference block mismatch")
	// ErrBadSignature: a signature is not canonical, repeated, or not
	// needed by any authority.
	ErrBadSignature = errors.New("invalid signature")
	// ErrUnknownMethod: the node does not serve the API or method.
	ErrUnknownMethod = errors.New("method not available on this node")
	// ErrNotEnoughRC: the paying account lacks the resource credits the
	// transaction costs (Hive's not_enough_rc_exception).
	ErrNotEnoughRC = errors.New("not enough resource credits")
)

// Kind says why a node refused a request, in terms a user can act on.
type Kind int

// Kinds of node refusals. Other keeps everything not recognised; its
// message is still the node's own.
const (
	Other             Kind = iota // anything not recognised below
	MissingAuthority              // signatures do not satisfy a required authority
	Expired                       // expiration in the past or too far ahead
	Duplicate                     // the same transaction id is already known
	InsufficientFunds             // balance too low for the amount
	InsufficientFee               // Graphene: fee below the fee schedule
	UnknownAccount                // an account named in the request does not exist
	TaposMismatch                 // ref_block_num/prefix name no recent block
	BadSignature                  // non-canonical, duplicated or unneeded signature
	UnknownMethod                 // the node does not serve this API or method
	NotEnoughRC                   // the payer lacks the resource credits it costs
)

var kindNames = [...]string{
	Other:             "rejected",
	MissingAuthority:  "missing authority",
	Expired:           "transaction expired",
	Duplicate:         "duplicate transaction",
	InsufficientFunds: "insufficient funds",
	InsufficientFee:   "insufficient fee",
	UnknownAccount:    "unknown account",
	TaposMismatch:     "reference block mismatch",
	BadSignature:      "invalid signature",
	UnknownMethod:     "method not available",
	NotEnoughRC:       "not enough resource credits",
}

var kindSentinels = [...]error{
	Other:             nil,
	MissingAuthority:  ErrMissingAuthority,
	Expired:           ErrExpired,
	Duplicate:         ErrDuplicate,
	InsufficientFunds: ErrInsufficientFunds,
	InsufficientFee:   ErrInsufficientFee,
	UnknownAccount:    ErrUnknownAccount,
	TaposMismatch:     ErrTaposMismatch,
	BadSignature:      ErrBadSignature,
	UnknownMethod:     ErrUnknownMethod,
	NotEnoughRC:       ErrNotEnoughRC,
}

// String returns a short lower-case description, e.g. "missing authority".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// NodeError is a JSON-RPC error answer, classified. Message is the node's
// own text, kept verbatim so the user sees what the node said.
type NodeError struct {
	Kind    Kind
	Code    int             // JSON-RPC error code (hived: -32003 for assertion failures)
	Name    string          // fc exception name, e.g. "tx_missing_posting_auth"; may be empty
	Message string          // the node's message
	URL     string          // which node answered
	Method  string          // the method called
	Data    json.RawMessage // the error's data member, as sent
}

// Error returns "<kind>: <node message>".
func (e *NodeError) Error() string {
	return e.Kind.String() + ": " + e.Message
}

// Is matches ErrRejected and the sentinel of e.Kind.
func (e *NodeError) Is(target error) bool {
	if target == ErrRejected {
		return true
	}
	if e.Kind >= 0 && int(e.Kind) < len(kindSentinels) {
		s := kindSentinels[e.Kind]
		return s != nil && s == target
	}
	return false
}

// rpcError is the error member of a JSON-RPC response.
type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// fcErrorData is the data member hived and Graphene nodes attach: the fc
// exception with its log stack.
type fcErrorData struct {
	Code    int    `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message"`
	Stack   []struct {
		Format string                     `json:"format"`
		Data   map[string]json.RawMessage `json:"data"`
	} `json:"stack"`
}

// newNodeError classifies a JSON-RPC error answer.
func newNodeError(url, method string, e *rpcError) *NodeError {
	ne := &NodeError{Code: e.Code, Message: e.Message, URL: url, Method: method, Data: e.Data}
	var data fcErrorData
	if len(e.Data) > 0 && json.Unmarshal(e.Data, &data) == nil {
		ne.Name = data.Name
		if ne.Message == "" {
			ne.Message = data.Message
		}
	}
	if ne.Message == "" {
		ne.Message = fmt.Sprintf("error %d", e.Code)
	}
	var formats []string
	for _, s := range data.Stack {
		formats = append(formats, s.Format)
	}
	ne.Kind = classify(e.Code, ne.Name, ne.Message+"\n"+strings.Join(formats, "\n"))
	return ne
}

// jsonRPCMethodNotFound is the JSON-RPC 2.0 code for an unknown method.
const jsonRPCMethodNotFound = -32601

// classifyRules map what hived (1.2x) and Graphene nodes (Peerplays,
// BitShares) say to a Kind. They are tried in order; the first whose any
// needle occurs (case-insensitively) in the exception name or the message
// wins. Duplicate comes first because hived's duplicate check message also
// names the transaction index, and funds before accounts because balance
// messages name the account.
var classifyRules = []struct {
	kind    Kind
	needles []string
}{
	{NotEnoughRC, []string{"not_enough_rc_exception", "not enough rc"}},
	{Duplicate, []string{"duplicate transaction", "by_trx_id", "duplicate_transaction"}},
	{MissingAuthority, []string{"tx_missing_", "missing required", "missing posting authority",
		"missing active authority", "missing owner authority", "missing authority"}},
	{BadSignature, []string{"tx_irrelevant_sig", "tx_duplicate_sig", "irrelevant signature",
		"unnecessary signature", "duplicate signature", "is_canonical", "not canonical", "non-canonical"}},
	{Expired, []string{"transaction_expiration_exception", "transaction expiration", "trx.expiration",
		"transaction has expired", "expired"}},
	{TaposMismatch, []string{"tapos", "ref_block_prefix", "ref_block_num"}},
	{InsufficientFee, []string{"insufficient_fee", "insufficient fee"}},
	{InsufficientFunds, []string{"sufficient funds", "insufficient balance", "insufficient_balance",
		"insufficient funds"}},
	{UnknownAccount, []string{"unknown account", "unable to find object 1.2."}},
}

// classify picks the Kind for an error answer.
func classify(code int, name, message string) Kind {
	hay := strings.ToLower(name + "\n" + message)
	for _, r := range classifyRules {
		for _, n := range r.needles {
			if strings.Contains(hay, n) {
				return r.kind
			}
		}
	}
	// chainbase's "unknown key (<type>): <key>" names the index type; only
	// account names are an unknown account (a missing post is not).
	account := strings.Contains(hay, "account") || strings.Contains(hay, "fixed_string")
	if account && (strings.Contains(hay, "unknown key") || strings.Contains(hay, "does not exist") ||
		strings.Contains(hay, "doesn't exist")) {
		return UnknownAccount
	}
	if code == jsonRPCMethodNotFound || strings.Contains(hay, "could not find method") ||
		strings.Contains(hay, "could not find api") {
		return UnknownMethod
	}
	return Other
}
