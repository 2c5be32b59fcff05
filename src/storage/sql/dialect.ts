import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { isPostgresUrl } from '../../core/database-url.js';
import type { Engine } from '../store.js';
import type { Tables } from './tables.js';

/**
 * Everything that differs between SQLite and PostgreSQL lives here, so no other file asks
 * "which engine am I on?".
 */
export interface SqlDialect {
  engine: Engine;
  /** SQL that aggregates `expr` over the rows of a subquery into a JSON array (NULL or [] when empty). */
  jsonArrayAgg(expr: string): string;
  /** SQL that builds a JSON object from `name -> column expression` pairs. */
  jsonObject(fields: Record<string, string>): string;
  isUniqueViolation(error: unknown): boolean;
  /** The schema Keyward's tables live in (PostgreSQL's search_path); undefined where there are no schemas. */
  currentSchema(db: Kysely<any>): Promise<string | undefined>;
  /** Runs `work` while no other process migrates the same database (PostgreSQL: Kysely's advisory lock suffices). */
  withMigrationLock<T>(work: () => Promise<T>): Promise<T>;
}

const sqliteDialect: SqlDialect = {
  engine: 'sqlite',
  jsonArrayAgg: (expr) => `json_group_array(${expr})`,
  jsonObject: (fields) =>
    `json_object(${Object.entries(fields).map(([k, v]) => `'${k}', ${v}`).join(', ')})`,
  isUniqueViolation: (error) =>
    typeof error === 'object' && error !== null && String((error as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT'),
  currentSchema: async () => undefined,
  withMigrationLock: (work) => work(),
};

const postgresDialect: SqlDialect = {
  engine: 'postgres',
  jsonArrayAgg: (expr) => `json_agg(${expr})`,
  jsonObject: (fields) =>
    `json_build_object(${Object.entries(fields).map(([k, v]) => `'${k}', ${v}`).join(', ')})`,
  isUniqueViolation: (error) =>
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505',
  currentSchema: async (db) => (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db)).rows[0]?.schema,
  withMigrationLock: (work) => work(),
};

/**
 * Kysely takes no migration lock on SQLite (it assumes one connection), so two processes opening one new file at
 * once would both create the tables. They serialize on an exclusive transaction in a sibling lock file instead;
 * waiting is polled asynchronously, because better-sqlite3's own busy wait would block the event loop.
 */
async function withSqliteFileLock<T>(databaseFile: string, work: () => Promise<T>): Promise<T> {
  const lock = new Database(`${databaseFile}.migrate-lock`);
  try {
    lock.pragma('busy_timeout = 0');
    for (let waited = 0; ; waited += 25) {
      try {
        lock.exec('BEGIN EXCLUSIVE');
        break;
      } catch (error) {
        if (!String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY') || waited > 60_000) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    try {
      return await work();
    } finally {
      lock.exec('COMMIT');
    }
  } finally {
    lock.close();
  }
}

export interface OpenedDatabase {
  db: Kysely<Tables>;
  dialect: SqlDialect;
  /** SQLite only: the better-sqlite3 handle under Kysely's single connection, for work that must be synchronous. */
  sqlite?: Database.Database;
}

/** `postgres://` or `postgresql://` selects PostgreSQL; anything else is a SQLite file path. */
export function openDatabase(url: string): OpenedDatabase {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: 20,
      // Times and credits are int8; they fit a JS number (< 2^53), so parse them as numbers.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as never,
      },
    });
    return { db: new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) }), dialect: postgresDialect };
  }
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a killed process; only an OS crash can lose the last commits.
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const dialect: SqlDialect =
    file === ':memory:' ? sqliteDialect : { ...sqliteDialect, withMigrationLock: (work) => withSqliteFileLock(file, work) };
  return { db: new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }), dialect, sqlite: database };
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing the verify lookup costs about three times running it
 * (bench/RESULTS.md). Statements are kept by SQL text (bounded: IN lists make some texts one-off). A statement still
 * busy in an open iterator is never handed out twice.
 */
function withStatementCache(database: Database.Database, maxStatements = 500) {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string): Database.Statement {
      const cached = statements.get(text);
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(text);
      if (statements.size >= maxStatements) statements.delete(statements.keys().next().value!);
      statements.set(text, statement);
      return statement;
    },
  };
}
