/** Credits: a key's remaining uses, spent on the verify path and refilled by the background job. */

export type CreditOperation = 'set' | 'increment' | 'decrement';

/**
 * What a verification's charge holds the key to besides its balance, checked in the charge's own statement: the key
 * is not deleted, its API is not deleted, it is enabled, it has not expired at `now`, and it has not changed since the
 * record the verification decided on (its `updatedAt`, which every change of the key writes).
 */
export interface SpendCondition {
  /** The verification's time. */
  now: number;
  /** The key's updatedAt in the record the verification decided on. */
  updatedAt: number | null;
}

/** A key as a refused charge found it, so the verification can tell why. */
export interface KeyStanding {
  /** Neither the key nor its API is deleted. */
  live: boolean;
  enabled: boolean;
  expires: number | null;
  remaining: number | null;
  updatedAt: number | null;
}

/** A charge's outcome: what is left, or the key as it stood (undefined when it no longer exists). */
export type Spend = { charged: true; remaining: number } | { charged: false; key: KeyStanding | undefined };

export interface CreditOps {
  /** Atomic credit change; undefined if the key is gone, or for an increment past MAX_COUNT (nothing changes). Decrement clamps at 0. */
  changeCredits(keyId: string, operation: CreditOperation, value: number): Promise<number | undefined>;
  /**
   * Spends `cost` credits in one atomic statement, only if the key has them and still meets `condition`; when it
   * does not, nothing is charged and the key is read as it stands.
   */
  spendCredits(keyId: string, cost: number, condition: SpendCondition): Promise<Spend>;
  readCredits(keyId: string): Promise<number | null | undefined>;
  /** Sets remaining to the refill amount on every key due at `now`; returns how many. */
  refillCredits(now: number): Promise<number>;
}
