// Runs memo jobs with the peer libraries for signer/memo_test.go: dhive for
// Hive memos, peerplaysjs-lib for Peerplays memo_data messages. Reads a JSON
// array of jobs from the file named on the command line and prints a JSON
// array of results, one per job: {"ok": value} or {"error": message}.
'use strict';
const fs = require('fs');
const dhive = require('@hiveio/dhive');
const ppy = require('peerplaysjs-lib');

const run = {
  // Hive: dhive's Memo.encode from the sender's WIF to a public key (hex).
  hive_encode: (j) => dhive.Memo.encode(j.wif, new dhive.PublicKey(Buffer.from(j.to_hex, 'hex')), '#' + j.message, j.nonce),
  // Hive: dhive's Memo.decode with the reader's WIF; dhive returns "#text".
  hive_decode: (j) => dhive.Memo.decode(j.wif, j.memo),
  // Peerplays: memo_data.message as peerplaysjs-lib makes it, in hex.
  graphene_seal: (j) => ppy.Aes.encrypt_with_checksum(
    ppy.PrivateKey.fromWif(j.wif), ppy.PublicKey.fromBuffer(Buffer.from(j.to_hex, 'hex')),
    j.nonce, Buffer.from(j.message, 'utf8')).toString('hex'),
  // Peerplays: peerplaysjs-lib's decryption (legacy=false, its default).
  graphene_open: (j) => ppy.Aes.decrypt_with_checksum(
    ppy.PrivateKey.fromWif(j.wif), ppy.PublicKey.fromBuffer(Buffer.from(j.peer_hex, 'hex')),
    j.nonce, Buffer.from(j.message_hex, 'hex')).toString('utf8'),
};

const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = jobs.map((j) => {
  try {
    return { ok: run[j.op](j) };
  } catch (e) {
    return { error: String(e && e.message || e) };
  }
});
process.stdout.write(JSON.stringify(out) + '\n');
