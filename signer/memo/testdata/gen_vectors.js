// Generates vectors.json: memos made by the peer libraries, which the Go
// tests must decrypt and reproduce byte for byte. Run with NODE_PATH holding
// @hiveio/dhive@1.3.6, bitsharesjs@6.0.3 and peerplaysjs-lib@0.8.9:
//   node gen_vectors.js > vectors.json
'use strict';
const { PrivateKey: HivePriv, Memo } = require('@hiveio/dhive');
const bitshares = require('bitsharesjs');
const peerplays = require('peerplaysjs-lib');

const keys = {
  alice_memo: 'alicememoP5KLocalsignerTestVectorsAliceDoNotUse0000000000001',
  bob_memo: 'bobmemoP5KLocalsignerTestVectorsBobDoNotUse00000000000002',
  // Its ECDH x coordinate with alice_memo starts with a zero byte, so dhive's
  // secret (x without leading zeros) differs from fc's (all 32 bytes).
  legacy_peer: 'localsigner memo legacy 101',
};
const messages = [
  ['empty', ''],
  ['ascii', 'hello bob'],
  ['hash inside', '#not a second memo'],
  ['15 bytes', 'fifteen bytes!!'],
  ['16 bytes', 'sixteen bytes!!!'],
  ['unicode', 'memo爱 ünïcødé 🚀'],
  ['300 bytes', 'x'.repeat(300)],
];
const nonces = ['1', '1700000000000123', '18446744073709551615'];

const hive = [];
const graphene = [];
const pairs = [['alice_memo', 'bob_memo'], ['alice_memo', 'legacy_peer']];
let n = 0;
for (const [from, to] of pairs) {
  for (const [name, text] of messages) {
    const nonce = nonces[n++ % nonces.length];
    const memo = Memo.encode(HivePriv.fromSeed(keys[from]), HivePriv.fromSeed(keys[to]).createPublic(), '#' + text, nonce);
    hive.push({ name: `${from}->${to} ${name}`, sender_seed: keys[from], recipient_seed: keys[to], nonce, message: text, memo });
    for (const [lib, mod] of [['bitsharesjs@6.0.3', bitshares], ['peerplaysjs-lib@0.8.9', peerplays]]) {
      const priv = mod.PrivateKey.fromSeed(keys[from]);
      const pub = mod.PrivateKey.fromSeed(keys[to]).toPublicKey();
      const sealed = mod.Aes.encrypt_with_checksum(priv, pub, nonce, Buffer.from(text, 'utf8'));
      graphene.push({ name: `${lib} ${from}->${to} ${name}`, sender_seed: keys[from], recipient_seed: keys[to], nonce, message: text, message_hex: sealed.toString('hex') });
    }
  }
}
process.stdout.write(JSON.stringify({
  format: 'localsigner-memo-vectors/1',
  generator: 'signer/memo/testdata/gen_vectors.js',
  peers: { '@hiveio/dhive': '1.3.6', bitsharesjs: '6.0.3', 'peerplaysjs-lib': '0.8.9' },
  hive, graphene,
}, null, 1) + '\n');
