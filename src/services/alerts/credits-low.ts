import type { KeyRecord, Store } from '../../storage/store.js';
import type { Logger } from '../deps.js';

/** KEYWARD_ALERT_CREDITS_THRESHOLDS' default: percent of a key's credits used. */
export const DEFAULT_CREDITS_THRESHOLDS: readonly number[] = [50, 80, 100];

/**
 * How many of `thresholds` (percent used, ascending) a key at `remaining` credits of `base` has reached. Integer
 * arithmetic only (used * 100 >= threshold * base), so 80% of 5 is reached at exactly 4 used, never a rounding off.
 */
export function creditsLevel(thresholds: readonly number[], base: number, remaining: number): number {
  const used = base - remaining;
  let level = 0;
  while (level < thresholds.length && used * 100 >= thresholds[level]! * base) level++;
  return level;
}

/**
 * `key.credits_low` (docs/decisions/0027-alerts-through-the-webhook-outbox.md). A spend's balance before and after is
 * all the verify path gives it: arithmetic on those decides whether a threshold was crossed, and only then is the
 * crossing claimed in the store, not awaited by the verification. Concurrent spends on any node each take a distinct
 * slice of the balance, so exactly one of them crosses each threshold (one that passes several reports the highest);
 * the claim's conditional UPDATE keeps it to one event even when a cached record's base is stale on some node.
 */
export class CreditsLowAlerts {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly thresholds: readonly number[],
    private readonly logger: Logger,
  ) {}

  /** After a charge of `cost` left `remaining`: claims the crossing, if any, off the response path. */
  afterSpend(record: KeyRecord, cost: number, remaining: number, now: number): void {
    const base = record.creditsBase;
    if (base === null || base <= 0) return;
    const after = creditsLevel(this.thresholds, base, remaining);
    if (after === 0 || after <= creditsLevel(this.thresholds, base, remaining + cost)) return;
    const claim = this.store
      .claimCreditsAlert({
        workspaceId: record.workspaceId,
        keyId: record.id,
        apiId: record.apiId,
        level: after,
        thresholdPercent: this.thresholds[after - 1]!,
        remaining,
        base,
        now,
      })
      .catch((error: unknown) =>
        this.logger.warn({ keyId: record.id, error: error instanceof Error ? error.message : String(error) }, 'credits alert not queued'),
      )
      .finally(() => this.pending.delete(claim));
    this.pending.add(claim);
  }

  /** Resolves once every claim started so far has finished (a clean stop, and tests). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}
