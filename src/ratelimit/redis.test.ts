import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OwnRedis, startOwnRedis } from '../../test/faults/own-redis.js';
import { limiterConformance } from './limiter.suite.js';
import { RedisLimiter } from './redis.js';

const REDIS_URL = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

limiterConformance('redis', async () => new RedisLimiter(REDIS_URL, `kw:test:${process.pid}:${Date.now()}:`));

// A Redis of this test's own, whose command counts no other test moves.
let own: OwnRedis;
beforeAll(async () => {
  own = await startOwnRedis();
});
afterAll(async () => {
  await own.remove();
});

/** Script calls Redis has run: EVALSHA, and EVAL when the script was not loaded yet. */
async function scriptCalls(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  let calls = 0;
  for (const match of stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(match[1]);
  return calls;
}

it('sends the checks of the requests that ask in one turn as one call of its script', async () => {
  const limiter = new RedisLimiter(own.url);
  const admin = new Redis(own.url);
  try {
    const now = Date.UTC(2026, 0, 1);
    // Loads the script.
    await limiter.check([{ key: 'warm', limit: 1, duration: 60_000, cost: 0 }], now);
    const before = await scriptCalls(admin);
    const decisions = await Promise.all(
      Array.from({ length: 40 }, (_, i) => limiter.check([{ key: `ws:k${i % 4}`, limit: 5, duration: 60_000, cost: 1 }], now)),
    );
    expect(await scriptCalls(admin)).toBe(before + 1);
    // Each of the four keys admitted exactly five of its ten requests.
    expect(decisions.filter((d) => d[0]!.success)).toHaveLength(20);
    // Asked in later turns, each request is a call of its own.
    await limiter.check([{ key: 'ws:later', limit: 5, duration: 60_000, cost: 1 }], now);
    await limiter.check([{ key: 'ws:later', limit: 5, duration: 60_000, cost: 1 }], now);
    expect(await scriptCalls(admin)).toBe(before + 3);
  } finally {
    await limiter.close();
    admin.disconnect();
  }
});
