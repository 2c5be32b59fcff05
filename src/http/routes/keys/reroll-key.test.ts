import { beforeAll, describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents, getKey, insertRole, newApi, newKey } from '../../../../test/key-fixtures.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  // Unkey's key format, which these cases check (checksummed keys: verify-checksum.test.ts).
  apiId = await newApi(t, t.rootKey, { keyFormat: 'base58' });
});

const reroll = caller(t, 'keys.rerollKey');
const verify = async (key: string) => (await t.call('keys.verifyKey', { key })).body.data;
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;

describe('keys.rerollKey', () => {
  describe('200', () => {
    it('the new key copies settings, credits, identity, limits (new ids), roles and permissions', async () => {
      await insertRole(t, 'reroll_role', ['role.perm']);
      const expires = t.clock.now() + 86_400_000;
      const old = await newKey(t, {
        apiId,
        prefix: 'sk',
        name: 'acme',
        externalId: 'user_r',
        meta: { plan: 'pro' },
        expires,
        enabled: false,
        permissions: ['direct.perm'],
        roles: ['reroll_role'],
        credits: { remaining: 4, refill: { interval: 'monthly', amount: 8, refillDay: 2 } },
        ratelimits: [{ name: 'requests', limit: 3, duration: 1000, autoApply: true }],
      });
      const before = await getKey(t, old.keyId);
      t.clock.advance(1000);
      const res = await reroll({ keyId: old.keyId, expiration: 0 });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ keyId: expect.stringMatching(/^key_/), key: expect.stringMatching(/^sk_/) });
      const { keyId, key } = res.body.data;
      expect(keyId).not.toBe(old.keyId);
      expect(key.slice(3)).toMatch(BASE58);

      const fresh = await getKey(t, keyId);
      const { keyId: _k, start: _s, createdAt: _c, ratelimits: oldLimits, ...copied } = before;
      expect(fresh).toEqual({
        ...copied,
        keyId,
        start: key.slice(0, 7),
        createdAt: t.clock.now(),
        ratelimits: [{ ...oldLimits[0], id: expect.stringMatching(/^rl_/) }],
      });
      expect(fresh.ratelimits[0].id).not.toBe(oldLimits[0].id);
      expect(fresh.permissions).toEqual(['direct.perm', 'role.perm']);
      expect(fresh.identity.id).toBe(before.identity.id);
    });

    it('the old key keeps working until now + expiration, rounded up to the whole minute', async () => {
      t.clock.set(Date.UTC(2026, 1, 1, 10, 0, 12, 345));
      const old = await newKey(t, { apiId });
      expect((await verify(old.key)).valid).toBe(true); // now cached: the reroll must drop it
      const { key } = (await reroll({ keyId: old.keyId, expiration: 60_000 })).body.data;
      const cutoff = Date.UTC(2026, 1, 1, 10, 2, 0);
      expect((await getKey(t, old.keyId)).expires).toBe(cutoff);
      expect((await verify(old.key)).valid).toBe(true);
      expect((await verify(key)).valid).toBe(true);
      t.clock.set(cutoff + 1);
      expect((await verify(old.key)).code).toBe('EXPIRED');
      expect((await verify(key)).valid).toBe(true);
    });

    it('expiration 0 ends the old key now; a whole-minute end is not pushed further', async () => {
      t.clock.set(Date.UTC(2026, 1, 1, 11, 0, 0));
      const now = await newKey(t, { apiId });
      await reroll({ keyId: now.keyId, expiration: 0 });
      expect((await getKey(t, now.keyId)).expires).toBe(t.clock.now());
      t.clock.advance(1);
      expect((await verify(now.key)).code).toBe('EXPIRED');
      const exact = await newKey(t, { apiId });
      t.clock.set(Date.UTC(2026, 1, 1, 11, 1, 0));
      await reroll({ keyId: exact.keyId, expiration: 120_000 });
      expect((await getKey(t, exact.keyId)).expires).toBe(Date.UTC(2026, 1, 1, 11, 3, 0));
    });

    it('never extends an old key that already expires sooner', async () => {
      const expires = t.clock.now() + 10_000;
      const old = await newKey(t, { apiId, expires });
      const { keyId } = (await reroll({ keyId: old.keyId, expiration: 3_600_000 })).body.data;
      expect((await getKey(t, old.keyId)).expires).toBe(expires);
      expect((await getKey(t, keyId)).expires).toBe(expires);
    });

    it("keeps a prefix containing '_' whole, uses no prefix when the old key had none, and 16 bytes", async () => {
      const prefixed = await newKey(t, { apiId, prefix: 'my_app', byteLength: 64 });
      const { key } = (await reroll({ keyId: prefixed.keyId, expiration: 0 })).body.data;
      expect(key).toMatch(/^my_app_[1-9A-HJ-NP-Za-km-z]+$/);
      // 16 bytes are 21-22 base58 characters; 64 bytes would be ~87.
      expect(key.length - 'my_app_'.length).toBeLessThanOrEqual(22);
      const bare = await newKey(t, { apiId });
      const rerolled = (await reroll({ keyId: bare.keyId, expiration: 0 })).body.data.key;
      expect(rerolled).toMatch(BASE58);
      expect(rerolled.length).toBeGreaterThanOrEqual(21);
    });

    it('writes one key.reroll record naming both keys and the API; the specific-id create_key is enough', async () => {
      const old = await newKey(t, { apiId });
      const rootKey = await t.rootKeyWith([`api.${apiId}.create_key`]);
      const records = await auditCount(t);
      const res = await reroll({ keyId: old.keyId, expiration: 0 }, rootKey);
      expect(res.status).toBe(200);
      expect(await auditCount(t)).toBe(records + 1);
      const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: res.body.data.keyId, limit: 10 });
      expect(record!.event).toBe('key.reroll');
      expect(record!.resources).toEqual([
        { type: 'key', id: res.body.data.keyId },
        { type: 'key', id: old.keyId },
        { type: 'api', id: apiId },
      ]);
      expect(JSON.stringify(record)).not.toContain(res.body.data.key);
      expect(await auditEvents(t, old.keyId)).toEqual(['key.create', 'key.reroll']);
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      const { keyId } = await newKey(t, { apiId });
      for (const body of [
        { keyId },
        { keyId, expiration: -1 },
        { keyId, expiration: 4102444800001 },
        { keyId, expiration: 1.5 },
        { expiration: 0 },
      ]) {
        const res = await reroll(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.errors.length).toBeGreaterThan(0);
      }
    });
  });

  describe('403', () => {
    it("without create_key on the key's API; no key is made and the old one is untouched", async () => {
      const old = await newKey(t, { apiId });
      const before = await getKey(t, old.keyId);
      const rootKey = await t.rootKeyWith(['api.*.update_key', 'api.*.read_key', 'api.api_other.create_key']);
      const records = await auditCount(t);
      const res = await reroll({ keyId: old.keyId, expiration: 0 }, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.detail).toContain(`api.${apiId}.create_key`);
      expect(await getKey(t, old.keyId)).toEqual(before);
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('404', () => {
    it("a random id and another workspace's key answer alike", async () => {
      const old = await newKey(t, { apiId });
      const stranger = await t.newWorkspace();
      const missing = await reroll({ keyId: 'key_doesnotexist', expiration: 0 }, stranger.rootKey);
      const foreign = await reroll({ keyId: old.keyId, expiration: 0 }, stranger.rootKey);
      expect(missing.status).toBe(404);
      expect(foreign.status).toBe(404);
      const strip = (body: any, id: string) => ({ ...body.error, detail: body.error.detail.replace(id, '<id>') });
      expect(strip(foreign.body, old.keyId)).toEqual(strip(missing.body, 'key_doesnotexist'));
      expect(await getKey(t, old.keyId)).not.toHaveProperty('expires');
    });
  });
});
