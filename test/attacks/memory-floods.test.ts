import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { SwrCache } from '../../src/cache/swr-cache.js';
import { TestClock } from '../../src/core/clock.js';
import { MemoryLimiter } from '../../src/ratelimit/memory.js';
import { newApi, newKey } from '../key-fixtures.js';
import { caller, useTestServer } from '../per-file-server.js';
import { namespaceName } from '../ratelimit-fixtures.js';
import { runSql } from '../raw-sql.js';

/**
 * Issue 11, finding 13: a tenant grew a node's memory without bound. `ratelimit.limit` with a fresh identifier per
 * call kept a window per identifier until the window ended (770,000 one-day windows: ~206 MB in 60 s), and random
 * unknown keys on `keys.verifyKey` filled the key cache with misses that pushed the found keys out. Now every such
 * structure has a cap (README, configuration): this server's caps are small, and each flood exceeds them several
 * times over. The sizes are read from /metrics, as an operator would.
 */

const COUNTERS = 3_000;
const PER_WORKSPACE = 1_000;
const CACHE = 500;
const MISSES = 100;
const DAY = 86_400_000;

const t = useTestServer({
  env: {
    KEYWARD_RATELIMIT_MAX_COUNTERS: String(COUNTERS),
    KEYWARD_RATELIMIT_MAX_COUNTERS_PER_WORKSPACE: String(PER_WORKSPACE),
    KEYWARD_CACHE_SIZE: String(CACHE),
    KEYWARD_CACHE_MISS_SIZE: String(MISSES),
  },
});
const verify = caller(t, 'keys.verifyKey');
const limit = caller(t, 'ratelimit.limit');
const multiLimit = caller(t, 'ratelimit.multiLimit');

/** One gauge's value from GET /metrics. */
async function gauge(series: string): Promise<number> {
  const res = await t.server.app.inject({ method: 'GET', url: '/metrics' });
  const line = res.body.split('\n').find((l) => l.startsWith(`${series} `));
  expect(line, `${series} in /metrics`).toBeDefined();
  return Number(line!.slice(series.length + 1));
}

/** `calls` multiLimit calls of 100 fresh identifiers each, one-day windows, as `rootKey`. */
async function floodIdentifiers(rootKey: string, calls: number): Promise<void> {
  const namespace = namespaceName('flood');
  for (let call = 0; call < calls; call++) {
    const body = Array.from({ length: 100 }, (_, i) => ({ namespace, identifier: `fresh-${call}-${i}`, limit: 10, duration: DAY }));
    const res = await multiLimit(body, rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data.passed).toBe(true);
  }
}

/**
 * `count` verifications of random unknown keys over the verify lane, 16 at a time on kept-alive sockets (fetch is
 * too slow for a flood), as `rootKey`; null sends a random root key each time.
 */
async function floodUnknownKeys(count: number, rootKey: string | null): Promise<void> {
  const url = new URL(await t.listen());
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const post = (body: string, bearer: string) =>
    new Promise<number>((resolve, reject) => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, 'content-length': Buffer.byteLength(body) };
      const req = request({ host: url.hostname, port: url.port, path: '/v2/keys.verifyKey', method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end(body);
    });
  let sent = 0;
  const one = async () => {
    while (sent < count) {
      sent++;
      const bearer = rootKey ?? `kw_root_${randomBytes(16).toString('hex')}`;
      expect(await post(JSON.stringify({ key: `kw_${randomBytes(16).toString('hex')}` }), bearer)).toBe(rootKey === null ? 401 : 200);
    }
  };
  try {
    await Promise.all(Array.from({ length: 16 }, one));
  } finally {
    agent.destroy();
  }
}

describe('a tenant floods ratelimit.limit with fresh identifiers: the memory limiter stays at its caps', () => {
  it('keeps at most the caps, evicts only the flooding workspaces, and another tenant stays exact', { timeout: 60_000 }, async () => {
    const victim = await t.newWorkspace();
    const victimNamespace = namespaceName('victim');
    const victimLimit = { namespace: victimNamespace, identifier: 'user-1', limit: 5, duration: DAY };
    for (let i = 0; i < 5; i++) expect((await limit(victimLimit, victim.rootKey)).body.data.success).toBe(true);
    expect((await limit(victimLimit, victim.rootKey)).body.data.success).toBe(false);

    // Four attacking workspaces, 6,000 fresh identifiers each: six times the per-workspace cap, 24,000 in all.
    const attackers = [{ rootKey: t.rootKey }, await t.newWorkspace(), await t.newWorkspace(), await t.newWorkspace()];
    for (const attacker of attackers) {
      await floodIdentifiers(attacker.rootKey, 60);
      expect(await gauge('keyward_ratelimit_counters')).toBeLessThanOrEqual(COUNTERS);
    }
    // Full: the global cap was reached and trimmed from the largest workspaces, never from the victim's one window.
    expect(await gauge('keyward_ratelimit_counters')).toBeGreaterThan(COUNTERS * 0.9);

    // The victim's window was not evicted: still exactly at its limit.
    expect((await limit(victimLimit, victim.rootKey)).body.data).toMatchObject({ success: false, remaining: 0 });
    // The flooders' most recent windows stay exact too: the last identifier of the last flood counted its 1.
    const last = attackers.at(-1)!;
    const lastNamespace = namespaceName('last');
    const recent = { namespace: lastNamespace, identifier: 'recent', limit: 2, duration: DAY };
    expect((await limit(recent, last.rootKey)).body.data).toMatchObject({ success: true, remaining: 1 });
    await floodIdentifiers(last.rootKey, 5);
    expect((await limit(recent, last.rootKey)).body.data).toMatchObject({ success: true, remaining: 0 });
    expect((await limit(recent, last.rootKey)).body.data.success).toBe(false);
  });
});

