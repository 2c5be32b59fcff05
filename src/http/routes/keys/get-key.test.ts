import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, insertRole, newApi, newKey } from '../../../../test/key-fixtures.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  // Unkey's key format, which these cases check (checksummed keys: verify-checksum.test.ts).
  apiId = await newApi(t, t.rootKey, { keyFormat: 'base58' });
});

describe('keys.getKey', () => {
  describe('200', () => {
    it('a bare key has only the required fields (optional ones absent, never null)', async () => {
      const { keyId, key } = await newKey(t, { apiId });
      const res = await t.call('keys.getKey', { keyId });
      expect(res.status).toBe(200);
      expect(res.body.meta.requestId).toMatch(/^req_/);
      expect(res.body.data).toEqual({ keyId, start: key.slice(0, 4), enabled: true, createdAt: t.clock.now() });
    });

    it('a full key: every field, permissions from roles merged, credits and identity shaped as the contract says', async () => {
      await insertRole(t, 'admin', ['docs.write', 'docs.read']);
      const expires = t.clock.now() + 86_400_000;
      const { keyId } = await newKey(t, {
        apiId,
        prefix: 'sk',
        name: 'acme',
        externalId: 'user_1',
        meta: { plan: 'pro' },
        expires,
        enabled: false,
        permissions: ['docs.read', 'billing.read'],
        roles: ['admin'],
        credits: { remaining: 7, refill: { interval: 'monthly', amount: 10, refillDay: 5 } },
        ratelimits: [{ name: 'requests', limit: 10, duration: 60_000, autoApply: true }],
      });
      const { status, body } = await t.call('keys.getKey', { keyId, decrypt: false });
      expect(status).toBe(200);
      expect(body.data).toEqual({
        keyId,
        start: expect.stringMatching(/^sk_[1-9A-HJ-NP-Za-km-z]{4}$/),
        enabled: false,
        createdAt: t.clock.now(),
        name: 'acme',
        meta: { plan: 'pro' },
        expires,
        permissions: ['billing.read', 'docs.read', 'docs.write'],
        roles: ['admin'],
        credits: { remaining: 7, refill: { interval: 'monthly', amount: 10, refillDay: 5 } },
        identity: { id: expect.stringMatching(/^id_/), externalId: 'user_1' },
        ratelimits: [{ id: expect.stringMatching(/^rl_/), name: 'requests', limit: 10, duration: 60_000, autoApply: true }],
      });
    });

    it('a daily refill has no refillDay; an unlimited key has no credits', async () => {
      const daily = await newKey(t, { apiId, credits: { remaining: 3, refill: { interval: 'daily', amount: 3 } } });
      expect((await t.call('keys.getKey', { keyId: daily.keyId })).body.data.credits).toEqual({
        remaining: 3,
        refill: { interval: 'daily', amount: 3 },
      });
      const unlimited = await newKey(t, { apiId, credits: { remaining: null } });
      expect((await t.call('keys.getKey', { keyId: unlimited.keyId })).body.data).not.toHaveProperty('credits');
    });

    it('the specific-id permission is enough, and reading writes no audit record', async () => {
      const { keyId } = await newKey(t, { apiId });
      const rootKey = await t.rootKeyWith([`api.${apiId}.read_key`]);
      const records = await auditCount(t);
      const res = await t.call('keys.getKey', { keyId }, { rootKey });
      expect(res.status).toBe(200);
      expect(res.body.data.keyId).toBe(keyId);
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      for (const body of [
        {},
        { keyId: 'ab' },
        { keyId: 'key-with-dash' },
        { keyId: 'key_1', decrypt: 'yes' },
        { keyId: 'key_1', extra: true },
      ]) {
        const res = await t.call('keys.getKey', body);
        expect(res.status).toBe(400);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/invalid_input');
        expect(res.body.error.errors.length).toBeGreaterThan(0);
      }
    });
  });

  describe('403', () => {
    it('without read_key, or with it on another API', async () => {
      const { keyId } = await newKey(t, { apiId });
      for (const permissions of [['api.*.read_api'], ['api.api_other.read_key'], ['api.*.update_key']]) {
        const res = await t.call('keys.getKey', { keyId }, { rootKey: await t.rootKeyWith(permissions) });
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions');
        expect(res.body.error.detail).toContain(`api.${apiId}.read_key`);
      }
    });

    it('decrypt without decrypt_key', async () => {
      const { keyId } = await newKey(t, { apiId });
      const res = await t.call('keys.getKey', { keyId, decrypt: true }, { rootKey: await t.rootKeyWith(['api.*.read_key']) });
      expect(res.status).toBe(403);
      expect(res.body.error.detail).toContain('decrypt_key');
    });
  });

  describe('404', () => {
    it("a random id and another workspace's key answer alike", async () => {
      const { keyId } = await newKey(t, { apiId });
      const stranger = await t.newWorkspace();
      const missing = await t.call('keys.getKey', { keyId: 'key_doesnotexist' }, { rootKey: stranger.rootKey });
      const foreign = await t.call('keys.getKey', { keyId }, { rootKey: stranger.rootKey });
      expect(missing.status).toBe(404);
      expect(missing.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/key_not_found');
      expect(foreign.status).toBe(404);
      const strip = (body: any, id: string) => ({ ...body.error, detail: body.error.detail.replace(id, '<id>') });
      expect(strip(foreign.body, keyId)).toEqual(strip(missing.body, 'key_doesnotexist'));
    });

    it('a deleted key, and a key of a deleted API', async () => {
      const { keyId } = await newKey(t, { apiId });
      await t.call('keys.deleteKey', { keyId });
      expect((await t.call('keys.getKey', { keyId })).status).toBe(404);
      const doomedApi = await newApi(t);
      const orphan = await newKey(t, { apiId: doomedApi });
      await t.call('apis.deleteApi', { apiId: doomedApi });
      expect((await t.call('keys.getKey', { keyId: orphan.keyId })).status).toBe(404);
    });
  });

  describe('412', () => {
    it('decrypt: no vault, so nothing can be decrypted', async () => {
      const { keyId } = await newKey(t, { apiId });
      const res = await t.call('keys.getKey', { keyId, decrypt: true });
      expect(res.status).toBe(412);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/precondition_failed');
    });
  });
});
