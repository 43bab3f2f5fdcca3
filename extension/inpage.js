// inpage.js runs in the page (the MAIN world) and gives it Hive Keychain's
// window.hive_keychain, with Keychain's argument order and answer shape.
// It holds nothing: each call goes to the extension (content.js, then the
// background worker, which asks Localsigner), and only the answer comes
// back. The page can see and fake everything here; what matters, its
// origin, the browser reports to the background worker.
(() => {
  "use strict";
  if (window.hive_keychain) return;
  const TAG = "localsigner-bridge";
  let next = 1;
  const pending = new Map();

  // Hivesigner's API (https://hivesigner.com/api/…), asked by a dapp using
  // the hivesigner SDK's defaults, is answered by Localsigner's local API
  // with the same paths: the request leaves from this page, so it carries
  // the page's real origin, which Localsigner checks against the site's
  // approved login. content.js says on which port, and whether the user
  // turned this off for the site.
  let local = null;
  const HS_API = /^https:\/\/hivesigner\.com\/api\//;
  const rewrite = (url) => (local && typeof url === "string" && HS_API.test(url) ? url.replace(/^https:\/\/hivesigner\.com/, local) : url);
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    return open.call(this, method, rewrite(String(url)), ...rest);
  };
  const origFetch = window.fetch;
  window.fetch = function (input, init) {
    if (typeof input === "string" || input instanceof URL) return origFetch.call(this, rewrite(String(input)), init);
    if (input instanceof Request && local && HS_API.test(input.url)) return origFetch.call(this, new Request(rewrite(input.url), input), init);
    return origFetch.call(this, input, init);
  };

  window.addEventListener("message", (e) => {
    const m = e.data;
    if (e.source !== window || !m || m.tag !== TAG || m.dir !== "to-page") return;
    if (m.config) {
      const port = Number(m.config.port);
      local = m.config.hivesigner && port > 0 && port < 65536 ? `http://127.0.0.1:${port}` : null;
      return;
    }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    const answer = Object.assign({ success: false, error: "error", result: null, message: "" }, m.answer || {});
    answer.data = p.request;
    answer.request_id = m.id;
    try {
      p.callback(answer);
    } catch (err) {
      console.error(err);
    }
  });

  function send(request, callback) {
    const id = next++;
    pending.set(id, { request, callback: typeof callback === "function" ? callback : () => {} });
    window.postMessage({ tag: TAG, dir: "to-extension", id, request }, window.location.origin);
  }

  const kc = {
    current_id: 1,
    requests: {},
    requestHandshake(callback) {
      send({ type: "handshake" }, callback);
    },
    requestSignBuffer(username, message, method, callback, rpc, title) {
      send({ type: "signBuffer", username, message, method, title }, callback);
    },
    requestVerifyKey(username, message, method, callback, rpc) {
      send({ type: "decode", username, message, method }, callback);
    },
    requestEncodeMessage(username, receiver, message, method, callback, rpc) {
      send({ type: "encode", username, receiver, message, method }, callback);
    },
    requestAddAccountAuthority(username, authorizedUsername, role, weight, callback, rpc) {
      send({ type: "addAccountAuthority", username, authorizedUsername, role, weight, method: "Active" }, callback);
    },
    requestRemoveAccountAuthority(username, authorizedUsername, role, callback, rpc) {
      send({ type: "removeAccountAuthority", username, authorizedUsername, role, method: "Active" }, callback);
    },
    requestBroadcast(username, operations, method, callback, rpc) {
      send({ type: "broadcast", username, operations, method }, callback);
    },
    requestSignTx(username, tx, method, callback, rpc) {
      send({ type: "signTx", username, tx, method }, callback);
    },
    requestPost(username, title, body, parent_perm, parent_username, json_metadata, permlink, comment_options, callback, rpc) {
      send({ type: "post", username, title, body, parent_perm, parent_username, json_metadata, permlink, comment_options }, callback);
    },
    requestVote(username, permlink, author, weight, callback, rpc) {
      send({ type: "vote", username, permlink, author, weight }, callback);
    },
    requestCustomJson(username, id, method, json, display_msg, callback, rpc) {
      send({ type: "custom", username, id, method, json, display_msg }, callback);
    },
    requestTransfer(username, to, amount, memo, currency, callback, enforce, rpc) {
      send({ type: "transfer", username, to, amount, memo, currency, enforce: !!enforce }, callback);
    },
    requestPowerUp(username, recipient, steem, callback, rpc) {
      send({ type: "powerUp", username, recipient, steem }, callback);
    },
    requestPowerDown(username, steem_power, callback, rpc) {
      send({ type: "powerDown", username, steem_power }, callback);
    },
    requestDelegation(username, delegatee, amount, unit, callback, rpc) {
      send({ type: "delegation", username, delegatee, amount, unit }, callback);
    },
    requestWitnessVote(username, witness, vote, callback, rpc) {
      send({ type: "witnessVote", username, witness, vote: !!vote }, callback);
    },
    requestProxy(username, proxy, callback, rpc) {
      send({ type: "proxy", username, proxy }, callback);
    },
    requestConversion(username, amount, collaterized, callback, rpc) {
      send({ type: "convert", username, amount, collaterized: !!collaterized }, callback);
    },
    requestRecurrentTransfer(username, to, amount, currency, memo, recurrence, executions, callback, rpc) {
      send({ type: "recurrentTransfer", username, to, amount, currency, memo, recurrence, executions }, callback);
    },
  };
  Object.defineProperty(window, "hive_keychain", { value: Object.freeze(kc), enumerable: true });
})();
