package hiveauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"localsigner/approval"
	"localsigner/authz"
	"localsigner/signer/tx"
	"localsigner/wallet"
)

// OpenLink takes a has://auth_req link (pasted in the app, or handed over
// by the OS): it registers the link's account with the relay, waits for
// the dapp's sign-in request the link announces, and returns once the user
// decided on it. The link's relay must be the one configured: a link
// cannot make Localsigner connect anywhere else.
func (p *PKSA) OpenLink(ctx context.Context, uri string) (*LinkResult, error) {
	l, err := ParseAuthLink(uri)
	if err != nil {
		return nil, err
	}
	if l.Host != "" && l.Host != p.relay {
		return nil, fmt.Errorf("%w: it uses %s, and Localsigner is set to %s (change the relay in Settings to use it)",
			ErrOtherRelay, host(l.Host), host(p.relay))
	}
	held, err := p.cfg.Accounts.Accounts(p.cfg.Wallet.Chain().Name)
	if err != nil {
		return nil, fmt.Errorf("the vault is locked: unlock Localsigner, then open the link again: %w", wallet.ErrLocked)
	}
	if !slices.Contains(held, l.Account) {
		return nil, fmt.Errorf("%w: the dapp asks to sign in @%s, and Localsigner holds no keys of that account", ErrNoAccount, l.Account)
	}
	pl := &pendingLink{link: l, done: make(chan LinkResult, 1)}
	p.mu.Lock()
	if _, dup := p.links[l.UUID]; dup {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: this link is already open", ErrBadLink)
	}
	p.links[l.UUID] = pl
	m, ok := p.buffered[l.UUID]
	delete(p.buffered, l.UUID)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.links, l.UUID)
		p.mu.Unlock()
	}()
	if ok && m.Account == l.Account {
		p.spawn(ctx, m)
	} else {
		p.Unlocked() // registers the account if it is not yet
	}
	wait := time.NewTimer(linkWait)
	defer wait.Stop()
	select {
	case r := <-pl.done:
		return &r, nil
	case <-wait.C:
		return nil, ErrLinkExpired
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hasKeyFor reports whether the PKSA can open an auth_req now: its link is
// open, or a session of its account may hold its key.
func (p *PKSA) hasKeyFor(m Message) bool {
	p.load()
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.links[m.UUID]; ok && l.link.Account == m.Account {
		return true
	}
	now := p.nowMS()
	return slices.ContainsFunc(p.sessions, func(s Session) bool { return s.Account == m.Account && s.Expire > now })
}

// buffer keeps an auth_req whose link has not been opened yet, until it
// expires; the oldest goes when too many wait.
func (p *PKSA) buffer(m Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.nowMS()
	for k, v := range p.buffered {
		if v.Expire <= now {
			delete(p.buffered, k)
		}
	}
	if len(p.buffered) >= maxBuffered {
		oldest := ""
		for k, v := range p.buffered {
			if oldest == "" || v.Expire < p.buffered[oldest].Expire {
				oldest = k
			}
		}
		delete(p.buffered, oldest)
	}
	p.buffered[m.UUID] = m
}

// data is a forwarded request's encrypted payload.
func data(m Message) string {
	var s string
	_ = json.Unmarshal(m.Data, &s)
	return s
}

// encrypted is v's JSON (or a plain string) encrypted under key, as a
// message's data field.
func encrypted(v any, key string) (json.RawMessage, error) {
	var plain []byte
	if s, ok := v.(string); ok {
		plain = []byte(s)
	} else {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		plain = b
	}
	enc, err := Encrypt(plain, key)
	if err != nil {
		return nil, err
	}
	return json.Marshal(enc)
}

func (p *PKSA) finishLink(uuid string, r LinkResult) {
	p.mu.Lock()
	l, ok := p.links[uuid]
	p.mu.Unlock()
	if ok {
		select {
		case l.done <- r:
		default:
		}
	}
}

// authReq answers a sign-in. A session key already approved and live signs
// in again without asking (its grant stands); a new key is an ordinary
// grant request the user approves for the link's account.
func (p *PKSA) authReq(ctx context.Context, m Message) {
	key, session := p.keyFor(m)
	if key == "" {
		return
	}
	plain, err := Decrypt(data(m), key)
	if err != nil {
		p.log.Info("a sign-in request does not decrypt under its link's key")
		p.finishLink(m.UUID, LinkResult{Account: m.Account, Error: "the request does not decrypt under the link's key"})
		return
	}
	var req AuthReqData
	if err := json.Unmarshal(plain, &req); err != nil || strings.TrimSpace(req.App.Name) == "" {
		p.authErr(m, key, "the request is not a HiveAuth auth_req_data object with an app name")
		return
	}
	name := printable(strings.TrimSpace(req.App.Name))
	if len([]rune(name)) > maxAppName {
		name = string([]rune(name)[:maxAppName])
	}
	res := LinkResult{Account: m.Account, App: name}
	if c := req.Challenge; c != nil {
		if !slices.Contains([]string{"posting", "active", "memo"}, c.KeyType) || c.Challenge == "" {
			p.authErr(m, key, "the challenge needs key_type posting, active or memo, and a text")
			p.finishLink(m.UUID, LinkResult{Account: m.Account, App: name, Error: "malformed challenge"})
			return
		}
	}
	var tok *authz.Token
	expire := int64(0)
	if session != nil {
		if tok, err = p.cfg.Grants.Lookup(session.Token); err != nil {
			session = nil // ended in Localsigner: ask again
		} else {
			expire = session.Expire
		}
	}
	if session == nil {
		tok, expire, err = p.approve(ctx, m, key, name, req.App)
		if err != nil {
			if errors.Is(err, wallet.ErrConfirmationDenied) {
				p.reply(m, p.nack(CmdAuthNack, m, key))
				res.Error = "denied"
			} else {
				p.authErr(m, key, publicError(err))
				res.Error = publicError(err)
			}
			p.finishLink(m.UUID, res)
			return
		}
	}
	ack := AuthAckData{Expire: expire}
	if c := req.Challenge; c != nil {
		sig, err := p.signChallenge(ctx, tok, c, name)
		if err != nil {
			// The sign-in stands (the user approved it); the dapp learns
			// why its challenge was not signed.
			p.authErr(m, key, "the challenge was not signed: "+publicError(err))
			res.Error = publicError(err)
			p.finishLink(m.UUID, res)
			return
		}
		ack.Challenge = sig
		res.Challenge = true
	}
	d, err := encrypted(ack, key)
	if err != nil {
		p.authErr(m, key, "internal error")
		return
	}
	p.reply(m, Message{Cmd: CmdAuthAck, Data: d})
	res.Approved = true
	p.finishLink(m.UUID, res)
}

// keyFor finds the key of an auth_req: its open link's, or that of a live
// session of the account that decrypts it (a dapp signing in again).
func (p *PKSA) keyFor(m Message) (string, *Session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.links[m.UUID]; ok && l.link.Account == m.Account {
		for i := range p.sessions {
			if s := &p.sessions[i]; s.Key == l.link.Key && s.Account == m.Account && s.Expire > p.nowMS() {
				c := *s
				return l.link.Key, &c
			}
		}
		return l.link.Key, nil
	}
	for i := range p.sessions {
		s := &p.sessions[i]
		if s.Account != m.Account || s.Expire <= p.nowMS() {
			continue
		}
		if _, err := Decrypt(data(m), s.Key); err == nil {
			c := *s
			return s.Key, &c
		}
	}
	return "", nil
}

// scopes is what a HiveAuth sign-in asks for: HiveAuth names no scopes
// and its dapps send any operation, so login, every posting operation
// (signed without asking, as Hivesigner's posting scope) and every active
// one (each confirmed, as always). The user may untick any.
func (p *PKSA) scopes() approval.Scopes {
	cat := p.cfg.Wallet.Catalog()
	out := []string{authz.ScopeLogin}
	for _, op := range cat.Names() {
		if a, ok := cat.Authority(op); ok && a <= tx.Active {
			out = append(out, op)
		}
	}
	slices.Sort(out)
	return approval.Scopes(slices.Compact(out))
}

// approve asks the user for a new session and records it.
func (p *PKSA) approve(ctx context.Context, m Message, key, name string, app AppInfo) (*authz.Token, int64, error) {
	cid, err := newClientID()
	if err != nil {
		return nil, 0, err
	}
	ar := &approval.Request{ClientID: cid, ClientName: name + " (HiveAuth)", FirstTime: true, Account: m.Account,
		RequestedScopes: p.scopes(), Via: via(name), SessionSeconds: int64(SessionLifetime / time.Second)}
	d, err := p.cfg.Wallet.AskGrant(ctx, ar)
	if err != nil {
		return nil, 0, err
	}
	if d.Account != m.Account {
		return nil, 0, fmt.Errorf("%w: the dapp asked to sign in @%s; a HiveAuth sign-in cannot be moved to another account", wallet.ErrInvalidRequest, m.Account)
	}
	res, err := p.cfg.Grants.SessionGrant(authz.SessionApproval{ClientID: cid, Name: name + " (HiveAuth)", Account: m.Account,
		Scopes: authz.Scopes(d.Scopes), Door: Door, Lifetime: SessionLifetime})
	if err != nil {
		return nil, 0, err
	}
	tok, err := p.cfg.Grants.Lookup(res.Token)
	if err != nil {
		return nil, 0, err
	}
	s := Session{Account: m.Account, Key: key, ClientID: cid, App: name, Token: res.Token,
		Expire: res.ExpiresAt.UnixMilli(), Relay: p.relay}
	if err := p.addSession(s); err != nil {
		return nil, 0, err
	}
	return tok, s.Expire, nil
}

// addSession stores a new session, dropping expired ones.
func (p *PKSA) addSession(s Session) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.nowMS()
	keep := slices.DeleteFunc(slices.Clone(p.sessions), func(o Session) bool { return o.Expire <= now || o.Key == s.Key })
	keep = append(keep, s)
	if err := p.cfg.Store.Save(keep); err != nil {
		return fmt.Errorf("save the HiveAuth session: %w", err)
	}
	p.sessions = keep
	return nil
}

