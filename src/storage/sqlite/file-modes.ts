import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The SQLite files hold key hashes, ciphertexts and the audit log: readable by the service user only (issue 11,
 * finding 11). The directories made here are 0700; one that already exists is its owner's and is left as it is.
 */
export function createPrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // Made 0600 before SQLite opens it: SQLite gives the -wal and -shm files the database file's mode. An existing
  // file keeps its mode (see readableByOthers).
  closeSync(openSync(file, 'a', 0o600));
}

/**
 * The database and its -wal and -shm files that the group or others can read: made before Keyward created them 0600
 * (by an older version, or by hand). Left alone, as an operator may share them on purpose (a backup group); the
 * server names them in a warning at start.
 */
export function readableByOthers(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`].filter((path) => {
    try {
      return (statSync(path).mode & 0o077) !== 0;
    } catch {
      return false; // not there
    }
  });
}
