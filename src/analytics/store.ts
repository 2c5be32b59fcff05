import type { AnalyticsBatch } from './events.js';
import type { PackedBatch } from './packed-batch.js';

/**
 * Where analytics events and their rollups live (docs/decisions/0014-analytics-in-keywards-own-stores.md). One
 * conformance suite, run by both implementations: SQLite (its own file beside the main database, written off the
 * main thread) and PostgreSQL (tables in the main database).
 */
export interface AnalyticsStore {
  /**
   * Appends the batch's raw events and folds them into every rollup (minute, hour, day, month) in one transaction:
   * after it resolves, raw events and rollups agree exactly; if it rejects, nothing of the batch was written.
   */
  write(batch: AnalyticsBatch): Promise<void>;
  /** The same for a batch already packed, as the recorder buffers them (src/analytics/packed-batch.ts); left intact, so a failed write can be retried. */
  writePacked(packed: PackedBatch): Promise<void>;
  /**
   * Runs one read-only SELECT already translated for this engine (src/analytics/query/), with its parameters, within
   * `timeoutMs`, returning at most `maxRows` rows. Rejects with AnalyticsLimitExceeded when either limit is hit.
   */
  query(statement: CompiledAnalyticsQuery, limits: AnalyticsQueryLimits): Promise<Record<string, unknown>[]>;
  /** Deletes every row older than its table's retention at `now`; at most one node runs it at a time. */
  prune(now: number, retention: AnalyticsRetention): Promise<AnalyticsPruneResult>;
  close(): Promise<void>;
}

export interface CompiledAnalyticsQuery {
  sql: string;
  parameters: readonly unknown[];
}

export interface AnalyticsQueryLimits {
  timeoutMs: number;
  maxRows: number;
}

/** Milliseconds each kind of table keeps; 0 keeps forever. */
export interface AnalyticsRetention {
  raw: number;
  minute: number;
  hour: number;
  day: number;
  month: number;
}

/** Rows deleted per physical table; `skipped` when another node held the pruning lock. */
export interface AnalyticsPruneResult {
  skipped: boolean;
  deleted: Record<string, number>;
}

/** A query that ran past its time or row limit (HTTP 422, as upstream's resource limits). */
export class AnalyticsLimitExceeded extends Error {
  constructor(readonly limit: 'time' | 'rows') {
    super(limit === 'time' ? 'The query ran longer than its time limit.' : 'The query returned more rows than its limit.');
    this.name = 'AnalyticsLimitExceeded';
  }
}
