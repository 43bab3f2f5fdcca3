// keychain_sdk.js: the unmodified npm keychain-sdk, bundled as it ships
// (esbuild, with a Buffer shim the bundle needs in a browser), on a test
// page in headless Chromium with the Localsigner extension loaded. The SDK
// checks logins against hard-coded mainnet nodes: those requests are
// answered by the devnet (routed here), as a real node would answer for
// mainnet. One JSON event per step on stdout; the Go test answers the
// prompts.
//
// Usage: node keychain_sdk.js CHROMIUM EXTENSION_DIR PROFILE_DIR API_PORT SITE_URL DEVNET_HTTP SIGN_TX_JSON
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { launch } = require('./launch.js');
const esbuild = require('esbuild');

const [exe, ext, profile, apiPort, site, devnet, signTx] = process.argv.slice(2);
const emit = (o) => console.log(JSON.stringify(o));

async function bundle() {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'kcsdk-'));
  const modules = path.join(process.env.NODE_PATH);
  fs.writeFileSync(path.join(dir, 'shim.js'),
    "import { Buffer } from 'buffer'; window.Buffer = Buffer; window.global = window; window.process = window.process || { env: {}, version: '', browser: true };\n");
  fs.writeFileSync(path.join(dir, 'entry.js'),
    "import './shim.js'; const { KeychainSDK } = require('keychain-sdk'); window.KeychainSDK = KeychainSDK;\n");
  const out = await esbuild.build({
    entryPoints: [path.join(dir, 'entry.js')], bundle: true, platform: 'browser', format: 'iife', write: false,
    define: { global: 'window' }, nodePaths: [modules], logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

(async () => {
  const code = await bundle();
  const { ctx, sw } = await launch(exe, ext, profile, apiPort);
  await ctx.route(/^https:\/\/(api\.hive\.blog|api\.openhive\.network|api\.deathwing\.me)\//, async (route) => {
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'POST, GET, OPTIONS' };
    if (route.request().method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
    const res = await fetch(devnet, { method: 'POST', headers: { 'content-type': 'application/json' }, body: route.request().postData() });
    return route.fulfill({ status: res.status, headers: { ...cors, 'content-type': 'application/json' }, body: await res.text() });
  });

  const page = await ctx.newPage();
  page.on('pageerror', (e) => emit({ event: 'pageerror', error: String(e) }));
  await page.goto(site, { waitUntil: 'load' });
  await page.addScriptTag({ content: code });
  // sdk runs one KeychainSDK method and reports its answer, or what it
  // rejected with.
  const sdk = (method, data) => page.evaluate(async ([m, d]) => {
    const k = new window.KeychainSDK(window);
    try {
      return { ok: true, answer: await k[m](d) };
    } catch (e) {
      return { ok: false, answer: e && e.success !== undefined ? e : { message: String(e && (e.message || e)) } };
    }
  }, [method, data]);

  emit({ event: 'installed', result: await page.evaluate(() => new window.KeychainSDK(window).isKeychainInstalled()) });
  emit({ event: 'login', ...(await sdk('login', { username: 'alice', message: '{"login":"sdk-42"}', method: 'Posting', title: 'Login' })) });
  emit({ event: 'post', ...(await sdk('post', { username: 'alice', title: 'SDK post', body: 'from keychain-sdk', parent_perm: 'test',
    parent_username: '', json_metadata: '{"app":"sdk-test"}', permlink: 'sdk-post', comment_options: '' })) });
  emit({ event: 'vote', ...(await sdk('vote', { username: 'alice', permlink: 'sdk-post', author: 'alice', weight: 5000 })) });
  emit({ event: 'custom', ...(await sdk('custom', { username: 'alice', id: 'follow', method: 'Posting',
    json: JSON.stringify(['follow', { follower: 'alice', following: 'bob', what: ['blog'] }]), display_msg: 'Follow @bob' })) });
  emit({ event: 'transfer', ...(await sdk('transfer', { username: 'alice', to: 'bob', amount: '0.500', memo: 'sdk', enforce: false, currency: 'HIVE' })) });
  emit({ event: 'denied', ...(await sdk('transfer', { username: 'alice', to: 'bob', amount: '0.600', memo: 'sdk', enforce: false, currency: 'HIVE' })) });
  emit({ event: 'signTx', ...(await sdk('signTx', { username: 'alice', tx: JSON.parse(signTx), method: 'Posting' })) });
  await ctx.close();
})().catch((e) => {
  emit({ event: 'error', error: String(e && e.stack || e) });
  process.exit(1);
});
