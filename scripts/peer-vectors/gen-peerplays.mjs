// gen-peerplays.mjs writes signer/tx/testdata/peer_vectors_peerplays.json:
// Peerplays transaction vectors for the operations the shared vectors
// (../shared/vectors/peerplays_transactions.json: transfer and
// account_update) do not cover, limit_order_create (1) and limit_order_cancel
// (2). bitsharesjs builds, serializes and signs them; peerplaysjs-lib
// serializes and signs them again and must agree on every byte.
// signer/tx/peer_vectors_test.go checks the Go serializer and signer against
// the file.
//
// It installs nothing. Install the two peers at the pinned versions anywhere
// and point NODE_PATH at them (the peers are loaded with require, which
// honours NODE_PATH; ESM import would not):
//
//   npm install --prefix /tmp/pvpp bitsharesjs@6.0.3 peerplaysjs-lib@0.8.9
//   NODE_PATH=/tmp/pvpp/node_modules node scripts/peer-vectors/gen-peerplays.mjs > signer/tx/testdata/peer_vectors_peerplays.json
//
// The output is deterministic: both peers sign with RFC 6979 nonces (and a
// fixed retry sequence until the signature is fc-canonical), so running it
// again gives the same file byte for byte. It exits non-zero, writing nothing
// to stdout, if the peers disagree on any byte, digest, id, key or
// signature, or if a peer is not at the pinned version (the shell redirect
// then leaves an empty file: rerun once the cause is fixed).
//
// Every seed and key in here is TEST-ONLY: published, worthless, and never
// to be used for an account that holds anything.

import { createRequire } from 'node:module'
import { createHash } from 'node:crypto'
import { check, fail, load, loadPinned, vectorRecord } from './common.mjs'

const require = createRequire(import.meta.url)
import { readFileSync } from 'node:fs'

const PINNED = { bitsharesjs: '6.0.3', 'peerplaysjs-lib': '0.8.9' }

// Both peers console.log a warning from their signing loop after every ten
// attempts; keep stdout for the JSON.
console.log = (...args) => process.stderr.write(`peer-vectors: peer said: ${args.join(' ')}\n`)

loadPinned(PINNED)
const bts = load('bitsharesjs')
const ppy = load('peerplaysjs-lib')
// bitsharesjs' ECDSA, to find which attempt of its canonical loop signed.
const btsEcdsa = load('bitsharesjs/dist/ecc/src/ecdsa.js')
const secp256k1 = createRequire(require.resolve('bitsharesjs'))('ecurve').getCurveByName('secp256k1')

// Peerplays mainnet, as in ../shared/vectors/peerplays_transactions.json.
const CHAIN_ID_HEX = '6b6b5f0ce7a36d323768e534f3edb41c6d6332a541a95725b98e28d140850134'
const CHAIN_ID = Buffer.from(CHAIN_ID_HEX, 'hex')
const PREFIX = 'PPY'
const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

// peerplaysjs-lib's ChainConfig names this id as its Peerplays network
// (the table is not exported, so read its source).
{
  const src = readFileSync(require.resolve('peerplaysjs-lib/dist/ws/ChainConfig.js'), 'utf8')
  check(new RegExp(`Peerplays: \\{[^}]*chain_id: '${CHAIN_ID_HEX}'`).test(src),
    'peerplaysjs-lib ChainConfig does not give the Peerplays mainnet chain id used here')
}

const sha256 = (b) => createHash('sha256').update(b).digest()

// TAPOS and expiration shared with ../shared/vectors/peerplays_transactions.json.
const REF_BLOCK_NUM = 23122
const REF_BLOCK_PREFIX = 1405063219
const EXPIRATION = '2024-06-01T12:00:00'

// Test-only keys, derived as the shared Peerplays vectors derive theirs:
// private key = sha256(seed). The public keys are those of the shared file.
const SEED_KEYS = {
  'localsigner vector seed 1': 'PPY6n526uH2kSktRKPPMmFh9mCpL7imV4iNdCSwJHLa5G2pX2aov2',
  'localsigner vector seed 2': 'PPY7hfPBUWD5pBLWKGaUaooiauf63Eg3xTS1rkLNBE1iCxSckG3b6'
}
const [SEED1, SEED2] = Object.keys(SEED_KEYS)

