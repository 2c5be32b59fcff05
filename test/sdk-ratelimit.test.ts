import { Unkey } from '@unkey/api';
import { GoneErrorResponse, NotFoundErrorResponse } from '@unkey/api/models/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type EngineName, type TestServer } from './harness.js';

/**
 * The official client's rate-limit operations against a real listening Keyward server. The client
 * checks every response against its own schemas (overrideId absent rather than null, the multiLimit
 * array body, the listOverrides pages), so a shape mismatch throws here.
 */
for (const engine of ['sqlite', 'postgres'] as EngineName[]) {
  describe(`@unkey/api ratelimit end to end (${engine})`, () => {
    let t: TestServer;
    let unkey: Unkey;

    beforeAll(async () => {
      t = await startTestServer({ engine });
      unkey = new Unkey({ rootKey: t.rootKey, serverURL: await t.listen(), retryConfig: { strategy: 'none' } });
    });
    afterAll(async () => {
      await t.close();
    });

    it('limits, overrides and pages through the client', async () => {
      const first = await unkey.ratelimit.limit({ namespace: 'sms.sign_up', identifier: 'user_1', limit: 2, duration: 60_000 });
      expect(first.data).toMatchObject({ success: true, limit: 2, remaining: 1 });
      expect(first.data.overrideId).toBeUndefined();

      const { data: set } = await unkey.ratelimit.setOverride({
        namespace: 'sms.sign_up',
        identifier: 'vip_*',
        limit: 100,
        duration: 60_000,
      });
      const viaOverride = await unkey.ratelimit.limit({ namespace: 'sms.sign_up', identifier: 'vip_ann', limit: 2, duration: 60_000 });
      expect(viaOverride.data).toMatchObject({ success: true, limit: 100, overrideId: set.overrideId });

      const multi = await unkey.ratelimit.multiLimit([
        { namespace: 'sms.sign_up', identifier: 'user_1', limit: 2, duration: 60_000 },
        { namespace: 'email.outbound', identifier: 'user_1', limit: 1, duration: 60_000 },
      ]);
      expect(multi.data.passed).toBe(true);
      expect(multi.data.limits.map((l) => l.namespace)).toEqual(['sms.sign_up', 'email.outbound']);

      const got = await unkey.ratelimit.getOverride({ namespace: 'sms.sign_up', identifier: 'vip_bob' });
      expect(got.data).toEqual({ overrideId: set.overrideId, identifier: 'vip_*', limit: 100, duration: 60_000 });

      for (let i = 0; i < 12; i++)
        await unkey.ratelimit.setOverride({ namespace: 'sms.sign_up', identifier: `user_${i}`, limit: i, duration: 1000 });
      const seen: string[] = [];
      // The client's iterator follows `pagination.cursor` until it is absent (pages of 10 by default).
      for await (const page of await unkey.ratelimit.listOverrides({ namespace: 'sms.sign_up' })) {
        seen.push(...page.result.data.map((o) => o.identifier));
      }
      expect(seen).toHaveLength(13);

      expect((await unkey.ratelimit.deleteOverride({ namespace: 'sms.sign_up', identifier: 'vip_*' })).data).toEqual({});
      await expect(unkey.ratelimit.getOverride({ namespace: 'sms.sign_up', identifier: 'vip_bob' })).rejects.toBeInstanceOf(
        NotFoundErrorResponse,
      );
    });

    it('gives the typed Gone error for a deleted namespace', async () => {
      await unkey.ratelimit.limit({ namespace: 'doomed', identifier: 'u', limit: 1, duration: 1000 });
      expect((await t.call('ratelimitNamespaces.deleteNamespace', { namespace: 'doomed' })).status).toBe(200);
      await expect(unkey.ratelimit.limit({ namespace: 'doomed', identifier: 'u', limit: 1, duration: 1000 })).rejects.toBeInstanceOf(
        GoneErrorResponse,
      );
    });
  });
}
