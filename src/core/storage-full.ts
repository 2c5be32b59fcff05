/**
 * Whether a failure is the disk (or the database server's disk) being full: SQLite's SQLITE_FULL, the system's
 * ENOSPC, PostgreSQL's disk_full (SQLSTATE 53100). Followed through `cause`, as a failure may arrive wrapped.
 * Answered 503 `storage_full` (http/errors.ts), not a 500: nothing was written, and a retry succeeds once space is freed.
 */
export function isStorageFull(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100') return true;
  }
  return false;
}
