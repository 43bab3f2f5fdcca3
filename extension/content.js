// content.js (the extension's isolated world) carries the page's Keychain
// calls to the background worker and the answers back. It adds nothing:
// the background takes the page's origin from the browser.
(() => {
  "use strict";
  const TAG = "localsigner-bridge";
  // The page's own Hivesigner calls go to Localsigner when the user has
  // not turned that off for this site: inpage.js needs the port.
  chrome.storage.local.get(["port", "off"], (s) => {
    const on = !(s.off || []).includes(location.hostname);
    window.postMessage({ tag: TAG, dir: "to-page", config: { port: s.port || 7777, hivesigner: on } }, window.location.origin);
  });
  window.addEventListener("message", (e) => {
    const m = e.data;
    if (e.source !== window || !m || m.tag !== TAG || m.dir !== "to-extension") return;
    const reply = (answer) => window.postMessage({ tag: TAG, dir: "to-page", id: m.id, answer }, window.location.origin);
    try {
      chrome.runtime.sendMessage({ kind: "keychain", request: m.request }, (answer) => {
        if (chrome.runtime.lastError || !answer) {
          reply({ success: false, error: "error", message: "The Localsigner extension did not answer." });
          return;
        }
        reply(answer);
      });
    } catch (err) {
      reply({ success: false, error: "error", message: "The Localsigner extension was reloaded: reload the page." });
    }
  });
})();
