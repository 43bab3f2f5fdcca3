// Measures @hiveio/dhive doing the same work as the Go benchmarks in
// signer/bench_test.go: bare secp256k1 signing, and serialize + digest + sign
// of the same one-vote and five-operation transactions. Prints one JSON
// object with nanoseconds per operation. Run by scripts/bench-compare.sh,
// which installs dhive into a temporary directory first.
'use strict'
const fs = require('fs')
const path = require('path')
const crypto = require('crypto')
const dhive = require('@hiveio/dhive')
const secp256k1 = require('secp256k1')

const dir = path.join(__dirname, '..', 'signer', 'testdata', 'bench')
const load = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))
const key = dhive.PrivateKey.fromString('5KiWNHviLoshpXyYELKeJVdikyUPyqYeWUPSqwcHCv1vkyfdck3')
const chainId = Buffer.from('beeab0de00000000000000000000000000000000000000000000000000000000', 'hex')

function measure (fn, iterations) {
  for (let i = 0; i < Math.min(200, iterations); i++) fn(i) // warm up the JIT
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) fn(i)
  return Number(process.hrtime.bigint() - start) / iterations
}

const n = Number(process.env.ITERATIONS || 3000)
const raw = key.key
const digest = crypto.createHash('sha256').update('bench').digest()
const bare = measure(() => secp256k1.sign(digest, raw), n)

// Each iteration changes ref_block_num so the digests differ and the number
// of nonce attempts averages out, exactly as the Go benchmark does.
function signTx (tx) {
  return (i) => {
    tx.ref_block_num = i % 65536
    dhive.cryptoUtils.signTransaction(tx, key, chainId)
  }
}
const vote = measure(signTx(load('vote.json')), n)
const five = measure(signTx(load('five_ops.json')), n)
console.log(JSON.stringify({ native: !!require('secp256k1/bindings'), bare_sign_ns: bare, vote_tx_ns: vote, five_op_tx_ns: five }))
