// launch.js: what the extension scenarios share. Chromium with the
// Localsigner extension loaded unpacked (as a user loads it), told
// Localsigner's port through the extension's own storage, as its popup
// does.
'use strict';
const { chromium } = require('playwright-core');

async function launch(exe, ext, profile, apiPort) {
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', `--disable-extensions-except=${ext}`, `--load-extension=${ext}`],
  });
  let [sw] = ctx.serviceWorkers();
  if (!sw) sw = await ctx.waitForEvent('serviceworker', { timeout: 30000 });
  await sw.evaluate((port) => chrome.storage.local.set({ port }), Number(apiPort));
  return { ctx, sw };
}

module.exports = { launch };
