// Drives Localsigner's dapp API with the unmodified hivesigner SDK (3.3.5),
// as a dapp would, with apiURL pointing at the local server.
//
//   node hivesigner_flow.js login-url BASE       prints the authorize URL
//   node hivesigner_flow.js run BASE TOKEN MEMO  calls every SDK method;
//                                                MEMO is an encrypted memo to decode
//
// The login URL is the SDK's own getLoginURL with its hard-coded
// https://hivesigner.com replaced by the local server: the few lines the
// README shows dapps. "run" prints one JSON line with what each call
// answered, for the Go test to check on the devnet.
'use strict';

const hivesigner = require('hivesigner');

const [mode, base, accessToken, memo] = process.argv.slice(2);
const app = 'hsdapp';
const callbackURL = 'http://localhost:8080/callback';
const scope = ['login', 'memo', 'vote', 'comment', 'delete_comment', 'custom_json', 'claim_reward_balance'];

function loginURL() {
  const client = new hivesigner.Client({ app, callbackURL, scope });
  return client.getLoginURL('st4te', 'alice').replace('https://hivesigner.com', base);
}

// call runs one SDK call and records its answer or its rejection.
async function call(out, name, f) {
  try {
    out[name] = { ok: await f() };
  } catch (err) {
    out[name] = { err };
  }
}

async function run() {
  const client = new hivesigner.Client({ app, callbackURL, scope, apiURL: base, accessToken });
  const out = {};
  await call(out, 'me', () => client.me());
  await call(out, 'decode', () => client.decode(memo));
  await call(out, 'comment', () => client.comment('', 'devnet', 'alice', 'hs-post', 'Posted by hivesigner',
    'Hello from the hivesigner SDK', { app: 'hivesigner' }));
  await call(out, 'comment2', () => client.comment('', 'devnet', 'alice', 'hs-doomed', 'To be deleted', 'Bye', '{}'));
  await call(out, 'vote', () => client.vote('alice', 'alice', 'hs-post', '7500'));
  await call(out, 'deleteComment', () => client.deleteComment('alice', 'hs-doomed'));
  await call(out, 'customJson', () => client.customJson([], ['alice'], 'localsigner-test', JSON.stringify({ hello: 'world' })));
  await call(out, 'reblog', () => client.reblog('alice', 'alice', 'hs-post'));
  await call(out, 'follow', () => client.follow('alice', 'bob'));
  await call(out, 'unfollow', () => client.unfollow('alice', 'bob'));
  await call(out, 'ignore', () => client.ignore('alice', 'carol'));
  await call(out, 'claimRewardBalance', () => client.claimRewardBalance('alice', '0.001 HIVE', '0.000 HBD', '0.000000 VESTS'));
  await call(out, 'broadcast', () => client.broadcast([['comment', {
    parent_author: 'alice', parent_permlink: 'hs-post', author: 'alice', permlink: 're-hs-post',
    title: '', body: 'A reply through broadcast()', json_metadata: '{}',
  }]]));
  // Callback style: the SDK calls cb(err, null) on failure.
  out.outOfScope = await new Promise((resolve) => {
    client.broadcast([['transfer', { from: 'alice', to: 'bob', amount: '1.000 HIVE', memo: 'not allowed' }]],
      (err, res) => resolve({ err, ok: res }));
  });
  await call(out, 'revokeToken', async () => {
    const c = await client.revokeToken();
    return { tokenAfter: c.accessToken === undefined ? null : c.accessToken };
  });
  const again = new hivesigner.Client({ app, apiURL: base, accessToken });
  await call(out, 'meAfterRevoke', () => again.me());
  return out;
}

async function main() {
  if (mode === 'login-url') {
    process.stdout.write(loginURL() + '\n');
    return;
  }
  process.stdout.write(JSON.stringify(await run()) + '\n');
}

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || JSON.stringify(err)) + '\n');
  process.exit(1);
});
