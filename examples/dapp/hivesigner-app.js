// hivesigner-app.js — the example dapp on the official Hivesigner SDK
// (global `hivesigner`, loaded by hivesigner.html). Its REST calls go to
// Localsigner through the SDK's apiURL option; the login link is built by
// oauth.js because the SDK hard-codes hivesigner.com for it.

import { config, DappError, finishLogin, forget, login, session } from './oauth.js';
import { $, addResult, guard, showError } from './ui.js';

const CUSTOM_ID = 'localsigner-example';
const DEFAULTS = {
  clientId: 'localsigner-example-sdk',
  // Hivesigner separates scopes with commas; Localsigner takes both.
  scope: `vote,comment,custom_json:${CUSTOM_ID},transfer`,
};

// sdk turns the SDK's rejections (the server's JSON error object, or a
// fetch TypeError) into a DappError the page can show.
async function sdk(what, promise) {
  try {
    return await promise;
  } catch (e) {
    if (e instanceof Error) {
      throw new DappError(what, `cannot reach Localsigner (is it running? did it refuse this origin?) — ${e.message}`);
    }
    const code = (e && e.error) || '';
    throw new DappError(what, `${code}${e && e.error_description ? ': ' + e.error_description : ''}` || JSON.stringify(e), code);
  }
}

function show(s) {
  $('login-box').hidden = !!s;
  $('account-box').hidden = !s;
  $('actions').hidden = !s;
  if (!s) return;
  $('account').textContent = '@' + s.username;
  $('granted').textContent = s.scope || '(none)';
  $('expires').textContent = new Date(s.expiresAt).toLocaleTimeString();
  if (!$('transfer-to').value) $('transfer-to').value = s.username === 'bob' ? 'alice' : 'bob';
}

async function main() {
  const cfg = config(DEFAULTS);
  $('signer-url').textContent = cfg.signer;
  $('client-id').textContent = cfg.clientId;
  if (typeof window.hivesigner === 'undefined') {
    $('sdk-missing').hidden = false;
    $('login').disabled = true;
    return;
  }
  $('sdk-version').textContent = 'loaded';

  let s = session();
  try {
    const fresh = await finishLogin();
    if (fresh) s = fresh;
  } catch (e) {
    showError(e);
  }
  show(s);

  // The drop-in: the unmodified SDK, pointed at Localsigner by apiURL.
  const client = new window.hivesigner.Client({
    app: cfg.clientId,
    callbackURL: cfg.redirectUri,
    scope: DEFAULTS.scope.split(','),
    apiURL: cfg.signer, // ← the one line: 'http://127.0.0.1:7777' instead of https://hivesigner.com
    accessToken: s ? s.accessToken : undefined,
  });
  const user = () => {
    if (!session()) throw new DappError('Not logged in', 'the session of this tab ended; log in again');
    return session().username;
  };

  if (s) {
    sdk('client.me() failed', client.me())
      .then((me) => {
        $('me').textContent = JSON.stringify(me, null, 2);
        $('me-box').hidden = false;
      })
      .catch(showError);
  }

  guard($('login'), 'Waiting for you to approve this dapp in Localsigner…', async () => {
    await login(cfg);
    return 'navigating';
  });

  guard($('logout'), 'Logging out…', async () => {
    show(null);
    forget();
    await sdk('client.revokeToken() failed', client.revokeToken());
  });

  guard($('vote'), 'Voting…', async () => {
    const res = await sdk('client.vote() failed', client.vote(user(), $('vote-author').value.trim(),
      $('vote-permlink').value.trim(), Math.round(Number($('vote-weight').value) * 100)));
    addResult('Vote (SDK)', res);
  });

  guard($('custom-json'), 'Sending custom_json…', async () => {
    const res = await sdk('client.customJson() failed', client.customJson([], [user()], CUSTOM_ID,
      JSON.stringify({ hello: $('custom-json-text').value })));
    addResult('custom_json (SDK)', res);
  });

  guard($('transfer'), 'Waiting for you to confirm the transfer in Localsigner…', async () => {
    const res = await sdk('client.broadcast() failed', client.broadcast([['transfer', {
      from: user(), to: $('transfer-to').value.trim(), amount: $('transfer-amount').value.trim(), memo: 'via the SDK',
    }]]));
    addResult('Transfer (SDK)', res);
  });

  document.body.dataset.ready = 'true';
}

main().catch(showError);
