import { sql } from 'kysely';
import type { UsageOps } from '../store.js';
import type { Executor } from './shared.js';

/** Keys stamped by one UPDATE (and, on SQLite, by one transaction: sqlite/usage-slices.ts). */
export const USAGE_ROWS_PER_STATEMENT = 500;

/**
 * Several nodes flush independently, so an older time never overwrites a newer one. A flush may hold thousands
 * of ids: 500 rows a statement (one UPDATE joined to a VALUES list, about 0.3 ms for 250 rows on a 100,000-key
 * SQLite table) rather than one query-builder statement per row.
 */
async function stampLastUsed(db: Executor, table: 'keys' | 'root_keys', usage: ReadonlyMap<string, number>): Promise<void> {
  const entries = [...usage];
  const target = sql.table(table);
  for (let i = 0; i < entries.length; i += USAGE_ROWS_PER_STATEMENT) {
    const rows = entries.slice(i, i + USAGE_ROWS_PER_STATEMENT).map(([id, at]) => sql`(${id}, CAST(${at} AS BIGINT))`);
    await sql`WITH v(id, at) AS (VALUES ${sql.join(rows)})
      UPDATE ${target} SET last_used_at = v.at FROM v
      WHERE ${target}.id = v.id AND (${target}.last_used_at IS NULL OR ${target}.last_used_at < v.at)`.execute(db);
  }
}

export function usageSql(db: Executor): UsageOps {
  return {
    recordKeyUsage(usage: ReadonlyMap<string, number>): Promise<void> {
      return stampLastUsed(db, 'keys', usage);
    },

    recordRootKeyUsage(usage: ReadonlyMap<string, number>): Promise<void> {
      return stampLastUsed(db, 'root_keys', usage);
    },
  };
}
