import { quoted } from './ddl.js';
import { ANALYTICS_TABLES, type AnalyticsTable } from './schema.js';

/**
 * How the SQLite analytics file stores raw events (docs/decisions/0040-sqlite-raw-events-in-blocks.md): not a row per
 * event, but a row per block: the events of one write that share their key (or identifier), as one JSON array of
 * per-event values beside the values they share. A view under the raw table's old name expands blocks into one row
 * per event with exactly the raw table's columns (src/analytics/schema.ts), so queries read events as before; the
 * query translator reads the blocks directly to use their indexes (src/analytics/query/table-scope.ts).
 *
 * Why: a row per event cost the writer thread, which shares the server's core, about 10 us per event in B-tree
 * inserts (the row and three index entries, one of them at a random place per key); a block of a key's events costs
 * those once. PostgreSQL keeps a row per event: its writes run in the database's own processes.
 */

export interface BlockLayout {
  /** The raw table, as queries name it; also the name of the view. */
  table: AnalyticsTable;
  /** The table that holds the blocks. */
  blocks: string;
  /** Columns every event of a block has the same value of, stored once per block. */
  shared: readonly string[];
  /** The other columns, in the order of each event's JSON array; `time` first. */
  perEvent: readonly string[];
  /** The raw table's indexes (src/analytics/ddl.ts) without their last column, `time`: each gets `last_time` instead. */
  indexLeads: readonly (readonly string[])[];
}

const rawTable = (physicalName: string): AnalyticsTable => ANALYTICS_TABLES.find((t) => t.physicalName === physicalName)!;

export const BLOCK_LAYOUTS: readonly BlockLayout[] = [
  {
    table: rawTable('analytics_verifications'),
    blocks: 'analytics_verification_blocks',
    shared: ['workspace_id', 'key_space_id', 'key_id', 'identity_id', 'external_id'],
    perEvent: ['time', 'request_id', 'region', 'outcome', 'tags', 'spent_credits', 'latency'],
    indexLeads: [['workspace_id'], ['workspace_id', 'key_id'], ['workspace_id', 'key_space_id']],
  },
  {
    table: rawTable('analytics_ratelimits'),
    blocks: 'analytics_ratelimit_blocks',
    shared: ['workspace_id', 'namespace_id', 'identifier'],
    perEvent: ['time', 'request_id', 'passed', 'latency', 'override_id', 'region'],
    indexLeads: [['workspace_id'], ['workspace_id', 'namespace_id']],
  },
];

export const blockLayoutOf = (table: AnalyticsTable): BlockLayout | undefined => BLOCK_LAYOUTS.find((l) => l.table === table);
export const blockLayoutNamed = (physicalName: string): BlockLayout | undefined =>
  BLOCK_LAYOUTS.find((l) => l.table.physicalName === physicalName);

/**
 * The per-event column `column` of the event `e` of block `b`, typed as the raw table's column: JSON keeps 2.0 as 2,
 * and an integer would make `latency / 2` integer division.
 */
function eventValue(layout: BlockLayout, column: string): string {
  const at = layout.perEvent.indexOf(column);
  const type = layout.table.columns[column];
  const value = `e."value" ->> ${at}`;
  return type === 'real' ? `CAST(${value} AS REAL)` : value;
}

/** A raw column as an expression over the blocks table (alias b) and json_each of its events (alias e). */
export const rawColumnSql = (layout: BlockLayout, column: string): string =>
  layout.shared.includes(column) ? `b.${quoted(column)}` : eventValue(layout, column);

/** Every raw column, in schema.ts order, named as the raw table's: the select list of the view and of the translator's subselect. */
export const rawColumnsSql = (layout: BlockLayout): string =>
  Object.keys(layout.table.columns)
    .map((column) => `${rawColumnSql(layout, column)} AS ${quoted(column)}`)
    .join(', ');

export const blocksFromSql = (layout: BlockLayout): string => `${quoted(layout.blocks)} AS b, json_each(b."events") AS e`;

/**
 * The blocks table and its indexes: the raw table's, with a block's last event time for `time`, so a time range finds
 * every block that may hold events in it, and one on the first time for the prune (blocks that hold anything older
 * than a cutoff).
 */
export function blockTableDdl(layout: BlockLayout): string[] {
  const name = quoted(layout.blocks);
  const columns = [
    ...layout.shared.map((c) => `${quoted(c)} TEXT NOT NULL`),
    '"first_time" INTEGER NOT NULL',
    '"last_time" INTEGER NOT NULL',
    '"events" TEXT NOT NULL',
  ];
  const indexes = [...layout.indexLeads.map((lead) => [...lead, 'last_time']), ['first_time']];
  return [
    `CREATE TABLE IF NOT EXISTS ${name} (${columns.join(', ')})`,
    ...indexes.map(
      (index) => `CREATE INDEX IF NOT EXISTS ${quoted(`${layout.blocks}_${index.join('_')}`)} ON ${name} (${index.map(quoted).join(', ')})`,
    ),
  ];
}

/** The blocks table, its indexes and the view that shows its events as the raw table's rows. */
export const blockDdl = (layout: BlockLayout): string[] => [
  ...blockTableDdl(layout),
  `CREATE VIEW IF NOT EXISTS ${quoted(layout.table.physicalName)} AS SELECT ${rawColumnsSql(layout)} FROM ${blocksFromSql(layout)}`,
];

/** The blocks' columns, in blockTableDdl's order: what a block row is written as. */
const blockColumns = (layout: BlockLayout): string => [...layout.shared, 'first_time', 'last_time', 'events'].map(quoted).join(', ');

/**
 * The single-row INSERT of a block, its values in blockColumns' order (src/analytics/sqlite-block-encoder.ts): the
 * events arrive as UTF-8 JSON bytes, a blob, and are stored as the TEXT they spell.
 */
export const blockInsertSql = (layout: BlockLayout): string =>
  `INSERT INTO ${quoted(layout.blocks)} (${blockColumns(layout)}) VALUES (${Array(layout.shared.length + 2)
    .fill('?')
    .join(', ')}, CAST(? AS TEXT))`;

/**
 * An INSERT ... SELECT that packs rows with the raw table's columns, from `source`, into blocks: one per combination of
 * the shared values and `spanMs` of time. For rows that were not written as blocks: an older file's (src/analytics/
 * sqlite-file.ts) and the benchmark's bulk loader's (bench/lib/analytics-bulk.ts).
 */
export function blocksFromRowsSql(layout: BlockLayout, source: string, spanMs: number): string {
  const shared = layout.shared.map(quoted).join(', ');
  // Each event's array written as text: json_array() would print a REAL with 15 significant digits, printf's
  // alternate form prints enough to read the same double back.
  const values = layout.perEvent.map((column) => {
    const type = layout.table.columns[column];
    if (type === 'real') return `printf('%!.17g', ${quoted(column)})`;
    return type === 'integer' ? quoted(column) : `json_quote(${quoted(column)})`;
  });
  const events = `'[' || group_concat('[' || ${values.join(" || ',' || ")} || ']', ',') || ']'`;
  return (
    `INSERT INTO ${quoted(layout.blocks)} (${blockColumns(layout)}) ` +
    `SELECT ${shared}, min("time"), max("time"), ${events} FROM ${quoted(source)} GROUP BY ${shared}, "time" / ${spanMs}`
  );
}
