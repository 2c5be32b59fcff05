import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Copies of a SQLite file that servers keep writing to, for `keyward backup` and `keyward restore`.
 *
 * `VACUUM INTO` rather than the online backup API (better-sqlite3's `backup()`): it reads one snapshot in one read
 * transaction, so the copy is consistent and, in WAL mode, never makes a writer wait; the backup API copies page
 * batches and starts over whenever another process writes between two of them, which under steady writes may never
 * end. The copy holds every commit made before that snapshot, including those still in the -wal file (copying the
 * files by hand would miss them), as one self-contained file.
 */

/** Writes a consistent copy of `source` to `target` (0600, which must not exist); returns its size in bytes. */
export function copyLiveDatabase(source: string, target: string): number {
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  if (existsSync(target)) throw new Error(`${target} already exists; a backup never replaces a file`);
  // Made 0600 before SQLite writes into it, and renamed once complete: an interrupted copy never looks like a backup.
  const partial = `${target}.partial`;
  closeSync(openSync(partial, 'w', 0o600));
  chmodSync(partial, 0o600);
  try {
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare('VACUUM INTO ?').run(partial);
    } finally {
      db.close();
    }
    requireIntact(partial);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return statSync(target).size;
}

/** Throws unless `file` is a SQLite database that passes `quick_check` and holds `table`. */
export function requireSqliteWith(file: string, table: string): void {
  requireIntact(file);
  if (!tableNames(file).includes(table)) throw new Error(`${file} is not a Keyward backup (no ${table} table)`);
}

/** Whether `file` exists and holds any table. */
export function holdsData(file: string): boolean {
  return existsSync(file) && statSync(file).size > 0 && tableNames(file).length > 0;
}

/**
 * Whether another connection has `file` open (a running server keeps its connection for its lifetime). Leaving WAL
 * mode needs the only connection, so this asks for it: call it only on a file about to be replaced.
 */
export function openElsewhere(file: string): boolean {
  if (!existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
    return false;
  } catch (error) {
    if (String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')) return true;
    throw error;
  } finally {
    db.close();
  }
}

/** Puts a copy of `backup` in place of `target` (0600), with no -wal or -shm of the old file left to apply to it. */
export function replaceWith(backup: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const incoming = `${target}.restoring`;
  copyFileSync(backup, incoming);
  chmodSync(incoming, 0o600);
  for (const leftover of [`${target}-wal`, `${target}-shm`]) rmSync(leftover, { force: true });
  renameSync(incoming, target);
}

function requireIntact(file: string): void {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const result = db.pragma('quick_check', { simple: true });
    if (result !== 'ok') throw new Error(`${file} fails SQLite's quick_check: ${String(result)}`);
  } finally {
    db.close();
  }
}

function tableNames(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all()
      .map((name) => String(name));
  } finally {
    db.close();
  }
}
