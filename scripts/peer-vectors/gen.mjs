// gen.mjs writes signer/tx/testdata/peer_vectors.json: Hive transaction
// vectors for the operations the shared vectors (../shared/vectors) do not
// cover, built, serialized and signed by @hiveio/dhive and cross-checked with
// hive-tx. signer/tx/peer_vectors_test.go checks the Go serializer and signer
// against the file.
//
// It installs nothing. Install the two peers at the pinned versions anywhere
// and point NODE_PATH at them (the peers are loaded with require, which
// honours NODE_PATH; ESM import would not):
//
//   npm install --prefix /tmp/pv @hiveio/dhive@1.3.6 hive-tx@7.2.1
//   NODE_PATH=/tmp/pv/node_modules node scripts/peer-vectors/gen.mjs > signer/tx/testdata/peer_vectors.json
//
// hive-tx 7.2.1 installs from the registry as is (no npm "overrides" needed).
// The output is deterministic: dhive signs with RFC 6979 nonces, so running
// it again gives the same file byte for byte. It exits non-zero, writing
// nothing to stdout, if the peers disagree on any byte, digest, id, key or
// signature, or if a peer is not at the pinned version (the shell redirect
// then leaves an empty file: rerun once the cause is fixed).
//
// Every password, seed and key in here is TEST-ONLY: published, worthless,
// and never to be used for an account that holds anything.

import { createRequire } from 'node:module'
import { createHash } from 'node:crypto'
import { check, fail, load, loadPinned, vectorRecord } from './common.mjs'

const require = createRequire(import.meta.url)

const PINNED = { '@hiveio/dhive': '1.3.6', 'hive-tx': '7.2.1' }

loadPinned(PINNED)
const dhive = load('@hiveio/dhive')
const hivetx = load('hive-tx')
// dhive's own dependencies, resolved from where dhive is installed.
const dhiveRequire = createRequire(require.resolve('@hiveio/dhive'))
const ByteBuffer = dhiveRequire('@ecency/bytebuffer')
const secp256k1 = dhiveRequire('secp256k1')

const CHAIN_ID_HEX = 'beeab0de00000000000000000000000000000000000000000000000000000000'
const CHAIN_ID = Buffer.from(CHAIN_ID_HEX, 'hex')
const PREFIX = 'STM'
const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

const sha256 = (b) => createHash('sha256').update(b).digest()

// TAPOS and expiration shared with ../shared/vectors/hive_transactions.json.
const REF_BLOCK_NUM = 34567
const REF_BLOCK_PREFIX = 2919465563
const EXPIRATION = '2024-06-01T12:00:00'

// Test-only master passwords. alice's and bob's are those of the shared
// vectors, so the same accounts have the same keys in every vector file.
const PASSWORDS = {
  alice: 'P5KLocalsignerTestVectorsAliceDoNotUse0000000000001',
  bob: 'P5KLocalsignerTestVectorsBobDoNotUse00000000000002',
  'escrow.test': 'P5KLocalsignerPeerVectorsEscrowTestOnlyDoNotUse00003'
}

// Public keys put into authorities, from the seed vectors of
// ../shared/vectors/hive_keys.json (private key = sha256(seed)); checked below.
const SEED_KEYS = {
  'localsigner vector seed 1': 'STM6n526uH2kSktRKPPMmFh9mCpL7imV4iNdCSwJHLa5G2pX2aov2',
  'localsigner vector seed 2': 'STM7hfPBUWD5pBLWKGaUaooiauf63Eg3xTS1rkLNBE1iCxSckG3b6',
  'localsigner vector seed 3': 'STM8fgBx7hGZS4mXLo7j6ptL1mH6M8SPFCVfqwj9eBoz2opp3BMyX'
}
const [K1, K2, K3] = Object.values(SEED_KEYS)
// alice's current login memo key (hive_keys.json).
const ALICE_MEMO = 'STM7xng29phv2JSKwft7xySbStPF66aY8j3XQRoy5Fam1mojarQae'
const NULL_KEY = 'STM1111111111111111111111111111111114T1Anm'

for (const [seed, want] of Object.entries(SEED_KEYS)) {
  const d = dhive.PrivateKey.fromSeed(seed).createPublic(PREFIX).toString()
  const h = hivetx.PrivateKey.fromSeed(seed).createPublic(PREFIX).toString()
  check(d === want && h === want, `seed ${JSON.stringify(seed)}: dhive ${d}, hive-tx ${h}, want ${want}`)
}
check(dhive.PrivateKey.fromLogin('alice', PASSWORDS.alice, 'memo').createPublic(PREFIX).toString() === ALICE_MEMO,
  'alice memo key differs from hive_keys.json')

