/**
 * Rate limits fail open: when the limiter itself fails (Redis down, a timeout), the request is served
 * as if no limit applied rather than refused, since refusing every request of every customer is a
 * worse outage than admitting some over the limit for a while. Each failure is reported, but at most
 * one warning per interval reaches the log, carrying how many failures it stands for: a limiter that
 * is down fails on every request, and a log line per request would bury everything else.
 */

export interface WarnSink {
  warn(fields: Record<string, unknown>, message: string): void;
}

export class LimiterFailures {
  private suppressed = 0;
  private lastLoggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: WarnSink,
    private readonly clock: { now(): number },
    /** Where the failures happen, for the log line (e.g. "keys.verifyKey"). */
    private readonly where: string,
    private readonly intervalMs = 10_000,
  ) {}

  report(error: unknown): void {
    const now = this.clock.now();
    if (now - this.lastLoggedAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const failures = this.suppressed + 1;
    this.suppressed = 0;
    this.lastLoggedAt = now;
    this.logger.warn({ err: error, where: this.where, failures }, 'rate limiter failed; limits are skipped (fail open) until it recovers');
  }
}
