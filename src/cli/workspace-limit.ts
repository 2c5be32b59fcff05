import type { InvalidationBus } from '../cache/bus.js';
import { RedisBus } from '../cache/redis-bus.js';
import { MAX_WORKSPACE_RATE_LIMIT, type Config } from '../config.js';
import { systemClock } from '../core/clock.js';
import { WorkspaceService } from '../services/workspaces.js';
import { openSqlStore } from '../storage/sql/sql-store.js';

export const WORKSPACE_LIMIT_USAGE = 'keyward workspace-limit <workspaceId> <requestsPerMinute|off>';

/** "off" (or "none"): no limit of its own; else a whole number of requests per minute (0 refuses everything). */
export function parseWorkspaceLimit(value: string): number | null | undefined {
  const text = value.trim().toLowerCase();
  if (text === 'off' || text === 'none') return null;
  if (!/^\d+$/.test(text)) return undefined;
  const limit = Number(text);
  return limit <= MAX_WORKSPACE_RATE_LIMIT ? limit : undefined;
}

/**
 * `keyward workspace-limit <workspaceId> <requestsPerMinute|off>`: sets (or removes) one workspace's
 * API rate limit, audited. Servers sharing Redis (KEYWARD_REDIS_URL) drop their cached copy at once;
 * without Redis this process cannot reach them, and they pick the value up when their root-key cache
 * entries expire (KEYWARD_CACHE_FRESH_MS).
 */
export async function workspaceLimitCommand(config: Readonly<Config>, args: { json: boolean; positionals: string[] }): Promise<number> {
  const [workspaceId = '', value = ''] = args.positionals;
  const limit = parseWorkspaceLimit(value);
  if (limit === undefined) {
    process.stderr.write(
      `keyward: the limit must be "off" or a whole number of requests per minute from 0 to ${MAX_WORKSPACE_RATE_LIMIT}, got "${value}"\n` +
        `usage: ${WORKSPACE_LIMIT_USAGE}\n`,
    );
    return 2;
  }
  const store = await openSqlStore(config.databaseUrl);
  const redis = config.redisUrl === null ? undefined : new RedisBus(config.redisUrl);
  let announced = redis !== undefined;
  // The change is committed before it is announced: a Redis failure must not read as "not changed".
  const bus: InvalidationBus | undefined = redis && {
    publish: (message) => redis.publish(message).catch(() => { announced = false; }),
    subscribe: () => undefined,
    close: () => redis.close(),
  };
  try {
    const service = new WorkspaceService({ store, clock: systemClock, ...(bus ? { bus } : {}) });
    if (!(await service.setApiRateLimit(workspaceId, limit))) {
      process.stderr.write(`keyward: no workspace "${workspaceId}"\n`);
      return 1;
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ workspaceId, apiRateLimit: limit, announced })}\n`);
    } else {
      process.stdout.write(
        limit === null
          ? `Workspace ${workspaceId}: own API rate limit removed (KEYWARD_WORKSPACE_RATE_LIMIT applies, if set).\n`
          : `Workspace ${workspaceId}: API rate limit set to ${limit} requests per minute.\n`,
      );
      if (!announced) {
        process.stdout.write(
          redis
            ? 'Could not reach Redis to tell running servers; they apply the change when their caches expire (KEYWARD_CACHE_FRESH_MS).\n'
            : 'Without KEYWARD_REDIS_URL running servers apply the change when their caches expire (KEYWARD_CACHE_FRESH_MS).\n',
        );
      }
    }
    return 0;
  } finally {
    await redis?.close();
    await store.close();
  }
}
