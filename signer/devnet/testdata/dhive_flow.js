// Drives a devnet with the unmodified @hiveio/dhive client over HTTP, as a
// dapp would: keys derived by dhive from a login, transactions built, signed
// and broadcast by dhive. Usage: node dhive_flow.js URL CHAIN_ID
// Prints one JSON line with what the Go test checks on the devnet side.
'use strict';

const { Client, PrivateKey } = require('@hiveio/dhive');

const [url, chainId] = process.argv.slice(2);
const client = new Client([url], { chainId, addressPrefix: 'STM', timeout: 10000, failoverThreshold: 1 });
const password = 'localsigner-devnet';

async function main() {
  const active = PrivateKey.fromLogin('alice', password, 'active');
  const posting = PrivateKey.fromLogin('alice', password, 'posting');

  const props = await client.database.getDynamicGlobalProperties();
  const [alice] = await client.database.getAccounts(['alice']);
  const onChain = alice.active.key_auths[0][0];
  const derived = active.createPublic('STM').toString();
  if (onChain !== derived) {
    throw new Error(`alice's active key on chain ${onChain}, dhive derives ${derived}`);
  }

  const transfer = await client.broadcast.transfer(
    { from: 'alice', to: 'bob', amount: '1.234 HIVE', memo: 'sent by dhive' }, active);
  const comment = await client.broadcast.comment({
    parent_author: '', parent_permlink: 'devnet', author: 'alice', permlink: 'dhive-post',
    title: 'Posted by dhive', body: 'Hello from dhive', json_metadata: '{"app":"dhive"}',
  }, posting);
  const vote = await client.broadcast.vote(
    { voter: 'alice', author: 'alice', permlink: 'dhive-post', weight: 10000 }, posting);

  let refused = '';
  try {
    await client.broadcast.transfer({ from: 'alice', to: 'bob', amount: '1.000 HIVE', memo: 'wrong key' }, posting);
  } catch (e) {
    refused = e.message;
  }

  console.log(JSON.stringify({
    head: props.head_block_number,
    transfer: transfer.id,
    comment: comment.id,
    vote: vote.id,
    refused,
  }));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
