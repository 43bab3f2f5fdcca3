// bridge.js drives a real Chromium with the Localsigner extension loaded
// (unpacked, as a user loads it) on a test page that calls Hive Keychain's
// window.hive_keychain as dapps do, and prints one JSON event per answer.
// The Go test answers Localsigner's prompts and checks each event.
//
// Usage: node bridge.js CHROMIUM EXTENSION_DIR PROFILE_DIR API_PORT SITE_URL SIGN_TX_JSON POPUP_PNG
'use strict';
const { launch } = require('./launch.js');

const [exe, ext, profile, apiPort, site, signTx, popupShot] = process.argv.slice(2);
const emit = (o) => console.log(JSON.stringify(o));

(async () => {
  const { ctx, sw } = await launch(exe, ext, profile, apiPort);
  emit({ event: 'extension', id: new URL(sw.url()).host });

  const page = await ctx.newPage();
  page.on('pageerror', (e) => emit({ event: 'pageerror', error: String(e) }));
  await page.goto(site, { waitUntil: 'load' });
  // kc calls window.hive_keychain[method] with args, the string "__cb__"
  // standing for the callback, and resolves with the answer.
  const kc = (method, ...args) => page.evaluate(([m, a]) => new Promise((resolve) => {
    window.hive_keychain[m](...a.map((x) => (x === '__cb__' ? resolve : x)));
  }), [method, args]);

  emit({ event: 'handshake', answer: await kc('requestHandshake', '__cb__') });
  emit({ event: 'login', answer: await kc('requestSignBuffer', '', 'Log in to the test dapp: 8f3a', 'Posting', '__cb__', null, 'Login') });
  const follow = JSON.stringify(['follow', { follower: 'alice', following: 'bob', what: ['blog'] }]);
  emit({ event: 'custom', answer: await kc('requestCustomJson', 'alice', 'follow', 'Posting', follow, 'Follow @bob', '__cb__') });
  emit({ event: 'post', answer: await kc('requestPost', 'alice', 'Hello', 'A post from the bridge test', 'test', '', '{"app":"bridge-test"}', 'hello-bridge', '', '__cb__') });
  emit({ event: 'vote', answer: await kc('requestVote', 'alice', 'hello-bridge', 'alice', 10000, '__cb__') });
  emit({ event: 'transfer', answer: await kc('requestTransfer', 'alice', 'bob', '1.000', 'from the bridge', 'HIVE', '__cb__') });
  emit({ event: 'transfer2', answer: await kc('requestTransfer', 'alice', 'bob', '2.000', 'denied', 'HIVE', '__cb__') });
  emit({ event: 'signTx', answer: await kc('requestSignTx', 'alice', JSON.parse(signTx), 'Posting', '__cb__') });
  const enc = await kc('requestEncodeMessage', 'alice', 'alice', '#a note to self', 'Memo', '__cb__');
  emit({ event: 'encode', answer: enc });
  emit({ event: 'decode', answer: await kc('requestVerifyKey', 'alice', enc.result, 'Memo', '__cb__') });
  emit({ event: 'powerDown', answer: await kc('requestPowerDown', 'alice', '1.000', '__cb__') });
  emit({ event: 'delegateHP', answer: await kc('requestDelegation', 'alice', 'bob', '1.000', 'HP', '__cb__') });
  emit({ event: 'addAuthority', answer: await kc('requestAddAccountAuthority', 'alice', 'bob', 'Posting', 1, '__cb__') });
  emit({ event: 'removeAuthority', answer: await kc('requestRemoveAccountAuthority', 'alice', 'bob', 'Posting', '__cb__') });
  emit({ event: 'unsupported', answer: await kc('requestAddAccountAuthority', 'alice', 'bob', 'Active', 1, '__cb__') });

  // The page itself calling Localsigner's bridge directly: it has no
  // credential, and its origin is not the extension's.
  const direct = await page.evaluate(async (port) => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/bridge/call`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ origin: 'https://other.example', grants: [], request: { type: 'transfer', username: 'alice', to: 'bob', amount: '1.000', currency: 'HIVE' } }) });
      return { status: r.status };
    } catch (e) {
      return { error: String(e) };
    }
  }, Number(apiPort));
  emit({ event: 'direct', result: direct });

  // The extension's popup, opened as a page, once it has its answer.
  const popup = await ctx.newPage();
  await popup.setViewportSize({ width: 330, height: 260 });
  await popup.goto(`chrome-extension://${new URL(sw.url()).host}/popup.html`);
  await popup.waitForFunction(() => document.getElementById('state').textContent !== 'Checking…', null, { timeout: 10000 });
  await popup.screenshot({ path: popupShot });
  emit({ event: 'popup', text: await popup.textContent('#state') });
  await ctx.close();
})().catch((e) => {
  emit({ event: 'error', error: String(e && e.stack || e) });
  process.exit(1);
});
