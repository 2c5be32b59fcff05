/** Credits: a key's remaining uses, spent on the verify path and refilled by the background job. */

export type CreditOperation = 'set' | 'increment' | 'decrement';

export interface CreditOps {
  /** Atomic credit change; undefined if the key is gone, or for an increment past MAX_COUNT (nothing changes). Decrement clamps at 0. */
  changeCredits(keyId: string, operation: CreditOperation, value: number): Promise<number | undefined>;
  /** Spends `cost` credits in one atomic statement; the new balance, or undefined if not enough. */
  spendCredits(keyId: string, cost: number): Promise<number | undefined>;
  readCredits(keyId: string): Promise<number | null | undefined>;
  /** Sets remaining to the refill amount on every key due at `now`; returns how many. */
  refillCredits(now: number): Promise<number>;
}
