import { randomBytes } from 'node:crypto';
import { base58 } from '../src/core/key-format.js';
import { legacyHash, type MigrationAlgorithm } from '../src/core/key-migration.js';
import type { TestServer } from './harness.js';

/** Builders for the key-import tests (keys.migrateKeys, verifyKey with a migrationId, `keyward import`). */

export async function newMigration(t: TestServer, algorithm: MigrationAlgorithm, rootKey = t.rootKey): Promise<string> {
  const res = await t.call('keyMigrations.createMigration', { algorithm }, { rootKey });
  if (res.status !== 200) throw new Error(`createMigration answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  return res.body.data.migrationId as string;
}

/** A plaintext key as the system being migrated from would have issued it. */
export function foreignKey(algorithm: MigrationAlgorithm): string {
  const token = (bytes: number) => base58(randomBytes(bytes));
  // seamapi/prefixed-api-key: <prefix>_<short token>_<long token>
  return algorithm === 'prefixed_api_key' ? `acme_${token(6)}_${token(18)}` : `legacy_${token(20)}`;
}

/** A foreign key and its hash in `algorithm`'s scheme. */
export function foreign(algorithm: MigrationAlgorithm): { key: string; hash: string } {
  const key = foreignKey(algorithm);
  return { key, hash: legacyHash(algorithm, key)! };
}

export async function migrate(
  t: TestServer,
  body: Record<string, unknown>,
  rootKey = t.rootKey,
): Promise<{ migrated: { hash: string; keyId: string }[]; failed: string[] }> {
  const res = await t.call('keys.migrateKeys', body, { rootKey });
  if (res.status !== 200) throw new Error(`migrateKeys answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  return res.body.data;
}
