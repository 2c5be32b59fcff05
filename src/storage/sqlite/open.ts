import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { OpenedDatabase, SqlDialect } from '../sql/dialect.js';
import type { Tables } from '../sql/tables.js';
import { createPrivateFile } from './file-modes.js';
import { withSqliteFileLock } from './migration-lock.js';
import { withStatementCache } from './statement-cache.js';

const sqliteDialect: SqlDialect = {
  engine: 'sqlite',
  jsonArrayAgg: (expr) => `json_group_array(${expr})`,
  jsonObject: (fields) =>
    `json_object(${Object.entries(fields)
      .map(([k, v]) => `'${k}', ${v}`)
      .join(', ')})`,
  isUniqueViolation: (error) =>
    typeof error === 'object' && error !== null && String((error as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT'),
  currentSchema: async () => undefined,
  withMigrationLock: (work) => work(),
};

export function openSqlite(file: string): OpenedDatabase {
  if (file !== ':memory:') createPrivateFile(file);
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
