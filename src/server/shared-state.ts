import type { InvalidationBus } from '../cache/bus.js';
import { MemoryBus } from '../cache/bus.js';
import { RedisBus } from '../cache/redis-bus.js';
import type { Config } from '../config.js';
import { systemClock } from '../core/clock.js';
import type { Limiter } from '../ratelimit/limiter.js';
import { MemoryLimiter } from '../ratelimit/memory.js';
import { RedisLimiter } from '../ratelimit/redis.js';
import { type ClientSettings, redisClients } from '../redis/client.js';

/**
 * A healthy Redis connects and subscribes in a few milliseconds (tens over TLS): a second is plenty, and keeps a start
 * against an unreachable Redis short (issue 12, finding 6: it used to wait forever).
 */
const REDIS_START_WAIT_MS = 1_000;

/**
 * With Redis, rate-limit counters and cache invalidations are shared by every node; without it they
 * live in this process. Waits a bounded time for the invalidation subscription, so no change is missed once serving
 * when Redis is there; when it is not, the node starts anyway, degraded, says so once, and connects by itself later.
 */
export async function openSharedState(
  config: Readonly<Config>,
  log: ClientSettings['logger'],
): Promise<{ bus: InvalidationBus; limiter: Limiter }> {
  const { redisUrl } = config;
  if (redisUrl === null) {
    const caps = { maxCounters: config.ratelimitMaxCounters, maxPerWorkspace: config.ratelimitMaxCountersPerWorkspace };
    return { bus: new MemoryBus(), limiter: new MemoryLimiter(caps) };
  }
  redisClients.configure({ timeoutMs: config.redisTimeoutMs, logger: log, clock: systemClock });
  const bus = new RedisBus(redisUrl);
  const limiter = new RedisLimiter(redisUrl);
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), REDIS_START_WAIT_MS);
  });
  const subscribed = await Promise.race([
    bus.connected().then(
      () => true,
      () => false,
    ),
    waited,
  ]);
  clearTimeout(timer);
  if (!subscribed) {
    const { hostname, port } = new URL(redisUrl);
    log.warn(
      { setting: 'KEYWARD_REDIS_URL', redis: `${hostname}${port ? `:${port}` : ''}`, ratelimitFailureMode: config.ratelimitFailureMode },
      `Redis at KEYWARD_REDIS_URL is unreachable; starting without it: rate limits fail ${config.ratelimitFailureMode} ` +
        "(KEYWARD_RATELIMIT_FAILURE_MODE), other nodes' changes arrive through the database's change log " +
        '(KEYWARD_INVALIDATION_POLL_MS); Keyward connects by itself',
    );
  }
  return { bus, limiter };
}
