package tx

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// EngineTransfer is a movement of Hive-Engine tokens that a custom_json
// asks the sidechain for: tokens' transfer, stake, delegate or
// transferToContract action with the account it sends to.
type EngineTransfer struct {
	Action   string // "transfer", "stake", "delegate", "transferToContract"
	Symbol   string // the token, e.g. "BEE"
	Quantity string // as the payload writes it, e.g. "10.5"
	To       string
	Memo     string
}

// engineActions are the tokens contract's actions that move tokens to
// another account; "stake" and "delegate" may name the account itself.
var engineActions = []string{"transfer", "stake", "delegate", "transferToContract"}

var (
	engineSymbol   = regexp.MustCompile(`^[A-Z][A-Z0-9.]{0,9}$`)
	engineQuantity = regexp.MustCompile(`^[0-9]{1,20}(\.[0-9]{1,8})?$`)
)

// EngineTransfers reads the token movements of a Hive-Engine custom_json
// (ids TokenCustomIDs; one action or an array of them). Anything else, or
// a payload that does not read as one, gives none: the sidechain would
// reject it too.
func EngineTransfers(op Operation) []EngineTransfer {
	cj, ok := op.(*CustomJSON)
	if !ok || !slices.Contains(TokenCustomIDs, cj.ID) {
		return nil
	}
	type action struct {
		Contract string `json:"contractName"`
		Action   string `json:"contractAction"`
		Payload  struct {
			Symbol   string          `json:"symbol"`
			To       string          `json:"to"`
			Quantity json.RawMessage `json:"quantity"`
			Memo     string          `json:"memo"`
		} `json:"contractPayload"`
	}
	var list []action
	raw := []byte(strings.TrimSpace(cj.JSON))
	if len(raw) > 0 && raw[0] == '[' {
		if json.Unmarshal(raw, &list) != nil {
			return nil
		}
	} else {
		var one action
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		list = []action{one}
	}
	var out []EngineTransfer
	for _, a := range list {
		if a.Contract != "tokens" || !slices.Contains(engineActions, a.Action) {
			continue
		}
		var q string
		if json.Unmarshal(a.Payload.Quantity, &q) != nil {
			q = string(a.Payload.Quantity)
		}
		if !engineSymbol.MatchString(a.Payload.Symbol) || !engineQuantity.MatchString(q) {
			continue
		}
		out = append(out, EngineTransfer{Action: a.Action, Symbol: a.Payload.Symbol, Quantity: q,
			To: a.Payload.To, Memo: a.Payload.Memo})
	}
	return out
}

// engineSummary says what a Hive-Engine token custom_json moves, or ""
// when it moves nothing it can read.
func engineSummary(from string, ts []EngineTransfer) string {
	var parts []string
	for _, t := range ts {
		amount := clean(t.Quantity, 24) + " " + clean(t.Symbol, 10)
		switch t.Action {
		case "stake":
			parts = append(parts, fmt.Sprintf("stakes %s for %s", amount, at(t.To)))
		case "delegate":
			parts = append(parts, fmt.Sprintf("delegates %s staked to %s", amount, at(t.To)))
		case "transferToContract":
			parts = append(parts, fmt.Sprintf("sends %s to the contract %s", amount, quote(t.To, 32)))
		default:
			s := fmt.Sprintf("sends %s to %s", amount, at(t.To))
			if t.Memo != "" {
				s += ", memo " + quote(t.Memo, 80)
			}
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("On Hive-Engine, %s %s", at(from), strings.Join(parts, "; "))
}
