import type { SpendCondition } from './credits.js';

/**
 * Lifetimes beyond a fixed expiry, used on the verify path (docs/decisions/0026-one-time-and-sliding-expiry-keys.md).
 * Each is one atomic statement, so it decides alike on every node sharing the database, whatever their caches hold.
 */
export interface KeyLifetimeOps {
  /**
   * Uses up a one-time key: true for exactly one caller, and only while the key meets `condition` (live, enabled, not
   * expired at `condition.now`, unchanged since the record the verification decided on), as a credit charge does.
   */
  consumeOneTimeKey(keyId: string, condition: SpendCondition): Promise<boolean>;
  /**
   * Moves a live sliding key's expiry to `now` + its window, never earlier than it is; the expiry after, or undefined
   * when the key does not slide, is gone, or had already expired at `now` (an expired key stays expired). Leaves
   * updated_at alone: this is use, not a change, and a concurrent credit charge must not see the key as changed.
   */
  slideExpiry(keyId: string, now: number): Promise<number | undefined>;
}