const auth = (threshold, accountAuths, keyAuths) =>
  ({ weight_threshold: threshold, account_auths: accountAuths, key_auths: keyAuths })

// The vectors: one or more per operation that ../shared/vectors lacks. The
// JSON is condenser_api (legacy) JSON with members in the node's order.
const ESCROW = { from: 'alice', to: 'bob', agent: 'escrow.test', escrow_id: 3141592653 }
const specs = [
  {
    name: 'feed_publish/basic',
    description: 'Witness price feed: 0.250 HBD per HIVE.',
    tags: [],
    required: { active: ['alice'] },
    signers: [['alice', 'active']],
    operations: [['feed_publish', {
      publisher: 'alice',
      exchange_rate: { base: '0.250 HBD', quote: '1.000 HIVE' }
    }]]
  },
  {
    name: 'account_update/new_active_and_memo',
    description: 'New 2-of-2 active authority and memo key; owner and posting absent (unchanged): needs active authority.',
    tags: ['optional-absent', 'optional-present', 'authority', 'empty-string'],
    required: { active: ['bob'] },
    signers: [['bob', 'active']],
    operations: [['account_update', {
      account: 'bob',
      active: auth(2, [], [[K1, 1], [K2, 1]]),
      memo_key: K3,
      json_metadata: ''
    }]]
  },
  {
    name: 'account_update/new_owner',
    description: 'New owner authority (memo key repeated unchanged): needs owner authority.',
    tags: ['optional-absent', 'optional-present', 'authority'],
    required: { owner: ['alice'] },
    signers: [['alice', 'owner']],
    operations: [['account_update', {
      account: 'alice',
      owner: auth(1, [], [[K1, 1]]),
      memo_key: ALICE_MEMO,
      json_metadata: '{"profile":{"name":"Alice"}}'
    }]]
  },
  {
    name: 'witness_update/register',
    description: 'Register a witness with a signing key and the chain properties it votes for.',
    tags: [],
    required: { active: ['alice'] },
    signers: [['alice', 'active']],
    operations: [['witness_update', {
      owner: 'alice',
      url: 'https://example.com/@alice/witness-announcement',
      block_signing_key: K1,
      props: { account_creation_fee: '3.000 HIVE', maximum_block_size: 65536, hbd_interest_rate: 2000 },
      fee: '0.000 HIVE'
    }]]
  },
  {
    name: 'witness_update/disable_null_key',
    description: 'Disable a witness: the null signing key serializes as 33 zero bytes.',
    tags: ['null-key', 'zero-amount'],
    required: { active: ['alice'] },
    signers: [['alice', 'active']],
    operations: [['witness_update', {
      owner: 'alice',
      url: 'https://example.com/@alice/witness-announcement',
      block_signing_key: NULL_KEY,
      props: { account_creation_fee: '3.000 HIVE', maximum_block_size: 65536, hbd_interest_rate: 0 },
      fee: '0.000 HIVE'
    }]]
  },
  {
    name: 'custom/binary',
    description: 'Custom binary operation, id 777, hex data; needs active authority of required_auths.',
    tags: [],
    required: { active: ['alice'] },
    signers: [['alice', 'active']],
    operations: [['custom', {
      required_auths: ['alice'],
      id: 777,
      data: '4c6f63616c7369676e657200ff017f80'
    }]]
  },
  {
    name: 'custom/two_auths',
    description: 'Custom operation needing two accounts\' active authorities, signed by both.',
    tags: ['multi-sig'],
    required: { active: ['alice', 'bob'] },
    signers: [['alice', 'active'], ['bob', 'active']],
    operations: [['custom', {
      required_auths: ['alice', 'bob'],
      id: 777,
      data: 'deadbeef'
    }]]
  },
  {
    name: 'create_claimed_account/basic',
    description: 'Create an account from a claimed account token.',
    tags: ['authority'],
    required: { active: ['alice'] },
    signers: [['alice', 'active']],
    operations: [['create_claimed_account', {
      creator: 'alice',
      new_account_name: 'erin.test',
      owner: auth(1, [], [[K1, 1]]),
      active: auth(1, [], [[K2, 1]]),
      posting: auth(1, [['alice', 1]], [[K3, 1]]),
      memo_key: K3,
      json_metadata: '{"profile":{"name":"Erin"}}',
      extensions: []
    }]]
  },
  {
    name: 'request_account_recovery/basic',
    description: 'The recovery account proposes a new owner authority for the account it recovers.',
    tags: ['authority'],
    required: { active: ['bob'] },
    signers: [['bob', 'active']],
    operations: [['request_account_recovery', {
      recovery_account: 'bob',
      account_to_recover: 'alice',
      new_owner_authority: auth(1, [], [[K1, 1]]),
      extensions: []
    }]]
  },
  {
    name: 'escrow_approve/to_approves',
    description: 'The recipient approves an escrow (escrow_id above 2^31).',
    tags: ['varint'],
    required: { active: ['bob'] },
    signers: [['bob', 'active']],
    operations: [['escrow_approve', { ...ESCROW, who: 'bob', approve: true }]]
  },
  {
    name: 'escrow_approve/agent_rejects',
    description: 'The agent rejects an escrow (approve false).',
    tags: [],
    required: { active: ['escrow.test'] },
    signers: [['escrow.test', 'active']],
    operations: [['escrow_approve', { ...ESCROW, who: 'escrow.test', approve: false }]]
  },
  {
    name: 'escrow_dispute/by_from',
    description: 'The sender raises a dispute, handing the escrow to the agent.',
    tags: [],
    required: { active: ['alice'] },
    signers: [['alice', 'active']],
    operations: [['escrow_dispute', { ...ESCROW, who: 'alice' }]]
  },
  {
    name: 'escrow_release/from_to_recipient',
    description: 'The sender releases the whole escrow (HBD and HIVE) to the recipient.',
    tags: [],
    required: { active: ['alice'] },
    signers: [['alice', 'active']],
    operations: [['escrow_release', {
      ...ESCROW, who: 'alice', receiver: 'bob', hbd_amount: '5.000 HBD', hive_amount: '10.000 HIVE'
    }]]
  },
  {
    name: 'escrow_release/agent_after_dispute',
    description: 'After a dispute the agent returns the HBD to the sender; zero HIVE.',
    tags: ['zero-amount'],
    required: { active: ['escrow.test'] },
    signers: [['escrow.test', 'active']],
    operations: [['escrow_release', {
      ...ESCROW, who: 'escrow.test', receiver: 'alice', hbd_amount: '5.000 HBD', hive_amount: '0.000 HIVE'
    }]]
  },
  {
    name: 'decline_voting_rights/decline',
    description: 'Give up governance voting (irrevocable after 30 days): needs owner authority.',
    tags: [],
    required: { owner: ['alice'] },
    signers: [['alice', 'owner']],
    operations: [['decline_voting_rights', { account: 'alice', decline: true }]]
  },
  {
    name: 'account_create_with_delegation/basic',
    description: 'Pre-HF20 account creation: 3.000 HIVE fee plus delegated VESTS (refused by current nodes, still part of the protocol).',
    tags: ['authority', 'empty-string'],
    required: { active: ['alice'] },
    signers: [['alice', 'active']],
    operations: [['account_create_with_delegation', {
      fee: '3.000 HIVE',
      delegation: '57000.123456 VESTS',
      creator: 'alice',
      new_account_name: 'frank.test',
      owner: auth(1, [], [[K1, 1]]),
      active: auth(1, [], [[K2, 1]]),
      posting: auth(1, [], [[K3, 1]]),
      memo_key: K3,
      json_metadata: '',
      extensions: []
    }]]
  }
]

