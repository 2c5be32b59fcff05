import Database from 'better-sqlite3';
import { createPrivateFile } from '../storage/sqlite/file-modes.js';
import { analyticsDdl, quoted } from './ddl.js';
import { BLOCK_LAYOUTS, blocksFromRowsSql, blockTableDdl } from './blocks.js';

/**
 * The SQLite analytics file (docs/decisions/0014-analytics-in-keywards-own-stores.md): apart from the main database,
 * so analytics writes never hold its write lock. Made 0600 as the main file (storage/sqlite/file-modes.ts), in WAL
 * mode, and brought to the current schema at open; `user_version` says which schema it has.
 */

/**
 * 1: the tables of docs/decisions/0014. 2: the verification rollups' index for one API over time (src/analytics/ddl.ts,
 * as PostgreSQL's migration 0008). 3: raw events in blocks behind views (src/analytics/blocks.ts); an older
 * file's raw rows are moved into blocks first. Every statement of ddl.ts is IF NOT EXISTS, so bringing an older file
 * up runs them all and makes only what it lacks.
 */
const SCHEMA_VERSION = 3;

/** Opens a connection with the settings every analytics connection uses. */
export function openAnalyticsConnection(file: string, options: { readonly?: boolean } = {}): Database.Database {
  const db = new Database(file, { fileMustExist: true, readonly: options.readonly === true });
  db.pragma('busy_timeout = 5000');
  if (options.readonly) db.pragma('query_only = ON');
  else db.pragma('synchronous = NORMAL');
  return db;
}

/** Creates the file (0600) and its tables when absent, and migrates an older schema. */
export function prepareAnalyticsFile(file: string): void {
  createPrivateFile(file);
  const db = openAnalyticsConnection(file);
  try {
    db.pragma('journal_mode = WAL');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Error(`${file} has analytics schema ${version}, newer than this Keyward's ${SCHEMA_VERSION}`);
    if (version < SCHEMA_VERSION) {
      db.transaction(() => {
        moveRawRowsIntoBlocks(db);
        for (const statement of analyticsDdl('sqlite')) db.exec(statement);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
  } finally {
    db.close();
  }
}

/**
 * Schema 3: each raw table of an older file becomes blocks, one per key (or identifier) and minute, and is dropped,
 * so its view can take its name. Runs inside the upgrade's transaction: a failure leaves the file as it was.
 */
function moveRawRowsIntoBlocks(db: Database.Database): void {
  const isTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck();
  for (const layout of BLOCK_LAYOUTS) {
    if (isTable.get(layout.table.physicalName) === undefined) continue;
    for (const statement of blockTableDdl(layout, 'sqlite')) db.exec(statement);
    db.exec(blocksFromRowsSql(layout, layout.table.physicalName, 60_000, 'sqlite'));
    db.exec(`DROP TABLE ${quoted(layout.table.physicalName)}`);
  }
}
