import type { RatelimitAlertSubject, Store } from '../../storage/store.js';
import type { Logger } from '../deps.js';

export interface RatelimitAlertSettings {
  /** Refusals of one limit within `windowMs`, counted on this node, that fire `ratelimit.exceeded`. */
  refusals: number;
  windowMs: number;
  /** After firing, the same (workspace, subject, identifier) fires again no sooner than this, on any node. */
  cooldownMs: number;
}

/** Counters kept at most; past it, refusals of limits not yet counted are not counted (no alert), until windows end. */
const MAX_COUNTERS = 100_000;

interface Counter {
  windowStart: number;
  count: number;
  /** This node claimed (or tried to) until then: it does not ask the store again before. */
  quietUntil: number;
}

/**
 * `ratelimit.exceeded` (docs/decisions/0027): refusals are counted in memory per node, per (workspace, namespace or
 * key, identifier), in fixed windows; reaching the threshold claims the alert in the store (a conditional upsert on
 * the last time it fired), which fires once per cool-down however many nodes reach it. Nothing is awaited by the
 * request that was refused.
 */
export class RatelimitExceededAlerts {
  private readonly counters = new Map<string, Counter>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly settings: RatelimitAlertSettings,
    private readonly logger: Logger,
  ) {}

  refused(workspaceId: string, subject: RatelimitAlertSubject, identifier: string, now: number): void {
    const id = `${workspaceId}\u0000${subject.type}\u0000${subject.id}\u0000${identifier}`;
    let counter = this.counters.get(id);
    if (counter === undefined) {
      if (this.counters.size >= MAX_COUNTERS && !this.sweep(now)) return;
      counter = { windowStart: now, count: 0, quietUntil: 0 };
      this.counters.set(id, counter);
    }
    if (now - counter.windowStart >= this.settings.windowMs) {
      counter.windowStart = now;
      counter.count = 0;
    }
    counter.count++;
    if (counter.count < this.settings.refusals || now < counter.quietUntil) return;
    counter.quietUntil = now + this.settings.cooldownMs;
    const claim = this.store
      .claimRatelimitAlert({
        workspaceId,
        subject,
        identifier,
        refusals: counter.count,
        windowMs: this.settings.windowMs,
        cooldownMs: this.settings.cooldownMs,
        now,
      })
      .catch((error: unknown) =>
        this.logger.warn({ workspaceId, error: error instanceof Error ? error.message : String(error) }, 'rate limit alert not queued'),
      )
      .finally(() => this.pending.delete(claim));
    this.pending.add(claim);
  }

  /** Drops counters whose window and quiet time are over; true if that made room. */
  private sweep(now: number): boolean {
    for (const [id, counter] of this.counters) {
      if (now - counter.windowStart >= this.settings.windowMs && now >= counter.quietUntil) this.counters.delete(id);
    }
    return this.counters.size < MAX_COUNTERS;
  }

  /** Resolves once every claim started so far has finished (a clean stop, and tests). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}
