package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"localsigner/signer/chain"
)

// Hive and Graphene name their APIs differently; API hides the difference.
const (
	hiveAPI             = "condenser_api"
	grapheneDatabase    = "database"
	grapheneBroadcast   = "network_broadcast"
	hiveTimeLayout      = "2006-01-02T15:04:05"
	graphenePrecision   = 5
	grapheneCoreAssetID = "1.3.0"
)

func (c *Client) graphene() bool { return c.opts.Chain.Family == chain.Graphene }

// API calls method of api in the Client's dialect: on Hive the JSON-RPC
// method "api.method" with params; on Graphene "call" with [api, method,
// params]. Hive apis are e.g. "condenser_api", "database_api",
// "block_api"; Graphene apis "database", "network_broadcast".
func (c *Client) API(ctx context.Context, api, method string, params any, result any) error {
	_, err := c.api(ctx, api, method, params, result)
	return err
}

func (c *Client) api(ctx context.Context, api, method string, params any, result any) (int, error) {
	if params == nil {
		params = []any{}
	}
	if c.graphene() {
		return c.call(ctx, "call", []any{api, method, params}, result)
	}
	return c.call(ctx, api+"."+method, params, result)
}

// Time is a chain timestamp: whole seconds, UTC, written
// "YYYY-MM-DDTHH:MM:SS" without a zone as nodes do.
type Time struct{ time.Time }

// UnmarshalJSON reads a node timestamp.
func (t *Time) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("time %s: not a string", b)
	}
	v, err := time.ParseInLocation(hiveTimeLayout, s, time.UTC)
	if err != nil {
		return fmt.Errorf("time %q: %w", s, err)
	}
	t.Time = v
	return nil
}

// MarshalJSON writes the node form.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(hiveTimeLayout) + `"`), nil
}

// DynamicGlobalProperties is the part of the head state both dialects share
// and transaction building needs.
type DynamicGlobalProperties struct {
	HeadBlockNumber          uint32 `json:"head_block_number"`
	HeadBlockID              string `json:"head_block_id"`
	Time                     Time   `json:"time"` // head block time
	LastIrreversibleBlockNum uint32 `json:"last_irreversible_block_num"`
	// Raw is the node's whole answer, for fields not decoded here.
	Raw json.RawMessage `json:"-"`
}

// DynamicGlobalProperties returns the head block and chain time.
func (c *Client) DynamicGlobalProperties(ctx context.Context) (*DynamicGlobalProperties, error) {
	api := hiveAPI
	if c.graphene() {
		api = grapheneDatabase
	}
	var raw json.RawMessage
	if err := c.API(ctx, api, "get_dynamic_global_properties", nil, &raw); err != nil {
		return nil, err
	}
	var p DynamicGlobalProperties
	if err := json.Unmarshal(raw, &p); err != nil || len(p.HeadBlockID) != 40 {
		return nil, fmt.Errorf("%w: get_dynamic_global_properties: %v", ErrMalformedResponse, err)
	}
	p.Raw = raw
	return &p, nil
}

// AuthorityEntry is one weighted member of an authority: a key ("STM…") or
// an account (a Hive name or a Graphene id).
type AuthorityEntry struct {
	Name   string
	Weight uint16
}

// UnmarshalJSON reads the node's [name, weight] pair.
func (e *AuthorityEntry) UnmarshalJSON(b []byte) error {
	var pair [2]json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	if err := json.Unmarshal(pair[0], &e.Name); err != nil {
		return err
	}
	return json.Unmarshal(pair[1], &e.Weight)
}

// MarshalJSON writes [name, weight].
func (e AuthorityEntry) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{e.Name, e.Weight})
}

// Authority is an account authority as nodes report it.
type Authority struct {
	WeightThreshold uint32           `json:"weight_threshold"`
	AccountAuths    []AuthorityEntry `json:"account_auths"`
	KeyAuths        []AuthorityEntry `json:"key_auths"`
}

// Account is what the signer needs to know about an account: its
// authorities, to choose keys, and its liquid balances, to show them.
type Account struct {
	ID      string // Graphene object id "1.2.N"; empty on Hive
	Name    string
	Owner   Authority
	Active  Authority
	Posting *Authority // Hive only
	MemoKey string
	// Balances as the node formats them ("1000.000 HIVE"; on Graphene the
	// core asset, "10.00000 PPY"). HBD and VESTS are empty on Graphene.
	Balance       string
	HBDBalance    string
	VestingShares string
	// Hive only: savings, and Hive Power delegated to others and from
	// others (VESTS).
	SavingsBalance, SavingsHBDBalance             string
	DelegatedVestingShares, ReceivedVestingShares string
	JSONMetadata                                  string
	// PostingJSONMetadata is Hive's profile metadata.
	PostingJSONMetadata string
}

type hiveAccountJSON struct {
	Name                string    `json:"name"`
	Owner               Authority `json:"owner"`
	Active              Authority `json:"active"`
	Posting             Authority `json:"posting"`
	MemoKey             string    `json:"memo_key"`
	Balance             string    `json:"balance"`
	HBDBalance          string    `json:"hbd_balance"`
	VestingShares       string    `json:"vesting_shares"`
	SavingsBalance      string    `json:"savings_balance"`
	SavingsHBDBalance   string    `json:"savings_hbd_balance"`
	Delegated           string    `json:"delegated_vesting_shares"`
	Received            string    `json:"received_vesting_shares"`
	JSONMetadata        string    `json:"json_metadata"`
	PostingJSONMetadata string    `json:"posting_json_metadata"`
}

