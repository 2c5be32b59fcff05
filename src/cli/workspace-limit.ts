import { MAX_WORKSPACE_RATE_LIMIT, type Config } from '../config.js';
import { systemClock } from '../core/clock.js';
import { WorkspaceService } from '../services/workspaces.js';
import { openMainStore } from '../storage/open-configured.js';
import { announcer } from './announcer.js';
import { usageOf } from './help.js';
import { workspaceLimitCli } from './commands.js';

export const WORKSPACE_LIMIT_USAGE = usageOf(workspaceLimitCli);

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
 * without Redis they pick the change up from the database's change log (KEYWARD_INVALIDATION_POLL_MS).
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
  const store = await openMainStore(config);
  const announce = announcer(config);
  try {
    const service = new WorkspaceService({ store, clock: systemClock, bus: announce.bus });
    if (!(await service.setApiRateLimit(workspaceId, limit))) {
      process.stderr.write(`keyward: no workspace "${workspaceId}"\n`);
      return 1;
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ workspaceId, apiRateLimit: limit, announced: announce.announced() })}\n`);
    } else {
      process.stdout.write(
        limit === null
          ? `Workspace ${workspaceId}: own API rate limit removed (KEYWARD_WORKSPACE_RATE_LIMIT applies, if set).\n`
          : `Workspace ${workspaceId}: API rate limit set to ${limit} requests per minute.\n`,
      );
      if (!announce.announced()) process.stdout.write(`${announce.notice()}\n`);
    }
    return 0;
  } finally {
    await announce.close();
    await store.close();
  }
}
