/**
 * Rows whose window has passed and that no longer change anything, removed by the node's periodic jobs
 * (server.ts, runJobs). On PostgreSQL each is done by one node at a time: a node finding another's advisory lock
 * held skips its run and returns 0.
 */
export interface PruningOps {
  /**
   * Deletes `ratelimit_alerts` rows last fired at or before `firedBy` (now minus the cool-down): a claim treats such a row
   * exactly as no row (docs/decisions/0027), so it fires the same with or without it. Returns how many went.
   */
  pruneRatelimitAlerts(firedBy: number): Promise<number>;
  /**
   * Ends rerolled root keys whose grace period is over (`retires_at <= now`) as a revocation would: `deleted_at` is set to
   * their `retires_at`, the instant they stopped working (docs/decisions/0020). They already answered like unknown keys;
   * now they are gone from every read of live root keys as well. Returns how many.
   */
  pruneRetiredRootKeys(now: number): Promise<number>;
}
