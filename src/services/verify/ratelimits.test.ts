import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/harness.js';
import { limit, newIdentity } from '../../../test/identity-fixtures.js';
import { newKey, verifierContext } from '../../../test/key-fixtures.js';
import { SwrCache } from '../../cache/swr-cache.js';
import type { LimitCheck, Limiter } from '../../ratelimit/limiter.js';
import type { KeyRecord } from '../../storage/store.js';
import { VerifyService } from './verify-key.js';

/**
 * Rate limits in keys.verifyKey (docs/unkey-compatibility.md, "Rate limits in verification"): which limits apply, how they count (all-or-nothing,
 * before credits), what the answer reports, and windows moved by the test clock. Every behaviour runs
 * on both limiters: in memory (one node) and in Redis (shared by nodes).
 */

const MINUTE = 60_000;

describe.each<{ limiter: string; env: Record<string, string> }>([
  { limiter: 'memory', env: {} },
  // The limiter's arithmetic, not its failure mode (test/faults/redis-outage.test.ts): a timeout a busy CI machine
  // cannot trip.
  { limiter: 'redis', env: { KEYWARD_REDIS_URL: 'redis://127.0.0.1:6379', KEYWARD_REDIS_TIMEOUT_MS: '10000' } },
])('verify rate limits ($limiter limiter)', ({ env }) => {
  let t: TestServer;
  let apiId: string;

  beforeAll(async () => {
    t = await startTestServer({ env });
    apiId = (await t.call('apis.createApi', { name: 'verify limits' })).body.data.apiId;
  });
  afterAll(async () => {
    await t?.close();
  });

  const createKey = (body: Record<string, unknown> = {}) => newKey(t, { apiId, ...body });

  async function verify(body: Record<string, unknown>) {
    const res = await t.call('keys.verifyKey', body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data;
  }

  /** The window of the test clock right now; limits with `MINUTE` reset at its end. */
  const windowEnd = (duration = MINUTE) => (Math.floor(t.clock.now() / duration) + 1) * duration;
  /** Moves the clock to the start of a fresh window, with nothing left of the previous one. */
  const freshWindow = (duration = MINUTE) => t.clock.set((Math.floor(t.clock.now() / duration) + 2) * duration);

  it('autoApply limits are enforced on every verification at cost 1, and reported', async () => {
    freshWindow();
    const { keyId, key } = await createKey({ ratelimits: [limit('requests', 2, MINUTE, true)] });
    const rlId = (await t.call('keys.getKey', { keyId })).body.data.ratelimits[0].id;
    const entry = (remaining: number, exceeded: boolean) => ({
      exceeded,
      id: rlId,
      name: 'requests',
      limit: 2,
      duration: MINUTE,
      reset: windowEnd(),
      remaining,
      autoApply: true,
    });

    expect(await verify({ key })).toEqual({ valid: true, code: 'VALID', keyId, enabled: true, ratelimits: [entry(1, false)] });
    expect((await verify({ key })).ratelimits).toEqual([entry(0, false)]);
    expect(await verify({ key })).toEqual({ valid: false, code: 'RATE_LIMITED', keyId, enabled: true, ratelimits: [entry(0, true)] });
  });

  it('a limit without autoApply counts only when the request names it (with its cost)', async () => {
    freshWindow();
    const { key } = await createKey({ ratelimits: [limit('expensive', 3, MINUTE, false)] });
    for (let i = 0; i < 5; i++) {
      const data = await verify({ key });
      expect(data.code).toBe('VALID');
      expect(data).not.toHaveProperty('ratelimits');
    }
    const named = await verify({ key, ratelimits: [{ name: 'expensive', cost: 2 }] });
    expect(named.ratelimits).toEqual([
      expect.objectContaining({ name: 'expensive', exceeded: false, remaining: 1, autoApply: false, limit: 3 }),
    ]);
    expect((await verify({ key, ratelimits: [{ name: 'expensive', cost: 2 }] })).code).toBe('RATE_LIMITED');
    // Cost 0 only checks, so it passes even with nothing left.
    expect((await verify({ key, ratelimits: [{ name: 'expensive', cost: 1 }] })).code).toBe('VALID');
    expect((await verify({ key, ratelimits: [{ name: 'expensive', cost: 0 }] })).ratelimits[0]).toMatchObject({
      exceeded: false,
      remaining: 0,
    });
  });

  it('ad-hoc limits (limit and duration in the request) count per key, with id "" and autoApply false', async () => {
    freshWindow(1000);
    const { key } = await createKey();
    const other = await createKey();
    const adHoc = { name: 'burst', limit: 1, duration: 1000 };
    expect((await verify({ key, ratelimits: [adHoc] })).ratelimits).toEqual([
      { exceeded: false, id: '', name: 'burst', limit: 1, duration: 1000, reset: windowEnd(1000), remaining: 0, autoApply: false },
    ]);
    expect((await verify({ key, ratelimits: [adHoc] })).code).toBe('RATE_LIMITED');
    // Another key has a counter of its own.
    expect((await verify({ key: other.key, ratelimits: [adHoc] })).code).toBe('VALID');
    // Limit 0 refuses everything.
    expect((await verify({ key: other.key, ratelimits: [{ name: 'never', limit: 0, duration: 1000 }] })).ratelimits).toEqual([
      expect.objectContaining({ name: 'never', exceeded: true, remaining: 0, limit: 0 }),
    ]);
  });

  it('an ad-hoc limit replaces a configured limit of the same name (autoApply included)', async () => {
    freshWindow();
    const { key } = await createKey({ ratelimits: [limit('requests', 100, MINUTE, true)] });
    const data = await verify({ key, ratelimits: [{ name: 'requests', limit: 1, duration: MINUTE }] });
    expect(data.ratelimits).toEqual([expect.objectContaining({ id: '', name: 'requests', limit: 1, remaining: 0, autoApply: false })]);
  });

  it('a name the key (and its identity) does not have is HTTP 412, and nothing is counted', async () => {
    freshWindow();
    const { keyId, key } = await createKey({ ratelimits: [limit('requests', 1, MINUTE, true)], credits: { remaining: 5 } });
    const res = await t.call('keys.verifyKey', { key, ratelimits: [{ name: 'requests' }, { name: 'nope' }] });
    expect(res.status).toBe(412);
    expect(res.body.error).toEqual({
      title: 'Precondition Failed',
      status: 412,
      type: 'https://unkey.com/docs/errors/unkey/application/precondition_failed',
      detail: `ratelimit 'nope' was requested but does not exist for key '${keyId}' and there is no identity connected.`,
    });
    // Neither the autoApply limit nor the credits were touched.
    const data = await verify({ key });
    expect(data.code).toBe('VALID');
    expect(data.credits).toBe(4);
    expect(data.ratelimits[0]).toMatchObject({ remaining: 0, exceeded: false });
  });

  it("the 412 names the key's identity as upstream does: nor identity: '<id>' external ID: '<externalId>'", async () => {
    const { identityId, externalId } = await newIdentity(t, { ratelimits: [limit('org', 3, MINUTE, true)] });
    const { keyId, key } = await createKey({ externalId });
    const res = await t.call('keys.verifyKey', { key, ratelimits: [{ name: 'nope' }] });
    expect(res.status).toBe(412);
    expect(res.body.error.detail).toBe(
      `ratelimit 'nope' was requested but does not exist for key '${keyId}' nor identity: '${identityId}' external ID: '${externalId}'`,
    );
  });

  it('a name given with only `limit` (no duration) must still exist: it is not ad-hoc', async () => {
    const { key } = await createKey();
    expect((await t.call('keys.verifyKey', { key, ratelimits: [{ name: 'half', limit: 5 }] })).status).toBe(412);
  });

  it('a key-level limit overrides an identity-level limit of the same name', async () => {
    freshWindow();
    const { externalId } = await newIdentity(t, { ratelimits: [limit('requests', 1, MINUTE, true), limit('daily', 10, MINUTE, false)] });
    const own = await createKey({ externalId, ratelimits: [limit('requests', 3, MINUTE, true)] });
    const plain = await createKey({ externalId });
    const ownLimitId = (await t.call('keys.getKey', { keyId: own.keyId })).body.data.ratelimits[0].id;

    const data = await verify({ key: own.key, ratelimits: [{ name: 'daily' }] });
    expect(data.ratelimits).toEqual([
      expect.objectContaining({ id: ownLimitId, name: 'requests', limit: 3, remaining: 2, autoApply: true }),
      expect.objectContaining({ name: 'daily', limit: 10, remaining: 9, autoApply: false }),
    ]);
    expect((await verify({ key: own.key })).code).toBe('VALID');
    expect((await verify({ key: own.key })).code).toBe('VALID');
    expect((await verify({ key: own.key })).code).toBe('RATE_LIMITED');
    // The key's own limit counts per key: the identity's `requests` counter is untouched.
    expect((await verify({ key: plain.key })).ratelimits).toEqual([
      expect.objectContaining({ name: 'requests', limit: 1, remaining: 0, exceeded: false }),
    ]);
    expect((await verify({ key: plain.key })).code).toBe('RATE_LIMITED');
  });

  it('all-or-nothing: when one limit fails, the passing ones are not counted either', async () => {
    freshWindow();
    const { key } = await createKey({ ratelimits: [limit('general', 5, MINUTE, true), limit('strict', 1, MINUTE, false)] });
    expect((await verify({ key, ratelimits: [{ name: 'strict' }] })).ratelimits).toEqual([
      expect.objectContaining({ name: 'general', remaining: 4, exceeded: false }),
      expect.objectContaining({ name: 'strict', remaining: 0, exceeded: false }),
    ]);
    const refused = await verify({ key, ratelimits: [{ name: 'strict' }] });
    expect(refused.code).toBe('RATE_LIMITED');
    // Upstream reports the limit that was not exceeded as not charged by this refused call: 4 (not 3).
    expect(refused.ratelimits).toEqual([
      expect.objectContaining({ name: 'general', exceeded: false, remaining: 4 }),
      expect.objectContaining({ name: 'strict', exceeded: true, remaining: 0 }),
    ]);
    // `general` still has 4: the refused call did not count against it.
    expect((await verify({ key })).ratelimits).toEqual([expect.objectContaining({ name: 'general', remaining: 3 })]);
  });

  it('a rate-limited verification spends no credits (limits run before credits)', async () => {
    freshWindow();
    const { keyId, key } = await createKey({ ratelimits: [limit('requests', 1, MINUTE, true)], credits: { remaining: 10 } });
    expect(await verify({ key })).toMatchObject({ code: 'VALID', credits: 9 });
    expect(await verify({ key, credits: { cost: 5 } })).toMatchObject({ valid: false, code: 'RATE_LIMITED', credits: 9 });
    expect((await t.server.store.findKey(t.workspaceId, keyId))?.remaining).toBe(9);
  });

  it('a usage-exceeded verification has already counted against the limits (upstream order)', async () => {
    freshWindow();
    const { key } = await createKey({ ratelimits: [limit('requests', 5, MINUTE, true)], credits: { remaining: 0 } });
    expect(await verify({ key })).toMatchObject({ code: 'USAGE_EXCEEDED', ratelimits: [expect.objectContaining({ remaining: 4 })] });
  });

  it('the window resets as the clock moves (a sliding window: the previous one still weighs at first)', async () => {
    freshWindow();
    const { key } = await createKey({ ratelimits: [limit('requests', 2, MINUTE, true)] });
    expect((await verify({ key })).code).toBe('VALID');
    expect((await verify({ key })).code).toBe('VALID');
    expect((await verify({ key })).code).toBe('RATE_LIMITED');
    t.clock.advance(MINUTE / 2);
    expect((await verify({ key })).code).toBe('RATE_LIMITED');

    // Next window: at its start the previous window's 2 still count in full.
    t.clock.set(windowEnd());
    expect((await verify({ key })).code).toBe('RATE_LIMITED');
    // Halfway through, they weigh floor(2 * 0.5) = 1: one more fits.
    t.clock.advance(MINUTE / 2);
    const data = await verify({ key });
    expect(data.code).toBe('VALID');
    expect(data.ratelimits[0]).toMatchObject({ remaining: 0, reset: windowEnd() });
    // Two windows on, everything is forgotten.
    freshWindow();
    expect((await verify({ key })).ratelimits[0]).toMatchObject({ exceeded: false, remaining: 1 });
  });

  it("an identity's limit is one counter shared by all of its keys", async () => {
    freshWindow();
    const { externalId } = await newIdentity(t, { ratelimits: [limit('org', 3, MINUTE, true)] });
    const first = await createKey({ externalId });
    const second = await createKey({ externalId });
    const outsider = await createKey({ ratelimits: [limit('org', 3, MINUTE, true)] });

    expect((await verify({ key: first.key })).ratelimits[0]).toMatchObject({ name: 'org', remaining: 2 });
    expect((await verify({ key: second.key })).ratelimits[0]).toMatchObject({ name: 'org', remaining: 1 });
    expect((await verify({ key: first.key })).ratelimits[0]).toMatchObject({ name: 'org', remaining: 0 });
    expect((await verify({ key: second.key })).code).toBe('RATE_LIMITED');
    expect((await verify({ key: first.key })).code).toBe('RATE_LIMITED');
    // A key outside the identity with a limit of the same name counts on its own.
    expect((await verify({ key: outsider.key })).code).toBe('VALID');
  });

  it('a limit is evaluated only once the key has passed every earlier check', async () => {
    freshWindow();
    const { key } = await createKey({ enabled: false, ratelimits: [limit('requests', 1, MINUTE, true)] });
    // Not even an unknown name matters for a disabled key: it is refused first.
    expect(await verify({ key, ratelimits: [{ name: 'unknown_limit' }] })).not.toHaveProperty('ratelimits');
    const permitted = await createKey({ permissions: ['read'], ratelimits: [limit('requests', 1, MINUTE, true)] });
    expect(await verify({ key: permitted.key, permissions: 'write' })).toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS' });
    expect(await verify({ key: permitted.key })).toMatchObject({ code: 'VALID', ratelimits: [expect.objectContaining({ remaining: 0 })] });
  });
});

describe('verify rate limits: the service on its own', () => {
  let t: TestServer;
  let apiId: string;
  beforeAll(async () => {
    t = await startTestServer();
    apiId = (await t.call('apis.createApi', { name: 'verify limits service' })).body.data.apiId;
  });
  afterAll(async () => {
    await t?.close();
  });

  const ctx = () => verifierContext(t.workspaceId);

  function service(limiter: Limiter) {
    const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const verifier = new VerifyService({
      store: t.server.store,
      clock: t.clock,
      bus: t.server.bus,
      limiter,
      keyCache: new SwrCache<KeyRecord>({ maxEntries: 100, freshMs: 60_000, staleMs: 0, clock: t.clock }),
      ratelimitNamespaces: new SwrCache({ maxEntries: 100, freshMs: 60_000, staleMs: 0, clock: t.clock }),
      logger: { warn: (fields, message) => warnings.push({ fields, message }) },
    });
    return { verifier, warnings };
  }

  async function createKey(body: Record<string, unknown> = {}) {
    return (await t.call('keys.createKey', { apiId, ...body })).body.data as { keyId: string; key: string };
  }

  it('uses the limiter only when the key has autoApply limits or the request names some, in one call', async () => {
    const check = vi.fn<Limiter['check']>(async (checks: readonly LimitCheck[], now: number) =>
      checks.map((c) => ({ success: true, remaining: c.limit - c.cost, reset: now + c.duration })),
    );
    const { verifier } = service({ check, close: async () => undefined });
    const bare = await createKey({ ratelimits: [limit('optional', 5, MINUTE, false)] });
    expect((await verifier.verify(ctx(), { key: bare.key })).code).toBe('VALID');
    expect((await verifier.verify(ctx(), { key: bare.key, ratelimits: [] })).code).toBe('VALID');
    expect(check).not.toHaveBeenCalled();

    await verifier.verify(ctx(), {
      key: bare.key,
      ratelimits: [
        { name: 'optional', cost: 2 },
        { name: 'adhoc', limit: 9, duration: 5000 },
      ],
    });
    expect(check).toHaveBeenCalledTimes(1);
    expect(check.mock.calls[0]![0]).toEqual([
      { key: `${t.workspaceId}:verify:optional:${bare.keyId}`, limit: 5, duration: MINUTE, cost: 2 },
      { key: `${t.workspaceId}:verify:adhoc:${bare.keyId}`, limit: 9, duration: 5000, cost: 1 },
    ]);
  });

  it('fails open: a limiter that throws skips the limits, and the warning is logged once per interval, not per request', async () => {
    const { verifier, warnings } = service({
      check: async () => {
        throw new Error('redis is down');
      },
      close: async () => undefined,
    });
    const { keyId, key } = await createKey({ ratelimits: [limit('requests', 1, MINUTE, true)], credits: { remaining: 10 } });
    for (let i = 0; i < 3; i++) {
      expect(await verifier.verify(ctx(), { key })).toEqual({ valid: true, code: 'VALID', keyId, enabled: true, credits: 9 - i });
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/fail open/);
    expect(String((warnings[0]!.fields.err as Error).message)).toBe('redis is down');
    t.clock.advance(60_000);
    await verifier.verify(ctx(), { key });
    expect(warnings).toHaveLength(2);
    expect(warnings[1]!.fields.failures).toBe(3);
    // An unknown name is still the caller's mistake, limiter or not.
    await expect(verifier.verify(ctx(), { key, ratelimits: [{ name: 'unknown' }] })).rejects.toMatchObject({ code: 'precondition_failed' });
  });
});
