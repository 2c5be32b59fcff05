import { beforeAll, describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents, getKey, insertRole, newApi, newKey } from '../../../../test/key-fixtures.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

const update = caller(t, 'keys.updateKey');

/** A key with something in every field, so a test can see which ones an update leaves alone. */
const fullKey = () =>
  newKey(t, {
    apiId,
    name: 'acme',
    externalId: 'user_full',
    meta: { plan: 'pro' },
    expires: t.clock.now() + 3_600_000,
    permissions: ['docs.read'],
    credits: { remaining: 5, refill: { interval: 'daily', amount: 5 } },
    ratelimits: [{ name: 'requests', limit: 10, duration: 60_000, autoApply: true }],
  });

describe('keys.updateKey', () => {
  describe('200', () => {
    it('answers data {}, changes only what was sent, sets updatedAt, and writes one audit record', async () => {
      const { keyId } = await fullKey();
      const before = await getKey(t, keyId);
      t.clock.advance(1000);
      const res = await update({ keyId, name: 'renamed' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ meta: { requestId: expect.stringMatching(/^req_/) }, data: {} });
      expect(await getKey(t, keyId)).toEqual({ ...before, name: 'renamed', updatedAt: t.clock.now() });
      expect(await auditEvents(t, keyId)).toEqual(['key.create', 'key.update']);
      const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: keyId, events: ['key.update'], limit: 10 });
      expect(record!.resources.map((r) => r.type)).toEqual(['key', 'api', 'identity']);
      expect(record!.description).toContain('name');
    });

    it('null clears name, meta, expires, externalId and credits', async () => {
      const { keyId } = await fullKey();
      expect((await update({ keyId, name: null, meta: null, expires: null, externalId: null, credits: null })).status).toBe(200);
      const data = await getKey(t, keyId);
      for (const field of ['name', 'meta', 'expires', 'identity', 'credits']) expect(data).not.toHaveProperty(field);
      expect(data.ratelimits).toHaveLength(1);
      expect(data.permissions).toEqual(['docs.read']);
    });

    it('externalId links the identity another key already has, and creates one when missing', async () => {
      const { keyId } = await newKey(t, { apiId });
      const other = await newKey(t, { apiId, externalId: 'shared_user' });
      await update({ keyId, externalId: 'shared_user' });
      expect((await getKey(t, keyId)).identity).toEqual((await getKey(t, other.keyId)).identity);
      await update({ keyId, externalId: 'brand_new' });
      const identity = (await getKey(t, keyId)).identity;
      expect(identity).toEqual({ id: expect.stringMatching(/^id_/), externalId: 'brand_new' });
      expect(identity.id).not.toBe((await getKey(t, other.keyId)).identity.id);
    });

    it('credits: remaining alone keeps the refill; refill null clears it; remaining null clears both; monthly needs its day', async () => {
      const { keyId } = await fullKey();
      await update({ keyId, credits: { remaining: 9 } });
      expect((await getKey(t, keyId)).credits).toEqual({ remaining: 9, refill: { interval: 'daily', amount: 5 } });
      await update({ keyId, credits: { remaining: 4, refill: { interval: 'monthly', amount: 20, refillDay: 31 } } });
      expect((await getKey(t, keyId)).credits).toEqual({ remaining: 4, refill: { interval: 'monthly', amount: 20, refillDay: 31 } });
      await update({ keyId, credits: { remaining: 4, refill: null } });
      expect((await getKey(t, keyId)).credits).toEqual({ remaining: 4 });
      await update({ keyId, credits: { remaining: 3, refill: { interval: 'daily', amount: 3 } } });
      await update({ keyId, credits: { remaining: null } });
      expect(await getKey(t, keyId)).not.toHaveProperty('credits');
      // Limited again: the old refill did not come back.
      await update({ keyId, credits: { remaining: 1 } });
      expect((await getKey(t, keyId)).credits).toEqual({ remaining: 1 });
    });

    it('credits with refill alone (no remaining) changes only the refill and leaves the balance, as upstream', async () => {
      // Upstream's UpdateKeyCreditsData makes `remaining` optional: {refill} or {refill: null} alone keeps the balance.
      const { keyId } = await fullKey();
      await caller(t, 'keys.updateCredits')({ keyId, operation: 'set', value: 3 });
      expect((await update({ keyId, credits: { refill: { interval: 'monthly', amount: 20, refillDay: 2 } } })).status).toBe(200);
      expect((await getKey(t, keyId)).credits).toEqual({ remaining: 3, refill: { interval: 'monthly', amount: 20, refillDay: 2 } });
      expect((await update({ keyId, credits: { refill: null } })).status).toBe(200);
      expect((await getKey(t, keyId)).credits).toEqual({ remaining: 3 });
      expect((await update({ keyId, credits: {} })).status).toBe(200);
      expect((await getKey(t, keyId)).credits).toEqual({ remaining: 3 });
      // An unlimited key has no balance to refill: refused as {remaining: null, refill} is, and nothing changes.
      const unlimited = await newKey(t, { apiId });
      const res = await update({ keyId: unlimited.keyId, credits: { refill: { interval: 'daily', amount: 5 } } });
      expect(res.status).toBe(400);
      expect(res.body.error.detail).toContain('credits.remaining');
      expect(await getKey(t, unlimited.keyId)).not.toHaveProperty('credits');
    });

    it('ratelimits are replaced by name: listed ones keep their ids, unlisted ones go, [] removes all', async () => {
      const { keyId } = await newKey(t, {
        apiId,
        ratelimits: [
          { name: 'alpha', limit: 1, duration: 1000, autoApply: false },
          { name: 'beta', limit: 2, duration: 2000, autoApply: false },
        ],
      });
      const before = (await getKey(t, keyId)).ratelimits;
      await update({
        keyId,
        ratelimits: [
          { name: 'alpha', limit: 5, duration: 5000, autoApply: true },
          { name: 'gamma', limit: 3, duration: 3000, autoApply: false },
        ],
      });
      const after = (await getKey(t, keyId)).ratelimits;
      expect(after).toEqual([
        { id: before[0].id, name: 'alpha', limit: 5, duration: 5000, autoApply: true },
        { id: expect.stringMatching(/^rl_/), name: 'gamma', limit: 3, duration: 3000, autoApply: false },
      ]);
      expect(after[1].id).not.toBe(before[1].id);
      await update({ keyId, ratelimits: [] });
      expect(await getKey(t, keyId)).not.toHaveProperty('ratelimits');
    });

    it('permissions and roles replace the direct sets; missing permissions are created', async () => {
      await insertRole(t, 'editor', ['pages.edit']);
      const { keyId } = await newKey(t, { apiId, permissions: ['a.read', 'b.read'] });
      await update({ keyId, permissions: ['c.read'], roles: ['editor'] });
      expect(await getKey(t, keyId)).toMatchObject({ permissions: ['c.read', 'pages.edit'], roles: ['editor'] });
      await update({ keyId, permissions: [], roles: [] });
      const data = await getKey(t, keyId);
      expect(data).not.toHaveProperty('permissions');
      expect(data).not.toHaveProperty('roles');
    });

    it('takes effect on verification at once (the cached key is dropped)', async () => {
      const { keyId, key } = await newKey(t, { apiId });
      expect((await t.call('keys.verifyKey', { key })).body.data.valid).toBe(true);
      await update({ keyId, enabled: false });
      expect((await t.call('keys.verifyKey', { key })).body.data.code).toBe('DISABLED');
    });

    it('the specific-id update_key permission is enough', async () => {
      const { keyId } = await newKey(t, { apiId });
      const res = await update({ keyId, enabled: false }, await t.rootKeyWith([`api.${apiId}.update_key`]));
      expect(res.status).toBe(200);
      expect((await getKey(t, keyId)).enabled).toBe(false);
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      const { keyId } = await newKey(t, { apiId });
      for (const body of [
        { name: 'x' },
        { keyId, name: '' },
        { keyId, externalId: 'has\u007fdel' },
        { keyId, meta: [1] },
        { keyId, expires: -1 },
        { keyId, enabled: 'yes' },
        { keyId, ratelimits: [{ name: 'r1', limit: 1, duration: 999, autoApply: false }] },
        { keyId, ratelimits: null },
        { keyId, unknown: 1 },
        { keyId, permissions: ['bad slug'] },
      ]) {
        const res = await update(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.errors.length).toBeGreaterThan(0);
      }
    });

    it('semantic errors change nothing and write no record', async () => {
      const { keyId } = await fullKey();
      const before = await getKey(t, keyId);
      const records = await auditCount(t);
      for (const [body, detail] of [
        [{ name: 'changed', credits: { remaining: 5, refill: { interval: 'monthly', amount: 5 } } }, 'refillDay'],
        [{ name: 'changed', credits: { remaining: 5, refill: { interval: 'daily', amount: 5, refillDay: 3 } } }, 'monthly'],
        [{ name: 'changed', credits: { remaining: null, refill: { interval: 'daily', amount: 5 } } }, 'remaining'],
        [
          {
            name: 'changed',
            ratelimits: [
              { name: 'dup', limit: 1, duration: 1000, autoApply: false },
              { name: 'dup', limit: 2, duration: 1000, autoApply: false },
            ],
          },
          'dup',
        ],
      ] as const) {
        const res = await update({ keyId, ...body });
        expect(res.status).toBe(400);
        expect(res.body.error.errors).toEqual([]);
        expect(res.body.error.detail).toContain(detail);
      }
      expect(await getKey(t, keyId)).toEqual(before);
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('403', () => {
    it("without update_key on the key's API; nothing changes", async () => {
      const { keyId } = await newKey(t, { apiId, name: 'kept' });
      for (const permissions of [['api.*.read_key'], ['api.api_other.update_key']]) {
        const rootKey = await t.rootKeyWith(permissions);
        const records = await auditCount(t);
        const res = await update({ keyId, name: 'changed' }, rootKey);
        expect(res.status).toBe(403);
        expect(res.body.error.detail).toContain(`api.${apiId}.update_key`);
        expect(await auditCount(t)).toBe(records);
      }
      expect((await getKey(t, keyId)).name).toBe('kept');
    });
  });

  describe('404', () => {
    it("a random id and another workspace's key answer alike", async () => {
      const { keyId } = await newKey(t, { apiId, name: 'kept' });
      const stranger = await t.newWorkspace();
      const missing = await update({ keyId: 'key_doesnotexist', name: 'x' }, stranger.rootKey);
      const foreign = await update({ keyId, name: 'x' }, stranger.rootKey);
      expect(missing.status).toBe(404);
      expect(foreign.status).toBe(404);
      const strip = (body: any, id: string) => ({ ...body.error, detail: body.error.detail.replace(id, '<id>') });
      expect(strip(foreign.body, keyId)).toEqual(strip(missing.body, 'key_doesnotexist'));
      expect((await getKey(t, keyId)).name).toBe('kept');
    });

    it('an unknown role: 404 role_not_found, and the rest of the update is not applied', async () => {
      const { keyId } = await newKey(t, { apiId, name: 'kept', permissions: ['p.one'] });
      const records = await auditCount(t);
      const res = await update({ keyId, name: 'changed', permissions: ['p.two'], roles: ['no_such_role'] });
      expect(res.status).toBe(404);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/role_not_found');
      expect(res.body.error.detail).toBe("Role 'no_such_role' was not found.");
      expect(await getKey(t, keyId)).toMatchObject({ name: 'kept', permissions: ['p.one'] });
      expect(await auditCount(t)).toBe(records);
    });
  });
});