describe('random unknown keys flood keys.verifyKey: cached misses stay at their cap and never push out found keys', () => {
  it('keeps at most KEYWARD_CACHE_MISS_SIZE misses per cache, and a found key stays cached through the flood', {
    timeout: 60_000,
  }, async () => {
    const { key, keyId } = await newKey(t, { apiId: await newApi(t) });
    // A first few unknown keys build the workspace's unknown-key filter, whose change-log reads bring back this node's own
    // logged creation of the key (docs/decisions/0021-unknown-key-flood.md), which drops a cached copy once: before it is cached.
    await floodUnknownKeys(CACHE / 5, t.rootKey);
    expect((await verify({ key })).body.data.code).toBe('VALID');

    // Three times the whole key cache in unknown keys (fifteen times the misses' cap), then as many unknown root keys.
    await floodUnknownKeys(3 * CACHE, t.rootKey);
    await floodUnknownKeys(3 * CACHE, null);

    // Still cached: disabled behind Keyward's back (no invalidation), the key is answered from the cache as it was.
    // Had the flood evicted it, it would be read again and answer DISABLED.
    await runSql(t.databaseUrl, 'UPDATE keys SET enabled = 0 WHERE id = ?', [keyId]);
    expect((await verify({ key })).body.data.code).toBe('VALID');

    // At most the cap: once the workspace's unknown-key filter is built (on the first miss), unknown keys it refuses
    // are not cached at all (docs/decisions/0021-unknown-key-flood.md); only those looked up before it was, and its
    // false positives, are.
    expect(await gauge('keyward_cache_entries{cache="key_miss"}')).toBeLessThanOrEqual(MISSES);
    expect(await gauge('keyward_cache_entries{cache="root_key_miss"}')).toBe(MISSES);
    expect(await gauge('keyward_cache_entries{cache="key"}')).toBeLessThanOrEqual(CACHE);
    expect(await gauge('keyward_cache_entries{cache="root_key"}')).toBeLessThanOrEqual(CACHE);
  });
});

/** Heap used after a full collection (gc exposed at run time: vitest's workers start without --expose-gc). */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

describe('the same floods on the components alone: the heap stays under a ceiling set by the caps', () => {
  it('200,000 fresh identifiers into a limiter capped at 10,000 windows grow the heap by at most 10,000 windows', async () => {
    const limiter = new MemoryLimiter({ maxCounters: 10_000, maxPerWorkspace: 10_000 });
    const before = heapAfterGc();
    const now = Date.UTC(2026, 0, 15);
    // Keys shaped as services/ratelimits.ts makes them: workspace, namespace id, identifier.
    for (let i = 0; i < 200_000; i++) {
      await limiter.check([{ key: `ws_3f8a9c2e7b1d4f60a5e9:rlns_7c1e4b9a2f6d8e03b5c1:user-${i}`, limit: 10, duration: DAY, cost: 1 }], now);
    }
    const grown = heapAfterGc() - before;
    expect(limiter.size).toBe(10_000);
    // About 320 bytes a window with its map slot (3.2 MB measured); 600 leaves room. Unbounded, this flood held ~40 MB.
    expect(grown).toBeLessThan(10_000 * 600);
  });

  it('200,000 random unknown keys into a cache capped at 10,000 misses grow the heap by at most 10,000 misses', async () => {
    const cache = new SwrCache<string>({
      maxEntries: 100_000,
      maxMisses: 10_000,
      freshMs: 60_000,
      staleMs: 300_000,
      clock: new TestClock(0),
    });
    const before = heapAfterGc();
    // Hash-shaped keys (64 hex characters), each seen once, as random keys are.
    for (let i = 0; i < 200_000; i++) await cache.get(i.toString(16).padStart(64, 'f'), async () => undefined);
    const grown = heapAfterGc() - before;
    expect(cache.missCount).toBe(10_000);
    // About 390 bytes a miss with the index lru-cache reserves for the found entries (3.9 MB measured); with misses
    // sharing the 100,000 found entries' bound this flood held ~30 MB and evicted every found key.
    expect(grown).toBeLessThan(10_000 * 800);
  });
});
