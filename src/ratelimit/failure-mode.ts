import { decide, type Decision } from '../core/rate-window.js';
import type { LimitCheck } from './limiter.js';

/**
 * What rate limits answer when the limiter itself fails (Redis down, frozen, or slower than KEYWARD_REDIS_TIMEOUT_MS;
 * docs/operations.md, "Redis is down, stalls, or is unreachable at start: rate limits"). One setting for every
 * namespace and key: the choice is about the operator's Redis, not about one limit, and a per-namespace switch would
 * be one more thing to read from the database on the path that must not need it.
 *
 * - `open` (the default): each check is decided as if its counters were empty, so a call within its limit passes;
 *   refusing every request of every customer is a worse outage than admitting some over the limit for a while.
 * - `closed`: each check is refused (remaining 0), for limits that protect something that must not be overrun.
 */
export type RatelimitFailureMode = 'open' | 'closed';

export const RATELIMIT_FAILURE_MODES: readonly RatelimitFailureMode[] = ['open', 'closed'];

/**
 * How soon a refusal made while the limiter fails says to try again: one second, not the window's end, because a
 * client that caches refusals until `reset` (as @unkey/ratelimit does) would otherwise keep refusing a whole window
 * after the limiter is back.
 */
export const UNAVAILABLE_RETRY_MS = 1_000;

/** The decisions for `checks` when the limiter could not decide them. */
export function decisionsWithoutLimiter(checks: readonly LimitCheck[], now: number, mode: RatelimitFailureMode): Decision[] {
  return checks.map((check) => {
    // As an empty window decides: a limit of 0, or a cost above the limit, still refuses when failing open.
    const empty = decide({ current: 0, previous: 0 }, check.limit, check.cost, now, check.duration);
    return mode === 'open' ? empty : { success: false, remaining: 0, reset: Math.min(empty.reset, now + UNAVAILABLE_RETRY_MS) };
  });
}
