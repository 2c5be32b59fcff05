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
 * A CLI command runs in its own process. Its change is logged in the database with the change (storage/change-log.ts),
 * so running servers apply it when they next read the log (KEYWARD_INVALIDATION_POLL_MS); Redis (KEYWARD_REDIS_URL)
 * only tells them at once. The change is committed before it is announced, so a Redis failure must not read as "not
 * changed": it only turns `announced` false.
 */
export function announcer(config: Readonly<Config>): Announcer {
  const redis = config.redisUrl === null ? undefined : new RedisBus(config.redisUrl);
  let announced = redis !== undefined;
  const bus: InvalidationBus = redis
    ? {
        publish: (message) =>
          redis.send(message).catch(() => {
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
        ? 'Could not reach Redis to tell running servers at once; they apply the change from the change log within KEYWARD_INVALIDATION_POLL_MS.'
        : 'Without KEYWARD_REDIS_URL running servers apply the change from the change log within KEYWARD_INVALIDATION_POLL_MS.',
    close: () => bus.close(),
  };
}
