import { USAGE_ROWS_PER_STATEMENT } from '../sql/usage.js';

/**
 * A lastUsedAt flush on SQLite, written one statement's worth of keys at a time, each slice its own transaction, the
 * event loop let through between slices. better-sqlite3 runs every statement on the event loop's thread, so one
 * transaction of a whole flush (up to UsageBuffer's 10,000 keys, src/services/usage-buffer.ts) held every request
 * for all of it: on a 1,000,000-key store that was about 0.5 s of CPU, and seconds of wall time with the checkpoint,
 * every few seconds under cold verification (bench/RESULTS.md, "Round 8: h-cold"). Slices also keep the WAL of each
 * commit small, so no single checkpoint copies back the whole flush. A flush is best-effort already: a failure
 * keeps the unwritten times for the next flush, as a failed single transaction did.
 */
export async function writeUsageInSlices(
  usage: ReadonlyMap<string, number>,
  write: (slice: ReadonlyMap<string, number>) => Promise<void>,
): Promise<void> {
  const entries = [...usage];
  for (let i = 0; i < entries.length; i += USAGE_ROWS_PER_STATEMENT) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    await write(new Map(entries.slice(i, i + USAGE_ROWS_PER_STATEMENT)));
  }
}
