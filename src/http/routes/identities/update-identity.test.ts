import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { limit, newIdentity } from '../../../../test/identity-fixtures.js';
import { auditCount, auditEvents, newApi, newKey } from '../../../../test/key-fixtures.js';

const t = useTestServer();

const update = (body: Record<string, unknown>, rootKey?: string) =>
  t.call('identities.updateIdentity', body, rootKey === undefined ? {} : { rootKey });
const get = async (identity: string) => (await t.call('identities.getIdentity', { identity })).body.data;

describe('identities.updateIdentity', () => {
  describe('200', () => {
    it('meta replaces the whole object; ratelimits are replaced by name, keeping ids; returns the identity as it now is', async () => {
      const { identityId, externalId } = await newIdentity(t, {
        meta: { plan: 'free', seats: 1 },
        ratelimits: [limit('requests'), limit('tokens')],
      });
      const before = await get(identityId);
      const requestsId = before.ratelimits.find((r: { name: string }) => r.name === 'requests').id;
      const res = await update({
        identity: externalId,
        meta: { plan: 'pro' },
        ratelimits: [limit('requests', 99, 1000, true), limit('burst', 5)],
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        id: identityId,
        externalId,
        meta: { plan: 'pro' },
        ratelimits: [
          { id: expect.stringMatching(/^rl_/), name: 'burst', limit: 5, duration: 60_000, autoApply: false },
          { id: requestsId, name: 'requests', limit: 99, duration: 1000, autoApply: true },
        ],
      });
      expect(await get(identityId)).toEqual(res.body.data);
      expect(await auditEvents(t, identityId)).toEqual(['identity.create', 'identity.update']);
    });

    it('absent fields stay; an empty ratelimits list removes them all', async () => {
      const { identityId } = await newIdentity(t, { meta: { plan: 'free' }, ratelimits: [limit('requests')] });
      const before = await get(identityId);
      expect((await update({ identity: identityId })).body.data).toEqual(before);
      expect((await update({ identity: identityId, ratelimits: [limit('requests', 1)] })).body.data.meta).toEqual({ plan: 'free' });
      expect((await update({ identity: identityId, meta: { plan: 'x' } })).body.data.ratelimits).toEqual([
        { ...before.ratelimits[0], limit: 1 },
      ]);
      expect((await update({ identity: identityId, ratelimits: [] })).body.data.ratelimits).toEqual([]);
    });

    it("a key's getKey and (cached) verifyKey show the identity's new limits and meta at once", async () => {
      const apiId = await newApi(t);
      const { keyId, key } = await newKey(t, { apiId, externalId: 'shared_owner' });
      expect((await t.call('keys.getKey', { keyId })).body.data.identity).not.toHaveProperty('ratelimits');
      // Warms the verify cache with the identity as it was.
      expect((await t.call('keys.verifyKey', { key })).body.data.identity).toEqual({ id: expect.any(String), externalId: 'shared_owner' });
      const res = await update({ identity: 'shared_owner', meta: { tier: 'gold' }, ratelimits: [limit('shared', 7)] });
      expect((await t.call('keys.getKey', { keyId })).body.data.identity).toEqual(res.body.data);
      expect((await t.call('keys.verifyKey', { key })).body.data.identity).toEqual(res.body.data);
    });
  });

  describe('400', () => {
    it('duplicate limit names, too large meta, too many limits, unknown fields; nothing changes', async () => {
      const { identityId } = await newIdentity(t, { meta: { plan: 'free' }, ratelimits: [limit('requests')] });
      const before = await get(identityId);
      const records = await auditCount(t);
      for (const body of [
        { identity: identityId, ratelimits: [limit('same'), limit('same', 3)] },
        { identity: identityId, meta: { blob: 'x'.repeat(1024 * 1024) } },
        { identity: identityId, meta: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, i])) },
        { identity: identityId, ratelimits: Array.from({ length: 51 }, (_, i) => limit(`limit_${i}`)) },
        { identity: identityId, meta: null },
        { identity: identityId, externalId: 'renamed' },
        { meta: {} },
      ]) {
        const res = await update(body);
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
      expect(await get(identityId)).toEqual(before);
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('403', () => {
    it('without identity.*.update_identity, even for a missing identity', async () => {
      const { identityId } = await newIdentity(t);
      const rootKey = await t.rootKeyWith(['identity.*.read_identity', `identity.${identityId}.update_identity`]);
      for (const identity of [identityId, 'nobody']) {
        const res = await update({ identity, meta: { x: 1 } }, rootKey);
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions');
      }
      expect(await get(identityId)).not.toHaveProperty('meta');
    });
  });

  describe('404', () => {
    it("a missing, deleted or other workspace's identity", async () => {
      const deleted = await newIdentity(t);
      await t.call('identities.deleteIdentity', { identity: deleted.identityId });
      const foreign = await newIdentity(t, {}, (await t.newWorkspace()).rootKey);
      for (const identity of ['nobody', deleted.identityId, foreign.identityId, foreign.externalId]) {
        const res = await update({ identity, meta: { x: 1 } });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/identity_not_found');
      }
    });
  });
});
