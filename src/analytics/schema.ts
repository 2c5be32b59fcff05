/**
 * The analytics tables: the names users write in analytics.getVerifications / analytics.getRatelimits queries
 * (upstream's, docs/unkey-compatibility.md "Analytics tables"), the physical table behind each, and its columns. The
 * stores create the physical tables from this (src/analytics/sqlite-store.ts, src/analytics/postgres-store.ts), and
 * the query translator (src/analytics/query/) allows exactly these names and columns.
 *
 * Times are Unix milliseconds (a rollup's `time` is the UTC start of its minute, hour, day or month). Absent strings
 * are ''. `tags` is a JSON array of distinct strings in code-point order, so equal tag sets group together.
 * Rollups hold `latency_sum` and `latency_max`; the virtual column `latency_avg` is `latency_sum / count`.
 */

export type ColumnType = 'text' | 'integer' | 'real' | 'tags';

export type RollupGrain = 'minute' | 'hour' | 'day' | 'month';
export const ROLLUP_GRAINS: readonly RollupGrain[] = ['minute', 'hour', 'day', 'month'];

export interface AnalyticsTable {
  /** What users write in a query. */
  virtualName: string;
  /** The table in Keyward's store. */
  physicalName: string;
  /** 'raw' holds one row per event; a grain holds one row per group and bucket. */
  kind: 'raw' | RollupGrain;
  /** Which endpoint may query it. */
  source: 'verifications' | 'ratelimits';
  columns: Readonly<Record<string, ColumnType>>;
  /** Columns that identify a rollup row (its primary key); empty for raw tables. */
  groupBy: readonly string[];
  /** Column whose value is a tenant's API (verifications) or namespace (ratelimits) id, for per-resource permissions. */
  resourceColumn: 'key_space_id' | 'namespace_id';
}

const VERIFICATION_RAW_COLUMNS = {
  request_id: 'text',
  time: 'integer',
  workspace_id: 'text',
  key_space_id: 'text',
  identity_id: 'text',
  external_id: 'text',
  key_id: 'text',
  region: 'text',
  outcome: 'text',
  tags: 'tags',
  spent_credits: 'integer',
  latency: 'real',
} as const satisfies Record<string, ColumnType>;

const VERIFICATION_ROLLUP_COLUMNS = {
  time: 'integer',
  workspace_id: 'text',
  key_space_id: 'text',
  identity_id: 'text',
  external_id: 'text',
  key_id: 'text',
  outcome: 'text',
  tags: 'tags',
  count: 'integer',
  spent_credits: 'integer',
  latency_sum: 'real',
  latency_max: 'real',
} as const satisfies Record<string, ColumnType>;

const VERIFICATION_ROLLUP_KEY = [
  'workspace_id',
  'time',
  'key_space_id',
  'key_id',
  'identity_id',
  'external_id',
  'outcome',
  'tags',
] as const;

const RATELIMIT_RAW_COLUMNS = {
  request_id: 'text',
  time: 'integer',
  workspace_id: 'text',
  namespace_id: 'text',
  identifier: 'text',
  passed: 'integer',
  latency: 'real',
  override_id: 'text',
  region: 'text',
} as const satisfies Record<string, ColumnType>;

const RATELIMIT_ROLLUP_COLUMNS = {
  time: 'integer',
  workspace_id: 'text',
  namespace_id: 'text',
  identifier: 'text',
  passed: 'integer',
  total: 'integer',
  latency_sum: 'real',
  latency_max: 'real',
} as const satisfies Record<string, ColumnType>;

const RATELIMIT_ROLLUP_KEY = ['workspace_id', 'time', 'namespace_id', 'identifier'] as const;

export const ANALYTICS_TABLES: readonly AnalyticsTable[] = [
  {
    virtualName: 'key_verifications_v1',
    physicalName: 'analytics_verifications',
    kind: 'raw',
    source: 'verifications',
    columns: VERIFICATION_RAW_COLUMNS,
    groupBy: [],
    resourceColumn: 'key_space_id',
  },
  ...ROLLUP_GRAINS.map(
    (grain): AnalyticsTable => ({
      virtualName: `key_verifications_per_${grain}_v1`,
      physicalName: `analytics_verifications_per_${grain}`,
      kind: grain,
      source: 'verifications',
      columns: VERIFICATION_ROLLUP_COLUMNS,
      groupBy: VERIFICATION_ROLLUP_KEY,
      resourceColumn: 'key_space_id',
    }),
  ),
  {
    virtualName: 'ratelimits_v1',
    physicalName: 'analytics_ratelimits',
    kind: 'raw',
    source: 'ratelimits',
    columns: RATELIMIT_RAW_COLUMNS,
    groupBy: [],
    resourceColumn: 'namespace_id',
  },
  ...ROLLUP_GRAINS.map(
    (grain): AnalyticsTable => ({
      virtualName: `ratelimits_per_${grain}_v1`,
      physicalName: `analytics_ratelimits_per_${grain}`,
      kind: grain,
      source: 'ratelimits',
      columns: RATELIMIT_ROLLUP_COLUMNS,
      groupBy: RATELIMIT_ROLLUP_KEY,
      resourceColumn: 'namespace_id',
    }),
  ),
];

/** Milliseconds in a day: retention settings are in days, times in milliseconds. */
export const DAY_MS = 86_400_000;

/** The UTC start of the bucket `time` falls in. */
export function bucketStart(time: number, grain: RollupGrain): number {
  const d = new Date(time);
  switch (grain) {
    case 'minute':
      return time - (((time % 60_000) + 60_000) % 60_000);
    case 'hour':
      return time - (((time % 3_600_000) + 3_600_000) % 3_600_000);
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
}

/** Tags as stored: distinct, in code-point order, as JSON. */
export const canonicalTags = (tags: readonly string[]): string =>
  JSON.stringify([...new Set(tags)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
