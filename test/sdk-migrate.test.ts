import { Unkey } from '@unkey/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../src/core/key-format.js';
import { migratedKeyStart } from '../src/core/key-migration.js';
import { startTestServer, type EngineName, type TestServer } from './harness.js';
import { foreign, newMigration } from './migration-fixtures.js';

/**
 * keys.migrateKeys and verification against a migration through the official client, unchanged: it validates
 * every response with its own schemas (`failed` must be an array, `start` 1-50 characters), so a mismatch throws.
 */
for (const engine of ['sqlite', 'postgres'] as EngineName[]) {
  describe(`@unkey/api keys.migrateKeys (${engine})`, () => {
    let t: TestServer;
    let unkey: Unkey;

    beforeAll(async () => {
      t = await startTestServer({ engine });
      unkey = new Unkey({ rootKey: t.rootKey, serverURL: await t.listen(), retryConfig: { strategy: 'none' } });
    });
    afterAll(async () => {
      await t.close();
    });

    it('imports keys, reports duplicates in failed (an empty array when none), and verifies them against the migration', async () => {
      const { data: api } = await unkey.apis.createApi({ name: 'imported' });
      const migrationId = await newMigration(t, 'prefixed_api_key');
      const a = foreign('prefixed_api_key');
      const b = foreign('prefixed_api_key');

      const first = await unkey.keys.migrateKeys({
        migrationId,
        apiId: api.apiId,
        keys: [
          { hash: a.hash, name: 'first', externalId: 'user_migrated', meta: { plan: 'pro' }, credits: { remaining: 10 }, enabled: true },
          { hash: b.hash, permissions: ['docs.read'], ratelimits: [{ name: 'requests', limit: 10, duration: 60_000, autoApply: true }] },
        ],
      });
      expect(first.data.failed).toEqual([]);
      expect(first.data.migrated.map((m) => m.hash)).toEqual([a.hash, b.hash]);
      const keyId = first.data.migrated[0]!.keyId;

      const again = await unkey.keys.migrateKeys({ migrationId, apiId: api.apiId, keys: [{ hash: a.hash }] });
      expect(again.data).toEqual({ migrated: [], failed: [a.hash] });

      // The placeholder start passes the client's checks, in getKey and in listKeys.
      expect((await unkey.keys.getKey({ keyId })).data).toMatchObject({ keyId, start: '(migrated)', name: 'first' });
      const listed = await unkey.apis.listKeys({ apiId: api.apiId });
      expect(listed.result.data.map((k) => k.start)).toEqual(['(migrated)', '(migrated)']);

      expect((await unkey.keys.verifyKey({ key: a.key })).data).toEqual({ valid: false, code: 'NOT_FOUND' });
      const verified = await unkey.keys.verifyKey({ key: a.key, migrationId });
      expect(verified.data).toMatchObject({ valid: true, code: 'VALID', keyId, credits: 9, meta: { plan: 'pro' } });
      expect(verified.data.identity).toMatchObject({ externalId: 'user_migrated' });
      expect((await unkey.keys.verifyKey({ key: a.key })).data).toMatchObject({ valid: true, keyId, credits: 8 });
      expect((await unkey.keys.getKey({ keyId })).data.start).toBe(migratedKeyStart(a.key).start);

      const second = await unkey.keys.verifyKey({ key: b.key, migrationId, permissions: 'docs.read' });
      expect(second.data).toMatchObject({
        valid: true,
        permissions: ['docs.read'],
        ratelimits: [expect.objectContaining({ name: 'requests', remaining: 9 })],
      });
    });

    it('answers the typed errors: 404 for an unknown migration or API, 400 for a bad hash', async () => {
      const { data: api } = await unkey.apis.createApi({ name: 'errors' });
      const migrationId = await newMigration(t, 'sha256_base64');
      await expect(
        unkey.keys.migrateKeys({ migrationId: 'mig_nope', apiId: api.apiId, keys: [{ hash: hashKey('x') }] }),
      ).rejects.toMatchObject({ statusCode: 404 });
      await expect(unkey.keys.migrateKeys({ migrationId, apiId: 'api_nope', keys: [{ hash: hashKey('x') }] })).rejects.toMatchObject({
        statusCode: 404,
      });
      await expect(unkey.keys.migrateKeys({ migrationId, apiId: api.apiId, keys: [{ hash: 'abc' }] })).rejects.toMatchObject({
        statusCode: 400,
      });
      const ok = await unkey.keys.migrateKeys({ migrationId, apiId: api.apiId, keys: [{ hash: foreign('sha256_base64').hash }] });
      expect(ok.data.failed).toEqual([]);
    });
  });
}
