import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OwnRedis, startOwnRedis } from '../../test/faults/own-redis.js';
import { until } from '../../test/poll.js';
import { systemClock } from '../core/clock.js';
import { redisClients } from '../redis/client.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from '../redis/timeout.js';
import type { Invalidation } from './bus.js';
import { busConformance } from './bus.suite.js';
import { RedisBus } from './redis-bus.js';

const REDIS_URL = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

busConformance('redis', async () => {
  const a = new RedisBus(REDIS_URL);
  const b = new RedisBus(REDIS_URL);
  await Promise.all([a.connected(), b.connected()]);
  return [a, b];
});

describe('RedisBus when Redis goes away (its own redis-server)', () => {
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await startOwnRedis();
    // The default bounded wait, whatever a server started earlier in this process configured (test servers set 10 s).
    redisClients.configure({
      timeoutMs: DEFAULT_REDIS_TIMEOUT_MS,
      logger: { warn: () => undefined, info: () => undefined },
      clock: systemClock,
    });
  }, 30_000);
  afterAll(() => redis?.remove());

  it('publish still applies locally and resolves, the failure is reported; the return of the subscription calls onResubscribed', async () => {
    const bus = new RedisBus(redis.url);
    await bus.connected();
    const seen: Invalidation[] = [];
    const failures: unknown[] = [];
    let resubscribed = 0;
    bus.subscribe((message) => seen.push(message));
    bus.onSendFailure((error) => failures.push(error));
    bus.onResubscribed(() => {
      resubscribed += 1;
    });
    try {
      await redis.kill();
      // A committed change must never read as failed: the change log carries what Redis does not (decision 0013).
      await expect(bus.publish({ kind: 'rootKey', hash: 'h' })).resolves.toBeUndefined();
      expect(seen).toEqual([{ kind: 'rootKey', hash: 'h' }]);
      await until(() => failures.length === 1, 'the failed send is reported');
      await expect(bus.send({ kind: 'rootKey', hash: 'h' })).rejects.toThrow();
      await redis.start();
      await until(() => resubscribed === 1, 'the returned subscription calls onResubscribed', { deadlineMs: 20_000 });
      // It replaces the flush: the node catches up from the log instead.
      expect(seen).toEqual([{ kind: 'rootKey', hash: 'h' }]);
    } finally {
      await bus.close();
    }
  }, 40_000);

  it('publish answers only once Redis has taken the message or the wait has timed out, so no caller answers before the other nodes are told', async () => {
    const bus = new RedisBus(redis.url);
    await bus.connected();
    const failures: unknown[] = [];
    bus.onSendFailure((error) => failures.push(error));
    try {
      await bus.publish({ kind: 'rootKey', hash: 'taken' });
      expect(failures).toEqual([]);
      redis.freeze();
      const started = performance.now();
      await expect(bus.publish({ kind: 'rootKey', hash: 'frozen' })).resolves.toBeUndefined();
      // Resolved after the bounded wait, with the outcome already known, not before the send was even tried.
      expect(failures).toHaveLength(1);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      redis.thaw();
      await bus.close();
    }
  }, 40_000);
});
