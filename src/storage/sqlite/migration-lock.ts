import Database from 'better-sqlite3';
import { createPrivateFile } from './file-modes.js';

/**
 * Kysely takes no migration lock on SQLite (it assumes one connection), so two processes opening one new file at
 * once would both create the tables. They serialize on an exclusive transaction in a sibling lock file instead;
 * waiting is polled asynchronously, because better-sqlite3's own busy wait would block the event loop.
 */
export async function withSqliteFileLock<T>(databaseFile: string, work: () => Promise<T>): Promise<T> {
  // 0600 like the database beside it (file-modes.ts), though it holds nothing.
  createPrivateFile(`${databaseFile}.migrate-lock`);
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
