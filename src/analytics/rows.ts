import type { AnalyticsBatch, RatelimitEvent, VerificationEvent } from './events.js';
import { ANALYTICS_TABLES, type AnalyticsTable, bucketStart, canonicalTags, ROLLUP_GRAINS } from './schema.js';

/**
 * A batch as the rows it adds (docs/decisions/0014-analytics-in-keywards-own-stores.md): its raw events, and its
 * contribution to every rollup, aggregated here per grain and group so each rollup row is upserted once per batch.
 * Engine-neutral: both stores turn these into SQL (src/analytics/write-statements.ts).
 */

export type Row = (string | number)[];

export interface TableRows {
  table: AnalyticsTable;
  /** In the table's column order (schema.ts). */
  columns: readonly string[];
  rows: Row[];
}

const table = (physicalName: string): AnalyticsTable => {
  const found = ANALYTICS_TABLES.find((t) => t.physicalName === physicalName);
  if (!found) throw new Error(`no analytics table ${physicalName}`);
  return found;
};

const verificationRaw = (e: VerificationEvent): Record<string, string | number> => ({
  request_id: e.requestId,
  time: e.time,
  workspace_id: e.workspaceId,
  key_space_id: e.keySpaceId,
  identity_id: e.identityId,
  external_id: e.externalId,
  key_id: e.keyId,
  region: e.region,
  outcome: e.outcome,
  tags: canonicalTags(e.tags),
  spent_credits: e.spentCredits,
  latency: e.latency,
});

const ratelimitRaw = (e: RatelimitEvent): Record<string, string | number> => ({
  request_id: e.requestId,
  time: e.time,
  workspace_id: e.workspaceId,
  namespace_id: e.namespaceId,
  identifier: e.identifier,
  passed: e.passed ? 1 : 0,
  latency: e.latency,
  override_id: e.overrideId,
  region: e.region,
});

/** What one event adds to its rollup group; folded by `add` (ratelimits: passed, total; verifications: count, credits). */
interface Contribution {
  group: Record<string, string | number>;
  sums: Record<string, number>;
  max: Record<string, number>;
}

const verificationContribution = (raw: Record<string, string | number>, time: number): Contribution => ({
  group: {
    workspace_id: raw.workspace_id!,
    time,
    key_space_id: raw.key_space_id!,
    identity_id: raw.identity_id!,
    external_id: raw.external_id!,
    key_id: raw.key_id!,
    outcome: raw.outcome!,
    tags: raw.tags!,
  },
  sums: { count: 1, spent_credits: raw.spent_credits as number, latency_sum: raw.latency as number },
  max: { latency_max: raw.latency as number },
});

const ratelimitContribution = (raw: Record<string, string | number>, time: number): Contribution => ({
  group: { workspace_id: raw.workspace_id!, time, namespace_id: raw.namespace_id!, identifier: raw.identifier! },
  sums: { passed: raw.passed as number, total: 1, latency_sum: raw.latency as number },
  max: { latency_max: raw.latency as number },
});

/** The columns a rollup upsert adds to (sums) and keeps the largest of (max). */
export const ROLLUP_SUMS = { verifications: ['count', 'spent_credits', 'latency_sum'], ratelimits: ['passed', 'total', 'latency_sum'] };
export const ROLLUP_MAX = ['latency_max'];

/** Orders rows by their grouping key, the same on every node, so concurrent upserts lock rows in one order. */
const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function rowsOf(target: AnalyticsTable, records: readonly Record<string, string | number>[]): TableRows {
  const columns = Object.keys(target.columns);
  return { table: target, columns, rows: records.map((record) => columns.map((column) => record[column]!)) };
}

function rollups(
  source: 'verifications' | 'ratelimits',
  raws: readonly Record<string, string | number>[],
  contribution: (raw: Record<string, string | number>, time: number) => Contribution,
): TableRows[] {
  return ROLLUP_GRAINS.map((grain) => {
    const target = ANALYTICS_TABLES.find((t) => t.source === source && t.kind === grain)!;
    const groups = new Map<string, Record<string, string | number>>();
    for (const raw of raws) {
      const c = contribution(raw, bucketStart(raw.time as number, grain));
      const key = target.groupBy.map((column) => String(c.group[column])).join('\u0000');
      const existing = groups.get(key);
      if (!existing) {
        groups.set(key, { ...c.group, ...c.sums, ...c.max });
        continue;
      }
      for (const [column, value] of Object.entries(c.sums)) existing[column] = (existing[column] as number) + value;
      for (const [column, value] of Object.entries(c.max)) existing[column] = Math.max(existing[column] as number, value);
    }
    const sorted = [...groups.entries()].sort(([a], [b]) => compareKeys(a, b)).map(([, record]) => record);
    return rowsOf(target, sorted);
  });
}

/** The raw rows, then every rollup's rows, of a batch; tables without rows are left out. */
export function batchRows(batch: AnalyticsBatch): TableRows[] {
  const verifications = batch.verifications.map(verificationRaw);
  const ratelimits = batch.ratelimits.map(ratelimitRaw);
  return [
    rowsOf(table('analytics_verifications'), verifications),
    rowsOf(table('analytics_ratelimits'), ratelimits),
    ...rollups('verifications', verifications, verificationContribution),
    ...rollups('ratelimits', ratelimits, ratelimitContribution),
  ].filter((t) => t.rows.length > 0);
}
