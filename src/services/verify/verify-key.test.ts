import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestServer } from '../../../test/per-file-server.js';
import { newKey, verifierContext } from '../../../test/key-fixtures.js';
import type { Invalidation } from '../../cache/bus.js';
import { SwrCache } from '../../cache/swr-cache.js';
import { hashKey } from '../../core/key-format.js';
import { MemoryLimiter } from '../../ratelimit/memory.js';
import type { KeyRecord } from '../../storage/store.js';
import { VerifyService } from './verify-key.js';

/** Verify behaviour beyond single answers: the key cache, credit refills and lastUsedAt write-back. */

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = (await t.call('apis.createApi', { name: 'verify service' })).body.data.apiId;
});
afterEach(() => {
  vi.restoreAllMocks();
});

const createKey = (body: Record<string, unknown> = {}) => newKey(t, { apiId, ...body });

async function verify(body: Record<string, unknown>) {
  const res = await t.call('keys.verifyKey', body);
  expect(res.status).toBe(200);
  return res.body.data;
}

describe('key cache', () => {
  it('a second verify of the same unlimited key touches no store method at all', async () => {
    const { key } = await createKey();
    const lookups = vi.spyOn(t.server.store, 'findKeyByHash');
    expect((await verify({ key })).code).toBe('VALID');
    expect(lookups).toHaveBeenCalledTimes(1);

    const spies = [
      lookups,
      vi.spyOn(t.server.store, 'spendCredits'),
      vi.spyOn(t.server.store, 'readCredits'),
      vi.spyOn(t.server.store, 'recordKeyUsage'),
    ];
    for (const spy of spies) spy.mockClear();
    expect((await verify({ key })).code).toBe('VALID');
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('a limited key costs exactly one statement per verify once cached', async () => {
    const { key } = await createKey({ credits: { remaining: 10 } });
    await verify({ key });
    const lookups = vi.spyOn(t.server.store, 'findKeyByHash');
    const spends = vi.spyOn(t.server.store, 'spendCredits');
    expect((await verify({ key })).credits).toBe(8);
    expect(lookups).not.toHaveBeenCalled();
    expect(spends).toHaveBeenCalledTimes(1);
  });

  it('misses are cached: an unknown key reaches the database once', async () => {
    const lookups = vi.spyOn(t.server.store, 'findKeyByHash');
    for (let i = 0; i < 3; i++) expect((await verify({ key: 'unknown_key_for_cache_test' })).code).toBe('NOT_FOUND');
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('after an invalidation on the bus the next verify reloads the key', async () => {
    const { key } = await createKey();
    await verify({ key });
    const lookups = vi.spyOn(t.server.store, 'findKeyByHash');
    await verify({ key });
    expect(lookups).toHaveBeenCalledTimes(0);
    // Named by workspace and hash: the same hash in another workspace is another entry, left alone.
    await t.server.bus.publish({ kind: 'key', workspaceId: (await t.newWorkspace()).workspaceId, hash: hashKey(key) });
    await verify({ key });
    expect(lookups).toHaveBeenCalledTimes(0);
    await t.server.bus.publish({ kind: 'key', workspaceId: t.workspaceId, hash: hashKey(key) });
    await verify({ key });
    expect(lookups).toHaveBeenCalledTimes(1);
    await verify({ key });
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('a key invalidation from a node of an older version (no workspace in it) still drops the hash', async () => {
    const { key } = await createKey();
    await verify({ key });
    const lookups = vi.spyOn(t.server.store, 'findKeyByHash');
    // What a node before 0003_key_hash_per_workspace sends over Redis during a rolling upgrade.
    await t.server.bus.publish(JSON.parse(JSON.stringify({ kind: 'key', hash: hashKey(key) })) as Invalidation);
    await verify({ key });
    expect(lookups).toHaveBeenCalledTimes(1);
  });
});

describe('a key that changes under its charge (docs/architecture.md, "Verification")', () => {
  /** Makes the next `times` charges of the key find it changed: each changes the key (a real write) just before charging. */
  function changeBeforeCharges(keyId: string, times: number) {
    const { store } = t.server;
    const spend = store.spendCredits;
    let changes = 0;
    const charges = vi.spyOn(store, 'spendCredits').mockImplementation(async (id, cost, condition) => {
      if (changes < times) await store.updateKey(keyId, { meta: { change: ++changes } }, t.clock.now() + changes);
      return spend(id, cost, condition);
    });
    return { charges, lookups: vi.spyOn(store, 'findKeyByHash') };
  }

  it('a change that revokes nothing: decided again on the key as it is now, VALID, charged once', async () => {
    const { keyId, key } = await createKey({ credits: { remaining: 10 } });
    await verify({ key });
    const { charges, lookups } = changeBeforeCharges(keyId, 1);
    expect(await verify({ key })).toMatchObject({ code: 'VALID', credits: 8, meta: { change: 1 } });
    expect(charges).toHaveBeenCalledTimes(2);
    expect(lookups).toHaveBeenCalledTimes(1);
    expect(await t.server.store.readCredits(keyId)).toBe(8);
  });

  it('a key that changes under every charge: three decisions, then HTTP 500 with nothing charged', async () => {
    const { keyId, key } = await createKey({ credits: { remaining: 10 } });
    await verify({ key });
    const { charges } = changeBeforeCharges(keyId, 3);
    const res = await t.call('keys.verifyKey', { key });
    expect(res.status).toBe(500);
    expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/unexpected_error');
    expect(JSON.stringify(res.body)).not.toContain(key);
    expect(charges).toHaveBeenCalledTimes(3);
    expect(await t.server.store.readCredits(keyId)).toBe(9);
  });
});

describe('credit refill (background job, test clock)', () => {
  const at = (iso: string) => t.clock.set(Date.parse(iso));
  const balance = async (key: string) => (await verify({ key, credits: { cost: 0 } })).credits as number;

  it('daily: at the next 00:00 UTC, once per day, setting (not adding) the amount', async () => {
    at('2026-03-10T12:00:00Z');
    const { key } = await createKey({ credits: { remaining: 3, refill: { interval: 'daily', amount: 10 } } });
    await verify({ key, credits: { cost: 2 } });
    await t.server.runJobs();
    expect(await balance(key)).toBe(1);

    at('2026-03-10T23:59:59.999Z');
    await t.server.runJobs();
    expect(await balance(key)).toBe(1);

    at('2026-03-11T00:00:00Z');
    await t.server.runJobs();
    expect(await balance(key)).toBe(10);
    await verify({ key });
    at('2026-03-11T18:00:00Z');
    await t.server.runJobs();
    expect(await balance(key)).toBe(9);

    at('2026-03-12T00:00:01Z');
    await t.server.runJobs();
    expect(await balance(key)).toBe(10);
  });

  it('monthly: on refillDay, and a USAGE_EXCEEDED key verifies again after it', async () => {
    at('2026-01-15T12:00:00Z');
    const { key } = await createKey({ credits: { remaining: 1, refill: { interval: 'monthly', amount: 5, refillDay: 15 } } });
    expect((await verify({ key })).code).toBe('VALID');
    expect((await verify({ key })).code).toBe('USAGE_EXCEEDED');
    // Created on the 15th: that counts as this month's refill.
    await t.server.runJobs();
    at('2026-02-14T23:00:00Z');
    await t.server.runJobs();
    expect((await verify({ key })).code).toBe('USAGE_EXCEEDED');

    at('2026-02-15T00:00:00Z');
    await t.server.runJobs();
    expect(await verify({ key })).toMatchObject({ valid: true, code: 'VALID', credits: 4 });
  });

  it('monthly on day 31 refills on the last day of shorter months', async () => {
    at('2026-01-20T12:00:00Z');
    const { key } = await createKey({ credits: { remaining: 0, refill: { interval: 'monthly', amount: 7, refillDay: 31 } } });
    const expectAfterJobs = async (iso: string, expected: number) => {
      at(iso);
      await t.server.runJobs();
      expect(await balance(key), iso).toBe(expected);
      await verify({ key, credits: { cost: expected } });
    };
    await expectAfterJobs('2026-01-30T12:00:00Z', 0);
    await expectAfterJobs('2026-01-31T00:00:00Z', 7);
    await expectAfterJobs('2026-02-27T12:00:00Z', 0);
    await expectAfterJobs('2026-02-28T00:30:00Z', 7); // 2026 is not a leap year
    await expectAfterJobs('2026-03-01T12:00:00Z', 0);
    await expectAfterJobs('2026-03-30T12:00:00Z', 0);
    await expectAfterJobs('2026-03-31T12:00:00Z', 7);
    await expectAfterJobs('2026-04-30T12:00:00Z', 7);
  });
});

describe('lastUsedAt', () => {
  /** A verifier of its own, with a key cache of its own (another node, as far as its cache goes). */
  const ctx = () => verifierContext(t.workspaceId);
  const service = (usageFlushAt?: number) =>
    new VerifyService(
      {
        store: t.server.store,
        clock: t.clock,
        bus: t.server.bus,
        limiter: new MemoryLimiter(),
        logger: { warn: () => undefined },
        keyCache: new SwrCache<KeyRecord>({ maxEntries: 100, freshMs: 60_000, staleMs: 0, clock: t.clock }),
        ratelimitNamespaces: new SwrCache({ maxEntries: 100, freshMs: 60_000, staleMs: 0, clock: t.clock }),
      },
      { usageFlushAt },
    );

  it('is buffered in memory and written by the jobs, never on the verify itself', async () => {
    t.clock.set(Date.parse('2026-05-01T08:00:00Z'));
    const { keyId, key } = await createKey({ enabled: false });
    const writes = vi.spyOn(t.server.store, 'recordKeyUsage');
    await verify({ key });
    t.clock.advance(5_000);
    // A refused verify is still a use of the key.
    expect((await verify({ key })).code).toBe('DISABLED');
    expect(writes).not.toHaveBeenCalled();
    expect((await t.server.store.findKey(t.workspaceId, keyId))?.lastUsedAt).toBeNull();

    await t.server.runJobs();
    // The first use: the second, 5 s later, is within a minute of it (services/usage-buffer.ts, `note`).
    expect((await t.server.store.findKey(t.workspaceId, keyId))?.lastUsedAt).toBe(t.clock.now() - 5_000);
  });

  it('is written again a minute after the last written use, not sooner, for a cached key and one read from the store', async () => {
    const start = Date.parse('2026-05-02T08:00:00Z');
    t.clock.set(start);
    const { keyId, key } = await createKey();
    const lastUsed = async () => (await t.server.store.findKey(t.workspaceId, keyId))?.lastUsedAt;
    await verify({ key });
    await t.server.runJobs();
    expect(await lastUsed()).toBe(start);

    const writes = vi.spyOn(t.server.store, 'recordKeyUsage');
    t.clock.set(start + 59_999);
    await verify({ key });
    await t.server.runJobs();
    expect(writes).not.toHaveBeenCalled();
    t.clock.set(start + 60_000);
    await verify({ key });
    await t.server.runJobs();
    expect(await lastUsed()).toBe(start + 60_000);

    // A node whose cache never held the key reads it with its stored time, and counts the minute from there.
    const fresh = service();
    writes.mockClear();
    t.clock.set(start + 100_000);
    expect((await fresh.verify(ctx(), { key })).code).toBe('VALID');
    await fresh.flushUsage();
    expect(writes).not.toHaveBeenCalled();
    t.clock.set(start + 120_000);
    expect((await fresh.verify(ctx(), { key })).code).toBe('VALID');
    await fresh.flushUsage();
    expect(await lastUsed()).toBe(start + 120_000);
  });

  it('is not recorded when the key is masked as NOT_FOUND', async () => {
    const { keyId, key } = await createKey();
    const rootKey = await t.rootKeyWith(['api.*.read_key']);
    expect((await t.call('keys.verifyKey', { key }, { rootKey })).body.data.code).toBe('NOT_FOUND');
    await t.server.runJobs();
    expect((await t.server.store.findKey(t.workspaceId, keyId))?.lastUsedAt).toBeNull();
  });

  describe('buffer bounds (a service of its own with a small threshold)', () => {
    it('writes on its own once the buffer reaches the threshold', async () => {
      const verifier = service(3);
      const keys = [await createKey(), await createKey(), await createKey()];
      const writes = vi.spyOn(t.server.store, 'recordKeyUsage');
      await verifier.verify(ctx(), { key: keys[0]!.key });
      await verifier.verify(ctx(), { key: keys[1]!.key });
      await verifier.verify(ctx(), { key: keys[0]!.key });
      expect(writes).not.toHaveBeenCalled();
      await verifier.verify(ctx(), { key: keys[2]!.key });
      expect(writes).toHaveBeenCalledTimes(1);
      expect([...writes.mock.calls[0]![0].keys()].sort()).toEqual(keys.map((k) => k.keyId).sort());
      await verifier.flushUsage(); // waits for the write in flight
      for (const { keyId } of keys) expect((await t.server.store.findKey(t.workspaceId, keyId))?.lastUsedAt).toBe(t.clock.now());
    });

    it('a failed write keeps the times for the next flush', async () => {
      const verifier = service(100);
      const { keyId, key } = await createKey();
      await verifier.verify(ctx(), { key });
      const writes = vi.spyOn(t.server.store, 'recordKeyUsage').mockRejectedValueOnce(new Error('database away'));
      await expect(verifier.flushUsage()).rejects.toThrow('database away');
      await verifier.flushUsage();
      expect(writes).toHaveBeenCalledTimes(2);
      expect((await t.server.store.findKey(t.workspaceId, keyId))?.lastUsedAt).toBe(t.clock.now());
    });
  });
});