const PPY_ASSET = '1.3.0'
const asset = (amount, assetId) => ({ amount, asset_id: assetId })

// The vectors. The JSON is what a Peerplays node's API accepts: operations
// as [id, {...}] with members in FC_REFLECT order, amounts as numbers (those
// above 2^32-1 become strings in the published JSON, see fcJSON).
const specs = [
  {
    name: 'peerplays/limit_order_create_sell_ppy',
    description: 'limit_order_create (op 1): sell 100.00000 PPY for at least 2500 units of asset 1.3.5, order good for a week, fill_or_kill false.',
    tags: [],
    required: { active: ['1.2.1234'] },
    signers: [SEED1],
    operations: [[1, {
      fee: asset(50000, PPY_ASSET),
      seller: '1.2.1234',
      amount_to_sell: asset(10000000, PPY_ASSET),
      min_to_receive: asset(2500, '1.3.5'),
      expiration: '2024-06-08T12:00:00',
      fill_or_kill: false,
      extensions: []
    }]]
  },
  {
    name: 'peerplays/limit_order_create_fill_or_kill',
    description: 'limit_order_create (op 1): sell 1.00000 PPY for at least 25 units of asset 1.3.5, fill_or_kill true; expiration is time_point_sec::maximum() (ff ff ff ff), the Graphene default.',
    tags: ['max-time'],
    required: { active: ['1.2.1234'] },
    signers: [SEED1],
    operations: [[1, {
      fee: asset(50000, PPY_ASSET),
      seller: '1.2.1234',
      amount_to_sell: asset(100000, PPY_ASSET),
      min_to_receive: asset(25, '1.3.5'),
      expiration: '2106-02-07T06:28:15',
      fill_or_kill: true,
      extensions: []
    }]]
  },
  {
    name: 'peerplays/limit_order_create_large_values',
    description: 'limit_order_create (op 1) from account 1.2.300000 (3-byte varint): sell 45035996273.70495 PPY (2^52-1 units, above 2^32) for at least 300000 units of asset 1.3.128 (2-byte varint).',
    tags: ['varint'],
    required: { active: ['1.2.300000'] },
    signers: [SEED2],
    operations: [[1, {
      fee: asset(50000, PPY_ASSET),
      seller: '1.2.300000',
      amount_to_sell: asset(4503599627370495, PPY_ASSET),
      min_to_receive: asset(300000, '1.3.128'),
      expiration: '2024-06-02T12:00:00',
      fill_or_kill: false,
      extensions: []
    }]]
  },
  {
    name: 'peerplays/limit_order_cancel',
    description: 'limit_order_cancel (op 2) of order 1.7.42 by its seller, zero fee (the Graphene default cancel fee).',
    tags: ['zero-amount'],
    required: { active: ['1.2.1234'] },
    signers: [SEED1],
    operations: [[2, {
      fee: asset(0, PPY_ASSET),
      fee_paying_account: '1.2.1234',
      order: '1.7.42',
      extensions: []
    }]]
  },
  {
    name: 'peerplays/limit_order_cancel_large_ids',
    description: 'limit_order_cancel (op 2) of order 1.7.1234567 (3-byte varint) by account 1.2.300000, fee 0.00100 PPY.',
    tags: ['varint'],
    required: { active: ['1.2.300000'] },
    signers: [SEED2],
    operations: [[2, {
      fee: asset(100, PPY_ASSET),
      fee_paying_account: '1.2.300000',
      order: '1.7.1234567',
      extensions: []
    }]]
  },
  {
    name: 'peerplays/limit_order_replace',
    description: 'Two operations in one transaction: cancel order 1.7.42, then place a new order selling 100.00000 PPY for at least 2600 units of asset 1.3.5.',
    tags: ['multi-op', 'zero-amount'],
    required: { active: ['1.2.1234'] },
    signers: [SEED1],
    operations: [
      [2, {
        fee: asset(0, PPY_ASSET),
        fee_paying_account: '1.2.1234',
        order: '1.7.42',
        extensions: []
      }],
      [1, {
        fee: asset(50000, PPY_ASSET),
        seller: '1.2.1234',
        amount_to_sell: asset(10000000, PPY_ASSET),
        min_to_receive: asset(2600, '1.3.5'),
        expiration: '2024-06-08T12:00:00',
        fill_or_kill: false,
        extensions: []
      }]
    ]
  }
]

