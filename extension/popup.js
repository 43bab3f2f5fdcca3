"use strict";
const $ = (id) => document.getElementById(id);

function show(s) {
  const st = $("state");
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
}

chrome.runtime.sendMessage({ kind: "status" }, show);
$("save").addEventListener("click", async () => {
  const port = parseInt($("port").value, 10);
  if (!(port > 0 && port < 65536)) return;
  await chrome.storage.local.set({ port });
  chrome.runtime.sendMessage({ kind: "status" }, show);
});
