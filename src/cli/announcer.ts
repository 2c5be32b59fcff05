import { MemoryBus, type InvalidationBus } from '../cache/bus.js';
import { RedisBus } from '../cache/redis-bus.js';
import type { Config } from '../config.js';

export interface Announcer {
  /** Where a command publishes the invalidation of a change it has committed. */
  bus: InvalidationBus;
  /** Whether running servers were told: false without KEYWARD_REDIS_URL, or when Redis could not be reached. */
  announced(): boolean;
  /** What to tell the operator when they were not. */
  notice(): string;
  close(): Promise<void>;
}

/**
 * A CLI command runs in its own process, so only Redis (KEYWARD_REDIS_URL) reaches running servers; without it
 * they notice a change when their cache entries expire (KEYWARD_CACHE_FRESH_MS). The change is committed before
 * it is announced, so a Redis failure must not read as "not changed": it only turns `announced` false.
 */
export function announcer(config: Readonly<Config>): Announcer {
  const redis = config.redisUrl === null ? undefined : new RedisBus(config.redisUrl);
  let announced = redis !== undefined;
  const bus: InvalidationBus = redis
    ? {
        publish: (message) =>
          redis.publish(message).catch(() => {
            announced = false;
          }),
        subscribe: () => undefined,
        close: () => redis.close(),
      }
    : new MemoryBus();
  return {
    bus,
    announced: () => announced,
    notice: () =>
      redis
        ? 'Could not reach Redis to tell running servers; they apply the change when their caches expire (KEYWARD_CACHE_FRESH_MS).'
        : 'Without KEYWARD_REDIS_URL running servers apply the change when their caches expire (KEYWARD_CACHE_FRESH_MS).',
    close: () => bus.close(),
  };
}
