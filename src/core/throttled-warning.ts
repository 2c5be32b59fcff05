/**
 * A warning for a failure that repeats on every request while a dependency is down (a rate limiter, the database):
 * each failure is reported, but at most one line per interval reaches the log, carrying the latest cause and how
 * many failures it stands for. A log line per request would bury everything else, and cost the outage more I/O.
 */

export interface WarnSink {
  warn(fields: Record<string, unknown>, message: string): void;
}

export class ThrottledWarning {
  private suppressed = 0;
  private lastLoggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: WarnSink,
    private readonly clock: { now(): number },
    /** Where the failures happen, for the log line (e.g. "keys.verifyKey"). */
    private readonly where: string,
    /** What the failure means for clients, the line's message. */
    private readonly message: string,
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
    this.logger.warn({ err: error, where: this.where, failures }, this.message);
  }
}