// serialize is dhive's binary transaction (signatures excluded).
function serialize (tx) {
  const buf = new ByteBuffer(ByteBuffer.DEFAULT_CAPACITY, ByteBuffer.LITTLE_ENDIAN)
  dhive.Types.Transaction(buf, tx)
  buf.flip()
  return Buffer.from(buf.toBuffer())
}

// nonceAttempt repeats dhive's signing loop to find which attempt produced
// sig, so the Go signer can be held to the same nonce.
function nonceAttempt (key, digest, sig) {
  for (let attempt = 1; attempt <= 64; attempt++) {
    const rv = secp256k1.sign(digest, key.key, { data: sha256(Buffer.concat([digest, Buffer.from([attempt])])) })
    if (dhive.cryptoUtils.isCanonicalSignature(rv.signature)) {
      const got = Buffer.concat([Buffer.from([rv.recovery + 31]), rv.signature]).toString('hex')
      check(got === sig, `nonce attempt ${attempt} gives ${got}, dhive gave ${sig}`)
      return attempt
    }
  }
  fail('no canonical nonce in 64 attempts')
}

// checkAssets walks the operation JSON and checks that every asset string
// is encoded exactly by the peers' float arithmetic.
function checkAssets (v, at) {
  if (typeof v === 'string') {
    const m = /^(\d+)\.(\d+) (HIVE|HBD|VESTS)$/.exec(v)
    if (!m) return
    const precision = m[3] === 'VESTS' ? 6 : 3
    check(m[2].length === precision, `${at}: ${v} has ${m[2].length} decimals`)
    const exact = BigInt(m[1] + m[2])
    const peer = Math.round(Number.parseFloat(m[1] + '.' + m[2]) * 10 ** precision)
    check(BigInt(peer) === exact, `${at}: ${v} encodes as ${peer}, exact ${exact}`)
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => checkAssets(x, `${at}[${i}]`))
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) checkAssets(x, `${at}.${k}`)
  }
}

