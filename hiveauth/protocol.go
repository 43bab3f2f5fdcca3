package hiveauth

import "encoding/json"

// Protocol is the HAS protocol version this PKSA speaks.
const Protocol = 1

// Commands of the HAS protocol, as the relay and the PKSA name them.
const (
	CmdConnected     = "connected"
	CmdError         = "error"
	CmdKeyReq        = "key_req"
	CmdKeyAck        = "key_ack"
	CmdRegisterReq   = "register_req"
	CmdRegisterAck   = "register_ack"
	CmdAuthReq       = "auth_req"
	CmdAuthWait      = "auth_wait"
	CmdAuthAck       = "auth_ack"
	CmdAuthNack      = "auth_nack"
	CmdAuthErr       = "auth_err"
	CmdSignReq       = "sign_req"
	CmdSignWait      = "sign_wait"
	CmdSignAck       = "sign_ack"
	CmdSignNack      = "sign_nack"
	CmdSignErr       = "sign_err"
	CmdChallengeReq  = "challenge_req"
	CmdChallengeWait = "challenge_wait"
	CmdChallengeAck  = "challenge_ack"
	CmdChallengeNack = "challenge_nack"
	CmdChallengeErr  = "challenge_err"
	CmdAttachReq     = "attach_req"
	CmdAttachAck     = "attach_ack"
	CmdAttachNack    = "attach_nack"
)

// Message is one websocket message of the protocol, in either direction;
// each command uses some of the fields.
type Message struct {
	Cmd string `json:"cmd"`
	// UUID is the relay's identifier of a request.
	UUID string `json:"uuid,omitempty"`
	// Expire is when a request expires, Unix milliseconds.
	Expire int64 `json:"expire,omitempty"`
	// Account is the Hive account a request is for.
	Account string `json:"account,omitempty"`
	// Data is an encrypted payload (a string), or for sign_ack the
	// transaction id or the signed transaction (an object).
	Data json.RawMessage `json:"data,omitempty"`
	// Pok is the proof of key on the PKSA's answers.
	Pok string `json:"pok,omitempty"`
	// Error is an error text; encrypted on sign_err and challenge_err.
	Error string `json:"error,omitempty"`
	// Broadcast is set on sign_ack.
	Broadcast *bool `json:"broadcast,omitempty"`
	// Key is the relay's public key on key_ack.
	Key string `json:"key,omitempty"`
	// App names the PKSA on register_req.
	App string `json:"app,omitempty"`
	// Accounts are register_req's accounts.
	Accounts []Registration `json:"accounts,omitempty"`
	// Timeout (seconds) and Protocol are on connected.
	Timeout  int     `json:"timeout,omitempty"`
	Protocol float64 `json:"protocol,omitempty"`
}

// Registration is one account of a register_req: its name and a proof of
// key over the current Unix time (milliseconds).
type Registration struct {
	Name string `json:"name"`
	Pok  string `json:"pok"`
}

// AuthReqData is an auth_req's decrypted data.
type AuthReqData struct {
	App       AppInfo        `json:"app"`
	Challenge *ChallengeData `json:"challenge,omitempty"`
}

// AppInfo is what a dapp says about itself: nothing checks it.
type AppInfo struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Icon        string `json:"icon,omitempty"`
}

// ChallengeData is a text to sign with one key: in an auth_req, and the
// decrypted data of a challenge_req (with an optional nonce).
type ChallengeData struct {
	KeyType   string `json:"key_type"`
	Challenge string `json:"challenge"`
	Nonce     int64  `json:"nonce,omitempty"`
}

// AuthAckData is an auth_ack's data before encryption.
type AuthAckData struct {
	Expire    int64         `json:"expire"`
	Challenge *ChallengeAck `json:"challenge,omitempty"`
}

// ChallengeAck is a signed challenge: the compact signature over
// SHA-256(challenge), hex, and the public key that made it.
type ChallengeAck struct {
	Pubkey    string `json:"pubkey"`
	Challenge string `json:"challenge"`
}

// SignReqData is a sign_req's decrypted data.
type SignReqData struct {
	KeyType   string          `json:"key_type"`
	Ops       json.RawMessage `json:"ops"`
	Broadcast bool            `json:"broadcast"`
	Nonce     int64           `json:"nonce"`
}
