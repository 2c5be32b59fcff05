import type { AnalyticsBatch, RatelimitEvent, VerificationEvent } from './events.js';
import { type PackedBatch, PackedBatchReader } from './packed-batch.js';
import { ANALYTICS_TABLES, type AnalyticsTable, bucketStart, canonicalTags, type RollupGrain } from './schema.js';

/**
 * A batch's contribution to every rollup (docs/decisions/0014-analytics-in-keywards-own-stores.md), folded here so
 * each rollup row is upserted once per batch. Both stores turn these into SQL (src/analytics/sqlite-write.ts,
 * src/analytics/postgres-write.ts); raw events are written as blocks straight from the packed batch
 * (src/analytics/block-encoder.ts).
 *
 * Built for cost, as every recorded event passes through here: rows are column arrays (no object or array per
 * event), and the fold is one pass over the events into the minute groups; hours, days and months are folded from
 * the minute groups, which are few (a flush's events mostly share a handful of keys and one or two minutes). Groups
 * are found through nested maps keyed by the grouping values themselves, so no key string is built per event and
 * no value can be mistaken for a separator.
 */

export type Value = string | number;

export interface ColumnRows {
  table: AnalyticsTable;
  /** The table's columns, in schema.ts order. */
  columns: readonly string[];
  /** One array per column, in `columns` order, each `count` long. */
  values: Value[][];
  count: number;
}

const tableNamed = (physicalName: string): AnalyticsTable => {
  const found = ANALYTICS_TABLES.find((t) => t.physicalName === physicalName);
  if (!found) throw new Error(`no analytics table ${physicalName}`);
  return found;
};

const VERIFICATIONS_ROLLUP: Record<RollupGrain, AnalyticsTable> = {
  minute: tableNamed('analytics_verifications_per_minute'),
  hour: tableNamed('analytics_verifications_per_hour'),
  day: tableNamed('analytics_verifications_per_day'),
  month: tableNamed('analytics_verifications_per_month'),
};
const RATELIMITS_ROLLUP: Record<RollupGrain, AnalyticsTable> = {
  minute: tableNamed('analytics_ratelimits_per_minute'),
  hour: tableNamed('analytics_ratelimits_per_hour'),
  day: tableNamed('analytics_ratelimits_per_day'),
  month: tableNamed('analytics_ratelimits_per_month'),
};
const COARSER_GRAINS: readonly RollupGrain[] = ['hour', 'day', 'month'];

/** The columns a rollup upsert adds to, and the one it keeps the largest of. */
export const ROLLUP_SUMS = {
  verifications: ['count', 'spent_credits', 'latency_sum'],
  ratelimits: ['passed', 'total', 'latency_sum'],
} as const;
export const ROLLUP_MAX = ['latency_max'] as const;

/** The tags of most events: none. */
const NO_TAGS_JSON = canonicalTags([]);

const minuteStart = (time: number): number => time - (((time % 60_000) + 60_000) % 60_000);

/**
 * Finds a batch's groups by their grouping values (`path`, filled by the caller and reused between calls, so a lookup
 * allocates nothing): a map on one selective value (the key id, the identifier) to the few groups that share it,
 * compared value by value. Exact: no key string is built, so no value can be mistaken for a separator.
 */
class GroupIndex {
  private readonly bySelective = new Map<Value, Group[]>();
  readonly groups: Group[] = [];

  constructor(private readonly selective: number) {}

  find(path: readonly Value[]): Group {
    const selective = path[this.selective]!;
    let candidates = this.bySelective.get(selective);
    if (candidates === undefined) {
      candidates = [];
      this.bySelective.set(selective, candidates);
    }
    for (const candidate of candidates) if (sameValues(candidate.key, path)) return candidate;
    const group: Group = { key: path.slice(), sums: [0, 0, 0], max: Number.NEGATIVE_INFINITY };
    candidates.push(group);
    this.groups.push(group);
    return group;
  }
}

