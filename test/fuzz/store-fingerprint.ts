import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { isPostgresUrl } from '../../src/core/database-url.js';

/**
 * A fingerprint of everything a test server's main database holds: per table, its row count and a hash of every row,
 * read past Keyward's code with the drivers alone (as test/raw-sql.ts does). Equal fingerprints mean no row was
 * added, removed or changed, whichever column it was. Tables are read from the catalogue, so a new table is covered.
 * Analytics tables are left out: the recorder writes them in the background, batches of events from earlier requests
 * (src/analytics/recorder.ts), so a row appearing there is not the change of the request under test. On SQLite they
 * are in a file of their own, which this never reads; on PostgreSQL they share the schema and are skipped by name.
 */
export interface StoreFingerprint {
  /** table name -> "<rows>:<hash>" */
  read(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function openStoreFingerprint(databaseUrl: string): Promise<StoreFingerprint> {
  return isPostgresUrl(databaseUrl) ? openPostgres(databaseUrl) : openSqlite(databaseUrl);
}

function openSqlite(path: string): StoreFingerprint {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const tables = () =>
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let last: { version: unknown; tables: Record<string, string> } | undefined;
  return {
    read: async () => {
      // data_version changes whenever another connection commits to the file: unchanged, so is every row.
      const version = dataVersion.get();
      if (last !== undefined && last.version === version) return last.tables;
      const out: Record<string, string> = {};
      for (const table of tables()) {
        // Safe integers: a value beyond 2^53 must change the hash as any other change does.
        const rows = db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).raw().safeIntegers(true).all() as unknown[][];
        const hash = createHash('sha1');
        for (const row of rows) hash.update(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
        out[table] = `${rows.length}:${hash.digest('hex')}`;
      }
      last = { version, tables: out };
      return out;
    },
    close: async () => {
      db.close();
    },
  };
}

async function openPostgres(url: string): Promise<StoreFingerprint> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const tableNames = async () =>
    (
      await client.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'analytics\\_%' ORDER BY 1",
      )
    ).rows.map((r) => r.name);
  return {
    read: async () => {
      const tables = await tableNames();
      // One statement: per table its count and an order-independent sum of its rows' hashes.
      const sql = tables
        .map(
          (t, i) =>
            `SELECT $${i + 1}::text AS name, count(*)::text AS n, coalesce(sum(hashtextextended(r::text, 0)::numeric), 0)::text AS h FROM "${t}" r`,
        )
        .join(' UNION ALL ');
      const { rows } = await client.query<{ name: string; n: string; h: string }>(sql, tables);
      return Object.fromEntries(rows.map((r) => [r.name, `${r.n}:${r.h}`]));
    },
    close: async () => {
      await client.end();
    },
  };
}

/** The tables whose fingerprint differs, for a failure message. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}
