import type Database from 'better-sqlite3';
import type { Kysely, RawBuilder } from 'kysely';
import { isPostgresUrl } from '../../core/database-url.js';
import { openPostgres, type PostgresOptions } from '../postgres/open.js';
import { openSqlite, type SqliteOptions } from '../sqlite/open.js';
import type { Engine } from '../store.js';
import type { Tables } from './tables.js';

/**
 * Everything that differs between SQLite and PostgreSQL in the SQL the areas write, so no area asks "which engine
 * am I on?". Each engine implements it, and opens its connections, in its own folder (sqlite/open.ts, postgres/open.ts).
 */
export interface SqlDialect {
  engine: Engine;
  /** SQL that aggregates `expr` over the rows of a subquery into a JSON array (NULL or [] when empty). */
  jsonArrayAgg(expr: string): string;
  /** SQL that builds a JSON array of the values of `exprs`, in their order (SQL NULL as JSON null). */
  jsonArray(exprs: readonly string[]): string;
  /** SQL that builds a JSON object from `name -> column expression` pairs. */
  jsonObject(fields: Record<string, string>): string;
  /**
   * True where the text `column` equals one of `values`, which are bound as one parameter: the statement's text is the
   * same for any number of values, so it stays prepared (SQLite: a JSON array read by json_each; PostgreSQL: a text[]).
   */
  oneOf(column: string, values: readonly string[]): RawBuilder<boolean>;
  isUniqueViolation(error: unknown): boolean;
  /** The schema Keyward's tables live in (PostgreSQL's search_path); undefined where there are no schemas. */
  // biome-ignore lint/suspicious/noExplicitAny: asked before and after migrations, of whatever schema the database has
  currentSchema(db: Kysely<any>): Promise<string | undefined>;
  /** Runs `work` while no other process migrates the same database (PostgreSQL: Kysely's advisory lock suffices). */
  withMigrationLock<T>(work: () => Promise<T>): Promise<T>;
  /**
   * A statement text run on every verification, to be parsed and planned once per connection rather than once per call
   * (PostgreSQL: sent as a named statement, postgres/named-statements.ts; SQLite keeps every statement prepared).
   */
  keepPrepared(text: string): void;
  /**
   * A statement text whose rows are to come back as arrays of their values, in the order of its select list, instead
   * of objects keyed by column name: for a page of wide rows, the driver building an object per row costs more than
   * SQLite reading it (docs/decisions/0033). Registered by the code for a few fixed texts; every other statement's rows
   * stay objects (SQLite: better-sqlite3's raw mode, statement-cache.ts; PostgreSQL: node-postgres's rowMode 'array',
   * postgres/guarded-pool.ts).
   */
  readRowsAsArrays(text: string): void;
}

export interface OpenedDatabase {
  db: Kysely<Tables>;
  dialect: SqlDialect;
  /** SQLite only: the better-sqlite3 handle under Kysely's single connection, for work that must be synchronous. */
  sqlite?: Database.Database;
  /** PostgreSQL only: whether it answers, as the pool sees it (postgres/guarded-pool.ts). */
  health?: { readonly up: boolean };
}

/**
 * `postgres://` or `postgresql://` selects PostgreSQL; anything else is a SQLite file path. `postgres`: the server's
 * timeouts (postgres/open.ts); absent, PostgreSQL statements have none (migrations, one-off commands).
 */
export function openDatabase(url: string, postgres?: PostgresOptions, sqlite?: SqliteOptions): OpenedDatabase {
  return isPostgresUrl(url) ? openPostgres(url, postgres) : openSqlite(url.replace(/^sqlite:(\/\/)?/, ''), sqlite);
}