function sameValues(a: readonly Value[], b: readonly Value[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A rollup row of either source: its grouping values in the table's `groupBy` order, then its measures. */
interface Group {
  key: Value[];
  sums: [number, number, number];
  max: number;
}

/** Orders groups by their grouping values, the same on every node, so concurrent upserts lock rows in one order. */
function compareGroups(a: Group, b: Group): number {
  for (let i = 0; i < a.key.length; i++) {
    const x = a.key[i]!;
    const y = b.key[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Column `index` of the table holds grouping value `keyIndex`, sum `sumIndex`, or the max: a plan to lay groups out as columns. */
type ColumnSource = { key: number } | { sum: number } | { max: true };

function columnSources(table: AnalyticsTable): ColumnSource[] {
  const sums: readonly string[] = ROLLUP_SUMS[table.source];
  return Object.keys(table.columns).map((column): ColumnSource => {
    const key = table.groupBy.indexOf(column);
    if (key >= 0) return { key };
    const sum = sums.indexOf(column);
    if (sum >= 0) return { sum };
    if (column === ROLLUP_MAX[0]) return { max: true };
    throw new Error(`rollup column ${table.physicalName}.${column} has no source`);
  });
}

const SOURCES = new Map<AnalyticsTable, ColumnSource[]>(
  [...Object.values(VERIFICATIONS_ROLLUP), ...Object.values(RATELIMITS_ROLLUP)].map((t) => [t, columnSources(t)]),
);

function rollupColumns(table: AnalyticsTable, groups: Group[]): ColumnRows {
  groups.sort(compareGroups);
  const sources = SOURCES.get(table)!;
  const values = sources.map((source) => {
    if ('key' in source) return groups.map((g) => g.key[source.key]!);
    if ('sum' in source) return groups.map((g) => g.sums[source.sum]!);
    return groups.map((g) => g.max);
  });
  return { table, columns: Object.keys(table.columns), values, count: groups.length };
}

/** Folds minute groups into the coarser grains: a handful of groups, so a key array per group costs nothing. */
function coarser(minutes: Group[], timeAt: number, selective: number, grain: RollupGrain): Group[] {
  const index = new GroupIndex(selective);
  const path: Value[] = [];
  for (const minute of minutes) {
    for (let i = 0; i < minute.key.length; i++) path[i] = minute.key[i]!;
    path[timeAt] = bucketStart(minute.key[timeAt] as number, grain);
    const group = index.find(path);
    group.sums[0] += minute.sums[0];
    group.sums[1] += minute.sums[1];
    group.sums[2] += minute.sums[2];
    if (minute.max > group.max) group.max = minute.max;
  }
  return index.groups;
}

function allGrains(rollups: Record<RollupGrain, AnalyticsTable>, minutes: Group[], selective: number): ColumnRows[] {
  const timeAt = rollups.minute.groupBy.indexOf('time');
  const minute = rollupColumns(rollups.minute, minutes);
  const firstMinute = minutes[0]!.key[timeAt] as number;
  if (minutes.every((group) => group.key[timeAt] === firstMinute)) {
    // The usual batch (a second or so of events) falls in one minute: then its hour, day and month groups are its
    // minute groups with the coarser time, in the same order, and need no folding.
    const timeColumn = Object.keys(rollups.minute.columns).indexOf('time');
    return [
      minute,
      ...COARSER_GRAINS.map((grain): ColumnRows => {
        const values = minute.values.slice();
        values[timeColumn] = new Array<Value>(minute.count).fill(bucketStart(firstMinute, grain));
        return { table: rollups[grain], columns: minute.columns, values, count: minute.count };
      }),
    ];
  }
  return [minute, ...COARSER_GRAINS.map((grain) => rollupColumns(rollups[grain], coarser(minutes, timeAt, selective, grain)))];
}

/** `next()` answers each of the `count` events in turn (an array's, or a packed batch's reader, read before the next call). */
function foldVerifications(count: number, next: () => VerificationEvent): ColumnRows[] {
  // The key id tells most groups apart.
  const index = new GroupIndex(3);
  // In the rollup's groupBy order: workspace_id, time, key_space_id, key_id, identity_id, external_id, outcome, tags.
  const path: Value[] = ['', 0, '', '', '', '', '', ''];
  for (let i = 0; i < count; i++) {
    const e = next();
    const canonical = e.tags.length === 0 ? NO_TAGS_JSON : canonicalTags(e.tags);
    path[0] = e.workspaceId;
    path[1] = minuteStart(e.time);
    path[2] = e.keySpaceId;
    path[3] = e.keyId;
    path[4] = e.identityId;
    path[5] = e.externalId;
    path[6] = e.outcome;
    path[7] = canonical;
    const group = index.find(path);
    group.sums[0] += 1;
    group.sums[1] += e.spentCredits;
    group.sums[2] += e.latency;
    if (e.latency > group.max) group.max = e.latency;
  }
  return allGrains(VERIFICATIONS_ROLLUP, index.groups, 3);
}

function foldRatelimits(count: number, next: () => RatelimitEvent): ColumnRows[] {
  // The identifier tells most groups apart.
  const index = new GroupIndex(3);
  // In the rollup's groupBy order: workspace_id, time, namespace_id, identifier.
  const path: Value[] = ['', 0, '', ''];
  for (let i = 0; i < count; i++) {
    const e = next();
    const pass = e.passed ? 1 : 0;
    path[0] = e.workspaceId;
    path[1] = minuteStart(e.time);
    path[2] = e.namespaceId;
    path[3] = e.identifier;
    const group = index.find(path);
    group.sums[0] += pass;
    group.sums[1] += 1;
    group.sums[2] += e.latency;
    if (e.latency > group.max) group.max = e.latency;
  }
  return allGrains(RATELIMITS_ROLLUP, index.groups, 3);
}

/** Every rollup's rows of a batch: verifications first, then rate limits; tables without rows are left out. */
export function foldBatch(batch: AnalyticsBatch): ColumnRows[] {
  const { verifications, ratelimits } = batch;
  let v = 0;
  let r = 0;
  const tables: ColumnRows[] = [];
  if (verifications.length > 0) tables.push(...foldVerifications(verifications.length, () => verifications[v++]!));
  if (ratelimits.length > 0) tables.push(...foldRatelimits(ratelimits.length, () => ratelimits[r++]!));
  return tables;
}

/** The same for a packed batch (src/analytics/packed-batch.ts), read in place: no object is built per event, no request id read. */
export function foldPacked(packed: PackedBatch): ColumnRows[] {
  const reader = new PackedBatchReader(packed, { requestIds: false });
  const tables: ColumnRows[] = [];
  if (packed.verifications > 0) tables.push(...foldVerifications(packed.verifications, () => reader.nextVerification()));
  if (packed.ratelimits > 0) tables.push(...foldRatelimits(packed.ratelimits, () => reader.nextRatelimit()));
  return tables;
}
