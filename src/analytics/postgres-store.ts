import type pg from 'pg';
import { type BlockLayout, blockLayoutNamed } from './blocks.js';
import { quoted } from './ddl.js';
import type { AnalyticsBatch } from './events.js';
import { type PackedBatch, packBatch } from './packed-batch.js';
import { analyticsPool, inTransaction, type PostgresAnalyticsOptions } from './postgres-pool.js';
import { PRUNE_BATCH_ROWS, pruneCutoffs } from './prune-plan.js';
import {
  AnalyticsLimitExceeded,
  type AnalyticsPruneResult,
  type AnalyticsQueryLimits,
  type AnalyticsRetention,
  type AnalyticsStore,
  type CompiledAnalyticsQuery,
} from './store.js';
import { WriterThread } from './writer-thread.js';

export type { PostgresAnalyticsOptions } from './postgres-pool.js';

/**
 * The analytics store on PostgreSQL (docs/decisions/0014-analytics-in-keywards-own-stores.md): tables in the main
 * database (migration 0006), reached through connections of its own rather than the main store's
 * (src/analytics/postgres-pool.ts). Batches are written by a worker thread with its own connection
 * (src/analytics/postgres-worker.ts, docs/decisions/0028), handed over packed as SQLite's are, so the event loop
 * never folds or encodes a batch; queries and prunes, which wait on PostgreSQL rather than compute, run on this
 * thread's pool.
 */

/**
 * The advisory lock one node prunes under: a fixed class (arbitrary, unused elsewhere in Keyward) and the schema, as
 * advisory locks are database-wide and two Keyward installations may share a database in separate schemas.
 */
export const PRUNE_LOCK_ARGUMENTS = '1802961428, hashtext(current_schema())';

/** The client gives up this long after the server's statement_timeout should have ended a query (a network that stopped answering). */
const CLIENT_MARGIN_MS = 1_000;

/** PostgreSQL's "canceling statement due to statement timeout". */
const QUERY_CANCELED = '57014';

export class PostgresAnalyticsStore implements AnalyticsStore {
  private readonly pool: pg.Pool;
  private readonly writer: WriterThread;

  constructor(url: string, options: PostgresAnalyticsOptions = {}) {
    // One connection is the writer thread's.
    this.pool = analyticsPool(url, options, Math.max(1, (options.maxConnections ?? 4) - 1));
    this.writer = new WriterThread('postgres-worker', { url, options });
  }

  async write(batch: AnalyticsBatch): Promise<void> {
    if (batch.verifications.length === 0 && batch.ratelimits.length === 0) return;
    const { packed, transfer } = packBatch(batch);
    await this.writer.ask({ kind: 'write', packed }, transfer);
  }

  async writePacked(packed: PackedBatch): Promise<void> {
    if (packed.verifications === 0 && packed.ratelimits === 0) return;
    // Copied, not transferred (a memcpy of its typed arrays): the recorder keeps the batch for a retry.
    await this.writer.ask({ kind: 'write', packed });
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
      const rows = await inTransaction(this.pool, 'BEGIN READ ONLY', async (client) => {
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
          const layout = blockLayoutNamed(table);
          if (layout) {
            deleted[table] = await pruneBlocks(client, layout, before);
            continue;
          }
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

  async close(): Promise<void> {
    // Refuses new writes at once; the writes in hand finish.
    const writerClosed = this.writer.close();
    await this.pool.end();
    await writerClosed;
  }
}

/**
 * Removes the events before `before` from a raw table's blocks (src/analytics/blocks.ts) and answers how many: whole
 * blocks first, then the few that hold events on both sides of the cutoff are rewritten with the newer ones, as the
 * SQLite store does (src/analytics/sqlite-worker.ts). Each statement handles at most PRUNE_BATCH_ROWS blocks and
 * commits on its own.
 */
async function pruneBlocks(client: pg.PoolClient, layout: BlockLayout, before: number): Promise<number> {
  const blocks = quoted(layout.blocks);
  const events = 'CAST(e."value" ->> 0 AS bigint)';
  const steps = [
    `WITH gone AS (DELETE FROM ${blocks} WHERE ctid IN (SELECT ctid FROM ${blocks} WHERE "first_time" < $1 AND "last_time" < $1 LIMIT ${PRUNE_BATCH_ROWS}) RETURNING "events") ` +
      'SELECT count(*) AS blocks, coalesce(sum(json_array_length(CAST("events" AS json))), 0) AS events FROM gone',
    // What is left with a first time before the cutoff ends after it: its events from the cutoff on are kept.
    `WITH old AS (SELECT b.ctid AS id, count(*) AS n, json_agg(e."value") FILTER (WHERE ${events} >= $1) AS kept, ` +
      `min(${events}) FILTER (WHERE ${events} >= $1) AS first FROM ${blocks} AS b, json_array_elements(CAST(b."events" AS json)) AS e ("value") ` +
      `WHERE b."first_time" < $1 GROUP BY b.ctid LIMIT ${PRUNE_BATCH_ROWS}), ` +
      `rewritten AS (UPDATE ${blocks} SET "events" = CAST(old.kept AS text), "first_time" = old.first FROM old WHERE ${blocks}.ctid = old.id AND old.kept IS NOT NULL RETURNING old.n - json_array_length(old.kept) AS removed) ` +
      'SELECT count(*) AS blocks, coalesce(sum(removed), 0) AS events FROM rewritten',
  ];
  let total = 0;
  for (const step of steps) {
    for (;;) {
      const { rows } = await client.query<{ blocks: string; events: string }>(step, [before]);
      total += Number(rows[0]!.events);
      if (Number(rows[0]!.blocks) < PRUNE_BATCH_ROWS) break;
    }
  }
  return total;
}