// checkSorted: authority key_auths must be in the node's order (by key
// bytes), account_auths and custom required_auths by name, or the node
// would sort them and sign different bytes.
function checkSorted (v, at) {
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkSorted(x, `${at}[${i}]`))
    return
  }
  if (!v || typeof v !== 'object') return
  const ascending = (list, what) => {
    for (let i = 1; i < list.length; i++) {
      check(Buffer.compare(list[i - 1], list[i]) < 0, `${at}.${what} not sorted`)
    }
  }
  if (v.key_auths) ascending(v.key_auths.map(([k]) => dhive.PublicKey.from(k).key), 'key_auths')
  if (v.account_auths) ascending(v.account_auths.map(([a]) => Buffer.from(a)), 'account_auths')
  if (v.required_auths) ascending(v.required_auths.map((a) => Buffer.from(a)), 'required_auths')
  for (const [k, x] of Object.entries(v)) checkSorted(x, `${at}.${k}`)
}

const keyCache = new Map()
function loginKey (account, role) {
  const id = `${account}/${role}`
  if (!keyCache.has(id)) {
    const password = PASSWORDS[account]
    check(password, `no test password for ${account}`)
    const d = dhive.PrivateKey.fromLogin(account, password, role)
    const h = hivetx.PrivateKey.fromLogin(account, password, role)
    const wif = d.toString()
    const pub = d.createPublic(PREFIX).toString()
    check(h.toString() === wif, `${id}: hive-tx WIF ${h.toString()}, dhive ${wif}`)
    check(h.createPublic(PREFIX).toString() === pub, `${id}: hive-tx public key differs`)
    check(dhive.PrivateKey.fromString(wif).createPublic(PREFIX).toString() === pub, `${id}: WIF round trip`)
    keyCache.set(id, {
      key: d,
      hivetxKey: h,
      record: {
        wif,
        private_key_hex: Buffer.from(d.key).toString('hex'),
        public_key: pub,
        derivation: { method: 'login', account, password, role, seed: account + role + password }
      }
    })
  }
  return keyCache.get(id)
}

