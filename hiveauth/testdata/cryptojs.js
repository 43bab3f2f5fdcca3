// Given {"encrypt":[[text,key]...],"decrypt":[[payload,key]...]} as its
// argument, prints {"encrypted":[...],"decrypted":[...]}: what CryptoJS, as
// the protocol's clients use it, makes of them.
const CryptoJS = require("crypto-js");
const job = JSON.parse(process.argv[2]);
const out = {
  encrypted: job.encrypt.map(([t, k]) => CryptoJS.AES.encrypt(t, k).toString()),
  decrypted: job.decrypt.map(([p, k]) => {
    try {
      return CryptoJS.AES.decrypt(p, k).toString(CryptoJS.enc.Utf8);
    } catch (e) {
      return null;
    }
  }),
};
process.stdout.write(JSON.stringify(out));
