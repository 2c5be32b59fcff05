/**
 * The ordered change log: every invalidation a mutation announces, written in the mutation's own transaction, so
 * every node can catch up from the database whatever happened to Redis (docs/decisions/0013-invalidation-change-log.md).
 */

/** One invalidation as logged: its kind and the workspace and hash it names, if any (cache/bus.ts, Invalidation). */
export interface Change {
  kind: string;
  workspaceId?: string | null;
  hash?: string | null;
}

/** A change as read back, with its place in the log. */
export interface LoggedChange {
  seq: number;
  kind: string;
  workspaceId: string | null;
  hash: string | null;
}

export interface ChangeLogOps {
  /**
   * Appends `changes`, logged at `at`. Inside a transaction the store writes them when the work is done, just
   * before commit (after the audit record), so a sequence number is taken as late as possible; outside one, at once.
   */
  logChanges(changes: readonly Change[], at: number): Promise<void>;
  /**
   * The changes after `afterSeq`, and those numbered in `missing` (numbers a reader skipped that may have committed
   * since: PostgreSQL makes a lower number visible after a higher one), by number, at most `limit`.
   */
  listChanges(afterSeq: number, missing: readonly number[], limit: number): Promise<LoggedChange[]>;
  /** The highest number logged, 0 when nothing ever was (numbers are never reused, even once pruned). */
  lastChangeSeq(): Promise<number>;
  /** Deletes the changes logged before `before`; the count deleted. Several nodes may prune at once. */
  pruneChanges(before: number): Promise<number>;
}