const vectors = []
let hivetxNonCanonical = 0
let hivetxSignatures = 0
const names = new Set()
for (const s of specs) {
  check(!names.has(s.name), `duplicate vector ${s.name}`)
  names.add(s.name)
  checkAssets(s.operations, s.name)
  checkSorted(s.operations, s.name)
  const unsigned = {
    ref_block_num: REF_BLOCK_NUM,
    ref_block_prefix: REF_BLOCK_PREFIX,
    expiration: EXPIRATION,
    operations: s.operations,
    extensions: []
  }
  const raw = serialize(unsigned)
  const digest = sha256(Buffer.concat([CHAIN_ID, raw]))
  const id = sha256(raw).subarray(0, 20).toString('hex')
  check(dhive.cryptoUtils.transactionDigest(unsigned, CHAIN_ID).equals(digest), `${s.name}: dhive transactionDigest differs`)
  check(dhive.cryptoUtils.generateTrxId(unsigned) === id, `${s.name}: dhive generateTrxId differs`)

  // hive-tx serializes on its own; its digest and id are hashes of its
  // bytes, so equal hashes mean equal bytes (it does not export them).
  const ht = new hivetx.Transaction({ transaction: { ...structuredClone(unsigned), signatures: [] } })
  const hd = ht.digest()
  check(Buffer.from(hd.digest).equals(digest), `${s.name}: hive-tx digest ${Buffer.from(hd.digest).toString('hex')}, dhive ${digest.toString('hex')}`)
  check(hd.txId === id, `${s.name}: hive-tx id ${hd.txId}, dhive ${id}`)

  const keys = s.signers.map(([account, role]) => loginKey(account, role))
  const signed = dhive.cryptoUtils.signTransaction(unsigned, keys.map((k) => k.key), CHAIN_ID)
  const signatures = signed.signatures
  check(signatures.length === keys.length, `${s.name}: ${signatures.length} signatures`)
  const checks = signatures.map((sig, i) => {
    const k = keys[i]
    check(k.key.sign(digest).toString() === sig, `${s.name}: signTransaction and sign differ`)
    const buf = Buffer.from(sig, 'hex')
    const recovered = dhive.Signature.fromString(sig).recover(digest, PREFIX).toString()
    check(recovered === k.record.public_key, `${s.name}: dhive recovers ${recovered}`)
    const htRecovered = hivetx.Signature.from(sig).getPublicKey(digest).toString()
    check(htRecovered === k.record.public_key, `${s.name}: hive-tx recovers ${htRecovered}`)
    // hive-tx signs with random entropy: check it recovers, keep dhive's.
    const htSig = k.hivetxKey.sign(digest).customToString()
    check(dhive.Signature.fromString(htSig).recover(digest, PREFIX).toString() === k.record.public_key,
      `${s.name}: hive-tx signature does not recover`)
    hivetxSignatures++
    if (!dhive.cryptoUtils.isCanonicalSignature(Buffer.from(htSig, 'hex').subarray(1))) hivetxNonCanonical++
    const canonical = dhive.cryptoUtils.isCanonicalSignature(buf.subarray(1))
    const lowS = BigInt('0x' + buf.subarray(33).toString('hex')) <= SECP_N / 2n
    check(canonical && lowS, `${s.name}: dhive signature not canonical/low-S`)
    return {
      public_key: k.record.public_key,
      recovery_header: buf[0],
      recovery_id: buf[0] - 31,
      canonical,
      low_s: lowS,
      dhive_nonce_attempt: nonceAttempt(k.key, digest, sig)
    }
  })

  vectors.push(vectorRecord({
    s, chain: 'hive', chainIdHex: CHAIN_ID_HEX, prefix: PREFIX, unsigned, raw, digest, id, keys, signatures, checks,
    crossChecks: [
        'dhive: serialization, digest, transaction id, signature, recovery',
        'hive-tx: digest and transaction id over its own serialization agree (so the bytes agree)',
        'hive-tx: key derivation / WIF / public key and signature recovery agree'
    ]
  }))
}

const out = {
  format: 'localsigner-signing-vectors/1',
  set: 'localsigner_peer_vectors',
  generator: 'scripts/peer-vectors/gen.mjs',
  peers: { ...PINNED },
  notes: [
    'Vectors for the Hive operations ../shared/vectors/hive_transactions.json lacks: feed_publish, account_update, witness_update, custom, create_claimed_account, request_account_recovery, escrow_dispute, escrow_release, escrow_approve, decline_voting_rights, account_create_with_delegation. Same format and conventions as that file.',
    'serialized_hex is the transaction without signatures in hived legacy binary format (assets as int64 amount, precision byte, 7-byte symbol STEEM/SBD/VESTS).',
    'digest_hex = sha256(chain_id || serialized); transaction_id = first 20 bytes of sha256(serialized).',
    'signatures are dhive 1.3.6 output: 65 bytes, header 31+recovery_id, r, s; fc-canonical and low-S; signing_keys[i] made signatures[i]. dhive_nonce_attempt is the attempt of its RFC 6979 loop (extra data sha256(digest || attempt)) that produced it.',
    'transaction is the signed transaction in condenser_api (legacy) JSON, members in the node\'s order; absent optional members (account_update owner/active/posting) are left out.',
    'witness_update props use the hived names account_creation_fee, maximum_block_size, hbd_interest_rate (dhive 1.3.6 and hive-tx 7.2.1 serialize hbd_interest_rate too).',
    'Keys are login-derived: private key = sha256(account + role + password). alice and bob have the passwords of the shared vectors; escrow.test is new here. Authority keys are the seed keys of hive_keys.json. Every password and key here is TEST-ONLY and public: never use them for an account that holds anything.'
  ],
  peer_notes: [
    'dhive and hive-tx agreed on every serialization (compared through digest and transaction id: hive-tx does not export its serializer), digest, transaction id, key derivation, WIF, public key and signature recovery below.',
    'Every asset amount was checked to encode exactly (the peers use parseFloat; hived parses the decimal string).',
    'hive-tx 7.2.1 signs with random extra entropy and enforces only low-S, so about half of its signatures are not fc-canonical (gen.mjs prints the tally on stderr); they were checked to recover to the same keys but are not published.'
  ],
  vectors
}
process.stderr.write(`peer-vectors: ${vectors.length} vectors; hive-tx signatures not fc-canonical: ${hivetxNonCanonical} of ${hivetxSignatures}\n`)
process.stdout.write(JSON.stringify(out, null, 2) + '\n')
