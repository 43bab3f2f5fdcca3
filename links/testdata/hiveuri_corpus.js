// Encodes a corpus of hive:// links with the unmodified npm hive-uri
// package, decodes each with the same package and resolves it against
// fixed values, and prints [{uri, tx, signer, params}] as JSON for
// links/hiveuri_test.go to compare with Localsigner's reading.
'use strict';
const huri = require('hive-uri');

const vote = ['vote', { voter: '__signer', author: 'bob', permlink: 'hello-world', weight: 10000 }];
const transfer = ['transfer', { from: '__signer', to: 'shop', amount: '12.500 HBD', memo: 'order 77 for __signer' }];
const follow = ['custom_json', {
  required_auths: [], required_posting_auths: ['__signer'], id: 'follow',
  json: JSON.stringify(['follow', { follower: '__signer', following: 'bob', what: ['blog'] }]),
}];
const delegate = ['delegate_vesting_shares', { delegator: '__signer', delegatee: 'carol', vesting_shares: '1000.000000 VESTS' }];
const unicode = ['transfer', { from: '__signer', to: 'bob', amount: '0.001 HIVE', memo: 'gracias ☕ — merci é' }];

const paramsList = [
  {},
  { signer: 'alice' },
  { authority: 'active' },
  { no_broadcast: true },
  { callback: 'https://shop.example/paid?tx={{id}}&b={{block}}&n={{txn}}' },
  { callback: 'https://shop.example/signed/{{sig}}', no_broadcast: true, signer: 'bob', authority: 'posting' },
];

const out = [];
const opts = {
  ref_block_num: 1234, ref_block_prefix: 3735928559, expiration: '2026-12-07T12:00:00',
  signers: ['alice', 'bob'], preferred_signer: 'alice',
};
function add(uri) {
  const d = huri.decode(uri);
  const r = huri.resolveTransaction(d.tx, d.params, opts);
  out.push({ uri, tx: r.tx, signer: r.signer, params: d.params });
}
for (const params of paramsList) {
  for (const op of [vote, transfer, follow, delegate, unicode]) add(huri.encodeOp(op, params));
  add(huri.encodeOps([vote, follow], params));
  add(huri.encodeOps([transfer, transfer, vote], params));
  add(huri.encodeTx({
    ref_block_num: '__ref_block_num', ref_block_prefix: '__ref_block_prefix', expiration: '__expiration',
    extensions: [], operations: [transfer, vote],
  }, params));
  add(huri.encodeTx({
    ref_block_num: 4321, ref_block_prefix: 12345678, expiration: '2026-12-07T12:30:00',
    extensions: [], operations: [vote],
  }, params));
}
process.stdout.write(JSON.stringify(out));
