import type { Logger } from 'pino';
import type { Invalidation, InvalidationBus } from '../cache/bus.js';
import { ChangeFollower } from '../cache/change-follower.js';
import { KnownKeyHashes } from '../cache/known-key-hashes.js';
import { RedisBus } from '../cache/redis-bus.js';
import type { Clock } from '../core/clock.js';
import { ThrottledWarning } from '../core/throttled-warning.js';
import type { Store } from '../storage/store.js';
import { reportFailure } from './background-jobs.js';

/**
 * How this process learns changes: from the bus (this process, the other workers, Redis) and from the database's
 * change log, read on a short timer whatever Redis does (docs/decisions/0013-invalidation-change-log.md): a message
 * Redis lost, or a node cut off from it, costs at most KEYWARD_INVALIDATION_POLL_MS. Each change drops cache entries
 * and teaches the unknown-key filter. Resolves once the log's first read is done.
 */
export async function followChanges(deps: {
  store: Store;
  /** The bus the process publishes on (a worker's relays through the primary). */
  bus: InvalidationBus;
  /** The process's own Redis or memory bus, under a worker's. */
  ownBus: InvalidationBus;
  invalidateCaches: (message: Invalidation) => void;
  clock: Clock;
  log: Logger;
  databaseFailures: ThrottledWarning;
}): Promise<{ knownKeys: KnownKeyHashes; changes: ChangeFollower; catchUp: () => void }> {
  const { store, clock, log } = deps;
  // Which key hashes each workspace holds, so a flood of unknown keys costs no lookup each (docs/decisions/0021); its
  // "no" waits for a change-log read that started after the request, and it learns every change the caches do.
  const knownKeys = new KnownKeyHashes({
    listKeyHashes: (workspaceId, after, limit) => store.listKeyHashes(workspaceId, after, limit),
    readChangesAfterNow: () => changes.readAfterNow(),
    now: () => clock.now(),
    onBuildFailure: (error) => reportFailure(log, deps.databaseFailures, 'unknown-key filter build')(error),
  });
  const invalidate = (message: Invalidation) => {
    deps.invalidateCaches(message);
    knownKeys.apply(message);
  };
  deps.bus.subscribe(invalidate);
  const changes = new ChangeFollower(store, invalidate, () => clock.now());
  await changes.start();

  const readFailures = throttled(log, 'change log', 'could not read the change log; retrying');
  const catchUp = () => {
    changes.catchUp().catch((error: unknown) => readFailures.report(error));
  };
  if (deps.ownBus instanceof RedisBus) {
    // What Redis missed is in the log: reading it replaces flushing every cache when the subscription returns.
    deps.ownBus.onResubscribed(catchUp);
    const publishFailures = throttled(
      log,
      'bus publisher',
      'could not publish an invalidation to Redis; the other nodes read it from the change log',
    );
    deps.ownBus.onSendFailure((error: unknown) => publishFailures.report(error));
  }
  return { knownKeys, changes, catchUp };
}

/** One warning line per 10 s at most for `where`, carrying the latest cause (core/throttled-warning.ts). */
export function throttled(log: Logger, where: string, message: string): ThrottledWarning {
  return new ThrottledWarning(log, { now: () => performance.now() }, { where }, message);
}
