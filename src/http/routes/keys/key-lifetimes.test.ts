import { Unkey } from '@unkey/api';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CallResult } from '../../../../test/harness.js';
import { useTestServer } from '../../../../test/per-file-server.js';

/**
 * Keyward-only key lifetimes (docs/decisions/0026-one-time-and-sliding-expiry-keys.md): one-time keys, good for exactly
 * one successful verification, and sliding expiry, moved on by each successful verification. Both engines.
 */

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = (await t.call('apis.createApi', { name: 'lifetimes' })).body.data.apiId;
});

async function createKey(body: Record<string, unknown>) {
  const res = await t.call('keys.createKey', { apiId, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { keyId: string; key: string };
}
const verify = (body: Record<string, unknown>): Promise<CallResult> => t.call('keys.verifyKey', body);
const getKey = async (keyId: string) => (await t.call('keys.getKey', { keyId })).body.data;

describe('one-time keys', () => {
  it('the first successful verification is VALID, every later one USAGE_EXCEEDED; getKey tells when it was used', async () => {
    const { keyId, key } = await createKey({ oneTime: true, name: 'invite' });
    expect(await getKey(keyId)).toMatchObject({ keyId, oneTime: true });
    expect(await getKey(keyId)).not.toHaveProperty('consumedAt');
    const first = await verify({ key });
    expect(first.body.data).toMatchObject({ valid: true, code: 'VALID', keyId });
    const usedAt = t.clock.now();
    t.clock.advance(1000);
    for (let i = 0; i < 3; i++) {
      expect((await verify({ key })).body.data).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED', keyId });
    }
    expect(await getKey(keyId)).toMatchObject({ oneTime: true, consumedAt: usedAt });
  });

  it('a refused verification (permissions, rate limit, disabled) does not use it up', async () => {
    const { keyId, key } = await createKey({
      oneTime: true,
      permissions: ['docs.read'],
      ratelimits: [{ name: 'burst', limit: 1, duration: 60_000 }],
    });
    expect((await verify({ key, permissions: 'docs.write' })).body.data.code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await verify({ key, ratelimits: [{ name: 'burst', cost: 2 }] })).body.data.code).toBe('RATE_LIMITED');
    await t.call('keys.updateKey', { keyId, enabled: false });
    expect((await verify({ key })).body.data.code).toBe('DISABLED');
    await t.call('keys.updateKey', { keyId, enabled: true });
    expect((await verify({ key, permissions: 'docs.read' })).body.data.code).toBe('VALID');
    expect((await verify({ key })).body.data.code).toBe('USAGE_EXCEEDED');
  });

  it('100 concurrent verifications of one key, already cached: exactly one VALID', async () => {
    const { key } = await createKey({ oneTime: true });
    // Cached by a refused verification first, so every one of the 100 starts from the same cached record.
    expect((await verify({ key, permissions: 'nothing.held' })).body.data.code).toBe('INSUFFICIENT_PERMISSIONS');
    const results = await Promise.all(Array.from({ length: 100 }, () => verify({ key })));
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const codes = results.map((r) => r.body.data.code);
    expect(codes.filter((c) => c === 'VALID')).toHaveLength(1);
    expect(codes.filter((c) => c === 'USAGE_EXCEEDED')).toHaveLength(99);
  });

  it('400: not with credits (a one-time key is its own single use), and not a non-boolean; nothing created', async () => {
    const before = (await t.call('apis.listKeys', { apiId })).body.data.length;
    for (const body of [{ oneTime: true, credits: { remaining: 5 } }, { oneTime: 'yes' }]) {
      const res = await t.call('keys.createKey', { apiId, ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const { keyId } = await createKey({ oneTime: true });
    expect((await t.call('keys.updateKey', { keyId, credits: { remaining: 3 } })).status).toBe(400);
    expect((await t.call('keys.updateCredits', { keyId, operation: 'set', value: 3 })).status).toBe(400);
    expect(await getKey(keyId)).not.toHaveProperty('credits');
    expect((await t.call('apis.listKeys', { apiId })).body.data.length).toBe(before + 1);
  });
});

describe('sliding expiry', () => {
  it('created with a window: expires a window from now; each VALID verification moves it to a window after that use', async () => {
    const created = t.clock.now();
    const { keyId, key } = await createKey({ slidingExpiration: 60_000 });
    expect(await getKey(keyId)).toMatchObject({ expires: created + 60_000, slidingExpiration: 60_000 });
    t.clock.advance(50_000);
    const used = await verify({ key });
    expect(used.body.data).toMatchObject({ valid: true, code: 'VALID', expires: t.clock.now() + 60_000 });
    const usedAt = t.clock.now();
    expect((await getKey(keyId)).expires).toBe(usedAt + 60_000);
    // Past the expiry the key was first cached with, within the moved one: still VALID, and moved again.
    t.clock.advance(59_999);
    expect((await verify({ key })).body.data.code).toBe('VALID');
    t.clock.advance(60_000);
    expect((await verify({ key })).body.data.code).toBe('VALID');
    // One millisecond past a full window without use: expired, and an expired key is not revived.
    t.clock.advance(60_001);
    expect((await verify({ key })).body.data.code).toBe('EXPIRED');
    expect((await verify({ key })).body.data.code).toBe('EXPIRED');
  });

  it('a refused verification does not move the expiry', async () => {
    const { keyId, key } = await createKey({ slidingExpiration: 60_000, permissions: ['docs.read'] });
    const expires = (await getKey(keyId)).expires;
    t.clock.advance(10_000);
    expect((await verify({ key, permissions: 'docs.write' })).body.data.code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await getKey(keyId)).expires).toBe(expires);
  });

  it('an explicit first expiry is kept; updateKey sets, changes and clears the window', async () => {
    const expires = t.clock.now() + 5_000;
    const { keyId, key } = await createKey({ slidingExpiration: 60_000, expires });
    expect(await getKey(keyId)).toMatchObject({ expires, slidingExpiration: 60_000 });
    expect((await verify({ key })).body.data.expires).toBe(t.clock.now() + 60_000);

    const fixed = await createKey({});
    expect((await t.call('keys.updateKey', { keyId: fixed.keyId, slidingExpiration: 120_000 })).status).toBe(200);
    expect(await getKey(fixed.keyId)).toMatchObject({ expires: t.clock.now() + 120_000, slidingExpiration: 120_000 });
    expect((await t.call('keys.updateKey', { keyId: fixed.keyId, slidingExpiration: null })).status).toBe(200);
    const cleared = await getKey(fixed.keyId);
    expect(cleared).not.toHaveProperty('slidingExpiration');
    expect(cleared.expires).toBe(t.clock.now() + 120_000);
    t.clock.advance(1000);
    expect((await verify({ key: fixed.key })).body.data.expires).toBe(cleared.expires);
  });

  it('400: a window under a second or over a year, or not an integer', async () => {
    for (const slidingExpiration of [0, 999, 365 * 86_400_000 + 1, 1.5, '60000']) {
      const res = await t.call('keys.createKey', { apiId, slidingExpiration });
      expect(res.status, String(slidingExpiration)).toBe(400);
    }
  });
});

describe('keys.rerollKey', () => {
  it('the new secret keeps the lifetime settings: one-time (unused) and the sliding window', async () => {
    const { keyId, key } = await createKey({ oneTime: true, slidingExpiration: 60_000 });
    expect((await verify({ key })).body.data.code).toBe('VALID');
    const rerolled = await t.call('keys.rerollKey', { keyId, expiration: 0 });
    expect(rerolled.status).toBe(200);
    expect(await getKey(rerolled.body.data.keyId)).toMatchObject({ oneTime: true, slidingExpiration: 60_000 });
    expect((await verify({ key: rerolled.body.data.key })).body.data.code).toBe('VALID');
    expect((await verify({ key: rerolled.body.data.key })).body.data.code).toBe('USAGE_EXCEEDED');
  });
});

describe('the official client', () => {
  it('@unkey/api still creates, reads, updates and verifies keys; a one-time sliding key read through it works too', async () => {
    const unkey = new Unkey({ rootKey: t.rootKey, serverURL: await t.listen(), retryConfig: { strategy: 'none' } });
    const { data: plain } = await unkey.keys.createKey({ apiId, name: 'unkey shaped', credits: { remaining: 2 } });
    expect((await unkey.keys.verifyKey({ key: plain.key })).data).toMatchObject({ valid: true, code: 'VALID', credits: 1 });
    await unkey.keys.updateKey({ keyId: plain.keyId, name: 'renamed' });
    const got = (await unkey.keys.getKey({ keyId: plain.keyId })).data;
    expect(got).toMatchObject({ keyId: plain.keyId, name: 'renamed', credits: { remaining: 1 } });
    expect(got).not.toHaveProperty('oneTime');

    const special = await createKey({ oneTime: true, slidingExpiration: 60_000 });
    expect((await unkey.keys.getKey({ keyId: special.keyId })).data.keyId).toBe(special.keyId);
    expect((await unkey.keys.verifyKey({ key: special.key })).data.code).toBe('VALID');
    expect((await unkey.keys.verifyKey({ key: special.key })).data.code).toBe('USAGE_EXCEEDED');
  });
});
