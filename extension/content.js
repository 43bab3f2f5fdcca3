// content.js (the extension's isolated world) carries the page's Keychain
// calls to the background worker and the answers back. It adds nothing:
// the background takes the page's origin from the browser.
(() => {
  "use strict";
  const TAG = "localsigner-bridge";
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
