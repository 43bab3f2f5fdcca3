// common.mjs: what both vector generators share: loading the peers from
// NODE_PATH at their pinned versions, and stopping with a message (and
// nothing on stdout) when anything disagrees.

import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export function fail (msg) {
  process.stderr.write(`peer-vectors: ${msg}\n`)
  process.exit(1)
}

export function check (cond, msg) {
  if (!cond) fail(msg)
}

export function load (name) {
  try {
    return require(name)
  } catch (e) {
    fail(`cannot load ${name} (${e.code || e.message}); install it and set NODE_PATH, see the top of the generator`)
  }
}

// loadPinned checks every peer is at its pinned version (name → version).
export function loadPinned (pinned) {
  for (const [name, want] of Object.entries(pinned)) {
    const got = load(`${name}/package.json`).version
    check(got === want, `${name} is ${got}, want ${want}`)
  }
}

// vectorRecord is one transaction vector in the shared vectors' format
// (localsigner-signing-vectors/1): the spec s (name, description, tags,
// required), the chain, the unsigned transaction and what the peers made
// of it.
export function vectorRecord ({ s, chain, chainIdHex, prefix, unsigned, raw, digest, id, keys, signatures, checks, crossChecks }) {
  return {
    name: s.name,
    description: s.description,
    chain,
    network: 'mainnet',
    chain_id: chainIdHex,
    address_prefix: prefix,
    tags: s.tags,
    required_authorities: s.required,
    transaction: { ...unsigned, signatures },
    serialized_hex: raw.toString('hex'),
    digest_hex: digest.toString('hex'),
    transaction_id: id,
    signing_keys: keys.map((k) => k.record),
    signatures,
    canonical: true,
    signature_checks: checks,
    cross_checks: crossChecks
  }
}
