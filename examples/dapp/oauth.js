// oauth.js — "Log in with Localsigner" in plain browser JavaScript.
//
// A dapp is a public OAuth 2.0 client: it has no secret, so it proves that
// the code it got back is its own with PKCE (RFC 7636, method S256), and
// that the answer belongs to the login it started with `state`. The flow:
//
//   1. login(): make a random code_verifier and state, keep them in
//      sessionStorage (this tab only), send the browser to the signer's
//      /oauth2/authorize with the S256 code_challenge.
//   2. The user approves in Localsigner; the signer redirects back with
//      ?code=…&state=…&iss=… (or ?error=…&state=…&iss=…).
//   3. finishLogin(): check state and iss (RFC 9207), then exchange the code
//      with the code_verifier at /oauth2/token, from the browser (CORS is
//      allowed for the origin the user approved). With the "login" scope
//      the answer carries an id_token, signed by the account's own posting
//      key: its claims are checked here (aud, nonce, iss, exp); its
//      signature can only be checked against the chain's keys, which is a
//      backend's job (`localsigner verify-login TOKEN` shows how).
//   4. api(): call the dapp API with "Authorization: Bearer <token>".
//
// Every failure becomes a DappError with a title and a detail for the page
// to show; nothing is swallowed.

/** The signer's issuer URL unless ?signer= says otherwise. */
export const DEFAULT_SIGNER = 'http://127.0.0.1:7777';

// Everything is kept in sessionStorage (this tab only, gone when it
// closes), per page, so the two example pages stay separate dapps.
const key = (name) => `localsigner-example:${name}:${location.pathname}`;

/** DappError is an error worth showing: what failed and why. */
export class DappError extends Error {
  constructor(title, detail, code) {
    super(detail ? `${title}: ${detail}` : title);
    this.title = title;
    this.detail = detail || '';
    this.code = code || ''; // the OAuth error code (access_denied, …) when there is one
  }
}

/**
 * config reads the page's settings: the signer's URL and the client_id,
 * from ?signer= and ?client_id= when given (remembered for this tab, since
 * the redirect back from the signer carries neither), else the defaults.
 */
export function config(defaults) {
    const q = new URLSearchParams(location.search);
  let saved = {};
  try {
    saved = JSON.parse(sessionStorage.getItem(key('config')) || '{}');
  } catch {
    saved = {};
  }
  const cfg = {
    signer: q.get('signer') || saved.signer || DEFAULT_SIGNER,
    clientId: q.get('client_id') || saved.clientId || defaults.clientId,
    scope: defaults.scope,
    // The redirect URI is this very page, without query or fragment: it
    // must match, byte for byte, what the user approves the first time.
    redirectUri: location.origin + location.pathname,
  };
  cfg.signer = checkSigner(cfg.signer);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(cfg.clientId)) {
    throw new DappError('Bad client_id', `"${cfg.clientId}" must be 1 to 64 characters from A-Z a-z 0-9 . _ -`);
  }
  sessionStorage.setItem(key('config'), JSON.stringify({ signer: cfg.signer, clientId: cfg.clientId }));
  return cfg;
}

