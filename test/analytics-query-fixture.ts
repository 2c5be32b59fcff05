import Database from 'better-sqlite3';
import pg from 'pg';
import { ANALYTICS_TABLES, type ColumnType } from '../src/analytics/schema.js';
import {
  AnalyticsLimitExceeded,
  type AnalyticsQueryLimits,
  type AnalyticsStore,
  type CompiledAnalyticsQuery,
} from '../src/analytics/store.js';
import type { AnalyticsEngine } from '../src/analytics/query/sql-writer.js';
import { freshPostgresSchema } from './harness.js';

/**
 * A small stand-in for the analytics tables, ONLY for the query translator's and the analytics routes' tests: the
 * physical tables of src/analytics/schema.ts in a fresh in-memory SQLite database or a fresh PostgreSQL schema, rows
 * inserted as given, and compiled queries executed as AnalyticsStore.query would (read-only, row cap; on
 * PostgreSQL also the statement timeout). Once the real stores are merged, route tests can open one of them instead
 * and write their rows through it.
 *
 * Two of Keyward's own tables (`keys`, `root_keys`) hold a secret each, so a test can show a query cannot reach them.
 */

const SQL_TYPES: Record<AnalyticsEngine, Record<ColumnType, string>> = {
  sqlite: { text: 'TEXT', integer: 'INTEGER', real: 'REAL', tags: 'TEXT' },
  postgres: { text: 'text', integer: 'bigint', real: 'double precision', tags: 'text' },
};

export const FIXTURE_SECRET = 'secret-that-must-never-be-returned';

export interface AnalyticsFixture {
  engine: AnalyticsEngine;
  insert(physicalName: string, rows: Record<string, unknown>[]): Promise<void>;
  /** Runs a compiled query as the stores do; rejects as they do. */
  run(statement: CompiledAnalyticsQuery, limits?: AnalyticsQueryLimits): Promise<Record<string, unknown>[]>;
  /** The query side of an AnalyticsStore over this fixture (what the analytics service uses). */
  store: Pick<AnalyticsStore, 'query'>;
  close(): Promise<void>;
}

const DEFAULT_LIMITS: AnalyticsQueryLimits = { timeoutMs: 5_000, maxRows: 10_000 };

function createStatements(engine: AnalyticsEngine): string[] {
  const tables = ANALYTICS_TABLES.map((table) => {
    const columns = Object.entries(table.columns).map(([name, type]) => `"${name}" ${SQL_TYPES[engine][type]} NOT NULL`);
    return `CREATE TABLE "${table.physicalName}" (${columns.join(', ')})`;
  });
  return [
    ...tables,
    'CREATE TABLE "keys" ("id" TEXT, "workspace_id" TEXT, "hash" TEXT)',
    'CREATE TABLE "root_keys" ("id" TEXT, "workspace_id" TEXT, "hash" TEXT)',
  ];
}

export async function openAnalyticsFixture(engine: AnalyticsEngine): Promise<AnalyticsFixture> {
  const fixture = engine === 'sqlite' ? openSqlite() : await openPostgres();
  for (const table of ['keys', 'root_keys']) {
    await fixture.insert(table, [{ id: `${table}_1`, workspace_id: 'ws_a', hash: FIXTURE_SECRET }]);
  }
  return fixture;
}

function openSqlite(): AnalyticsFixture {
  const db = new Database(':memory:');
  for (const statement of createStatements('sqlite')) db.exec(statement);
  const run = async (statement: CompiledAnalyticsQuery, limits = DEFAULT_LIMITS) => {
    const prepared = db.prepare(statement.sql);
    // What the SQLite store guarantees by running on a read-only connection: the statement cannot write.
    if (!prepared.readonly) throw new Error('the compiled statement is not read-only');
    const rows: Record<string, unknown>[] = [];
    for (const row of prepared.iterate(...(statement.parameters as unknown[]))) {
      if (rows.length === limits.maxRows) throw new AnalyticsLimitExceeded('rows');
      rows.push(row as Record<string, unknown>);
    }
    return rows;
  };
  return {
    engine: 'sqlite',
    insert: async (table, rows) => {
      for (const row of rows) {
        const names = Object.keys(row);
        db.prepare(`INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(
          ...names.map((n) => row[n]),
        );
      }
    },
    run,
    store: { query: run },
    close: async () => {
      db.close();
    },
  };
}

/** int8 and numeric as JS numbers, as the stores answer them (count(*), sum(bigint)). */
const NUMERIC_TYPES = {
  getTypeParser: (oid: number, format?: string) =>
    oid === 20 || oid === 1700 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
};

async function openPostgres(): Promise<AnalyticsFixture> {
  const schema = await freshPostgresSchema();
  const pool = new pg.Pool({ connectionString: schema.url, max: 2, types: NUMERIC_TYPES as pg.CustomTypesConfig });
  for (const statement of createStatements('postgres')) await pool.query(statement);
  const run = async (statement: CompiledAnalyticsQuery, limits = DEFAULT_LIMITS) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(limits.timeoutMs))}`);
      const result = await client.query(statement.sql, statement.parameters as unknown[]);
      await client.query('COMMIT');
      if (result.rows.length > limits.maxRows) throw new AnalyticsLimitExceeded('rows');
      return result.rows as Record<string, unknown>[];
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      if ((error as { code?: string }).code === '57014') throw new AnalyticsLimitExceeded('time');
      throw error;
    } finally {
      client.release();
    }
  };
  return {
    engine: 'postgres',
    insert: async (table, rows) => {
      for (const row of rows) {
        const names = Object.keys(row);
        await pool.query(
          `INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
          names.map((n) => row[n]),
        );
      }
    },
    run,
    store: { query: run },
    close: async () => {
      await pool.end();
      await schema.drop();
    },
  };
}
