// driver.js — a small bridge from a Go test to a real Chromium through
// playwright-core. The Go side starts `node driver.js CONFIG_JSON` and sends
// one JSON command per line on stdin; each gets one JSON answer line on
// stdout: {"id": N, "ok": true, "result": …} or {"id": N, "ok": false,
// "error": "…"}. The test's logic (what to click, what to expect, what the
// chain must show) stays in Go; this file only knows how to drive a page.
//
// CONFIG_JSON: {"executablePath", "userDataDir", "args": [...]}.
// The browser runs with a fresh profile in userDataDir and closes on the
// "close" command or when stdin ends.
'use strict';

const readline = require('node:readline');
const { chromium } = require('playwright-core');

const cfg = JSON.parse(process.argv[2]);
const TIMEOUT = 20000;

let context;
let page;
const consoleLog = []; // what the page printed, page errors and failed requests

function watch(p) {
  p.on('console', (m) => consoleLog.push({ type: m.type(), text: m.text() }));
  p.on('pageerror', (e) => consoleLog.push({ type: 'pageerror', text: String(e) }));
  p.on('requestfailed', (r) => consoleLog.push({
    type: 'requestfailed', text: `${r.method()} ${r.url()}: ${r.failure() ? r.failure().errorText : ''}`,
  }));
}

const commands = {
  // goto loads url and waits for the load event.
  async goto({ url }) {
    await page.goto(url, { waitUntil: 'load', timeout: TIMEOUT });
    return page.url();
  },
  // click clicks like a user (mouse, after actionability checks) and does
  // not wait for a navigation it starts: the signer holds the authorization
  // request until the Go side decides.
  async click({ selector }) {
    await page.click(selector, { noWaitAfter: true, timeout: TIMEOUT });
    return null;
  },
  async fill({ selector, value }) {
    await page.fill(selector, value, { timeout: TIMEOUT });
    return null;
  },
  // wait waits until selector is visible (or state: attached, hidden).
  async wait({ selector, state, timeout }) {
    await page.waitForSelector(selector, { state: state || 'visible', timeout: timeout || TIMEOUT });
    return null;
  },
  // waitText waits until selector's text contains text and returns it.
  async waitText({ selector, text, timeout }) {
    await page.waitForFunction(([s, t]) => {
      const el = document.querySelector(s);
      return el && !el.hidden && el.textContent.includes(t);
    }, [selector, text], { timeout: timeout || TIMEOUT, polling: 50 });
    return page.textContent(selector);
  },
  async waitURL({ prefix, timeout }) {
    await page.waitForURL((u) => u.toString().startsWith(prefix), { timeout: timeout || TIMEOUT, waitUntil: 'load' });
    return page.url();
  },
  async text({ selector }) {
    return page.textContent(selector, { timeout: TIMEOUT });
  },
  async visible({ selector }) {
    return page.isVisible(selector);
  },
  // eval evaluates a JavaScript expression in the page (awaiting a promise).
  async eval({ expression }) {
    return page.evaluate(expression);
  },
  async url() {
    return page.url();
  },
  async screenshot({ path }) {
    await page.screenshot({ path, fullPage: true });
    return path;
  },
  // console returns (and forgets) what the page logged since last time.
  async console() {
    return consoleLog.splice(0);
  },
  async close() {
    await context.close();
    return null;
  },
};

function reply(msg) {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

async function main() {
  context = await chromium.launchPersistentContext(cfg.userDataDir, {
    executablePath: cfg.executablePath,
    headless: true,
    args: cfg.args,
    viewport: { width: 960, height: 900 },
    timeout: 30000,
  });
  context.on('page', watch);
  page = context.pages()[0] || (await context.newPage());
  watch(page);
  reply({ id: 0, ok: true, result: context.browser() ? context.browser().version() : 'chromium' });

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const { id, cmd, args } = JSON.parse(line);
    const fn = commands[cmd];
    try {
      if (!fn) throw new Error(`unknown command ${cmd}`);
      reply({ id, ok: true, result: await fn(args || {}) });
    } catch (e) {
      reply({ id, ok: false, error: String((e && e.message) || e).split('\n').slice(0, 6).join('\n') });
    }
    if (cmd === 'close') return;
  }
  await context.close(); // stdin ended: the test is gone
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`driver: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
