import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { limit, newIdentity } from '../../../../test/identity-fixtures.js';
import { auditCount } from '../../../../test/key-fixtures.js';

const t = useTestServer();

const notFoundType = 'https://unkey.com/docs/errors/unkey/data/identity_not_found';

describe('identities.getIdentity', () => {
  describe('200', () => {
    it('finds the same identity by id and by externalId, and reading writes no audit record', async () => {
      const { identityId, externalId } = await newIdentity(t, { meta: { plan: 'free' }, ratelimits: [limit('requests')] });
      const records = await auditCount(t);
      const byId = await t.call('identities.getIdentity', { identity: identityId });
      const byExternalId = await t.call('identities.getIdentity', { identity: externalId });
      expect(byId.status).toBe(200);
      expect(byId.body.data).toEqual({
        id: identityId,
        externalId,
        meta: { plan: 'free' },
        ratelimits: [{ id: expect.stringMatching(/^rl_/), name: 'requests', limit: 10, duration: 60_000, autoApply: false }],
      });
      expect(byExternalId.body.data).toEqual(byId.body.data);
      expect(await auditCount(t)).toBe(records);
    });

    it("an id wins over another identity's externalId that spells it", async () => {
      const { identityId } = await newIdentity(t);
      await newIdentity(t, { externalId: identityId });
      expect((await t.call('identities.getIdentity', { identity: identityId })).body.data.id).toBe(identityId);
    });

    it('identity.<id>.read_identity is enough', async () => {
      const { identityId, externalId } = await newIdentity(t);
      const rootKey = await t.rootKeyWith([`identity.${identityId}.read_identity`]);
      expect((await t.call('identities.getIdentity', { identity: externalId }, { rootKey })).status).toBe(200);
    });
  });

  describe('400', () => {
    it('missing, empty or unknown fields', async () => {
      for (const body of [{}, { identity: '' }, { identity: 'x', extra: 1 }, { identity: 5 }]) {
        const res = await t.call('identities.getIdentity', body);
        expect(res.status).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
    });
  });

  describe('403', () => {
    it('without read_identity, or with it for another identity', async () => {
      const { identityId } = await newIdentity(t);
      const other = await newIdentity(t);
      for (const permissions of [['identity.*.update_identity'], [`identity.${other.identityId}.read_identity`]]) {
        const rootKey = await t.rootKeyWith(permissions);
        const res = await t.call('identities.getIdentity', { identity: identityId }, { rootKey });
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions');
      }
    });
  });

  describe('404', () => {
    it('a missing identity, before the permission is checked (as upstream)', async () => {
      const rootKey = await t.rootKeyWith([]);
      for (const key of [t.rootKey, rootKey]) {
        const res = await t.call('identities.getIdentity', { identity: 'nobody' }, { rootKey: key });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(notFoundType);
      }
    });

    it("a deleted identity, and another workspace's identity", async () => {
      const deleted = await newIdentity(t);
      await t.call('identities.deleteIdentity', { identity: deleted.identityId });
      const other = await t.newWorkspace();
      const foreign = await newIdentity(t, {}, other.rootKey);
      for (const identity of [deleted.identityId, deleted.externalId, foreign.identityId, foreign.externalId]) {
        const res = await t.call('identities.getIdentity', { identity });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(notFoundType);
      }
    });
  });
});
