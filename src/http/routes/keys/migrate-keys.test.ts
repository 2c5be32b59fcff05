import { describe, expect, it } from 'vitest';
import { hashKey } from '../../../core/key-format.js';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents, getKey, insertRole, newApi, newKey } from '../../../../test/key-fixtures.js';
import { foreign, migrate, newMigration } from '../../../../test/migration-fixtures.js';

const t = useTestServer();

const listKeys = async (apiId: string) => (await t.call('apis.listKeys', { apiId })).body.data as any[];

describe('keys.migrateKeys', () => {
  describe('200', () => {
    it('imports keys with every createKey field, pending their migration, with one audit record naming the API, every key and the permissions it created', async () => {
      const apiId = await newApi(t);
      const migrationId = await newMigration(t, 'sha256_hex');
      await insertRole(t, 'migrated_reader', ['docs.read']);
      const full = foreign('sha256_hex');
      const bare = foreign('sha256_hex');
      const res = await t.call('keys.migrateKeys', {
        migrationId,
        apiId,
        keys: [
          {
            hash: full.hash,
            name: 'imported',
            externalId: 'org_imported',
            meta: { plan: 'pro' },
            roles: ['migrated_reader'],
            permissions: ['docs.write'],
            expires: 4_000_000_000_000,
            enabled: false,
            credits: { remaining: 7, refill: { interval: 'monthly', amount: 10, refillDay: 3 } },
            ratelimits: [{ name: 'requests', limit: 5, duration: 1000, autoApply: true }],
          },
          { hash: bare.hash },
        ],
      });
      expect(res.status).toBe(200);
      const { migrated, failed } = res.body.data;
      expect(failed).toEqual([]);
      expect(migrated.map((m: any) => m.hash)).toEqual([full.hash, bare.hash]);
      const [fullId, bareId] = migrated.map((m: any) => m.keyId as string);
      expect(fullId).toMatch(/^key_[0-9a-z]+$/);

      expect(await getKey(t, fullId!)).toEqual({
        keyId: fullId,
        start: '(migrated)',
        enabled: false,
        createdAt: t.clock.now(),
        name: 'imported',
        meta: { plan: 'pro' },
        expires: 4_000_000_000_000,
        permissions: ['docs.read', 'docs.write'],
        roles: ['migrated_reader'],
        credits: { remaining: 7, refill: { interval: 'monthly', amount: 10, refillDay: 3 } },
        identity: { id: expect.stringMatching(/^id_/), externalId: 'org_imported' },
        ratelimits: [{ id: expect.stringMatching(/^rl_/), name: 'requests', limit: 5, duration: 1000, autoApply: true }],
      });
      expect(await getKey(t, bareId!)).toEqual({ keyId: bareId, start: '(migrated)', enabled: true, createdAt: t.clock.now() });
      // Stored under the imported hash, pending the migration.
      const stored = await t.server.store.findPendingMigratedKey(t.workspaceId, migrationId, full.hash);
      expect(stored).toEqual({ id: fullId, apiId, hash: full.hash });

      const records = await t.server.store.listAudit({
        workspaceId: t.workspaceId,
        events: ['key.migrate'],
        resourceId: fullId,
        limit: 10,
      });
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        actor: { type: 'root_key' },
        description: `Migrated 2 key(s) into API ${apiId} (migration ${migrationId}, sha256_hex) (created docs.write)`,
        resources: [
          { type: 'api', id: apiId, name: 'fixture api' },
          { type: 'key_migration', id: migrationId },
          { type: 'key', id: fullId, name: 'imported' },
          { type: 'key', id: bareId },
        ],
      });
      expect(await auditEvents(t, bareId!)).toEqual(['key.migrate']);
      expect(await auditEvents(t, apiId)).toEqual(['api.create', 'key.migrate']);
    });

    it('lists hashes that already exist in `failed` (always an array), including repeats within a request; a repeat imports and audits nothing', async () => {
      const apiId = await newApi(t);
      const migrationId = await newMigration(t, 'sha256_base64');
      const existing = await newKey(t, { apiId });
      const a = foreign('sha256_base64');
      const b = foreign('sha256_base64');
      const first = await migrate(t, {
        migrationId,
        apiId,
        keys: [{ hash: a.hash }, { hash: hashKey(existing.key) }, { hash: b.hash }, { hash: a.hash }],
      });
      expect(first.migrated.map((m) => m.hash)).toEqual([a.hash, b.hash]);
      expect(first.failed).toEqual([hashKey(existing.key), a.hash]);

      const records = await auditCount(t);
      const again = await t.call('keys.migrateKeys', { migrationId, apiId, keys: [{ hash: a.hash }, { hash: b.hash }] });
      expect(again.status).toBe(200);
      expect(again.body.data).toEqual({ migrated: [], failed: [a.hash, b.hash] });
      expect(await auditCount(t)).toBe(records);
      expect(await listKeys(apiId)).toHaveLength(3);

      // Hashes are unique per workspace: another workspace imports the same hash like any other, learning nothing
      // about this one (test/attacks/key-hash-oracle.test.ts).
      const other = await t.newWorkspace();
      const otherApi = await newApi(t, other.rootKey);
      const otherMigration = await newMigration(t, 'sha256_base64', other.rootKey);
      expect(await migrate(t, { migrationId: otherMigration, apiId: otherApi, keys: [{ hash: a.hash }] }, other.rootKey)).toEqual({
        migrated: [{ hash: a.hash, keyId: expect.stringMatching(/^key_/) }],
        failed: [],
      });
    });

    it("a skipped entry's permissions are neither created nor named as created in the record", async () => {
      const apiId = await newApi(t);
      const migrationId = await newMigration(t, 'sha256_hex');
      const taken = foreign('sha256_hex');
      await migrate(t, { migrationId, apiId, keys: [{ hash: taken.hash }] });
      const { migrated } = await migrate(t, {
        migrationId,
        apiId,
        keys: [
          { hash: taken.hash, permissions: ['skipped.only'] },
          { hash: foreign('sha256_hex').hash, permissions: ['imported.only'] },
        ],
      });
      const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: migrated[0]!.keyId, limit: 1 });
      expect(record!.description).toBe(
        `Migrated 1 key(s) into API ${apiId} (migration ${migrationId}, sha256_hex); 1 already present (created imported.only)`,
      );
      const exists = async (slug: string) => (await t.call('permissions.getPermission', { permission: slug })).status;
      expect([await exists('skipped.only'), await exists('imported.only')]).toEqual([404, 200]);
    });

    it('`failed` is an empty array, never null or absent, when everything was imported', async () => {
      const res = await t.call('keys.migrateKeys', {
        migrationId: await newMigration(t, 'prefixed_api_key'),
        apiId: await newApi(t),
        keys: [{ hash: foreign('prefixed_api_key').hash }],
      });
      expect(res.status).toBe(200);
      expect(res.body.data.failed).toEqual([]);
      expect(JSON.stringify(res.body.data)).toContain('"failed":[]');
    });

    it('stores hex hashes lowercase and answers with the hash as given', async () => {
      const apiId = await newApi(t);
      const migrationId = await newMigration(t, 'sha256_hex');
      const { hash } = foreign('sha256_hex');
      const res = await migrate(t, { migrationId, apiId, keys: [{ hash: hash.toUpperCase() }] });
      expect(res.migrated).toEqual([{ hash: hash.toUpperCase(), keyId: expect.stringMatching(/^key_/) }]);
      expect(await t.server.store.findPendingMigratedKey(t.workspaceId, migrationId, hash)).toMatchObject({ id: res.migrated[0]!.keyId });
      expect((await migrate(t, { migrationId, apiId, keys: [{ hash }] })).failed).toEqual([hash]);
    });

    it('needs only create_key on the API itself; imported keys are listed like any other', async () => {
      const apiId = await newApi(t);
      const migrationId = await newMigration(t, 'sha256_hex');
      const rootKey = await t.rootKeyWith([`api.${apiId}.create_key`]);
      const { migrated } = await migrate(t, { migrationId, apiId, keys: [{ hash: foreign('sha256_hex').hash, name: 'listed' }] }, rootKey);
      expect(await listKeys(apiId)).toEqual([await getKey(t, migrated[0]!.keyId)]);
    });

    it('a sha256_base64 key verifies at once, even after a verification of it missed before the import (cached miss dropped)', async () => {
      const apiId = await newApi(t);
      const migrationId = await newMigration(t, 'sha256_base64');
      const { key, hash } = foreign('sha256_base64');
      expect((await t.call('keys.verifyKey', { key })).body.data).toEqual({ valid: false, code: 'NOT_FOUND' });
      const { migrated } = await migrate(t, { migrationId, apiId, keys: [{ hash }] });
      expect((await t.call('keys.verifyKey', { key })).body.data).toMatchObject({ valid: true, code: 'VALID', keyId: migrated[0]!.keyId });
    });
  });

  describe('400', () => {
    it("hashes that do not fit the migration's scheme: every bad entry named, nothing imported", async () => {
      const apiId = await newApi(t);
      const cases = [
        ['sha256_base64', foreign('sha256_hex').hash, 'looks like hex'],
        ['sha256_base64', 'not base64 at all', 'standard base64'],
        ['sha256_hex', hashKey('a key'), 'looks like base64'],
        ['sha256_hex', 'abc', '64 hex digits'],
        ['prefixed_api_key', foreign('prefixed_api_key').hash.slice(2), '64 hex digits'],
      ] as const;
      const records = await auditCount(t);
      for (const [algorithm, hash, problem] of cases) {
        const migrationId = await newMigration(t, algorithm);
        const good = foreign(algorithm).hash;
        const before = await auditCount(t);
        const res = await t.call('keys.migrateKeys', { migrationId, apiId, keys: [{ hash: good }, { hash }, { hash }] });
        expect(res.status, `${algorithm} ${hash}`).toBe(400);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/invalid_input');
        expect(res.body.error.detail).toMatch(/^keys\[1\]\.hash: the hash .* \(and 1 more\)\.$/);
        expect(res.body.error.detail).toContain(problem);
        expect(res.body.error.errors.map((e: any) => e.location)).toEqual(['body.keys[1].hash', 'body.keys[2].hash']);
        expect(await auditCount(t)).toBe(before);
      }
      expect(await auditCount(t)).toBe(records + cases.length);
      expect(await listKeys(apiId)).toEqual([]);
    });

    it('bad shapes and createKey rules', async () => {
      const apiId = await newApi(t);
      const migrationId = await newMigration(t, 'sha256_hex');
      const hash = foreign('sha256_hex').hash;
      const records = await auditCount(t);
      for (const body of [
        {},
        { migrationId, apiId },
        { migrationId, apiId, keys: [] },
        { migrationId, apiId, keys: Array.from({ length: 1001 }, () => ({ hash })) },
        { migrationId, apiId, keys: [{ hash: 'ab' }] },
        { migrationId, apiId, keys: [{}] },
        { migrationId, apiId, keys: [{ hash, start: 'sk_1234' }] },
        { migrationId, apiId, keys: [{ hash }], extra: true },
        { migrationId: 'mi', apiId, keys: [{ hash }] },
        { migrationId, apiId, keys: [{ hash, externalId: 'has\u0000nul' }] },
        { migrationId, apiId, keys: [{ hash, expires: 1.5 }] },
        { migrationId, apiId, keys: [{ hash, meta: ['not', 'an', 'object'] }] },
        { migrationId, apiId, keys: [{ hash, credits: { remaining: 5, refill: { interval: 'monthly', amount: 5 } } }] },
        { migrationId, apiId, keys: [{ hash, credits: { remaining: null, refill: { interval: 'daily', amount: 5 } } }] },
        {
          migrationId,
          apiId,
          keys: [
            {
              hash,
              ratelimits: [
                { name: 'same', limit: 1, duration: 1000 },
                { name: 'same', limit: 2, duration: 1000 },
              ],
            },
          ],
        },
      ]) {
        const res = await t.call('keys.migrateKeys', body);
        expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
      const monthly = await t.call('keys.migrateKeys', {
        migrationId,
        apiId,
        keys: [{ hash }, { hash: foreign('sha256_hex').hash, credits: { remaining: 5, refill: { interval: 'monthly', amount: 5 } } }],
      });
      expect(monthly.body.error.detail).toBe('keys[1]: `refillDay` must be provided when the refill interval is `monthly`.');
      expect(monthly.body.error.errors).toEqual([
        { location: 'body.keys[1]', message: '`refillDay` must be provided when the refill interval is `monthly`.' },
      ]);
      expect(await auditCount(t)).toBe(records);
      expect(await listKeys(apiId)).toEqual([]);
    });
  });

  describe('403', () => {
    it('a root key without create_key on the API, checked before anything is looked up', async () => {
      const apiId = await newApi(t);
      const migrationId = await newMigration(t, 'sha256_hex');
      const rootKeys = [
        await t.rootKeyWith(['api.*.read_key', 'api.*.verify_key', 'api.*.encrypt_key']),
        await t.rootKeyWith(['api.api_other.create_key']),
      ];
      const records = await auditCount(t);
      for (const rootKey of rootKeys) {
        for (const body of [
          { migrationId, apiId, keys: [{ hash: foreign('sha256_hex').hash }] },
          { migrationId: 'mig_doesnotexist', apiId: 'api_doesnotexist', keys: [{ hash: foreign('sha256_hex').hash }] },
        ]) {
          const res = await t.call('keys.migrateKeys', body, { rootKey });
          expect(res.status).toBe(403);
          expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions');
        }
      }
      expect(await auditCount(t)).toBe(records);
      expect(await listKeys(apiId)).toEqual([]);
    });
  });

  describe('404', () => {
    it("a migration that does not exist, or is another workspace's", async () => {
      const apiId = await newApi(t);
      const other = await t.newWorkspace();
      const theirs = await newMigration(t, 'sha256_hex', other.rootKey);
      const records = await auditCount(t);
      for (const migrationId of ['mig_doesnotexist', theirs]) {
        const res = await t.call('keys.migrateKeys', { migrationId, apiId, keys: [{ hash: foreign('sha256_hex').hash }] });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/migration_not_found');
        expect(res.body.error.detail).toBe(`The migration '${migrationId}' was not found.`);
      }
      expect(await auditCount(t)).toBe(records);
      expect(await listKeys(apiId)).toEqual([]);
    });

    it("an API that does not exist, is deleted, or is another workspace's", async () => {
      const migrationId = await newMigration(t, 'sha256_hex');
      const other = await t.newWorkspace();
      const deleted = await newApi(t);
      await t.call('apis.deleteApi', { apiId: deleted });
      const records = await auditCount(t);
      for (const apiId of ['api_doesnotexist', deleted, await newApi(t, other.rootKey)]) {
        const res = await t.call('keys.migrateKeys', { migrationId, apiId, keys: [{ hash: foreign('sha256_hex').hash }] });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/api_not_found');
      }
      expect(await auditCount(t)).toBe(records);
    });

    it('an unknown role: nothing is imported', async () => {
      const apiId = await newApi(t);
      const migrationId = await newMigration(t, 'sha256_hex');
      await insertRole(t, 'known_role', []);
      const records = await auditCount(t);
      const res = await t.call('keys.migrateKeys', {
        migrationId,
        apiId,
        keys: [
          { hash: foreign('sha256_hex').hash, roles: ['known_role'] },
          { hash: foreign('sha256_hex').hash, roles: ['nope'] },
        ],
      });
      expect(res.status).toBe(404);
      expect(res.body.error.detail).toBe("Role 'nope' was not found.");
      expect(await auditCount(t)).toBe(records);
      expect(await listKeys(apiId)).toEqual([]);
    });
  });
});
