// hivesigner_defaults.js: a dapp written against the unmodified npm
// hivesigner SDK with its defaults (login at hivesigner.com, apiURL
// hivesigner.com), in headless Chromium with the Localsigner extension
// loaded: the extension sends the login and the API calls to Localsigner.
// The page logs in, reads client.me(), posts and votes. One JSON event per
// step; the Go test approves the sign-in.
//
// Usage: node hivesigner_defaults.js CHROMIUM EXTENSION_DIR PROFILE_DIR API_PORT SITE_URL
'use strict';
const { launch } = require('./launch.js');

const [exe, ext, profile, apiPort, site] = process.argv.slice(2);
const emit = (o) => console.log(JSON.stringify(o));

(async () => {
  const { ctx, sw } = await launch(exe, ext, profile, apiPort);
  await sw.evaluate(async (port) => {
    for (let i = 0; i < 100; i++) {
      const rules = await chrome.declarativeNetRequest.getDynamicRules();
      if (rules.some((r) => r.action.redirect && r.action.redirect.regexSubstitution.includes(`:${port}/`))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the redirect rule was not set');
  }, Number(apiPort));

  const page = await ctx.newPage();
  page.on('pageerror', (e) => emit({ event: 'pageerror', error: String(e) }));
  page.on('requestfailed', (r) => emit({ event: 'pageerror', error: `${r.method()} ${r.url()}: ${r.failure() && r.failure().errorText}` }));
  await page.goto(site + 'hs.html', { waitUntil: 'load' });
  emit({ event: 'ready' });
  // The SDK's login navigates to https://hivesigner.com/oauth2/authorize,
  // which the extension sends to Localsigner; it answers once the user
  // decided, with the callback page.
  await page.evaluate(() => {
    const client = new window.hivesigner.Client({ app: 'hs-defaults', callbackURL: location.origin + '/cb.html', scope: ['login', 'vote', 'comment'] });
    client.login({ state: 'st-1' });
  });
  await page.waitForURL(/\/cb\.html\?/, { timeout: 90000 });
  emit({ event: 'callback', url: page.url() });
  const out = await page.evaluate(async () => {
    const q = new URLSearchParams(location.search);
    const client = new window.hivesigner.Client({ app: 'hs-defaults', accessToken: q.get('access_token') });
    const me = await client.me();
    const post = await client.comment('', 'test', 'alice', 'hs-defaults', 'Defaults', 'from the unmodified SDK', '{}');
    const vote = await client.vote('alice', 'alice', 'hs-defaults', 10000);
    return { me: me.name || me.user, post: post.result.id, vote: vote.result.id };
  });
  emit({ event: 'done', result: out });

  // The user turns it off for this site in the popup: the site's login
  // goes to hivesigner.com again (unreachable here), Localsigner is not
  // asked.
  const host = new URL(site).hostname;
  await sw.evaluate(async (h) => {
    await chrome.storage.local.set({ off: [h] });
    for (let i = 0; i < 100; i++) {
      const rules = await chrome.declarativeNetRequest.getDynamicRules();
      if (rules.some((r) => (r.condition.excludedInitiatorDomains || []).includes(h))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the rule did not exclude the site');
  }, host);
  const off = await ctx.newPage();
  await off.goto(site + 'hs.html', { waitUntil: 'load' });
  const failed = off.waitForEvent('requestfailed', { predicate: (r) => r.url().startsWith('https://hivesigner.com/'), timeout: 20000 });
  await off.evaluate(() => {
    new window.hivesigner.Client({ app: 'hs-defaults', callbackURL: location.origin + '/cb.html', scope: ['login'] }).login({ state: 'st-2' });
  });
  emit({ event: 'off', url: (await failed).url() });
  await ctx.close();
})().catch((e) => {
  emit({ event: 'error', error: String(e && e.stack || e) });
  process.exit(1);
});
