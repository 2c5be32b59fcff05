import { type AnalyticsEngine, quoted } from './ddl.js';
import { ROLLUP_MAX, ROLLUP_SUMS } from './fold.js';
import { type BlockLayout, blockColumnNames } from './blocks.js';
import type { AnalyticsTable, ColumnType } from './schema.js';

/**
 * The SQL text that writes a folded batch's rows (src/analytics/fold.ts) into one table: a raw table's rows are
 * inserted, a rollup's are upserted, adding to the sums and keeping the larger maximum. Text only, the same for every
 * batch of a shape, so each engine prepares it once (src/analytics/sqlite-write.ts, src/analytics/postgres-write.ts).
 */

/** SQLite's two-argument max() is scalar; PostgreSQL's is greatest(). */
const LARGER: Record<AnalyticsEngine, string> = { sqlite: 'max', postgres: 'greatest' };

function conflictClause(table: AnalyticsTable, engine: AnalyticsEngine): string {
  if (table.groupBy.length === 0) return '';
  const name = quoted(table.physicalName);
  const updates = [
    ...ROLLUP_SUMS[table.source].map((c) => `${quoted(c)} = ${name}.${quoted(c)} + excluded.${quoted(c)}`),
    ...ROLLUP_MAX.map((c) => `${quoted(c)} = ${LARGER[engine]}(${name}.${quoted(c)}, excluded.${quoted(c)})`),
  ];
  return ` ON CONFLICT (${table.groupBy.map(quoted).join(', ')}) DO UPDATE SET ${updates.join(', ')}`;
}

const columnList = (table: AnalyticsTable): string => Object.keys(table.columns).map(quoted).join(', ');

/** SQLite: `rows` rows of positional parameters, row after row. */
export function sqliteInsert(table: AnalyticsTable, rows: number): string {
  const row = `(${Object.keys(table.columns)
    .map(() => '?')
    .join(', ')})`;
  return `INSERT INTO ${quoted(table.physicalName)} (${columnList(table)}) VALUES ${Array(rows).fill(row).join(', ')}${conflictClause(table, 'sqlite')}`;
}

/** How each column type is read back from JSON text in PostgreSQL. */
const FROM_JSON_TEXT: Record<ColumnType, string> = { text: 'text', tags: 'text', integer: 'bigint', real: 'double precision' };

/**
 * PostgreSQL: one statement for all the rows, whatever their number. Parameter n is column n's values as a JSON array
 * (JSON.stringify is native and the server parses it once), expanded side by side by ROWS FROM, so the statement
 * text never changes and is prepared once per connection.
 */
export function postgresInsert(table: AnalyticsTable): string {
  const columns = Object.entries(table.columns);
  const expanded = columns.map((_, i) => `json_array_elements_text($${i + 1}::json)`).join(', ');
  const aliases = columns.map(([name]) => quoted(name)).join(', ');
  const typed = columns.map(([name, type]) => `r.${quoted(name)}::${FROM_JSON_TEXT[type]}`).join(', ');
  return `INSERT INTO ${quoted(table.physicalName)} (${columnList(table)}) SELECT ${typed} FROM ROWS FROM (${expanded}) AS r (${aliases})${conflictClause(table, 'postgres')}`;
}

/**
 * PostgreSQL: a raw table's blocks (src/analytics/blocks.ts), as src/analytics/postgres-write.ts sends them: the
 * shared values, first and last times, and each block's offset and length as JSON arrays, expanded side by side, and
 * the events of all blocks as the last parameter, bytes each block's text is cut from.
 */
export function postgresBlockInsert(layout: BlockLayout): string {
  const columns = blockColumnNames(layout);
  const given = [...layout.shared, 'first_time', 'last_time', 'offset', 'length'];
  const expanded = given.map((_, i) => `json_array_elements_text($${i + 1}::json)`).join(', ');
  const bytes = `$${given.length + 1}::bytea`;
  const values = [
    ...layout.shared.map((name) => `r.${quoted(name)}`),
    'CAST(r."first_time" AS bigint)',
    'CAST(r."last_time" AS bigint)',
    `convert_from(substring(${bytes} FROM CAST(r."offset" AS integer) + 1 FOR CAST(r."length" AS integer)), 'UTF8')`,
  ];
  return `INSERT INTO ${quoted(layout.blocks)} (${columns.map(quoted).join(', ')}) SELECT ${values.join(', ')} FROM ROWS FROM (${expanded}) AS r (${given.map(quoted).join(', ')})`;
}
