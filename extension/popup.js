"use strict";
const $ = (id) => document.getElementById(id);
let current = null; // the active tab's URL, when it is a web page

function show(s) {
  const st = $("state");
  $("show").hidden = !s.reachable;
  $("port").value = s.port;
  if (!s.reachable) {
    st.textContent = "Localsigner is not running on port " + s.port + ". Start the desktop app.";
    st.className = "bad";
  } else if (!s.paired) {
    st.textContent = "Connected, not paired yet: the first Keychain request of a site asks you to pair this browser in Localsigner.";
    st.className = "";
  } else if (s.locked) {
    st.textContent = "Paired; Localsigner is locked. Unlock it in the desktop app.";
    st.className = "bad";
  } else {
    st.textContent = "Paired and unlocked (" + s.chain + "). Sites approved: " + s.sites + ".";
    st.className = "ok";
  }
  if (s.site) {
    $("site").hidden = false;
    $("site-account").textContent = s.site.accounts.length
      ? s.site.host + " uses @" + s.site.accounts.join(", @") + "."
      : s.site.host + " has not been approved in Localsigner.";
    $("hivesigner").checked = s.site.hivesigner;
    $("hivesigner").onchange = async () => {
      const { off } = await chrome.storage.local.get("off");
      const list = (off || []).filter((h) => h !== s.site.host);
      if (!$("hivesigner").checked) list.push(s.site.host);
      await chrome.storage.local.set({ off: list });
    };
  }
}

function refresh() {
  chrome.runtime.sendMessage({ kind: "status", site: current }, show);
}

chrome.tabs.query({ active: true, currentWindow: true }, (tabs) => {
  const u = tabs && tabs[0] && tabs[0].url;
  current = u && /^https?:\/\//.test(u) ? u : null;
  refresh();
});
$("save").addEventListener("click", async () => {
  const port = parseInt($("port").value, 10);
  if (!(port > 0 && port < 65536)) return;
  await chrome.storage.local.set({ port });
  refresh();
});
$("show").addEventListener("click", () => {
  chrome.runtime.sendMessage({ kind: "show" }, (r) => {
    if (r && !r.shown) $("state").textContent = r.message || "Localsigner has no window to show.";
  });
});