// takeNonce checks a request's nonce against the session's last one and
// stores it before anything is signed, so a replayed request is refused
// even across restarts.
func (p *PKSA) takeNonce(key string, nonce int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.sessions {
		s := &p.sessions[i]
		if s.Key != key {
			continue
		}
		if nonce <= s.Nonce {
			return errors.New("the request's nonce was used before: a request is answered once")
		}
		next := slices.Clone(p.sessions)
		next[i].Nonce = nonce
		if err := p.cfg.Store.Save(next); err != nil {
			return fmt.Errorf("save the HiveAuth session: %w", err)
		}
		p.sessions = next
		return nil
	}
	return errors.New("the session ended")
}

// sessionFor finds the live session of m's account whose key decrypts m.
func (p *PKSA) sessionFor(m Message) (*Session, []byte) {
	p.load()
	p.mu.Lock()
	list := slices.Clone(p.sessions)
	p.mu.Unlock()
	now := p.nowMS()
	for i := range list {
		s := &list[i]
		if s.Account != m.Account || s.Expire <= now || s.Relay != p.relay {
			continue
		}
		if plain, err := Decrypt(data(m), s.Key); err == nil {
			return s, plain
		}
	}
	return nil, nil
}

// signReq answers operations to sign, through the wallet with the
// session's grant: posting operations in scope are signed at once, active
// ones confirmed (or covered by an allowance or don't-ask-again), as for
// every door.
func (p *PKSA) signReq(ctx context.Context, m Message) {
	s, plain := p.sessionFor(m)
	if s == nil {
		return // another PKSA's, or an ended session's: not ours to answer
	}
	fail := func(text string) { p.errReply(m, CmdSignErr, s.Key, text) }
	var req SignReqData
	if err := json.Unmarshal(plain, &req); err != nil {
		fail("the request is not a HiveAuth sign_req_data object")
		return
	}
	if err := p.takeNonce(s.Key, req.Nonce); err != nil {
		fail(err.Error())
		return
	}
	tok, err := p.cfg.Grants.Lookup(s.Token)
	if err != nil {
		fail("this session was ended in Localsigner: sign in again")
		return
	}
	ops, err := tx.DecodeOperations(p.cfg.Wallet.Chain(), req.Ops)
	if err != nil {
		fail("the operations are not valid: " + err.Error())
		return
	}
	var notes []string
	need := tx.Posting
	for _, op := range ops {
		for _, r := range op.RequiredAuthorities() {
			need = max(need, r.Role)
		}
	}
	switch {
	case req.KeyType != "posting" && req.KeyType != "active":
		fail("key_type must be posting or active")
		return
	case req.KeyType == "posting" && need > tx.Posting:
		fail(fmt.Sprintf("the request asks for the posting key, but its operations need the %s key", need))
		return
	case req.KeyType == "active" && need == tx.Posting:
		notes = append(notes, "The dapp asks for the active key; its operations need only the posting key, which signs.")
	}
	res, err := p.cfg.Wallet.Send(ctx, wallet.Request{Door: Door, Grant: tok, Ops: ops, NoBroadcast: !req.Broadcast,
		Via: via(s.App), Source: "a HiveAuth request through " + host(p.relay) + "; the app's name is its own claim", Notes: notes})
	switch {
	case errors.Is(err, wallet.ErrConfirmationDenied):
		p.reply(m, p.nack(CmdSignNack, m, s.Key))
		return
	case err != nil:
		fail(publicError(err))
		return
	}
	yes := true
	out := Message{Cmd: CmdSignAck, Broadcast: &yes}
	if res.Signed != nil {
		no := false
		out.Broadcast, out.Data = &no, res.Signed.Transaction
	} else if out.Data, err = json.Marshal(res.ID); err != nil {
		fail("internal error")
		return
	}
	p.reply(m, out)
}

