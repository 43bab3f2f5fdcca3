// A HiveAuth dapp written against the unmodified npm hive-auth-wrapper, as
// dapps use it: it signs in @alice with a challenge, has a follow broadcast,
// an active transfer broadcast (and a second one, which the test denies),
// a challenge signed, and, over a raw socket with the wrapper's own
// crypto-js (the wrapper sends only broadcast: true), a sign-only request
// and that request again with its nonce unchanged.
//
// It prints one JSON event a line; the Go test answers the confirmations
// Localsigner shows and checks each event. Usage: node dapp.js RELAY_URL
globalThis.window = globalThis; // the wrapper checks "WebSocket" in window
globalThis.WebSocket = require("ws"); // Node 20 has no WebSocket
const path = require("path");
const { pathToFileURL } = require("url");
const CryptoJS = require("crypto-js");

const relay = process.argv[2];
const emit = (o) => console.log(JSON.stringify(o));
const fail = (step, e) => {
  emit({ event: "error", step, error: e && (e.message || e.error || JSON.stringify(e)) });
  process.exit(1);
};

const vote = ["custom_json", { required_auths: [], required_posting_auths: ["alice"], id: "follow",
  json: JSON.stringify(["follow", { follower: "alice", following: "bob", what: ["blog"] }]) }];
const transfer = (amount) => ["transfer", { from: "alice", to: "bob", amount, memo: "hiveauth" }];

function raw(msg, want) {
  // One request over a socket of its own: send, skip to the answer.
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(relay);
    let uuid;
    const timer = setTimeout(() => reject(new Error("no answer to " + msg.cmd)), 30000);
    ws.onopen = () => ws.send(JSON.stringify(msg));
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.cmd === "sign_wait") uuid = m.uuid;
      else if (uuid && m.uuid === uuid && want.includes(m.cmd)) {
        clearTimeout(timer);
        ws.close();
        resolve(m);
      }
    };
    ws.onerror = (e) => reject(e);
  });
}

(async () => {
  const wrapper = path.join(process.env.NODE_PATH, "hive-auth-wrapper", "has-wrapper.js");
  const HAS = (await import(pathToFileURL(wrapper).href)).default;
  HAS.setOptions({ host: relay });

  const auth = { username: "alice" };
  const challenge = JSON.stringify({ login: "alice", ts: Date.now() });
  try {
    const ack = await HAS.authenticate(auth, { name: "Test dapp", description: "a HiveAuth test" },
      { key_type: "posting", challenge }, (evt) => {
        const link = "has://auth_req/" + Buffer.from(JSON.stringify({ account: evt.account, uuid: evt.uuid, key: evt.key, host: relay })).toString("base64");
        emit({ event: "auth_wait", link });
      });
    emit({ event: "auth_ack", challenge, data: ack.data });
  } catch (e) { fail("authenticate", e); }

  try {
    const r = await HAS.broadcast(auth, "posting", [vote]);
    emit({ event: "vote", cmd: r.cmd, broadcast: r.broadcast, data: r.data });
  } catch (e) { fail("vote", e); }

  try {
    const r = await HAS.broadcast(auth, "active", [transfer("1.000 HIVE")]);
    emit({ event: "transfer", cmd: r.cmd, broadcast: r.broadcast, data: r.data });
  } catch (e) { fail("transfer", e); }

  try {
    const r = await HAS.broadcast(auth, "active", [transfer("2.000 HIVE")]);
    emit({ event: "transfer2", cmd: r.cmd, data: r.data });
  } catch (e) { emit({ event: "transfer2", cmd: e.cmd, error: e.message }); }

  try {
    const r = await HAS.challenge(auth, { key_type: "posting", challenge: "prove it: 42" });
    emit({ event: "challenge", data: r.data });
  } catch (e) { fail("challenge", e); }

  const signData = CryptoJS.AES.encrypt(JSON.stringify({ key_type: "posting", ops: [vote], broadcast: false, nonce: Date.now() }), auth.key).toString();
  const req = { cmd: "sign_req", account: "alice", data: signData };
  try {
    const r = await raw(req, ["sign_ack", "sign_nack", "sign_err"]);
    emit({ event: "sign_only", cmd: r.cmd, broadcast: r.broadcast, data: r.data });
  } catch (e) { fail("sign_only", e); }
  try {
    const r = await raw(req, ["sign_ack", "sign_nack", "sign_err"]);
    const error = r.error ? CryptoJS.AES.decrypt(r.error, auth.key).toString(CryptoJS.enc.Utf8) : undefined;
    emit({ event: "replay", cmd: r.cmd, error });
  } catch (e) { fail("replay", e); }
  process.exit(0);
})();
