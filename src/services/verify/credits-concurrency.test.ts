import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/harness.js';

/**
 * Exact credits (docs/unkey-compatibility.md, "Credits in verification"): credits are never overspent under any concurrency. Every verify goes
 * through the HTTP app at once; the store's single conditional UPDATE is what keeps the count exact.
 */
describe.each(['sqlite', 'postgres'] as const)('credits under concurrent verifies (%s)', (engine) => {
  let t: TestServer;
  let apiId: string;

  beforeAll(async () => {
    t = await startTestServer({ engine });
    apiId = (await t.call('apis.createApi', { name: 'concurrency' })).body.data.apiId;
  });
  afterAll(async () => {
    await t.close();
  });

  async function keyWithCredits(remaining: number) {
    const res = await t.call('keys.createKey', { apiId, credits: { remaining } });
    return res.body.data as { keyId: string; key: string };
  }

  it('50 credits, 200 concurrent verifies: exactly 50 VALID (each a distinct balance), 150 USAGE_EXCEEDED, ending at 0', async () => {
    const { keyId, key } = await keyWithCredits(50);
    const lookups = vi.spyOn(t.server.store, 'findKeyByHash');
    const results = await Promise.all(Array.from({ length: 200 }, () => t.call('keys.verifyKey', { key })));
    // The cold cache loaded the key once for all 200 concurrent requests.
    expect(lookups).toHaveBeenCalledTimes(1);
    lookups.mockRestore();

    expect(results.every((r) => r.status === 200)).toBe(true);
    const valid = results.filter((r) => r.body.data.code === 'VALID');
    const exceeded = results.filter((r) => r.body.data.code === 'USAGE_EXCEEDED');
    expect(valid).toHaveLength(50);
    expect(exceeded).toHaveLength(150);
    expect(valid.map((r) => r.body.data.credits).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(exceeded.every((r) => r.body.data.credits === 0 && r.body.data.valid === false)).toBe(true);
    expect((await t.server.store.findKey(t.workspaceId, keyId))?.remaining).toBe(0);
  });

  it('costs above 1 never overdraw: 50 credits at cost 3 admit 16 calls and leave 2', async () => {
    const { keyId, key } = await keyWithCredits(50);
    const results = await Promise.all(Array.from({ length: 60 }, () => t.call('keys.verifyKey', { key, credits: { cost: 3 } })));
    expect(results.filter((r) => r.body.data.code === 'VALID')).toHaveLength(16);
    const exceeded = results.filter((r) => r.body.data.code === 'USAGE_EXCEEDED');
    expect(exceeded).toHaveLength(44);
    // Each refused call reports the balance it could not pay from, untouched (upstream): 2, never 0.
    expect(exceeded.every((r) => r.body.data.credits === 2)).toBe(true);
    expect((await t.server.store.findKey(t.workspaceId, keyId))?.remaining).toBe(2);
  });
});
