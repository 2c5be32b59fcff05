import { ThrottledWarning, type WarnSink } from '../core/throttled-warning.js';

/**
 * Rate limits fail open: when the limiter itself fails (Redis down, a timeout), the request is served
 * as if no limit applied rather than refused, since refusing every request of every customer is a
 * worse outage than admitting some over the limit for a while. Each failure is reported through a
 * ThrottledWarning (core/throttled-warning.ts): a limiter that is down fails on every request.
 */

export type { WarnSink } from '../core/throttled-warning.js';

/** The rate-limited warning of a failing limiter (core/throttled-warning.ts). */
export class LimiterFailures extends ThrottledWarning {
  constructor(logger: WarnSink, clock: { now(): number }, where: string, intervalMs = 10_000) {
    super(logger, clock, where, 'rate limiter failed; limits are skipped (fail open) until it recovers', intervalMs);
  }
}
