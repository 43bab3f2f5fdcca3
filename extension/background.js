// background.js is the bridge's one trusted part: it takes each page's
// origin from the browser (the message's sender), never from the page,
// holds the pairing credential and the sites' grant tokens where no page
// can read them (chrome.storage.local), and asks Localsigner on loopback.
"use strict";

const DEFAULT_PORT = 7777;
const MAX_TOKENS_PER_SITE = 8;

async function settings() {
  const s = await chrome.storage.local.get(["port", "credential", "grants", "off"]);
  return { port: s.port || DEFAULT_PORT, credential: s.credential || "", grants: s.grants || {}, off: s.off || [] };
}

function base(port) {
  return `http://127.0.0.1:${port}`;
}

function fail(error, message) {
  return { success: false, error, result: null, message };
}

const unreachable = () =>
  fail("localsigner_unreachable", "Localsigner is not running (or not on the port set in the extension's popup).");

function browserName() {
  const brands = (navigator.userAgentData && navigator.userAgentData.brands) || [];
  const b = brands.find((x) => !/Not.?A.?Brand/i.test(x.brand));
  return b ? `${b.brand} ${b.version}` : navigator.userAgent.slice(0, 40);
}

// pair asks Localsigner to pair this browser; the user approves it in the
// desktop app (or with localsigner approve). One pairing at a time.
let pairing = null;
function pair(port) {
  if (!pairing) {
    pairing = (async () => {
      const res = await fetch(base(port) + "/bridge/pair", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ browser: browserName() }),
      });
      const body = await res.json();
      if (!res.ok || !body.credential) throw Object.assign(new Error(body.message || "pairing refused"), { code: body.error });
      await chrome.storage.local.set({ credential: body.credential });
      return body.credential;
    })().finally(() => {
      pairing = null;
    });
  }
  return pairing;
}

async function call(port, credential, origin, tokens, request) {
  return fetch(base(port) + "/bridge/call", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + credential },
    body: JSON.stringify({ origin, grants: tokens, request }),
  });
}

async function keep(origin, token, account) {
  const s = await chrome.storage.local.get(["grants", "accounts"]);
  const grants = s.grants || {};
  const accounts = s.accounts || {};
  const list = (grants[origin] || []).filter((t) => t !== token);
  list.unshift(token);
  grants[origin] = list.slice(0, MAX_TOKENS_PER_SITE);
  if (account) accounts[origin] = [account, ...(accounts[origin] || []).filter((a) => a !== account)].slice(0, MAX_TOKENS_PER_SITE);
  await chrome.storage.local.set({ grants, accounts });
}

async function handle(request, sender) {
  // The page's origin, as the browser reports it: a frame's own.
  let origin = sender.origin;
  if (!origin && sender.url) origin = new URL(sender.url).origin;
  if (!origin || origin === "null" || !/^https?:\/\//.test(origin)) {
    return fail("error", "This page has no web origin Localsigner can show you.");
  }
  if (!request || typeof request.type !== "string") return fail("error", "Not a Keychain request.");
  let { port, credential, grants } = await settings();
  if (request.type === "handshake") {
    // Keychain's "is it installed?": yes, if Localsigner answers.
    try {
      const res = await fetch(base(port) + "/bridge/status");
      if (!res.ok) return unreachable();
      return { success: true, error: null, result: "localsigner", message: "Localsigner is here" };
    } catch (err) {
      return unreachable();
    }
  }
  try {
    if (!credential) credential = await pair(port);
    let res = await call(port, credential, origin, grants[origin] || [], request);
    if (res.status === 401) {
      // Unpaired in Localsigner: pair again, once.
      await chrome.storage.local.remove("credential");
      credential = await pair(port);
      res = await call(port, credential, origin, grants[origin] || [], request);
    }
    if (res.status === 503) return fail("locked", "Localsigner is locked: unlock it and try again.");
    const body = await res.json();
    if (!res.ok || !body.keychain) return fail(body.error || "error", body.message || body.error_description || "Localsigner refused the request.");
    if (body.grant) await keep(origin, body.grant, body.account);
    return body.keychain;
  } catch (err) {
    if (err && err.code) return fail(err.code, err.message);
    return unreachable();
  }
}

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (!msg || msg.kind !== "keychain" || !sender.tab || (sender.url || "").startsWith(chrome.runtime.getURL(""))) return false;
  handle(msg.request, sender).then(reply, () => reply(unreachable()));
  return true;
});

// The popup's "Open Localsigner" brings the desktop app to the front.
chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  const ownPage = sender.id === chrome.runtime.id && (sender.url || "").startsWith(chrome.runtime.getURL(""));
  if (!msg || msg.kind !== "show" || !ownPage) return false;
  (async () => {
    const { port } = await settings();
    try {
      const res = await fetch(base(port) + "/bridge/show", { method: "POST" });
      reply(await res.json());
    } catch (err) {
      reply({ shown: false, message: "Localsigner is not running: start it from your applications." });
    }
  })();
  return true;
});

// The popup asks for the state; the extension's own pages only.
chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  const ownPage = sender.id === chrome.runtime.id && (sender.url || "").startsWith(chrome.runtime.getURL(""));
  if (!msg || msg.kind !== "status" || !ownPage) return false;
  (async () => {
    const { port, credential, grants, off } = await settings();
    const { accounts } = await chrome.storage.local.get("accounts");
    let site = null;
    if (msg.site && /^https?:\/\//.test(msg.site)) {
      const u = new URL(msg.site);
      site = { origin: u.origin, host: u.hostname, accounts: (accounts || {})[u.origin] || [], hivesigner: !off.includes(u.hostname) };
    }
    try {
      const res = await fetch(base(port) + "/bridge/status", { headers: { Authorization: "Bearer " + credential } });
      const s = await res.json();
      reply({ port, reachable: true, paired: !!s.paired, locked: !!s.locked, chain: s.chain, sites: Object.keys(grants).length, site });
    } catch (err) {
      reply({ port, reachable: false, site });
    }
  })();
  return true;
});

// Hivesigner logins, for dapps that use the hivesigner SDK with its
// defaults: the browser sends the login page's navigation to Localsigner
// instead of hivesigner.com (a redirect rule), except for the sites the
// user turned off in the popup. Localsigner takes the site's origin from
// the redirect_uri, as for every OAuth login. (The SDK's API calls are
// sent to Localsigner by inpage.js: a redirected XHR would lose the page's
// origin.)
const HIVESIGNER_RULE = 1;

async function hivesignerRules() {
  const { port, off } = Object.assign({ port: DEFAULT_PORT, off: [] }, await chrome.storage.local.get(["port", "off"]));
  const condition = {
    regexFilter: "^https://hivesigner\\.com/(oauth2/authorize\\?.*)$",
    resourceTypes: ["main_frame"],
  };
  if (off && off.length) condition.excludedInitiatorDomains = off;
  await chrome.declarativeNetRequest.updateDynamicRules({
    removeRuleIds: [HIVESIGNER_RULE],
    addRules: [{
      id: HIVESIGNER_RULE,
      priority: 1,
      action: { type: "redirect", redirect: { regexSubstitution: `http://127.0.0.1:${port}/\\1` } },
      condition,
    }],
  });
}

chrome.runtime.onInstalled.addListener(() => hivesignerRules());
chrome.runtime.onStartup.addListener(() => hivesignerRules());
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && (changes.port || changes.off)) hivesignerRules();
});
