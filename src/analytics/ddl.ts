import { ANALYTICS_TABLES, type AnalyticsTable, type ColumnType, ROLLUP_GRAINS } from './schema.js';
import { blockDdl, blockLayoutOf } from './blocks.js';

/**
 * The physical analytics tables (src/analytics/schema.ts) as CREATE statements for one engine: the SQLite analytics
 * file runs them (src/analytics/sqlite-file.ts); PostgreSQL's migrations 0006, 0008 and 0016 hold a copy of what they
 * were when each was written (src/storage/sql/migrations/0006_analytics.test.ts holds their sum equal to this).
 * Raw events are kept in blocks (src/analytics/blocks.ts), indexed for the typical queries (a workspace over time, a
 * key over time, a namespace over time); rollups get a primary key on their grouping columns, which the write's upsert conflicts on, and the verification
 * rollups an index for one API over time (schema 2: SQLite file version 2, PostgreSQL migration 0008), because their
 * primary key leads with the workspace and time, so "one API's days" otherwise reads every API's rows of the range.
 */

export type AnalyticsEngine = 'sqlite' | 'postgres';

const COLUMN_TYPES: Record<AnalyticsEngine, Record<ColumnType, string>> = {
  sqlite: { text: 'TEXT', integer: 'INTEGER', real: 'REAL', tags: 'TEXT' },
  postgres: { text: 'text', integer: 'bigint', real: 'double precision', tags: 'text' },
};

/**
 * Secondary indexes by physical table name: each a list of columns, named `<table>_<columns>` unless `name` says
 * otherwise (PostgreSQL cuts names at 63 bytes; the rollups' names would pass it).
 */
type IndexColumns = readonly string[] & { name?: string };
const named = (name: string, columns: readonly string[]): IndexColumns => Object.assign([...columns], { name });

const INDEXES: Record<string, readonly IndexColumns[]> = {
  ...Object.fromEntries(
    ROLLUP_GRAINS.map((grain) => {
      const table = `analytics_verifications_per_${grain}`;
      return [table, [named(`${table}_api_time`, ['workspace_id', 'key_space_id', 'time'])]] as const;
    }),
  ),
};

export const quoted = (name: string): string => `"${name}"`;

/** Percent of each PostgreSQL rollup page filled by inserts, the rest kept for updates in place (migration 0017). */
const ROLLUP_FILLFACTOR = 70;

export function tableDdl(table: AnalyticsTable, engine: AnalyticsEngine): string[] {
  const columns = Object.entries(table.columns).map(([name, type]) => `${quoted(name)} ${COLUMN_TYPES[engine][type]} NOT NULL`);
  if (table.groupBy.length > 0) columns.push(`PRIMARY KEY (${table.groupBy.map(quoted).join(', ')})`);
  const statements = [`CREATE TABLE IF NOT EXISTS ${quoted(table.physicalName)} (${columns.join(', ')})`];
  // Rollup rows are updated every write for as long as their bucket lasts (a month row all month). With room left on
  // each page PostgreSQL updates them in place (HOT: no new index entries, dead versions reclaimed as the page is
  // read); full pages made half the updates copy the row and index it again: 44% HOT against 98% at 70, a sixth of the
  // size, 13% less CPU (bench/RESULTS.md, "Session 16"). SQLite has no such setting.
  if (engine === 'postgres' && table.groupBy.length > 0)
    statements.push(`ALTER TABLE ${quoted(table.physicalName)} SET (fillfactor = ${ROLLUP_FILLFACTOR})`);
  for (const index of INDEXES[table.physicalName] ?? []) {
    const name = index.name ?? `${table.physicalName}_${index.join('_')}`;
    statements.push(`CREATE INDEX IF NOT EXISTS ${quoted(name)} ON ${quoted(table.physicalName)} (${index.map(quoted).join(', ')})`);
  }
  return statements;
}

/** Every analytics table and index, in schema.ts order; the raw tables as blocks and a view (src/analytics/blocks.ts). */
export const analyticsDdl = (engine: AnalyticsEngine): string[] =>
  ANALYTICS_TABLES.flatMap((table) => {
    const layout = blockLayoutOf(table);
    return layout ? blockDdl(layout, engine) : tableDdl(table, engine);
  });
