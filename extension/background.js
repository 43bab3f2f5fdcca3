// background.js is the bridge's one trusted part: it takes each page's
// origin from the browser (the message's sender), never from the page,
// holds the pairing credential and the sites' grant tokens where no page
// can read them (chrome.storage.local), and asks Localsigner on loopback.
"use strict";

const DEFAULT_PORT = 7777;
const MAX_TOKENS_PER_SITE = 8;

async function settings() {
  const s = await chrome.storage.local.get(["port", "credential", "grants"]);
  return { port: s.port || DEFAULT_PORT, credential: s.credential || "", grants: s.grants || {} };
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

async function keep(origin, token) {
  const { grants } = await settings();
  const list = (grants[origin] || []).filter((t) => t !== token);
  list.unshift(token);
  grants[origin] = list.slice(0, MAX_TOKENS_PER_SITE);
  await chrome.storage.local.set({ grants });
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
    if (body.grant) await keep(origin, body.grant);
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

// The popup asks for the state; the extension's own pages only.
chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  const ownPage = sender.id === chrome.runtime.id && (sender.url || "").startsWith(chrome.runtime.getURL(""));
  if (!msg || msg.kind !== "status" || !ownPage) return false;
  (async () => {
    const { port, credential, grants } = await settings();
    try {
      const res = await fetch(base(port) + "/bridge/status", { headers: { Authorization: "Bearer " + credential } });
      const s = await res.json();
      reply({ port, reachable: true, paired: !!s.paired, locked: !!s.locked, chain: s.chain, sites: Object.keys(grants).length });
    } catch (err) {
      reply({ port, reachable: false });
    }
  })();
  return true;
});