// checkSigner accepts the signer's base URL only on this machine (or
// https): the code_verifier and tokens go there.
function checkSigner(raw) {
  let u;
  try {
    u = new URL(raw);
  } catch {
    throw new DappError('Bad signer URL', `"${raw}" is not a URL; use e.g. ?signer=${DEFAULT_SIGNER}`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (!(u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) || u.pathname !== '/' || u.search || u.hash) {
    throw new DappError('Bad signer URL', `"${raw}" must look like ${DEFAULT_SIGNER} (http on this machine, no path)`);
  }
  return u.origin;
}

function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(n) {
  return base64url(crypto.getRandomValues(new Uint8Array(n)));
}

/** s256 is the PKCE code_challenge of a verifier: BASE64URL(SHA-256(verifier)). */
export async function s256(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** authorizeURL builds the signer's authorization URL for cfg. */
export function authorizeURL(cfg, state, challenge, nonce) {
  const u = new URL('/oauth2/authorize', cfg.signer);
  u.search = new URLSearchParams({
    response_type: 'code',
    client_id: cfg.clientId,
    redirect_uri: cfg.redirectUri,
    scope: cfg.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    nonce, // echoed in the id_token: binds it to this login
  }).toString();
  return u.toString();
}

/**
 * login sends the browser to the signer. The page stays as it is until the
 * user decides in Localsigner: the signer answers only then.
 */
export async function login(cfg) {
  if (!window.isSecureContext || !crypto.subtle) {
    throw new DappError('This page cannot do PKCE', 'crypto.subtle needs a secure context: serve the page from https or http://127.0.0.1');
  }
  const verifier = randomString(32); // 43 characters, as RFC 7636 §4.1 asks
  const state = randomString(16);
  const nonce = randomString(16);
  sessionStorage.setItem(key('pending'), JSON.stringify({
    state, nonce, verifier, signer: cfg.signer, clientId: cfg.clientId, redirectUri: cfg.redirectUri,
  }));
  location.assign(authorizeURL(cfg, state, await s256(verifier), nonce));
}

/**
 * finishLogin handles the signer's redirect back to this page. It returns
 * null when the page was not opened by such a redirect, the new session
 * after a successful login, and throws a DappError otherwise (the user
 * denied, state or iss do not match, the token exchange failed).
 */
export async function finishLogin() {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) {
    return null;
  }
  // The code must not stay in the address bar, history or a bookmark.
  history.replaceState(null, '', location.pathname);
  const raw = sessionStorage.getItem(key('pending'));
  sessionStorage.removeItem(key('pending'));
  if (!raw) {
    throw new DappError('Unexpected login answer', 'this tab did not start a login (or already used its answer); log in again');
  }
  const pending = JSON.parse(raw);
  if (q.get('state') !== pending.state) {
    throw new DappError('Login refused', 'the answer does not belong to the login this page started (state mismatch)');
  }
  if (q.get('iss') !== pending.signer) {
    throw new DappError('Login refused', `the answer comes from issuer "${q.get('iss')}", not from ${pending.signer} (RFC 9207 iss check); set ?signer= to the issuer URL`);
  }
  if (q.has('error')) {
    const code = q.get('error');
    throw new DappError(code === 'access_denied' ? 'Login denied' : 'Login failed',
      `${code}${q.get('error_description') ? ': ' + q.get('error_description') : ''}`, code);
  }
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: q.get('code'),
    redirect_uri: pending.redirectUri,
    client_id: pending.clientId,
    code_verifier: pending.verifier,
  });
  const tok = await request(pending.signer, '/oauth2/token', { method: 'POST', body }, 'Token exchange failed');
  const idClaims = tok.id_token ? checkIDToken(tok.id_token, pending) : null;
  const session = {
    signer: pending.signer,
    clientId: pending.clientId,
    accessToken: tok.access_token,
    username: tok.username || q.get('username') || '',
    scope: tok.scope || '',
    expiresAt: Date.now() + (tok.expires_in || 0) * 1000,
    idToken: tok.id_token || '',
    idClaims,
  };
  saveSession(session);
  return session;
}

// checkIDToken checks an id_token's claims (not its signature: see the top
// of this file) and returns them.
function checkIDToken(token, pending) {
  const bad = (why) => new DappError('Login refused', `the id_token ${why}`);
  const parts = token.split('.');
  let header;
  let claims;
  try {
    const json = (p) => JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/')));
    header = json(parts[0]);
    claims = json(parts[1]);
  } catch {
    throw bad('is not a JWT');
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (parts.length !== 3 || header.alg !== 'ES256K') throw bad(`uses alg ${header.alg}, not ES256K`);
  if (claims.origin !== window.location.origin) throw bad(`was issued to ${claims.origin}, not this site`);
  if (!aud.includes(pending.clientId)) throw bad(`is for ${claims.aud}, not this dapp`);
  if (claims.nonce !== pending.nonce) throw bad('does not carry the nonce of this login');
  if (claims.iss !== pending.signer) throw bad(`comes from issuer ${claims.iss}`);
  if (!(claims.exp * 1000 > Date.now())) throw bad('has expired');
  return claims;
}

/** session returns the stored login of this tab, or null once it expired. */
export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(key('session')) || 'null');
    if (s && s.expiresAt > Date.now()) return s;
  } catch {
    // a damaged entry is no session
  }
  sessionStorage.removeItem(key('session'));
  return null;
}

function saveSession(s) {
  sessionStorage.setItem(key('session'), JSON.stringify(s));
}

/** forget drops this tab's session without telling the signer. */
export function forget() {
  sessionStorage.removeItem(key('session'));
}

/** logout revokes the token at the signer (RFC 7009) and forgets it. */
export async function logout(s) {
  forget();
  const body = new URLSearchParams({ token: s.accessToken, token_type_hint: 'access_token', client_id: s.clientId });
  await request(s.signer, '/oauth2/revoke', { method: 'POST', body }, 'Revoking the token failed');
}

/**
 * api calls the dapp API (e.g. /api/me, /api/broadcast) with a JSON body
 * and the bearer token, and returns the parsed answer.
 */
export function api(s, path, body) {
  return request(s.signer, path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + s.accessToken },
    body: JSON.stringify(body || {}),
  }, `${path} failed`);
}

// request fetches signer+path and returns the JSON answer, or throws a
// DappError that says what went wrong in words a user can act on.
async function request(signer, path, init, what) {
  let resp;
  try {
    resp = await fetch(signer + path, init);
  } catch (e) {
    // A network error and a CORS refusal look the same to a page.
    throw new DappError(what, `cannot reach Localsigner at ${signer} (is it running? did it refuse this origin?) — ${e.message}`);
  }
  let data = null;
  const text = await resp.text();
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    throw new DappError(what, `HTTP ${resp.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!resp.ok || (data && data.error)) {
    const code = (data && data.error) || '';
    const desc = data && (data.error_description || data.message);
    throw new DappError(what, `HTTP ${resp.status}${code ? ' ' + code : ''}${desc ? ': ' + desc : ''}`, code);
  }
  return data;
}
