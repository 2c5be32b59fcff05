import pg from 'pg';
import { quoted } from '../../src/analytics/ddl.js';
import { ROLLUP_MAX, ROLLUP_SUMS } from '../../src/analytics/fold.js';
import { ANALYTICS_TABLES, type AnalyticsTable } from '../../src/analytics/schema.js';
import { blockLayoutOf, blocksFromRowsSql } from '../../src/analytics/blocks.js';
import { openAnalyticsConnection } from '../../src/analytics/sqlite-file.js';
import { startOfSql } from '../../src/analytics/query/time.js';
import { benchEventsSelect, type EventPlan } from './analytics-events.js';

/**
 * The analytics query benchmark's bulk loader (issue 14): stores the events of bench/lib/analytics-events.ts in an
 * empty store with a few set-based statements instead of the store's write(), so 10 million events take minutes, and
 * fills the rollups with what the write path gives them (src/analytics/fold.ts and
 * write-statements.ts: per grain and group, count and sums added, latency maximum). test/bench-analytics-bulk.test.ts
 * holds it equal to write() on both engines. For the benchmark only: it writes the store's tables directly.
 */

export type BulkTarget = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string };

export interface BulkLoadTimes {
  rawSeconds: number;
  rollupSeconds: number;
  analyzeSeconds: number;
}

const RAW = ANALYTICS_TABLES.find((t) => t.physicalName === 'analytics_verifications')!;
const ROLLUPS = ANALYTICS_TABLES.filter((t) => t.source === 'verifications' && t.kind !== 'raw');
/**
 * Both stores keep raw events in blocks (src/analytics/blocks.ts): the events go to a temporary table of the raw
 * columns first, and from there into blocks of a key's second, as the write path makes them at one write a second.
 */
const BLOCKS = blockLayoutOf(RAW)!;
const BULK_EVENTS = 'bulk_events';

/** The SQL of each load step, with named (SQLite) or numbered (PostgreSQL) parameters. */
export function bulkStatements(
  plan: EventPlan,
  engine: 'sqlite' | 'postgres',
): {
  raw: { sql: string; parameters: (string | number)[] };
  rollups: string[];
} {
  const parameters: (string | number)[] = [];
  const bind = (value: string | number) => {
    parameters.push(value);
    return engine === 'sqlite' ? `@p${parameters.length}` : `$${parameters.length}`;
  };
  const last = `CAST(${bind(plan.events - 1)} AS bigint)`;
  const series =
    engine === 'sqlite'
      ? `series(n) AS (SELECT 0 WHERE ${last} >= 0 UNION ALL SELECT n + 1 FROM series WHERE n < ${last})`
      : `series(n) AS (SELECT generate_series(0::bigint, ${last}))`;
  const columns = Object.keys(RAW.columns).map(quoted).join(', ');
  const raw = { sql: `INSERT INTO ${quoted(BULK_EVENTS)} (${columns}) ${benchEventsSelect(plan, series, bind)}`, parameters };
  return { raw, rollups: ROLLUPS.map((table) => rollupFromFiner(table, engine)) };
}

/**
 * One rollup filled from the next finer table (minute from raw rows, hour from minute, day from hour, month from day:
 * each bucket lies inside one bucket of the next grain), grouped on the rollup's key in its primary key's order
 * (appends, not scattered inserts). Counts and sums add up, maxima take the largest, as the write path's upserts do.
 */
function rollupFromFiner(table: AnalyticsTable, engine: 'sqlite' | 'postgres'): string {
  const source = table.kind === 'minute' ? RAW : ROLLUPS[ROLLUPS.indexOf(table) - 1]!;
  const fromRaw = source === RAW;
  const bucket = startOfSql(engine, '"time"', table.kind as 'minute' | 'hour' | 'day' | 'month');
  const value = (column: string): string => {
    if (column === 'time') return `${bucket} AS "time"`;
    if (table.groupBy.includes(column)) return quoted(column);
    if (column === 'count') return fromRaw ? 'count(*)' : 'sum("count")';
    if (column === 'latency_sum') return fromRaw ? 'sum("latency")' : 'sum("latency_sum")';
    if (column === 'latency_max') return fromRaw ? 'max("latency")' : 'max("latency_max")';
    if ((ROLLUP_SUMS.verifications as readonly string[]).includes(column)) return `sum(${quoted(column)})`;
    throw new Error(`no bulk rule for ${table.physicalName}.${column}`);
  };
  // Every rollup column has a rule above; a new one (a new sum or maximum in src/analytics/fold.ts) fails loudly instead.
  for (const column of [...ROLLUP_SUMS.verifications, ...ROLLUP_MAX]) value(column);
  const columns = Object.keys(table.columns);
  const key = table.groupBy.map((column) => (column === 'time' ? bucket : quoted(column))).join(', ');
  const from = fromRaw ? BULK_EVENTS : source.physicalName;
  return `INSERT INTO ${quoted(table.physicalName)} (${columns.map(quoted).join(', ')}) SELECT ${columns.map(value).join(', ')} FROM ${quoted(from)} GROUP BY ${key} ORDER BY ${key}`;
}

