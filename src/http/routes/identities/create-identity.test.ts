import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { limit, newIdentity } from '../../../../test/identity-fixtures.js';
import { auditCount, auditEvents, newApi, newKey } from '../../../../test/key-fixtures.js';

const t = useTestServer();

describe('identities.createIdentity', () => {
  describe('200', () => {
    it('creates an identity with meta and limits that getIdentity returns, and audits it', async () => {
      const res = await t.call('identities.createIdentity', {
        externalId: 'org_acme.eu-1',
        meta: { plan: 'pro', seats: 3 },
        ratelimits: [limit('tokens', 100, 1000, true), limit('requests')],
      });
      expect(res.status).toBe(200);
      expect(res.body.meta.requestId).toMatch(/^req_/);
      const identityId = res.body.data.identityId;
      expect(identityId).toMatch(/^id_[0-9a-z]+$/);
      const got = await t.call('identities.getIdentity', { identity: identityId });
      expect(got.body.data).toEqual({
        id: identityId,
        externalId: 'org_acme.eu-1',
        meta: { plan: 'pro', seats: 3 },
        ratelimits: [
          { id: expect.stringMatching(/^rl_/), name: 'requests', limit: 10, duration: 60_000, autoApply: false },
          { id: expect.stringMatching(/^rl_/), name: 'tokens', limit: 100, duration: 1000, autoApply: true },
        ],
      });
      expect(await auditEvents(t, identityId)).toEqual(['identity.create']);
    });

    it('a bare identity has an empty ratelimits array and no meta', async () => {
      const { identityId, externalId } = await newIdentity(t);
      expect((await t.call('identities.getIdentity', { identity: identityId })).body.data).toEqual({
        id: identityId,
        externalId,
        ratelimits: [],
      });
    });

    it('keys created later with the externalId join it', async () => {
      const { identityId, externalId } = await newIdentity(t, { ratelimits: [limit('shared')] });
      const { keyId } = await newKey(t, { apiId: await newApi(t), externalId });
      const key = (await t.call('keys.getKey', { keyId })).body.data;
      expect(key.identity).toMatchObject({ id: identityId, externalId, ratelimits: [expect.objectContaining({ name: 'shared' })] });
    });
  });

  describe('400', () => {
    it('bad externalId, too much meta, too many or duplicate limits, unknown fields; nothing created', async () => {
      const records = await auditCount(t);
      const manyProps = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, i]));
      for (const body of [
        {},
        { externalId: '' },
        { externalId: 'a'.repeat(256) },
        { externalId: 'has\ttab' },
        { externalId: 'ok_1', meta: manyProps },
        { externalId: 'ok_1', meta: ['not', 'an', 'object'] },
        { externalId: 'ok_1', meta: { blob: 'x'.repeat(1024 * 1024) } },
        { externalId: 'ok_1', ratelimits: Array.from({ length: 51 }, (_, i) => limit(`limit_${i}`)) },
        { externalId: 'ok_1', ratelimits: [limit('same'), limit('same', 5)] },
        { externalId: 'ok_1', ratelimits: [{ name: 'tokens', limit: 0, duration: 1000 }] },
      ]) {
        const res = await t.call('identities.createIdentity', body);
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
      expect(await auditCount(t)).toBe(records);
      expect((await t.call('identities.getIdentity', { identity: 'ok_1' })).status).toBe(404);
    });

    it('meta of exactly 1 MiB is accepted', async () => {
      const filler = 'x'.repeat(1024 * 1024 - JSON.stringify({ blob: '' }).length);
      expect((await t.call('identities.createIdentity', { externalId: 'big_meta', meta: { blob: filler } })).status).toBe(200);
    });
  });

  describe('403', () => {
    it('a root key without identity.*.create_identity', async () => {
      const rootKey = await t.rootKeyWith(['identity.*.read_identity', 'identity.*.update_identity']);
      const res = await t.call('identities.createIdentity', { externalId: 'refused' }, { rootKey });
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions');
    });
  });

  describe('409', () => {
    it('a live identity with the same externalId, including one a key created', async () => {
      const { externalId } = await newIdentity(t);
      await newKey(t, { apiId: await newApi(t), externalId: 'from_a_key' });
      for (const taken of [externalId, 'from_a_key']) {
        const res = await t.call('identities.createIdentity', { externalId: taken });
        expect(res.status).toBe(409);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/identity_already_exists');
      }
    });

    it('concurrent creates of one externalId: exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 5 }, () => t.call('identities.createIdentity', { externalId: 'raced' })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    });

    it("another workspace's identity does not conflict", async () => {
      const other = await t.newWorkspace();
      const { externalId } = await newIdentity(t, {}, other.rootKey);
      expect((await t.call('identities.createIdentity', { externalId })).status).toBe(200);
    });
  });
});