type grapheneAccountJSON struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Owner   Authority `json:"owner"`
	Active  Authority `json:"active"`
	Options struct {
		MemoKey string `json:"memo_key"`
	} `json:"options"`
}

// Accounts looks up accounts by name and returns them in the order asked.
// A name the chain does not know gives an error matching ErrUnknownAccount.
func (c *Client) Accounts(ctx context.Context, names []string) ([]Account, error) {
	if c.graphene() {
		return c.grapheneAccounts(ctx, names)
	}
	var list []hiveAccountJSON
	if err := c.API(ctx, hiveAPI, "get_accounts", []any{names}, &list); err != nil {
		return nil, err
	}
	byName := make(map[string]hiveAccountJSON, len(list))
	for _, a := range list {
		byName[a.Name] = a
	}
	out := make([]Account, 0, len(names))
	for _, n := range names {
		a, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownAccount, n)
		}
		posting := a.Posting
		out = append(out, Account{Name: a.Name, Owner: a.Owner, Active: a.Active, Posting: &posting,
			MemoKey: a.MemoKey, Balance: a.Balance, HBDBalance: a.HBDBalance, VestingShares: a.VestingShares,
			SavingsBalance: a.SavingsBalance, SavingsHBDBalance: a.SavingsHBDBalance,
			DelegatedVestingShares: a.Delegated, ReceivedVestingShares: a.Received,
			JSONMetadata: a.JSONMetadata, PostingJSONMetadata: a.PostingJSONMetadata})
	}
	return out, nil
}

func (c *Client) grapheneAccounts(ctx context.Context, names []string) ([]Account, error) {
	out := make([]Account, 0, len(names))
	for _, n := range names {
		var raw json.RawMessage
		if err := c.API(ctx, grapheneDatabase, "get_account_by_name", []any{n}, &raw); err != nil {
			return nil, err
		}
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return nil, fmt.Errorf("%w: %q", ErrUnknownAccount, n)
		}
		var a grapheneAccountJSON
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("%w: get_account_by_name: %v", ErrMalformedResponse, err)
		}
		// The answer must be the account asked for: a node that answered
		// another account's id would have the signer pay someone else.
		if a.Name != n || !grapheneAccountID(a.ID) {
			return nil, fmt.Errorf("%w: get_account_by_name %q answered account %.40q (%.20q)", ErrMalformedResponse, n, a.Name, a.ID)
		}
		var balances []struct {
			Amount  json.Number `json:"amount"`
			AssetID string      `json:"asset_id"`
		}
		err := c.API(ctx, grapheneDatabase, "get_account_balances", []any{a.ID, []string{grapheneCoreAssetID}}, &balances)
		if err != nil {
			return nil, err
		}
		acct := Account{ID: a.ID, Name: a.Name, Owner: a.Owner, Active: a.Active, MemoKey: a.Options.MemoKey}
		for _, b := range balances {
			if b.AssetID == grapheneCoreAssetID {
				units, err := strconv.ParseInt(b.Amount.String(), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("%w: balance %q", ErrMalformedResponse, b.Amount)
				}
				acct.Balance = formatUnits(units, graphenePrecision) + " " + c.coreSymbol()
			}
		}
		out = append(out, acct)
	}
	return out, nil
}

func (c *Client) coreSymbol() string {
	if c.opts.Chain.CoreSymbol != "" {
		return c.opts.Chain.CoreSymbol
	}
	return "PPY"
}

// formatUnits writes units/10^precision with exactly precision decimals.
func formatUnits(units int64, precision int) string {
	neg := units < 0
	mag := uint64(units)
	if neg {
		mag = -mag
	}
	s := strconv.FormatUint(mag, 10)
	for len(s) <= precision {
		s = "0" + s
	}
	s = s[:len(s)-precision] + "." + s[len(s)-precision:]
	if neg {
		s = "-" + s
	}
	return s
}

// Block is a block as far as a user checks it: which transactions it holds.
type Block struct {
	Number         uint32
	BlockID        string            `json:"block_id"`
	Previous       string            `json:"previous"`
	Timestamp      Time              `json:"timestamp"`
	Witness        string            `json:"witness"`
	TransactionIDs []string          `json:"transaction_ids"`
	Transactions   []json.RawMessage `json:"transactions"`
}

// Block returns block num, or an error matching ErrRejected if the node does
// not have it (not produced yet, or pruned).
func (c *Client) Block(ctx context.Context, num uint32) (*Block, error) {
	api := hiveAPI
	if c.graphene() {
		api = grapheneDatabase
	}
	var raw json.RawMessage
	if err := c.API(ctx, api, "get_block", []any{num}, &raw); err != nil {
		return nil, err
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, &NodeError{Kind: Other, Message: fmt.Sprintf("block %d not found", num), Method: "get_block"}
	}
	var b Block
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("%w: get_block: %v", ErrMalformedResponse, err)
	}
	b.Number = num
	return &b, nil
}

// grapheneAccountID reports whether id has the form of an account object
// id, 1.2.N.
func grapheneAccountID(id string) bool {
	n, ok := strings.CutPrefix(id, "1.2.")
	if !ok || n == "" || len(n) > 15 {
		return false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
