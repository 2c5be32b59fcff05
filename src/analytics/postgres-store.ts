import pg from 'pg';
import { APPLICATION_NAME } from '../storage/postgres/open.js';
import { quoted } from './ddl.js';
import type { AnalyticsBatch } from './events.js';
import { foldBatch } from './fold.js';
import { writeFoldedBatch } from './postgres-write.js';
import { PRUNE_BATCH_ROWS, pruneCutoffs } from './prune-plan.js';
import {
  AnalyticsLimitExceeded,
  type AnalyticsPruneResult,
  type AnalyticsQueryLimits,
  type AnalyticsRetention,
  type AnalyticsStore,
  type CompiledAnalyticsQuery,
} from './store.js';

/**
 * The analytics store on PostgreSQL (docs/decisions/0014-analytics-in-keywards-own-stores.md): tables in the main
 * database (migration 0006), reached through a small pool of its own rather than the main store's. Analytics
 * queries may run for seconds and a large batch write holds a connection while it runs; on their own pool they can
 * never take the connections key verification needs, and the main pool's per-statement timeout (set for API calls)
 * does not apply to them.
 */

export interface PostgresAnalyticsOptions {
  /** Connections at most (default 4): one writer and a few queries and prunes. */
  maxConnections?: number;
  connectTimeoutMs?: number;
  /** statement_timeout for writes and prunes (queries set their own). */
  statementTimeoutMs?: number;
}

/** Integers as numbers on both engines (schema.ts): int8 (count(*), bigint columns) and numeric (sum of bigint). */
const INT8 = 20;
const NUMERIC = 1700;

/**
 * The advisory lock one node prunes under: a fixed class (arbitrary, unused elsewhere in Keyward) and the schema, as
 * advisory locks are database-wide and two Keyward installations may share a database in separate schemas.
 */
export const PRUNE_LOCK_ARGUMENTS = '1802961428, hashtext(current_schema())';

/** The client gives up this long after the server's statement_timeout should have ended a query (a network that stopped answering). */
const CLIENT_MARGIN_MS = 1_000;

/** One round trip: a write transaction whose commit does not wait for its WAL to reach the disk. */
const BEGIN_WITHOUT_SYNCHRONOUS_COMMIT = 'BEGIN; SET LOCAL synchronous_commit = off';

/** PostgreSQL's "canceling statement due to statement timeout". */
const QUERY_CANCELED = '57014';

export class PostgresAnalyticsStore implements AnalyticsStore {
  private readonly pool: pg.Pool;

  constructor(url: string, options: PostgresAnalyticsOptions = {}) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 4,
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
    this.pool.on('error', () => undefined);
  }

  async write(batch: AnalyticsBatch): Promise<void> {
    if (batch.verifications.length === 0 && batch.ratelimits.length === 0) return;
    // Rollup rows are upserted in one order on every node (src/analytics/fold.ts), so two nodes cannot deadlock.
    const tables = foldBatch(batch);
    // Not waiting for the commit's WAL flush: a crash of PostgreSQL may lose the last flushes of analytics
    // (docs/operations.md), never anything else, as the setting is local to this transaction.
    await this.transaction(BEGIN_WITHOUT_SYNCHRONOUS_COMMIT, (client) => writeFoldedBatch(client, tables));
  }

  /**
   * In a READ ONLY transaction with a local statement_timeout, through a cursor that fetches at most `maxRows + 1`
   * rows: the translated SQL runs as written (its ORDER BY, CTEs and column names untouched by a wrapper), and a result
   * past the cap is never read whole.
   */
  async query(statement: CompiledAnalyticsQuery, limits: AnalyticsQueryLimits): Promise<Record<string, unknown>[]> {
    // Both go into SQL text (FETCH takes no parameter): whole numbers only.
    if (!Number.isSafeInteger(limits.maxRows) || limits.maxRows < 0 || !Number.isSafeInteger(limits.timeoutMs) || limits.timeoutMs < 1) {
      throw new RangeError('analytics query limits must be whole numbers (maxRows >= 0, timeoutMs >= 1)');
    }
    try {
      const rows = await this.transaction('BEGIN READ ONLY', async (client) => {
        await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(limits.timeoutMs)]);
        await client.query(`DECLARE analytics_query NO SCROLL CURSOR FOR ${statement.sql}`, [...statement.parameters]);
        const result = await client.query({
          text: `FETCH FORWARD ${limits.maxRows + 1} FROM analytics_query`,
          query_timeout: limits.timeoutMs + CLIENT_MARGIN_MS,
        } as pg.QueryConfig);
        return result.rows as Record<string, unknown>[];
      });
      if (rows.length > limits.maxRows) throw new AnalyticsLimitExceeded('rows');
      return rows;
    } catch (error) {
      if ((error as { code?: unknown }).code === QUERY_CANCELED || /Query read timeout/.test((error as Error).message)) {
        throw new AnalyticsLimitExceeded('time');
      }
      throw error;
    }
  }

  /**
   * Under a session advisory lock on one connection, tried without waiting: another node pruning means this one
   * skips. Session rather than transaction scope because the deletes commit in batches of PRUNE_BATCH_ROWS (short
   * row locks, bounded WAL per transaction), and a transaction-scoped lock would end with the first batch. A lost
   * connection releases the lock with it.
   */
  async prune(now: number, retention: AnalyticsRetention): Promise<AnalyticsPruneResult> {
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${PRUNE_LOCK_ARGUMENTS}) AS locked`);
      if (!rows[0]?.locked) return { skipped: true, deleted: {} };
      try {
        const deleted: Record<string, number> = {};
        for (const { table, before } of pruneCutoffs(now, retention)) {
          const name = quoted(table);
          let total = 0;
          for (;;) {
            const result = await client.query(
              `DELETE FROM ${name} WHERE ctid IN (SELECT ctid FROM ${name} WHERE "time" < $1 LIMIT ${PRUNE_BATCH_ROWS})`,
              [before],
            );
            total += result.rowCount ?? 0;
            if ((result.rowCount ?? 0) < PRUNE_BATCH_ROWS) break;
          }
          deleted[table] = total;
        }
        return { skipped: false, deleted };
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${PRUNE_LOCK_ARGUMENTS})`);
      }
    } catch (error) {
      broken = error;
      throw error;
    } finally {
      // A connection that failed is not reused: it may still hold the lock, or a statement in flight.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /** Runs `work` in a transaction on one connection; a connection whose statement failed other than by cancellation is discarded. */
  private async transaction<T>(begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
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
}
