import { VERIFY_CODES } from '../contract/keys.js';
import type { AnalyticsEngine } from './ddl.js';
import { ANALYTICS_TABLES, bucketStart, type RollupGrain } from './schema.js';
import type { CompiledAnalyticsQuery } from './store.js';

/**
 * The SQL behind the chart endpoints (analytics.getVerificationTimeseries, analytics.getTopKeys,
 * analytics.getTopIdentities; src/services/analytics-charts.ts): reads of the verification ROLLUPS only, never the raw
 * table, built per engine. Every value a caller sends is a bound parameter; the SQL text holds only names from
 * src/analytics/schema.ts.
 */

/** What every chart read is narrowed to. `apiIds` null: every API of the workspace (the caller holds `api.*.read_analytics`). */
export interface ChartScope {
  workspaceId: string;
  apiIds: readonly string[] | null;
  keyId?: string;
  identityId?: string;
  externalId?: string;
  /** Every one of these tags must be on the event. */
  tags?: readonly string[];
}

export interface ChartRange {
  /** The first bucket is the one `start` falls in. */
  start: number;
  /** The last bucket is the one `end` falls in. */
  end: number;
}

const rollupTable = (grain: RollupGrain): string => {
  const table = ANALYTICS_TABLES.find((t) => t.source === 'verifications' && t.kind === grain);
  if (!table) throw new Error(`no verification rollup per ${grain}`);
  return table.physicalName;
};

/** Collects bound parameters and answers each one's placeholder for the engine. */
class Parameters {
  readonly values: unknown[] = [];
  constructor(private readonly engine: AnalyticsEngine) {}
  add(value: unknown): string {
    this.values.push(value);
    return this.engine === 'postgres' ? `$${this.values.length}` : '?';
  }
}

/**
 * The WHERE conditions of a scope and range over a rollup of `grain`. Tags: a rollup's `tags` is the canonical JSON
 * array of its group (schema.ts canonicalTags), so "has every listed tag" is one json_each membership per tag on
 * SQLite and one jsonb containment on PostgreSQL.
 */
function conditions(engine: AnalyticsEngine, p: Parameters, scope: ChartScope, range: ChartRange, grain: RollupGrain): string[] {
  const where = [
    `workspace_id = ${p.add(scope.workspaceId)}`,
    `"time" >= ${p.add(bucketStart(range.start, grain))}`,
    `"time" <= ${p.add(range.end)}`,
  ];
  if (scope.apiIds !== null) where.push(`key_space_id IN (${scope.apiIds.map((id) => p.add(id)).join(', ')})`);
  if (scope.keyId !== undefined) where.push(`key_id = ${p.add(scope.keyId)}`);
  if (scope.identityId !== undefined) where.push(`identity_id = ${p.add(scope.identityId)}`);
  if (scope.externalId !== undefined) where.push(`external_id = ${p.add(scope.externalId)}`);
  const tags = [...new Set(scope.tags ?? [])];
  if (tags.length > 0) {
    if (engine === 'postgres') where.push(`tags::jsonb @> ${p.add(JSON.stringify(tags))}::jsonb`);
    else for (const tag of tags) where.push(`EXISTS (SELECT 1 FROM json_each(tags) WHERE json_each.value = ${p.add(tag)})`);
  }
  return where;
}

/** `total`, one column per verify outcome (`o_<CODE>`) and `spent_credits`, summed over a group's rollup rows. */
function usageColumns(p: Parameters): string {
  const outcomes = VERIFY_CODES.map((code) => `sum(CASE WHEN outcome = ${p.add(code)} THEN "count" ELSE 0 END) AS "o_${code}"`);
  return `sum("count") AS total, ${outcomes.join(', ')}, sum(spent_credits) AS spent_credits`;
}

/** One row per bucket holding events, oldest first: `time`, the usage columns and `latency_sum`. */
export function timeseriesQuery(engine: AnalyticsEngine, scope: ChartScope, range: ChartRange, grain: RollupGrain): CompiledAnalyticsQuery {
  const p = new Parameters(engine);
  const columns = usageColumns(p);
  const where = conditions(engine, p, scope, range, grain);
  const sql =
    `SELECT "time", ${columns}, sum(latency_sum) AS latency_sum ` +
    `FROM "${rollupTable(grain)}" WHERE ${where.join(' AND ')} GROUP BY "time" ORDER BY "time"`;
  return { sql, parameters: p.values };
}

export type TopBy = 'key' | 'identity';

/**
 * The `limit` most used keys or identities (by verifications, then by id), one row each with the usage columns and
 * its ids: `key_space_id`, `key_id` for keys; `identity_id`,
 * `external_id` for identities. Events without a key or an identity ('' in the rollup) are left out.
 */
export function topQuery(
  engine: AnalyticsEngine,
  by: TopBy,
  scope: ChartScope,
  range: ChartRange,
  grain: RollupGrain,
  limit: number,
): CompiledAnalyticsQuery {
  const p = new Parameters(engine);
  const columns = usageColumns(p);
  const where = conditions(engine, p, scope, range, grain);
  const [groupBy, extra] =
    by === 'key' ? ['key_id', 'max(key_space_id) AS key_space_id'] : ['identity_id', 'max(external_id) AS external_id'];
  where.push(`${groupBy} <> ''`);
  const sql =
    `SELECT ${groupBy}, ${extra}, ${columns} ` +
    `FROM "${rollupTable(grain)}" WHERE ${where.join(' AND ')} GROUP BY ${groupBy} ` +
    `ORDER BY total DESC, ${groupBy} LIMIT ${p.add(limit)}`;
  return { sql, parameters: p.values };
}

/** The start of every bucket of `grain` from the one `start` falls in to the one `end` falls in, stopping past `max`. */
export function bucketStarts(range: ChartRange, grain: RollupGrain, max: number): number[] {
  const starts: number[] = [];
  for (let time = bucketStart(range.start, grain); time <= range.end && starts.length <= max; time = nextBucket(time, grain)) {
    starts.push(time);
  }
  return starts;
}

const STEP_MS: Record<Exclude<RollupGrain, 'month'>, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

function nextBucket(time: number, grain: RollupGrain): number {
  if (grain !== 'month') return time + STEP_MS[grain];
  const d = new Date(time);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
