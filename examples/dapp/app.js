// app.js — the example dapp: log in with Localsigner, then vote, post,
// send a custom_json and a transfer through the dapp API. Plain JavaScript,
// no library: see oauth.js for the login itself.

import { api, config, DappError, finishLogin, login, logout, session } from './oauth.js';
import { $, addResult, guard, showError, status } from './ui.js';

// What this dapp asks for. custom_json is narrowed to the dapp's own id;
// transfer uses the active key, so Localsigner confirms each one.
const CUSTOM_ID = 'localsigner-example';
const DEFAULTS = {
  clientId: 'localsigner-example',
  scope: `login vote comment custom_json:${CUSTOM_ID} transfer`,
};

// loggedIn returns the current session or explains that there is none.
function loggedIn() {
  const s = session();
  if (!s) throw new DappError('Not logged in', 'the session of this tab ended; log in again');
  return s;
}

function show(s) {
  $('login-box').hidden = !!s;
  $('account-box').hidden = !s;
  $('actions').hidden = !s;
  if (!s) return;
  $('account').textContent = '@' + s.username;
  $('granted').textContent = s.scope || '(none)';
  $('expires').textContent = new Date(s.expiresAt).toLocaleTimeString();
  const c = s.idClaims;
  $('id-token').textContent = c
    ? `@${c.sub} on ${c.chain}, signed by the ${c.key_role} key ${c.public_key}; aud, nonce, iss and exp checked here — ` +
      'check the signature against the chain on your backend (localsigner verify-login TOKEN)'
    : 'none (the login scope was not granted)';
  if (!$('transfer-to').value) $('transfer-to').value = s.username === 'bob' ? 'alice' : 'bob';
}

async function loadMe(s) {
  // Hivesigner's /api/me: who the token is for, and the account on chain.
  const me = await api(s, '/api/me', {});
  $('me').textContent = JSON.stringify(me, null, 2);
  $('me-box').hidden = false;
}

async function broadcast(s, what, operations) {
  const res = await api(s, '/api/broadcast', { operations });
  addResult(what, res);
  return res;
}

async function main() {
  let cfg;
  try {
    cfg = config(DEFAULTS);
  } catch (e) {
    showError(e);
    return;
  }
  $('signer-url').textContent = cfg.signer;
  $('client-id').textContent = cfg.clientId;

  let s = session();
  try {
    const fresh = await finishLogin();
    if (fresh) s = fresh;
  } catch (e) {
    showError(e);
  }
  show(s);
  if (s) loadMe(s).catch(showError);

  guard($('login'), 'Waiting for you to approve this dapp in Localsigner…', async () => {
    await login(cfg);
    return 'navigating';
  });

  guard($('logout'), 'Logging out…', async () => {
    const cur = session();
    show(null);
    $('me-box').hidden = true;
    if (cur) await logout(cur);
  });

  guard($('vote'), 'Voting…', () => {
    const cur = loggedIn();
    return broadcast(cur, 'Vote', [['vote', {
      voter: cur.username,
      author: $('vote-author').value.trim(),
      permlink: $('vote-permlink').value.trim(),
      weight: Math.round(Number($('vote-weight').value) * 100),
    }]]);
  });

  guard($('post'), 'Publishing…', async () => {
    const cur = loggedIn();
    const permlink = 'hello-from-the-example-' + Date.now().toString(36);
    await broadcast(cur, 'Post', [['comment', {
      parent_author: '', parent_permlink: 'localsigner', author: cur.username, permlink,
      title: $('post-title').value, body: $('post-body').value, json_metadata: '{"app":"localsigner-example"}',
    }]]);
    // Something to vote on.
    $('vote-author').value = cur.username;
    $('vote-permlink').value = permlink;
  });

  guard($('custom-json'), 'Sending custom_json…', () => {
    const cur = loggedIn();
    return broadcast(cur, 'custom_json', [['custom_json', {
      required_auths: [], required_posting_auths: [cur.username], id: CUSTOM_ID,
      json: JSON.stringify({ hello: $('custom-json-text').value }),
    }]]);
  });

  guard($('transfer'), 'Waiting for you to confirm the transfer in Localsigner…', () => {
    const cur = loggedIn();
    return broadcast(cur, 'Transfer', [['transfer', {
      from: cur.username, to: $('transfer-to').value.trim(),
      amount: $('transfer-amount').value.trim(), memo: $('transfer-memo').value,
    }]]);
  });

  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  status('');
  showError(e);
});
