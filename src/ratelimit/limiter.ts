import type { Decision } from '../core/rate-window.js';

/**
 * A rate limiter keeps the window counters; `core/rate-window.ts` decides. Every call is
 * all-or-nothing: the costs are committed only when every check passes, so a batch (multiLimit, or
 * the limits of one verification) never half-counts. Implementations must be exact under concurrency:
 * no more than `limit` admitted per window, on one node (memory) or across nodes (Redis), for every counter they
 * keep. Both bound their memory (docs/operations.md, "Memory"): a counter evicted past the memory limiter's caps,
 * or by Redis's `maxmemory` policy, starts again at zero.
 */
export interface LimitCheck {
  /**
   * Identifies the counter, already scoped by the caller (workspace, namespace, identifier). It starts with
   * `<workspace id>:`: the memory limiter bounds counters per workspace by that prefix (bounded-counters.ts).
   */
  key: string;
  limit: number;
  /** Window length, ms. Part of the counter identity: the same key with another duration counts apart. */
  duration: number;
  cost: number;
}

export interface Limiter {
  /** Decides every check at `now`; commits all costs only if all pass. Results are in request order. */
  check(checks: readonly LimitCheck[], now: number): Promise<Decision[]>;
  close(): Promise<void>;
}