// normalize turns every amount into a string, as the peers' toObject
// writes int64 values, so the published JSON can be compared with theirs.
function normalize (v) {
  if (Array.isArray(v)) return v.map(normalize)
  if (v && typeof v === 'object') {
    const out = {}
    for (const [k, x] of Object.entries(v)) out[k] = k === 'amount' ? String(x) : normalize(x)
    return out
  }
  return v
}

// fcJSON quotes integers above 2^32-1, as fc's JSON writer (and so a node,
// and the Go encoder) prints them; both peers read either form.
function fcJSON (v) {
  if (Array.isArray(v)) return v.map(fcJSON)
  if (v && typeof v === 'object') {
    const out = {}
    for (const [k, x] of Object.entries(v)) out[k] = fcJSON(x)
    return out
  }
  return typeof v === 'number' && v > 0xffffffff ? String(v) : v
}

// checkAmounts: every amount is a safe integer, so the JS peers (numbers)
// and the node (int64) read the same value.
function checkAmounts (v, at) {
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkAmounts(x, `${at}[${i}]`))
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'amount') check(Number.isSafeInteger(x) && x >= 0, `${at}.amount ${x} is not a safe non-negative integer`)
      else checkAmounts(x, `${at}.${k}`)
    }
  }
}

// fcCanonical is fc's is_canonical on the 64 bytes r ‖ s.
function fcCanonical (rs) {
  return !(rs[0] & 0x80) && !(rs[0] === 0 && !(rs[1] & 0x80)) &&
    !(rs[32] & 0x80) && !(rs[32] === 0 && !(rs[33] & 0x80))
}

// nonceAttempt repeats bitsharesjs' signing loop (attempt n = 0, 1, …,
// nonce RFC 6979 over sha256(digest ‖ n zero bytes), first result whose r
// and s DER-encode in 32 bytes) to find which attempt produced sig.
function nonceAttempt (key, digest, sig) {
  for (let attempt = 0; attempt < 64; attempt++) {
    const s = btsEcdsa.sign(secp256k1, digest, key.d, attempt)
    const der = s.toDER()
    const lenR = der[3]
    const lenS = der[5 + lenR]
    if (lenR === 32 && lenS === 32) {
      const rs = Buffer.concat([s.r.toBuffer(32), s.s.toBuffer(32)]).toString('hex')
      check(rs === sig.subarray(1).toString('hex'), `nonce attempt ${attempt} gives r,s ${rs}, bitsharesjs gave ${sig.subarray(1).toString('hex')}`)
      return attempt
    }
  }
  fail('no canonical nonce in 64 attempts')
}

const keyCache = new Map()
function seedKey (seed) {
  if (!keyCache.has(seed)) {
    const b = bts.PrivateKey.fromSeed(seed)
    const p = ppy.PrivateKey.fromSeed(seed)
    const priv = sha256(Buffer.from(seed, 'utf8')).toString('hex')
    const wif = b.toWif()
    const pub = b.toPublicKey().toPublicKeyString(PREFIX)
    check(b.toHex() === priv && p.toHex() === priv, `seed ${JSON.stringify(seed)}: private key is not sha256(seed)`)
    check(p.toWif() === wif, `seed ${JSON.stringify(seed)}: WIF bitsharesjs ${wif}, peerplaysjs-lib ${p.toWif()}`)
    check(p.toPublicKey().toPublicKeyString(PREFIX) === pub, `seed ${JSON.stringify(seed)}: public keys differ`)
    check(pub === SEED_KEYS[seed], `seed ${JSON.stringify(seed)}: public key ${pub}, shared vectors have ${SEED_KEYS[seed]}`)
    check(bts.PrivateKey.fromWif(wif).toHex() === priv && ppy.PrivateKey.fromWif(wif).toHex() === priv,
      `seed ${JSON.stringify(seed)}: WIF does not decode back`)
    keyCache.set(seed, {
      bts: b,
      ppy: p,
      record: { wif, private_key_hex: priv, public_key: pub, derivation: { method: 'seed', seed } }
    })
  }
  return keyCache.get(seed)
}

