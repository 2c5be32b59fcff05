import Database from 'better-sqlite3';
import pg from 'pg';
import { isPostgresUrl } from '../src/core/database-url.js';

/**
 * Plain SQL against a test server's main database, past Keyward's own code: for the few tests that must put the
 * database in a state no operation makes (a disabled workspace, a trigger that refuses audit writes). Only the
 * drivers are used, so the tests do not depend on where the store's code lives. `?` placeholders on both engines.
 */
export async function runSql(databaseUrl: string, sql: string, params: unknown[] = []): Promise<void> {
  if (isPostgresUrl(databaseUrl)) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      let n = 0;
      await client.query(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      );
    } finally {
      await client.end();
    }
    return;
  }
  const db = new Database(databaseUrl);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

/** The rows of one query, past Keyward's own code as `runSql` is; `?` placeholders on both engines. */
export async function querySql(databaseUrl: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  if (isPostgresUrl(databaseUrl)) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      let n = 0;
      const result = await client.query(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      );
      return result.rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  }
  const db = new Database(databaseUrl, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}
