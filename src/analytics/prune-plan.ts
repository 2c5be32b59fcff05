import type { AnalyticsRetention } from './store.js';
import { ANALYTICS_TABLES } from './schema.js';

/**
 * What a prune deletes at `now`: per physical table, rows whose `time` (a raw event's time, a rollup row's bucket
 * start) is before `now` minus the table's retention. Tables kept forever (retention 0) are left out.
 */
export function pruneCutoffs(now: number, retention: AnalyticsRetention): { table: string; before: number }[] {
  return ANALYTICS_TABLES.filter((table) => retention[table.kind] > 0).map((table) => ({
    table: table.physicalName,
    before: now - retention[table.kind],
  }));
}

/** Rows one delete removes at most: each batch is its own short transaction, so a large prune never holds locks for long. */
export const PRUNE_BATCH_ROWS = 5_000;