const vectors = []
for (const s of specs) {
  checkAmounts(s.operations, s.name)
  const unsigned = {
    ref_block_num: REF_BLOCK_NUM,
    ref_block_prefix: REF_BLOCK_PREFIX,
    expiration: EXPIRATION,
    operations: fcJSON(s.operations),
    extensions: []
  }

  // bitsharesjs: serialize through its TransactionBuilder, as a wallet does
  // once the reference block is set, then sign there.
  const tb = new bts.TransactionBuilder()
  tb.ref_block_num = unsigned.ref_block_num
  tb.ref_block_prefix = unsigned.ref_block_prefix
  tb.expiration = unsigned.expiration
  for (const op of structuredClone(unsigned.operations)) tb.add_operation(op)
  const btsObject = bts.ops.transaction.fromObject(structuredClone(unsigned))
  tb.tr_buffer = bts.ops.transaction.toBuffer(btsObject)
  const raw = Buffer.from(tb.tr_buffer)
  check(Buffer.from(bts.ops.transaction.toBuffer(tb)).equals(raw), `${s.name}: TransactionBuilder serializes differently`)
  const digest = sha256(Buffer.concat([CHAIN_ID, raw]))
  const id = sha256(raw).subarray(0, 20).toString('hex')
  check(tb.id() === id, `${s.name}: bitsharesjs id ${tb.id()}, want ${id}`)
  check(JSON.stringify(bts.ops.transaction.toObject(btsObject)) === JSON.stringify(normalize(unsigned)),
    `${s.name}: bitsharesjs JSON round trip differs: ${JSON.stringify(bts.ops.transaction.toObject(btsObject))}`)

  // peerplaysjs-lib serializes on its own: the bytes must be the same.
  const ppyObject = ppy.ops.transaction.fromObject(structuredClone(unsigned))
  const ppyRaw = Buffer.from(ppy.ops.transaction.toBuffer(ppyObject))
  check(ppyRaw.equals(raw), `${s.name}: peerplaysjs-lib ${ppyRaw.toString('hex')}, bitsharesjs ${raw.toString('hex')}`)
  check(JSON.stringify(ppy.ops.transaction.toObject(ppyObject)) === JSON.stringify(normalize(unsigned)),
    `${s.name}: peerplaysjs-lib JSON round trip differs`)
  check(Buffer.from(ppy.hash.sha256(Buffer.concat([CHAIN_ID, ppyRaw]))).equals(digest), `${s.name}: peerplaysjs-lib digest differs`)
  check(Buffer.from(ppy.hash.sha256(ppyRaw)).subarray(0, 20).toString('hex') === id, `${s.name}: peerplaysjs-lib id differs`)

  const keys = s.signers.map(seedKey)
  for (const k of keys) tb.add_signer(k.bts, k.bts.toPublicKey())
  tb.sign(CHAIN_ID_HEX)
  const sigBufs = tb.signatures.map((b) => Buffer.from(b))
  check(sigBufs.length === keys.length, `${s.name}: ${sigBufs.length} signatures`)
  const signatures = sigBufs.map((b) => b.toString('hex'))
  const checks = sigBufs.map((buf, i) => {
    const k = keys[i]
    const pub = k.record.public_key
    check(bts.Signature.signBufferSha256(digest, k.bts).toHex() === signatures[i], `${s.name}: TransactionBuilder and signBufferSha256 differ`)
    const ppySig = ppy.Signature.signBuffer(Buffer.concat([CHAIN_ID, ppyRaw]), k.ppy).toHex()
    check(ppySig === signatures[i], `${s.name}: peerplaysjs-lib signs ${ppySig}, bitsharesjs ${signatures[i]}`)
    const btsRecovered = bts.Signature.fromBuffer(buf).recoverPublicKey(digest).toPublicKeyString(PREFIX)
    check(btsRecovered === pub, `${s.name}: bitsharesjs recovers ${btsRecovered}`)
    const ppyRecovered = ppy.Signature.fromHex(signatures[i]).recoverPublicKey(digest).toPublicKeyString(PREFIX)
    check(ppyRecovered === pub, `${s.name}: peerplaysjs-lib recovers ${ppyRecovered}`)
    check(bts.Signature.fromBuffer(buf).verifyHash(digest, k.bts.toPublicKey()), `${s.name}: bitsharesjs does not verify`)
    check(ppy.Signature.fromHex(signatures[i]).verifyHash(digest, k.ppy.toPublicKey()), `${s.name}: peerplaysjs-lib does not verify`)
    const canonical = fcCanonical(buf.subarray(1))
    const lowS = BigInt('0x' + buf.subarray(33).toString('hex')) <= SECP_N / 2n
    check(canonical && lowS, `${s.name}: signature not fc-canonical/low-S`)
    check(buf[0] >= 31 && buf[0] <= 34, `${s.name}: header ${buf[0]}`)
    return {
      public_key: pub,
      recovery_header: buf[0],
      recovery_id: buf[0] - 31,
      canonical,
      low_s: lowS,
      bitsharesjs_nonce_attempt: nonceAttempt(k.bts, digest, buf)
    }
  })

  vectors.push(vectorRecord({
    s, chain: 'peerplays', chainIdHex: CHAIN_ID_HEX, prefix: PREFIX, unsigned, raw, digest, id, keys, signatures, checks,
    crossChecks: [
        'bitsharesjs: serialization (TransactionBuilder), digest, transaction id, deterministic signature, recovery',
        'peerplaysjs-lib: identical serialization, digest, transaction id and deterministic signature; recovery',
        'bitsharesjs and peerplaysjs-lib: seed derivation, WIF and public key agree'
    ]
  }))
}

