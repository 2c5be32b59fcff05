import { Unkey } from '@unkey/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type EngineName, type TestServer } from './harness.js';

/**
 * The official client, unchanged, against a real listening Keyward server. The client validates
 * every response with its own schemas, so any shape mismatch here throws.
 */
for (const engine of ['sqlite', 'postgres'] as EngineName[]) {
  describe(`@unkey/api end to end (${engine})`, () => {
    let t: TestServer;
    let unkey: Unkey;
    let address: string;

    beforeAll(async () => {
      t = await startTestServer({ engine });
      address = await t.listen();
      unkey = new Unkey({ rootKey: t.rootKey, serverURL: address, retryConfig: { strategy: 'none' } });
    });
    afterAll(async () => {
      await t.close();
    });

    it('runs the whole key lifecycle through the client', async () => {
      const { data: api } = await unkey.apis.createApi({ name: 'payments' });
      expect((await unkey.apis.getApi({ apiId: api.apiId })).data).toEqual({ id: api.apiId, name: 'payments' });

      const { data: created } = await unkey.keys.createKey({
        apiId: api.apiId,
        prefix: 'sk',
        name: 'acme',
        externalId: 'user_123',
        meta: { plan: 'pro' },
        credits: { remaining: 3, refill: { interval: 'daily', amount: 3 } },
      });
      expect(created.key.startsWith('sk_')).toBe(true);

      const verified = await unkey.keys.verifyKey({ key: created.key });
      expect(verified.data).toMatchObject({
        valid: true,
        code: 'VALID',
        keyId: created.keyId,
        name: 'acme',
        credits: 2,
        meta: { plan: 'pro' },
      });
      expect(verified.data.identity).toMatchObject({ externalId: 'user_123' });

      const got = await unkey.keys.getKey({ keyId: created.keyId });
      expect(got.data).toMatchObject({
        keyId: created.keyId,
        name: 'acme',
        credits: { remaining: 2, refill: { interval: 'daily', amount: 3 } },
      });

      const who = await unkey.keys.whoami({ key: created.key });
      expect(who.data.keyId).toBe(created.keyId);

      await unkey.keys.updateKey({ keyId: created.keyId, name: 'acme-renamed', meta: null, expires: null });
      const afterUpdate = await unkey.keys.getKey({ keyId: created.keyId });
      expect(afterUpdate.data.name).toBe('acme-renamed');
      expect(afterUpdate.data.meta).toBeUndefined();

      // Upstream: credits {refill} alone changes only the refill; the balance (2) stays.
      await unkey.keys.updateKey({ keyId: created.keyId, credits: { refill: { interval: 'daily', amount: 7 } } });
      expect((await unkey.keys.getKey({ keyId: created.keyId })).data.credits).toEqual({
        remaining: 2,
        refill: { interval: 'daily', amount: 7 },
      });

      const credits = await unkey.keys.updateCredits({ keyId: created.keyId, operation: 'set', value: 10 });
      expect(credits.data.remaining).toBe(10);
      const unlimited = await unkey.keys.updateCredits({ keyId: created.keyId, operation: 'set', value: null });
      expect(unlimited.data.remaining).toBeNull();

      await unkey.keys.updateKey({ keyId: created.keyId, enabled: false });
      expect((await unkey.keys.verifyKey({ key: created.key })).data).toMatchObject({ valid: false, code: 'DISABLED' });
      await unkey.keys.updateKey({ keyId: created.keyId, enabled: true });

      const rerolled = await unkey.keys.rerollKey({ keyId: created.keyId, expiration: 0 });
      expect(rerolled.data.keyId).not.toBe(created.keyId);
      expect((await unkey.keys.verifyKey({ key: rerolled.data.key })).data).toMatchObject({ valid: true, name: 'acme-renamed' });
      t.clock.advance(60_001);
      expect((await unkey.keys.verifyKey({ key: created.key })).data.code).toBe('EXPIRED');

      await unkey.keys.deleteKey({ keyId: rerolled.data.keyId });
      expect((await unkey.keys.verifyKey({ key: rerolled.data.key })).data).toEqual({ valid: false, code: 'NOT_FOUND' });
      await unkey.keys.deleteKey({ keyId: created.keyId, permanent: true });
      await expect(unkey.keys.getKey({ keyId: created.keyId })).rejects.toMatchObject({ statusCode: 404 });

      await unkey.apis.deleteApi({ apiId: api.apiId });
      await expect(unkey.apis.getApi({ apiId: api.apiId })).rejects.toMatchObject({ statusCode: 404 });
    });

    it('pages through apis.listKeys with the client iterator', async () => {
      const { data: api } = await unkey.apis.createApi({ name: 'paging' });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await unkey.keys.createKey({ apiId: api.apiId, name: `k${i}` })).data.keyId);

      const seen: string[] = [];
      let pages = 0;
      for await (const page of await unkey.apis.listKeys({ apiId: api.apiId, limit: 2 })) {
        pages++;
        seen.push(...page.result.data.map((k) => k.keyId));
      }
      expect(pages).toBe(3);
      expect(seen).toEqual(ids);
    });

    it('reports refused calls as upstream: the untouched balance on USAGE_EXCEEDED, uncharged limits on RATE_LIMITED and multiLimit', async () => {
      const { data: api } = await unkey.apis.createApi({ name: 'refusals' });
      const { data: created } = await unkey.keys.createKey({
        apiId: api.apiId,
        credits: { remaining: 5 },
        ratelimits: [
          { name: 'general', limit: 8, duration: 60_000, autoApply: true },
          { name: 'strict', limit: 1, duration: 60_000, autoApply: false },
        ],
      });
      // Upstream: remaining 5, cost 15 -> USAGE_EXCEEDED with credits 5 (not 0); the limits were counted.
      expect((await unkey.keys.verifyKey({ key: created.key, credits: { cost: 15 } })).data).toMatchObject({
        code: 'USAGE_EXCEEDED',
        credits: 5,
      });
      expect((await unkey.keys.verifyKey({ key: created.key, ratelimits: [{ name: 'strict' }] })).data.code).toBe('VALID');
      // `strict` is exhausted; `general` (8, 2 counted) reports 6 as upstream, not 5 as if this refused call had counted.
      const refused = await unkey.keys.verifyKey({ key: created.key, ratelimits: [{ name: 'strict' }] });
      expect(refused.data.code).toBe('RATE_LIMITED');
      expect(refused.data.ratelimits?.map((r) => [r.name, r.exceeded, r.remaining])).toEqual([
        ['general', false, 6],
        ['strict', true, 0],
      ]);
      const namespace = `refusals_${engine}`;
      await unkey.ratelimit.limit({ namespace, identifier: 'full', limit: 1, duration: 60_000 });
      const multi = await unkey.ratelimit.multiLimit([
        { namespace, identifier: 'free', limit: 3, duration: 60_000 },
        { namespace, identifier: 'full', limit: 1, duration: 60_000 },
      ]);
      expect(multi.data.passed).toBe(false);
      expect(multi.data.limits.map((l) => [l.passed, l.remaining])).toEqual([
        [true, 3],
        [false, 0],
      ]);
    });

    it('surfaces errors as the typed classes the client declares', async () => {
      const { data: api } = await unkey.apis.createApi({ name: 'errors' });
      await unkey.keys.createKey({ apiId: api.apiId }).then((r) => expect(r.data.keyId).toBeTruthy());
      await expect(unkey.keys.getKey({ keyId: 'key_doesnotexist' })).rejects.toMatchObject({
        statusCode: 404,
        name: 'NotFoundErrorResponse',
      });
      await expect(unkey.apis.createApi({ name: 'x' })).rejects.toMatchObject({ statusCode: 400, name: 'BadRequestErrorResponse' });
      const stranger = new Unkey({ rootKey: 'not-a-root-key', serverURL: address, retryConfig: { strategy: 'none' } });
      await expect(stranger.apis.getApi({ apiId: api.apiId })).rejects.toMatchObject({
        statusCode: 401,
        name: 'UnauthorizedErrorResponse',
      });
      // Protected APIs refuse deletion with the typed 412.
      const { data: protectedApi } = await unkey.apis.createApi({ name: 'protected' });
      expect((await t.call('apiSettings.updateSettings', { apiId: protectedApi.apiId, deleteProtection: true })).status).toBe(200);
      await expect(unkey.apis.deleteApi({ apiId: protectedApi.apiId })).rejects.toMatchObject({
        statusCode: 412,
        name: 'PreconditionFailedErrorResponse',
      });
    });

    it("applies the API's default prefix when the client omits prefix (upstream's API default; the client always sends byteLength 16)", async () => {
      const { data: api } = await unkey.apis.createApi({ name: 'defaults' });
      const set = await t.call('apiSettings.updateSettings', { apiId: api.apiId, defaultPrefix: 'sk_test', defaultByteLength: 64 });
      expect(set.status).toBe(200);
      const { data: created } = await unkey.keys.createKey({ apiId: api.apiId });
      expect(created.key.startsWith('sk_test_')).toBe(true);
      expect((await unkey.keys.verifyKey({ key: created.key })).data.valid).toBe(true);
    });
  });
}