// challengeReq signs a text the dapp sends after sign-in, after the user
// read it: every time, as every message.
func (p *PKSA) challengeReq(ctx context.Context, m Message) {
	s, plain := p.sessionFor(m)
	if s == nil {
		return
	}
	fail := func(text string) { p.errReply(m, CmdChallengeErr, s.Key, text) }
	var c ChallengeData
	if err := json.Unmarshal(plain, &c); err != nil || c.Challenge == "" {
		fail("the request is not a HiveAuth challenge_data object")
		return
	}
	// The wrapper sends challenges without a nonce; a replayed one only
	// shows the user the same question again. With a nonce, it is checked.
	if c.Nonce != 0 {
		if err := p.takeNonce(s.Key, c.Nonce); err != nil {
			fail(err.Error())
			return
		}
	}
	tok, err := p.cfg.Grants.Lookup(s.Token)
	if err != nil {
		fail("this session was ended in Localsigner: sign in again")
		return
	}
	var role tx.Role
	switch c.KeyType {
	case "posting":
		role = tx.Posting
	case "active":
		role = tx.Active
	default:
		fail("a challenge is signed with the posting or the active key here")
		return
	}
	res, err := p.cfg.Wallet.SignMessage(ctx, wallet.MessageRequest{Door: Door, ClientID: tok.ClientID, Account: tok.Account,
		Authority: role, Message: c.Challenge, Via: via(s.App),
		Source: "a HiveAuth request through " + host(p.relay)})
	switch {
	case errors.Is(err, wallet.ErrConfirmationDenied):
		p.reply(m, p.nack(CmdChallengeNack, m, s.Key))
		return
	case err != nil:
		fail(publicError(err))
		return
	}
	d, err := encrypted(ChallengeAck{Pubkey: res.PublicKey, Challenge: res.Signature}, s.Key)
	if err != nil {
		fail("internal error")
		return
	}
	p.reply(m, Message{Cmd: CmdChallengeAck, Data: d})
}

