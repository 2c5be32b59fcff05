import Database from 'better-sqlite3';
import { type Driver, Kysely, SqliteDialect, sql } from 'kysely';
import type { OpenedDatabase, SqlDialect } from '../sql/dialect.js';
import type { Tables } from '../sql/tables.js';
import { createPrivateFile } from './file-modes.js';
import { withSqliteFileLock } from './migration-lock.js';
import { DEFAULT_SQLITE_MMAP_MB } from './mmap.js';
import { withStatementCache } from './statement-cache.js';

/** The dialect of one SQLite database: `arrayRowTexts` is what its statement cache reads rows of as arrays. */
const sqliteDialect = (arrayRowTexts: Set<string>): SqlDialect => ({
  engine: 'sqlite',
  jsonArrayAgg: (expr) => `json_group_array(${expr})`,
  jsonArray: (exprs) => `json_array(${exprs.join(', ')})`,
  jsonObject: (fields) =>
    `json_object(${Object.entries(fields)
      .map(([k, v]) => `'${k}', ${v}`)
      .join(', ')})`,
  oneOf: (column, values) => sql<boolean>`${sql.ref(column)} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
  isUniqueViolation: (error) =>
    typeof error === 'object' && error !== null && String((error as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT'),
  currentSchema: async () => undefined,
  withMigrationLock: (work) => work(),
  // Every statement is kept prepared already (statement-cache.ts).
  keepPrepared: () => undefined,
  readRowsAsArrays: (text) => {
    arrayRowTexts.add(text);
  },
});

/**
 * SQLite ends a transaction itself when a statement fails with a full disk (SQLITE_FULL) or an I/O error. Kysely then
 * sends ROLLBACK anyway, which fails with "cannot rollback - no transaction is active" and replaces the real error
 * (issue 12, finding 5). The rollback is skipped when SQLite has none open, so the caller sees SQLITE_FULL.
 */
class SqliteDialectKeepingCause extends SqliteDialect {
  constructor(
    private readonly database: Database.Database,
    config: ConstructorParameters<typeof SqliteDialect>[0],
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      if (this.database.inTransaction) await rollback(connection);
    };
    return driver;
  }
}

export interface SqliteOptions {
  /**
   * Bytes of the database file read through a memory map rather than read() into SQLite's own page cache
   * (KEYWARD_SQLITE_MMAP_MB; why and the default: mmap.ts, docs/decisions/0031 and 0035). 0: no map. Writes go
   * through the WAL either way.
   */
  mmapBytes?: number;
}

/**
 * The server's connection checkpoints the WAL itself only past this many pages (about 40 MB), a backstop: the
 * checkpoints are a worker thread's (checkpointer.ts), off the event loop, where SQLite's default of 1,000 pages ran
 * them inside a COMMIT on it.
 */
export const SQLITE_AUTOCHECKPOINT_PAGES = 10_000;

export function openSqlite(file: string, options: SqliteOptions = {}): OpenedDatabase {
  const mmapBytes = options.mmapBytes ?? DEFAULT_SQLITE_MMAP_MB * 1024 * 1024;
  if (!Number.isSafeInteger(mmapBytes) || mmapBytes < 0) throw new Error(`mmapBytes must be a whole number of bytes, got ${mmapBytes}`);
  if (file !== ':memory:') createPrivateFile(file);
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a killed process; only an OS crash can lose the last commits.
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  database.pragma('foreign_keys = ON');
  database.pragma(`mmap_size = ${mmapBytes}`);
  const arrayRowTexts = new Set<string>();
  const dialect: SqlDialect =
    file === ':memory:'
      ? sqliteDialect(arrayRowTexts)
      : { ...sqliteDialect(arrayRowTexts), withMigrationLock: (work) => withSqliteFileLock(file, work) };
  return {
    db: new Kysely<Tables>({
      dialect: new SqliteDialectKeepingCause(database, { database: withStatementCache(database, arrayRowTexts) }),
    }),
    dialect,
    sqlite: database,
  };
}
