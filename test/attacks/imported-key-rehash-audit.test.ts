import { beforeAll, describe, expect, it } from 'vitest';
import { migratedKeyStart, type MigrationAlgorithm } from '../../src/core/key-migration.js';
import { auditEvents, getKey, newApi } from '../key-fixtures.js';
import { foreign, migrate, newMigration } from '../migration-fixtures.js';
import { useTestServer } from '../per-file-server.js';
import { runSql } from '../raw-sql.js';

/**
 * Issue 11, finding 12 (second half). The first verification of a key imported as `sha256_hex` or
 * `prefixed_api_key` rewrites its stored hash (and start), and one imported as `sha256_base64` records its start;
 * both changed the key without an audit record. Now the change and its record (`key.complete_migration`, actor: the
 * verifying root key) commit in one transaction: no change without its record, no record without its change.
 */

const t = useTestServer();

let verifier: { rootKeyId: string; rootKey: string };
beforeAll(async () => {
  verifier = await t.server.services.workspaces.createRootKey(t.workspaceId, ['api.*.verify_key'], 'verifier');
});

async function imported(algorithm: MigrationAlgorithm) {
  const apiId = await newApi(t);
  const migrationId = await newMigration(t, algorithm);
  const { key, hash } = foreign(algorithm);
  const { migrated } = await migrate(t, { migrationId, apiId, keys: [{ hash }] });
  return { apiId, migrationId, key, hash, keyId: migrated[0]!.keyId };
}

const completions = (keyId: string) =>
  t.server.store.listAudit({ workspaceId: t.workspaceId, events: ['key.complete_migration'], resourceId: keyId, limit: 10 });

/** A trigger refusing every audit write (as test/audit-atomicity.test.ts does), for the duration of `run`. */
const REFUSE_AUDIT = {
  sqlite: ["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_logs BEGIN SELECT RAISE(ABORT, 'audit write refused'); END"],
  postgres: [
    "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit write refused'; END $$",
    'CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION refuse_audit()',
  ],
};
const ALLOW_AUDIT = {
  sqlite: ['DROP TRIGGER refuse_audit'],
  postgres: ['DROP TRIGGER refuse_audit ON audit_logs', 'DROP FUNCTION refuse_audit()'],
};

async function withAuditRefused<T>(run: () => Promise<T>): Promise<T> {
  const engine = t.server.store.engine;
  for (const statement of REFUSE_AUDIT[engine]) await runSql(t.databaseUrl, statement);
  try {
    return await run();
  } finally {
    for (const statement of ALLOW_AUDIT[engine]) await runSql(t.databaseUrl, statement);
  }
}

describe.each(['sha256_hex', 'prefixed_api_key'] as const)('%s: the first verification moves the key to Keyward’s hash', (algorithm) => {
  it('and writes one key.complete_migration record naming the verifying root key, the key, its API and migration', async () => {
    const { apiId, migrationId, key, keyId } = await imported(algorithm);
    const res = await t.call('keys.verifyKey', { key, migrationId }, { rootKey: verifier.rootKey });
    expect(res.body.data).toMatchObject({ valid: true, code: 'VALID', keyId });

    const records = await completions(keyId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      event: 'key.complete_migration',
      actor: { type: 'root_key', id: verifier.rootKeyId },
      requestId: res.body.meta.requestId,
      resources: [
        { type: 'key', id: keyId },
        { type: 'api', id: apiId },
        { type: 'key_migration', id: migrationId },
      ],
    });
    expect(records[0]!.description).toContain(algorithm);
    expect(JSON.stringify(records[0])).not.toContain(key);
    // Later verifications change nothing and write nothing.
    await t.call('keys.verifyKey', { key, migrationId }, { rootKey: verifier.rootKey });
    await t.call('keys.verifyKey', { key }, { rootKey: verifier.rootKey });
    expect(await auditEvents(t, keyId)).toEqual(['key.migrate', 'key.complete_migration']);
  });

  it('and when its record cannot be written, the key is not moved either', async () => {
    const { migrationId, key, hash, keyId } = await imported(algorithm);
    const refused = await withAuditRefused(() => t.call('keys.verifyKey', { key, migrationId }, { rootKey: verifier.rootKey }));
    expect(refused.status).toBe(500);
    expect(JSON.stringify(refused.body)).not.toContain(key);
    expect(await t.server.store.findPendingMigratedKey(t.workspaceId, migrationId, hash)).toMatchObject({ id: keyId });
    expect((await getKey(t, keyId)).start).toBe('(migrated)');
    expect(await completions(keyId)).toEqual([]);

    expect((await t.call('keys.verifyKey', { key, migrationId }, { rootKey: verifier.rootKey })).body.data).toMatchObject({ valid: true });
    expect(await completions(keyId)).toHaveLength(1);
  });
});

describe('sha256_base64: the first verification records the real start', () => {
  it('with one key.complete_migration record; if the record cannot be written, nothing changes and the key still verifies', async () => {
    const { apiId, key, keyId } = await imported('sha256_base64');
    const first = await withAuditRefused(() => t.call('keys.verifyKey', { key }, { rootKey: verifier.rootKey }));
    expect(first.body.data).toMatchObject({ valid: true, keyId });
    expect((await getKey(t, keyId)).start).toBe('(migrated)');
    expect(await completions(keyId)).toEqual([]);

    const res = await t.call('keys.verifyKey', { key }, { rootKey: verifier.rootKey });
    expect(res.body.data).toMatchObject({ valid: true, keyId });
    expect((await getKey(t, keyId)).start).toBe(migratedKeyStart(key).start);
    const records = await completions(keyId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      actor: { type: 'root_key', id: verifier.rootKeyId },
      requestId: res.body.meta.requestId,
      resources: [
        { type: 'key', id: keyId },
        { type: 'api', id: apiId },
      ],
    });
  });
});
