import { Unkey } from '@unkey/api';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { identityRows, keyIdentityLinks, limit, newIdentity } from '../../../../test/identity-fixtures.js';
import { auditCount, newApi, newKey } from '../../../../test/key-fixtures.js';

const t = useTestServer();

const remove = (identity: string, rootKey?: string) =>
  t.call('identities.deleteIdentity', { identity }, rootKey === undefined ? {} : { rootKey });

describe('identities.deleteIdentity', () => {
  describe('200', () => {
    it('answers { meta } only; the identity is gone from get and list; the delete is audited with its limits', async () => {
      const { identityId, externalId } = await newIdentity(t, { ratelimits: [limit('requests')] });
      const ratelimitId = (await t.call('identities.getIdentity', { identity: identityId })).body.data.ratelimits[0].id;
      const res = await remove(externalId);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ meta: { requestId: expect.stringMatching(/^req_/) } });
      expect((await t.call('identities.getIdentity', { identity: identityId })).status).toBe(404);
      const listed = (await t.call('identities.listIdentities', { search: externalId })).body.data;
      expect(listed).toEqual([]);
      const [record] = await t.server.store.listAudit({
        workspaceId: t.workspaceId,
        resourceId: identityId,
        events: ['identity.delete'],
        limit: 10,
      });
      expect(record!.resources).toEqual([
        { type: 'identity', id: identityId, name: externalId },
        { type: 'ratelimit', id: ratelimitId, name: 'requests' },
      ]);
    });

    it('its keys lose the identity and its limits at once, in getKey and in (cached) verifyKey; the keys keep working', async () => {
      const { externalId } = await newIdentity(t, { ratelimits: [limit('shared')] });
      const { keyId, key } = await newKey(t, { apiId: await newApi(t), externalId });
      expect((await t.call('keys.verifyKey', { key })).body.data.identity).toMatchObject({ externalId });
      expect((await remove(externalId)).status).toBe(200);
      expect((await t.call('keys.getKey', { keyId })).body.data).not.toHaveProperty('identity');
      const verified = (await t.call('keys.verifyKey', { key })).body.data;
      expect(verified).toMatchObject({ valid: true, code: 'VALID' });
      expect(verified).not.toHaveProperty('identity');
    });

    it('its keys are detached in the same change; a new identity with the same externalId does not take them', async () => {
      const { identityId, externalId } = await newIdentity(t, { meta: { plan: 'old' } });
      const apiId = await newApi(t);
      const old = await newKey(t, { apiId, externalId });
      // Cached with its identity before the delete: the delete's invalidation must reach the cached lookup too.
      expect((await t.call('keys.verifyKey', { key: old.key })).body.data.identity).toMatchObject({ id: identityId, externalId });
      expect((await remove(identityId)).status).toBe(200);
      expect(await keyIdentityLinks(t, [old.keyId])).toEqual([null]);

      const again = await newIdentity(t, { externalId, meta: { plan: 'new' } });
      const fresh = await newKey(t, { apiId, externalId });
      expect(await keyIdentityLinks(t, [old.keyId, fresh.keyId])).toEqual([null, again.identityId]);
      expect((await t.call('keys.getKey', { keyId: old.keyId })).body.data).not.toHaveProperty('identity');
      const verified = (await t.call('keys.verifyKey', { key: old.key })).body.data;
      expect(verified).toMatchObject({ valid: true, code: 'VALID' });
      expect(verified).not.toHaveProperty('identity');
      expect((await t.call('keys.getKey', { keyId: fresh.keyId })).body.data.identity).toEqual({
        id: again.identityId,
        externalId,
        meta: { plan: 'new' },
      });
      expect((await t.call('keys.verifyKey', { key: fresh.key })).body.data.identity).toMatchObject({ id: again.identityId });
      const listed = await t.call('apis.listKeys', { apiId, externalId });
      expect(listed.body.data.map((k: { keyId: string }) => k.keyId)).toEqual([fresh.keyId]);
    });

    it('the externalId can be reused, and only the latest deleted copy is kept (with its limits)', async () => {
      const externalId = 'reused_owner';
      const first = await newIdentity(t, { externalId, ratelimits: [limit('first')] });
      await remove(first.identityId);
      const second = await newIdentity(t, { externalId, ratelimits: [limit('second')] });
      expect(second.identityId).not.toBe(first.identityId);
      expect((await t.call('identities.getIdentity', { identity: externalId })).body.data.id).toBe(second.identityId);
      await remove(externalId);
      expect(await identityRows(t, externalId)).toEqual([{ id: second.identityId, deleted: true, ratelimits: 1 }]);
    });

    it('the real @unkey/api client accepts every identity response', async () => {
      const unkey = new Unkey({ rootKey: t.rootKey, serverURL: await t.listen(), retryConfig: { strategy: 'none' } });
      const { data: created } = await unkey.identities.createIdentity({
        externalId: 'sdk_owner',
        meta: { plan: 'pro' },
        ratelimits: [limit('sdk')],
      });
      expect((await unkey.identities.getIdentity({ identity: 'sdk_owner' })).data).toMatchObject({
        id: created.identityId,
        meta: { plan: 'pro' },
      });
      const updated = await unkey.identities.updateIdentity({ identity: created.identityId, ratelimits: [] });
      expect(updated.data.ratelimits).toEqual([]);
      const page = await unkey.identities.listIdentities({ limit: 1 });
      expect(page.result.data).toHaveLength(1);
      const deleted = await unkey.identities.deleteIdentity({ identity: created.identityId });
      expect(deleted.meta.requestId).toMatch(/^req_/);
    });
  });

  describe('400', () => {
    it('missing, empty or unknown fields', async () => {
      for (const body of [{}, { identity: '' }, { identity: 'x', permanent: true }]) {
        const res = await t.call('identities.deleteIdentity', body);
        expect(res.status).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
    });
  });

  describe('403', () => {
    it('without identity.*.delete_identity; nothing changes', async () => {
      const { identityId } = await newIdentity(t);
      const rootKey = await t.rootKeyWith(['identity.*.update_identity', `identity.${identityId}.delete_identity`]);
      const records = await auditCount(t);
      const res = await remove(identityId, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions');
      expect((await t.call('identities.getIdentity', { identity: identityId })).status).toBe(200);
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('404', () => {
    it("a missing, already deleted or other workspace's identity", async () => {
      const deleted = await newIdentity(t);
      await remove(deleted.identityId);
      const foreign = await newIdentity(t, {}, (await t.newWorkspace()).rootKey);
      for (const identity of ['nobody', deleted.identityId, deleted.externalId, foreign.identityId]) {
        const res = await remove(identity);
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/identity_not_found');
      }
    });
  });
});
