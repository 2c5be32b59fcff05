import { type AnalyticsEngine, quoted } from './ddl.js';
import { ANALYTICS_TABLES, type AnalyticsTable } from './schema.js';

/**
 * How both analytics stores keep raw events (docs/decisions/0040-sqlite-raw-events-in-blocks.md, and 0044 for
 * PostgreSQL): not a row per event, but a row per block: the events of one write that share their key (or
 * identifier), as one JSON array of per-event values beside the values they share. A view under the raw table's old
 * name expands blocks into one row per event with exactly the raw table's columns (src/analytics/schema.ts), so
 * queries read events as before; the query translator reads the blocks directly to use their indexes
 * (src/analytics/query/table-scope.ts).
 *
 * Why: a row per event cost about 10 us per event in B-tree inserts (the row and three index entries, one of them at a
 * random place per key), in SQLite's writer thread, which shares the server's core, and in PostgreSQL's backend
 * (bench/RESULTS.md, "Session 16"); a block of a key's events costs those once.
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
 * The per-event column `column` of the event `e` of block `b`, typed as the raw table's column. On SQLite `->>`
 * answers JSON's own types, but JSON keeps 2.0 as 2, and an integer would make `latency / 2` integer division; on
 * PostgreSQL it answers text, so every number is cast.
 */
function eventValue(layout: BlockLayout, column: string, engine: AnalyticsEngine): string {
  const at = layout.perEvent.indexOf(column);
  const type = layout.table.columns[column];
  const value = `e."value" ->> ${at}`;
  if (engine === 'sqlite') return type === 'real' ? `CAST(${value} AS REAL)` : value;
  return type === 'real' ? `CAST(${value} AS double precision)` : type === 'integer' ? `CAST(${value} AS bigint)` : `(${value})`;
}

/** A raw column as an expression over the blocks table (alias b) and the elements of its events (alias e). */
export const rawColumnSql = (layout: BlockLayout, column: string, engine: AnalyticsEngine): string =>
  layout.shared.includes(column) ? `b.${quoted(column)}` : eventValue(layout, column, engine);

/** Every raw column, in schema.ts order, named as the raw table's: the select list of the view and of the translator's subselect. */
export const rawColumnsSql = (layout: BlockLayout, engine: AnalyticsEngine): string =>
  Object.keys(layout.table.columns)
    .map((column) => `${rawColumnSql(layout, column, engine)} AS ${quoted(column)}`)
    .join(', ');

/** The blocks, each joined to its events: SQLite's json_each, PostgreSQL's json_array_elements (the column is text). */
export const blocksFromSql = (layout: BlockLayout, engine: AnalyticsEngine): string =>
  engine === 'sqlite'
    ? `${quoted(layout.blocks)} AS b, json_each(b."events") AS e`
    : `${quoted(layout.blocks)} AS b, json_array_elements(CAST(b."events" AS json)) AS e ("value")`;

/**
 * The blocks table and its indexes: the raw table's, with a block's last event time for `time`, so a time range finds
 * every block that may hold events in it, and one on the first time for the prune (blocks that hold anything older
 * than a cutoff).
 */
export function blockTableDdl(layout: BlockLayout, engine: AnalyticsEngine): string[] {
  const name = quoted(layout.blocks);
  const [text, integer] = engine === 'sqlite' ? ['TEXT', 'INTEGER'] : ['text', 'bigint'];
  const columns = [
    ...layout.shared.map((c) => `${quoted(c)} ${text} NOT NULL`),
    `"first_time" ${integer} NOT NULL`,
    `"last_time" ${integer} NOT NULL`,
    `"events" ${text} NOT NULL`,
  ];
  const indexes = [...layout.indexLeads.map((lead) => [...lead, 'last_time']), ['first_time']];
  return [
    `CREATE TABLE IF NOT EXISTS ${name} (${columns.join(', ')})`,
    ...indexes.map(
      (index) => `CREATE INDEX IF NOT EXISTS ${quoted(indexName(layout, index, engine))} ON ${name} (${index.map(quoted).join(', ')})`,
    ),
  ];
}

/**
 * `<blocks>_<columns>`; PostgreSQL cuts names at 63 bytes, which "analytics_verification_blocks_workspace_id_key_space_id_last_time"
 * passes, so there the columns go without their `_id`.
 */
const indexName = (layout: BlockLayout, columns: readonly string[], engine: AnalyticsEngine): string =>
  `${layout.blocks}_${(engine === 'sqlite' ? columns : columns.map((c) => c.replace(/_id$/, ''))).join('_')}`;

/** The view that shows the blocks' events as the raw table's rows. */
export const blockViewDdl = (layout: BlockLayout, engine: AnalyticsEngine): string =>
  `CREATE ${engine === 'sqlite' ? 'VIEW IF NOT EXISTS' : 'OR REPLACE VIEW'} ${quoted(layout.table.physicalName)} AS SELECT ${rawColumnsSql(layout, engine)} FROM ${blocksFromSql(layout, engine)}`;

/** The blocks table, its indexes and the view that shows its events as the raw table's rows. */
export const blockDdl = (layout: BlockLayout, engine: AnalyticsEngine): string[] => [
  ...blockTableDdl(layout, engine),
  blockViewDdl(layout, engine),
];

/** The blocks' columns, in blockTableDdl's order: what a block row is written as. */
export const blockColumnNames = (layout: BlockLayout): string[] => [...layout.shared, 'first_time', 'last_time', 'events'];
const blockColumns = (layout: BlockLayout): string => blockColumnNames(layout).map(quoted).join(', ');

/**
 * The single-row INSERT of a block, its values in blockColumns' order (src/analytics/block-encoder.ts): the
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
export function blocksFromRowsSql(layout: BlockLayout, source: string, spanMs: number, engine: AnalyticsEngine): string {
  const shared = layout.shared.map(quoted).join(', ');
  return (
    `INSERT INTO ${quoted(layout.blocks)} (${blockColumns(layout)}) ` +
    `SELECT ${shared}, min("time"), max("time"), ${eventsAggregate(layout, engine)} FROM ${quoted(source)} GROUP BY ${shared}, "time" / ${spanMs}`
  );
}

/** A group's events as the JSON text of an array of per-event arrays, in time order on PostgreSQL. */
function eventsAggregate(layout: BlockLayout, engine: AnalyticsEngine): string {
  // PostgreSQL prints a double's shortest exact form in JSON (extra_float_digits' default since version 12).
  if (engine === 'postgres') return `CAST(json_agg(json_build_array(${layout.perEvent.map(quoted).join(', ')}) ORDER BY "time") AS text)`;
  // Each event's array written as text: json_array() would print a REAL with 15 significant digits, printf's
  // alternate form prints enough to read the same double back.
  const values = layout.perEvent.map((column) => {
    const type = layout.table.columns[column];
    if (type === 'real') return `printf('%!.17g', ${quoted(column)})`;
    return type === 'integer' ? quoted(column) : `json_quote(${quoted(column)})`;
  });
  return `'[' || group_concat('[' || ${values.join(" || ',' || ")} || ']', ',') || ']'`;
}
