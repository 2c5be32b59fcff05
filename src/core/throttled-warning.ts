/**
 * A warning for a failure that repeats on every request while a dependency is down (the rate limiter, Redis): at
 * most one line per interval reaches the log, carrying how many failures it stands for, so an outage says what is
 * wrong without burying everything else under a line per request.
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
    /** Logged with every line, e.g. `{ where: 'keys.verifyKey' }`. */
    private readonly fields: Record<string, unknown>,
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
    this.logger.warn({ err: error, ...this.fields, failures }, this.message);
  }

  /** Whether a failure was reported since the last `recovered` (so a recovery is said once, and only after a failure). */
  get failing(): boolean {
    return this.lastLoggedAt !== Number.NEGATIVE_INFINITY;
  }

  recovered(): void {
    this.suppressed = 0;
    this.lastLoggedAt = Number.NEGATIVE_INFINITY;
  }
}