const out = {
  format: 'localsigner-signing-vectors/1',
  set: 'localsigner_peer_vectors_peerplays',
  generator: 'scripts/peer-vectors/gen-peerplays.mjs',
  peers: { ...PINNED },
  notes: [
    'Vectors for the Peerplays operations ../shared/vectors/peerplays_transactions.json lacks: limit_order_create (1) and limit_order_cancel (2). Same format and conventions as that file (chain id, TAPOS, transaction expiration, seed keys).',
    'Amounts are JSON numbers, quoted above 2^32-1 as fc prints them (limit_order_create_large_values).',
    'Graphene binary format: limit_order_create = fee asset, seller account_id, amount_to_sell asset, min_to_receive asset, expiration time_point_sec, fill_or_kill bool, extensions (00); limit_order_cancel = fee asset, fee_paying_account account_id, order limit_order_id (1.7.N), extensions (00). Object ids serialize as the varint of the instance; asset = int64 amount + varint asset instance.',
    'digest_hex = sha256(chain_id || serialized); transaction_id = first 20 bytes of sha256(serialized).',
    'signatures are bitsharesjs 6.0.3 output (identical to peerplaysjs-lib 0.8.9): 65 bytes, header 31+recovery_id, r, s; deterministic RFC 6979, low-S and fc-canonical (Peerplays nodes reject non-canonical signatures); signing_keys[i] made signatures[i]. bitsharesjs_nonce_attempt is the attempt n of its loop (nonce RFC 6979 over sha256(digest || n zero bytes), the digest itself for n = 0) that produced it.',
    'Keys are seed-derived: private key = sha256(seed), the seeds of the shared Peerplays vectors. Every seed and key here is TEST-ONLY and public: never use them for an account that holds anything.'
  ],
  vectors
}
process.stderr.write(`peer-vectors: ${vectors.length} Peerplays vectors\n`)
process.stdout.write(JSON.stringify(out, null, 2) + '\n')
