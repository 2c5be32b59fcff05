import pg from 'pg';
import { APPLICATION_NAME } from '../storage/postgres/open.js';

/**
 * The PostgreSQL analytics store's connections (docs/decisions/0014): the server's pool for queries and prunes
 * (src/analytics/postgres-store.ts) and the writer thread's one connection (src/analytics/postgres-worker.ts), made
 * alike, apart from the main store's pool, so analytics never takes the connections key verification needs and the
 * main pool's per-statement timeout (set for API calls) does not apply to them.
 */

export interface PostgresAnalyticsOptions {
  /** Connections at most (default 4): the writer thread's one, and the rest for queries and prunes. */
  maxConnections?: number;
  connectTimeoutMs?: number;
  /** statement_timeout for writes and prunes (queries set their own). */
  statementTimeoutMs?: number;
}

/** Integers as numbers on both engines (schema.ts): int8 (count(*), bigint columns) and numeric (sum of bigint). */
const INT8 = 20;
const NUMERIC = 1700;

export function analyticsPool(url: string, options: PostgresAnalyticsOptions, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: `${APPLICATION_NAME}-analytics`,
    keepAlive: true,
    ...(options.connectTimeoutMs !== undefined && { connectionTimeoutMillis: options.connectTimeoutMs }),
    ...(options.statementTimeoutMs !== undefined && { statement_timeout: options.statementTimeoutMs }),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 || oid === NUMERIC ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as never,
    },
  });
  // A connection PostgreSQL ends while idle is dropped by pg-pool; without a listener the process would exit.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in a transaction on one connection; a connection whose statement failed other than by cancellation is discarded. */
export async function inTransaction<T>(pool: pg.Pool, begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let discard: Error | undefined;
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      // PostgreSQL answered: the connection is usable once the transaction is rolled back.
      await client.query('ROLLBACK').catch((rollback: Error) => {
        discard = rollback;
      });
    } else {
      discard = error as Error;
    }
    throw error;
  } finally {
    client.release(discard);
  }
}
