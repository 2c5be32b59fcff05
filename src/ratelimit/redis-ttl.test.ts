import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLimiter } from './redis.js';

/**
 * How the Redis limiter's memory is bounded (docs/operations.md, "Memory"): every key its script writes carries a
 * TTL of two windows and a second, so a flood of fresh identifiers leaves nothing behind once its windows are over;
 * refused batches and cost-0 checks write nothing at all. Read back from Redis itself, under this file's own prefix.
 */

const REDIS_URL = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `kw:test:ttl:${process.pid}:${Date.now()}:`;
const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const DAY = 86_400_000;

let limiter: RedisLimiter;
let redis: Redis;

beforeAll(async () => {
  limiter = new RedisLimiter(REDIS_URL, PREFIX);
  redis = new Redis(REDIS_URL);
  // A check made before the limiter's connection is up waits for it at most KEYWARD_REDIS_TIMEOUT_MS (50 ms by
  // default, redis/client.ts), which a busy CI machine can exceed: wait until a check goes through. Cost 0 writes nothing.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await limiter.check([{ key: 'connected', limit: 1, duration: MINUTE, cost: 0 }], T0);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
});
afterAll(async () => {
  const keys = await keysUnder(PREFIX);
  if (keys.length > 0) await redis.del(...keys);
  await Promise.all([limiter.close(), redis.quit()]);
});

async function keysUnder(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

describe('RedisLimiter: every key it writes expires', () => {
  it('gives each counter a TTL of two windows and a second, for every window length', async () => {
    for (const duration of [1_000, MINUTE, DAY, 30 * DAY]) {
      await limiter.check([{ key: `durations:${duration}`, limit: 10, duration, cost: 1 }], T0);
    }
    // Keys are `<prefix><duration>:<counter key>:<window sequence>` (redis.ts).
    const ours = (await keysUnder(PREFIX)).filter((k) => k.includes(':durations:'));
    expect(ours).toHaveLength(4);
    for (const key of ours) {
      const duration = Number(key.slice(PREFIX.length).split(':')[0]);
      const ttl = await redis.pttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(2 * duration + 1000);
    }
  });

  it('writes nothing for a refused batch or a cost-0 check', async () => {
    await limiter.check([{ key: 'full:x', limit: 1, duration: MINUTE, cost: 1 }], T0);
    const before = (await keysUnder(PREFIX)).length;
    const refused = await limiter.check(
      [
        { key: 'refused:new', limit: 5, duration: MINUTE, cost: 1 },
        { key: 'full:x', limit: 1, duration: MINUTE, cost: 1 },
      ],
      T0,
    );
    expect(refused.map((d) => d.success)).toEqual([true, false]);
    expect((await limiter.check([{ key: 'peek:y', limit: 5, duration: MINUTE, cost: 0 }], T0))[0]!.success).toBe(true);
    expect((await keysUnder(PREFIX)).length).toBe(before);
  });

  it('a flood of 2,000 fresh identifiers leaves 2,000 keys, every one with a TTL', async () => {
    const checks = Array.from({ length: 2_000 }, (_, i) => ({ key: `flood:user-${i}`, limit: 10, duration: DAY, cost: 1 }));
    for (let i = 0; i < checks.length; i += 100) await limiter.check(checks.slice(i, i + 100), T0);
    const flooded = (await keysUnder(PREFIX)).filter((k) => k.includes(':flood:'));
    expect(flooded).toHaveLength(2_000);
    const pipeline = redis.pipeline();
    for (const key of flooded) pipeline.pttl(key);
    const ttls = (await pipeline.exec())!.map(([, ttl]) => ttl as number);
    expect(ttls.filter((ttl) => ttl > 0 && ttl <= 2 * DAY + 1000)).toHaveLength(2_000);
  });
});
