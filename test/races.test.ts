import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type EngineName, type TestServer } from './harness.js';
import { auditEvents, getKey, newApi, newKey } from './key-fixtures.js';

/**
 * Concurrent changes of one object, on both engines. On SQLite the store's single connection runs them one after the
 * other; on PostgreSQL each runs on its own pooled connection and their transactions really overlap, so a lost
 * update, a double delete or a duplicate identity would show there.
 */
for (const engine of ['sqlite', 'postgres'] as EngineName[]) {
  describe(`concurrent changes of one object (${engine})`, () => {
    let t: TestServer;
    let apiId: string;

    beforeAll(async () => {
      t = await startTestServer({ engine });
      apiId = await newApi(t);
    });
    afterAll(async () => {
      await t.close();
    });

    it("20 concurrent increments of one key's credits: none lost, each audited", async () => {
      const { keyId } = await newKey(t, { apiId, credits: { remaining: 100 } });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => t.call('keys.updateCredits', { keyId, operation: 'increment', value: 1 })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      // Each answer is the balance after its own increment: 101 to 120, each once.
      expect(results.map((r) => r.body.data.remaining).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 101 + i));
      expect((await getKey(t, keyId)).credits.remaining).toBe(120);
      expect((await auditEvents(t, keyId)).filter((event) => event === 'key.update_credits')).toHaveLength(20);
    });

    it('concurrent updates of different fields of one key: every change kept', async () => {
      const { keyId } = await newKey(t, { apiId, name: 'before' });
      const results = await Promise.all([
        t.call('keys.updateKey', { keyId, name: 'renamed' }),
        t.call('keys.updateKey', { keyId, meta: { plan: 'pro' } }),
        t.call('keys.updateKey', { keyId, enabled: false }),
        t.call('keys.updateKey', { keyId, credits: { remaining: 7 } }),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(await getKey(t, keyId)).toMatchObject({ name: 'renamed', meta: { plan: 'pro' }, enabled: false, credits: { remaining: 7 } });
    });

    it('10 concurrent deletes of one key: exactly one succeeds and is audited, the others find nothing', async () => {
      const { keyId } = await newKey(t, { apiId });
      const results = await Promise.all(Array.from({ length: 10 }, () => t.call('keys.deleteKey', { keyId })));
      expect(results.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(404)]);
      expect((await auditEvents(t, keyId)).filter((event) => event === 'key.delete')).toHaveLength(1);
    });

    it('10 concurrent deletes of one identity: exactly one succeeds and is audited, the others find nothing', async () => {
      const identityId = (await t.call('identities.createIdentity', { externalId: `deleted_${engine}` })).body.data.identityId;
      const results = await Promise.all(Array.from({ length: 10 }, () => t.call('identities.deleteIdentity', { identity: identityId })));
      expect(results.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(404)]);
      expect((await auditEvents(t, identityId)).filter((event) => event === 'identity.delete')).toHaveLength(1);
    });

    it('10 concurrent revokes of one root key: exactly one succeeds and is audited, the others find nothing', async () => {
      const rootKeyId = (await t.call('rootKeys.createRootKey', { name: 'revoked', permissions: ['api.*.read_api'] })).body.data.rootKeyId;
      const results = await Promise.all(Array.from({ length: 10 }, () => t.call('rootKeys.revokeRootKey', { rootKeyId })));
      expect(results.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(404)]);
      expect((await auditEvents(t, rootKeyId)).filter((event) => event === 'rootKey.revoke')).toHaveLength(1);
    });

    it('10 concurrent createKey calls naming one new externalId: one identity, owning all ten keys', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => t.call('keys.createKey', { apiId, externalId: `raced_${engine}` })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
      const identities = await Promise.all(results.map(async (r) => (await getKey(t, r.body.data.keyId)).identity));
      expect(new Set(identities.map((identity) => identity.id)).size).toBe(1);
      const listed = await t.call('identities.listIdentities', {});
      expect(listed.body.data.filter((identity: { externalId: string }) => identity.externalId === `raced_${engine}`)).toHaveLength(1);
    });
  });
}
