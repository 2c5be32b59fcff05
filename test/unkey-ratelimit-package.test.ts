import { Overrides, Ratelimit } from '@unkey/ratelimit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';

/**
 * Unkey's rate-limit package (`@unkey/ratelimit` 2.1.4, which brings its own @unkey/api 2.2.0) pointed at a
 * Keyward server with `baseUrl`. Its default error handling lets requests through on any failure, so every
 * limiter here rethrows instead: a response the package could not read fails the test.
 */
describe('@unkey/ratelimit against Keyward', () => {
  let t: TestServer;
  let baseUrl: string;
  const rethrow = (error: Error): never => {
    throw error;
  };

  beforeAll(async () => {
    t = await startTestServer();
    baseUrl = await t.listen();
  });
  afterAll(async () => {
    await t.close();
  });

  const limiter = (namespace: string, limit = 3) =>
    new Ratelimit({
      baseUrl,
      rootKey: t.rootKey,
      namespace,
      limit,
      duration: '60s',
      onError: rethrow,
      timeout: false,
      disableTelemetry: true,
    });

  it('admits the limit, then refuses, per identifier, with remaining and reset', async () => {
    const rl = limiter('pkg.sign_up');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await rl.limit('user_1'));
    expect(answers.map((a) => a.success)).toEqual([true, true, true, false]);
    expect(answers.map((a) => a.remaining)).toEqual([2, 1, 0, 0]);
    expect(answers.every((a) => a.limit === 3 && a.reset > t.clock.now())).toBe(true);
    // Another identifier has a counter of its own.
    expect((await rl.limit('user_2')).success).toBe(true);
  });

  it('honours a per-call cost and a per-call limit', async () => {
    const rl = limiter('pkg.costs', 10);
    expect(await rl.limit('batch', { cost: 7 })).toMatchObject({ success: true, remaining: 3 });
    expect(await rl.limit('batch', { cost: 4 })).toMatchObject({ success: false });
    expect(await rl.limit('other', { limit: { limit: 1, duration: 60_000 } })).toMatchObject({ success: true, limit: 1, remaining: 0 });
  });

  it('manages overrides, which the limiter then applies', async () => {
    const rl = limiter('pkg.overrides', 1);
    await rl.limit('seed'); // creates the namespace
    const overrides = new Overrides({ baseUrl, rootKey: t.rootKey });
    const set = await overrides.setOverride({ namespace: 'pkg.overrides', identifier: 'vip_*', limit: 5, duration: 60_000 });
    expect(set.data.overrideId).toMatch(/^rlor_/);
    const got = await overrides.getOverride({ namespace: 'pkg.overrides', identifier: 'vip_*' });
    expect(got.data).toMatchObject({ identifier: 'vip_*', limit: 5, duration: 60_000 });
    const viaOverride = await rl.limit('vip_ann');
    expect(viaOverride).toMatchObject({ success: true, limit: 5, remaining: 4 });
    expect((await overrides.listOverrides({ namespace: 'pkg.overrides' })).data.map((o) => o.identifier)).toEqual(['vip_*']);
    await overrides.deleteOverride({ namespace: 'pkg.overrides', identifier: 'vip_*' });
    expect(await rl.limit('vip_bob')).toMatchObject({ limit: 1, remaining: 0 });
  });

  it('a root key that may not limit is an error the package reports, not a silent pass', async () => {
    const weak = new Ratelimit({
      baseUrl,
      rootKey: await t.rootKeyWith(['api.*.read_api']),
      namespace: 'pkg.denied',
      limit: 3,
      duration: 60_000,
      onError: rethrow,
      timeout: false,
      disableTelemetry: true,
    });
    await expect(weak.limit('user_1')).rejects.toThrow();
  });
});
