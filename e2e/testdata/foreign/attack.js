// attack.js — what a foreign page (an origin the user never approved) can
// try against Localsigner from a script. The test reads window.results:
// one entry per attempt, {name, failed, error, type, status}. `failed`
// means fetch rejected: the browser refused to let the page see the answer
// (CORS), or the preflight was refused so the request was never sent.
'use strict';

const params = new URLSearchParams(location.hash.slice(1));
const signer = params.get('signer');
const token = params.get('token');
const client = params.get('client');

const attempts = [
  ['read the server metadata', '/.well-known/oauth-authorization-server', {}],
  ['start a login prompt from a script', '/oauth2/authorize?' + new URLSearchParams({
    response_type: 'code', client_id: client, redirect_uri: 'http://127.0.0.1:1/', scope: 'vote',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  }), {}],
  ['revoke the dapp token (simple POST)', '/oauth2/revoke', {
    method: 'POST', body: new URLSearchParams({ token, client_id: client }),
  }],
  ['revoke the dapp token (no-cors POST)', '/oauth2/revoke', {
    method: 'POST', mode: 'no-cors', body: new URLSearchParams({ token, client_id: client }),
  }],
  ['token request as JSON', '/oauth2/token', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: token, client_id: client }),
  }],
  ['broadcast a vote with the stolen token', '/api/broadcast', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
    body: JSON.stringify({ operations: [['vote', { voter: 'alice', author: 'bob', permlink: 'hello-devnet', weight: -10000 }]] }),
  }],
  ['read /api/me the Hivesigner SDK way', '/api/me', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: token }, body: '{}',
  }],
];

async function run() {
  const results = [];
  for (const [name, path, init] of attempts) {
    const r = { name, path: path.split('?')[0], failed: false, error: '', type: '', status: 0 };
    try {
      const resp = await fetch(signer + path, init);
      r.type = resp.type;
      r.status = resp.status;
    } catch (e) {
      r.failed = true;
      r.error = `${e.name}: ${e.message}`;
    }
    results.push(r);
    const li = document.createElement('li');
    // Refused: fetch failed, or (no-cors) the page got an opaque answer it cannot read.
    const refused = r.failed || r.type === 'opaque';
    li.className = refused ? 'refused' : 'allowed';
    li.textContent = `${name} — ${refused ? 'refused' : 'ALLOWED'} (${r.failed ? r.error : 'response type ' + r.type + ', status ' + r.status})`;
    const code = document.createElement('code');
    code.textContent = ` ${init.method || 'GET'} ${r.path}`;
    li.append(code);
    document.getElementById('attempts').append(li);
  }
  window.results = results;
  document.body.dataset.done = 'true';
}

run();
