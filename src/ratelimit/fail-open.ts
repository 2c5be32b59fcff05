import { ThrottledWarning, type WarnSink } from '../core/throttled-warning.js';
import type { RatelimitFailureMode } from './failure-mode.js';

export type { WarnSink } from '../core/throttled-warning.js';

/**
 * The warning for a rate limiter that fails (Redis down, a timeout): what the requests get meanwhile depends on the
 * failure mode (ratelimit/failure-mode.ts). Throttled: a limiter that is down fails on every request.
 */
export class LimiterFailures extends ThrottledWarning {
  constructor(
    logger: WarnSink,
    clock: { now(): number },
    /** Where the failures happen, for the log line (e.g. "keys.verifyKey"). */
    where: string,
    mode: RatelimitFailureMode = 'open',
    intervalMs = 10_000,
  ) {
    super(
      logger,
      clock,
      { where, failureMode: mode },
      mode === 'open'
        ? 'rate limiter failed; limits are skipped (fail open) until it recovers'
        : 'rate limiter failed; limited calls are refused (fail closed) until it recovers',
      intervalMs,
    );
  }
}
