// Builds and signs a Hive transfer with @hiveio/wax (hived's own protocol
// code, compiled to WebAssembly) and @hiveio/beekeeper, offline. wax signs
// the digest of the HF26 packing; the output carries both packings'
// digests and ids and the transaction in condenser_api JSON, signed.
//
// node wax-sign.mjs CHAIN_ID REF_BLOCK_ID EXPIRATION WIF FROM TO
import { createWaxFoundation } from "@hiveio/wax";
import createBeekeeper from "@hiveio/beekeeper";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [chainId, refBlockId, expiration, wif, from, to] = process.argv.slice(2);
const wax = await createWaxFoundation({ chainId });
// beekeeper makes <storageRoot>/.beekeeper even in memory: keep it in a
// temporary directory, removed at the end; a password keeps the wallet
// temporary.
const dir = mkdtempSync(join(tmpdir(), "wax-sign-"));
const bk = await createBeekeeper({ inMemory: true, enableLogs: false, storageRoot: dir });
try {
  const session = bk.createSession(randomUUID());
  const { wallet } = await session.createWallet("w", randomUUID(), true);
  const publicKey = await wallet.importKey(wif);
  const tx = wax.createTransactionWithTaPoS(refBlockId, expiration);
  tx.pushOperation({ transfer_operation: { from, to, amount: wax.hiveCoins(1.5), memo: "signed by wax" } });
  tx.validate();
  const signature = wallet.signDigest(publicKey, tx.sigDigest);
  tx.addSignature(signature);
  console.log(JSON.stringify({
    publicKey, sigDigest: tx.sigDigest, legacySigDigest: tx.legacy_sigDigest, id: tx.id, legacyId: tx.legacy_id,
    transaction: JSON.parse(tx.toLegacyApi()),
  }));
} finally {
  await bk.delete();
  rmSync(dir, { recursive: true, force: true });
}