/** Loads `plan`'s events into an empty store; `analyze` then gathers the planner's statistics. */
export async function bulkLoad(target: BulkTarget, plan: EventPlan, options: { analyze: boolean }): Promise<BulkLoadTimes> {
  const { raw, rollups } = bulkStatements(plan, target.engine);
  const times: BulkLoadTimes = { rawSeconds: 0, rollupSeconds: 0, analyzeSeconds: 0 };
  const timed = async (field: keyof BulkLoadTimes, work: () => unknown) => {
    const started = performance.now();
    await work();
    times[field] += (performance.now() - started) / 1000;
  };
  const timedSync = (field: keyof BulkLoadTimes, work: () => unknown) => {
    const started = performance.now();
    work();
    times[field] += (performance.now() - started) / 1000;
  };
  const tables = [RAW, ...ROLLUPS].map((t) => quoted(t.physicalName));
  if (target.engine === 'sqlite') {
    const db = openAnalyticsConnection(target.file);
    try {
      // A big page cache for the index builds, and the sorts of the GROUP BYs in memory rather than in temporary files.
      db.pragma('cache_size = -1000000');
      db.pragma('temp_store = MEMORY');
      const empty = (db.prepare(`SELECT count(*) AS n FROM ${quoted(RAW.physicalName)}`).get() as { n: number }).n === 0;
      if (!empty) throw new Error('the bulk loader fills an empty analytics store only');
      const named = Object.fromEntries(raw.parameters.map((value, i) => [`p${i + 1}`, value]));
      // The blocks' indexes are built once after the insert (a sort) instead of row by row: the same indexes,
      // whichever the schema has (src/analytics/blocks.ts), far faster for millions of rows.
      const indexes = db
        .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`)
        .all(BLOCKS.blocks) as { name: string; sql: string }[];
      db.exec(`CREATE TEMP TABLE ${quoted(BULK_EVENTS)} AS SELECT * FROM ${quoted(RAW.physicalName)} WHERE 0`);
      db.transaction(() => {
        for (const index of indexes) db.exec(`DROP INDEX ${quoted(index.name)}`);
        timedSync('rawSeconds', () => {
          db.prepare(raw.sql).run(named);
          db.exec(blocksFromRowsSql(BLOCKS, BULK_EVENTS, 1_000, 'sqlite'));
          for (const index of indexes) db.exec(index.sql);
        });
        timedSync('rollupSeconds', () => {
          for (const statement of rollups) db.exec(statement);
        });
      }).immediate();
      db.exec(`DROP TABLE ${quoted(BULK_EVENTS)}`);
      if (options.analyze) {
        timedSync('analyzeSeconds', () => {
          for (const table of [quoted(BLOCKS.blocks), ...tables.slice(1)]) db.exec(`ANALYZE ${table}`);
        });
      }
    } finally {
      db.close();
    }
    return times;
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${quoted(RAW.physicalName)}`);
    if (rows[0].n !== 0) throw new Error('the bulk loader fills an empty analytics store only');
    await client.query('BEGIN');
    // Room for the rollups' grouping and the index builds in memory; local to this transaction.
    await client.query(`SET LOCAL work_mem = '256MB'`);
    await client.query(`SET LOCAL maintenance_work_mem = '512MB'`);
    // As on SQLite: the blocks' indexes (whichever the migrations made) dropped, then built once after the insert.
    const indexes = await client.query<{ name: string; definition: string }>(
      'SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1',
      [BLOCKS.blocks],
    );
    for (const index of indexes.rows) await client.query(`DROP INDEX ${quoted(index.name)}`);
    await client.query(`CREATE TEMP TABLE ${quoted(BULK_EVENTS)} ON COMMIT DROP AS SELECT * FROM ${quoted(RAW.physicalName)} WHERE false`);
    await timed('rawSeconds', async () => {
      await client.query(raw.sql, raw.parameters);
      await client.query(blocksFromRowsSql(BLOCKS, BULK_EVENTS, 1_000, 'postgres'));
      for (const index of indexes.rows) await client.query(index.definition);
    });
    await timed('rollupSeconds', async () => {
      for (const statement of rollups) await client.query(statement);
    });
    await client.query('COMMIT');
    if (options.analyze)
      await timed('analyzeSeconds', () => client.query(`ANALYZE ${[quoted(BLOCKS.blocks), ...tables.slice(1)].join(', ')}`));
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return times;
}

/** Bytes the verification tables and their indexes take once loaded: the analytics file (SQLite), the tables' total relation sizes (PostgreSQL). */
export async function storedBytes(target: BulkTarget): Promise<number> {
  if (target.engine === 'sqlite') {
    const db = openAnalyticsConnection(target.file);
    try {
      // Into the main file first, so its size is the whole of it.
      db.pragma('wal_checkpoint(TRUNCATE)');
      return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    const names = [BLOCKS.blocks, ...ROLLUPS.map((t) => t.physicalName)];
    const { rows } = await client.query(
      `SELECT sum(pg_total_relation_size(quote_ident(name)))::bigint AS bytes FROM unnest($1::text[]) AS name`,
      [names],
    );
    return Number(rows[0].bytes);
  } finally {
    await client.end();
  }
}