// signChallenge signs a sign-in's challenge: with the posting or memo key
// as part of the sign-in just approved; with the active key only after the
// user confirms the text.
func (p *PKSA) signChallenge(ctx context.Context, tok *authz.Token, c *ChallengeData, name string) (*ChallengeAck, error) {
	var res *wallet.MessageResult
	var err error
	if c.KeyType == "active" {
		res, err = p.cfg.Wallet.SignMessage(ctx, wallet.MessageRequest{Door: Door, ClientID: tok.ClientID, Account: tok.Account,
			Authority: tx.Active, Message: c.Challenge, Via: via(name),
			Source: "a HiveAuth sign-in through " + host(p.relay)})
	} else {
		res, err = p.cfg.Wallet.SignLogin(ctx, tok, c.KeyType, c.Challenge)
	}
	if err != nil {
		return nil, err
	}
	return &ChallengeAck{Pubkey: res.PublicKey, Challenge: res.Signature}, nil
}

// nack is a refusal: its data is the request id encrypted under the
// session key, which the dapp checks so that nobody else can refuse for
// the user.
func (p *PKSA) nack(cmd string, m Message, key string) Message {
	d, err := encrypted(m.UUID, key)
	if err != nil {
		return Message{Cmd: cmd}
	}
	return Message{Cmd: cmd, Data: d}
}

func (p *PKSA) authErr(m Message, key, text string) {
	p.reply(m, Message{Cmd: CmdAuthErr, Error: text})
}

// publicError is what the dapp is told: the wallet's errors name no
// secret; anything else is summarised.
func publicError(err error) string {
	switch {
	case errors.Is(err, wallet.ErrLocked):
		return "Localsigner is locked"
	case errors.Is(err, wallet.ErrConfirmationTimeout), errors.Is(err, context.DeadlineExceeded):
		return "the user did not decide in time"
	case errors.Is(err, wallet.ErrBusy):
		return "too many requests are waiting for the user; try again later"
	}
	return wallet.AuditText(err)
}

// via is how windows name a HiveAuth app: by its own claim, said to be one.
func via(name string) string { return fmt.Sprintf("HiveAuth app “%s” (name not verified)", name) }

// errReply answers m with cmd (sign_err, challenge_err) and text encrypted
// under the session key, as the protocol's clients decrypt it.
func (p *PKSA) errReply(m Message, cmd, key, text string) {
	e, _ := Encrypt([]byte(text), key)
	p.reply(m, Message{Cmd: cmd, Error: e})
}
