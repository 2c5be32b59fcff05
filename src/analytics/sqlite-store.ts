import type { AnalyticsBatch } from './events.js';
import { type PackedBatch, packBatch } from './packed-batch.js';
import { pruneCutoffs } from './prune-plan.js';
import { prepareAnalyticsFile } from './sqlite-file.js';
import { SqliteQueryPool } from './sqlite-query-pool.js';
import type { AnalyticsPruneResult, AnalyticsQueryLimits, AnalyticsRetention, AnalyticsStore, CompiledAnalyticsQuery } from './store.js';
import { WriterThread } from './writer-thread.js';

/**
 * The analytics store on SQLite (docs/decisions/0014-analytics-in-keywards-own-stores.md): its own file, written by a
 * worker thread (src/analytics/sqlite-worker.ts, through writer-thread.ts) and queried by killable child processes
 * (src/analytics/sqlite-query-pool.ts), so the server's event loop runs no analytics SQL. Both start at first use.
 * A writer thread that crashes fails what it had in hand and is started again by the next write; the server is not
 * affected.
 */
export class SqliteAnalyticsStore implements AnalyticsStore {
  private readonly writer: WriterThread;
  private readonly queries: SqliteQueryPool;

  private constructor(readonly file: string) {
    this.writer = new WriterThread('sqlite-worker', { file });
    this.queries = new SqliteQueryPool(file);
  }

  /** Creates or migrates the file (0600, WAL) on this thread, once, before any worker opens it. */
  static open(file: string): SqliteAnalyticsStore {
    prepareAnalyticsFile(file);
    return new SqliteAnalyticsStore(file);
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

  query(statement: CompiledAnalyticsQuery, limits: AnalyticsQueryLimits): Promise<Record<string, unknown>[]> {
    return this.queries.query(statement, limits);
  }

  async prune(now: number, retention: AnalyticsRetention): Promise<AnalyticsPruneResult> {
    // One process writes this file, so no lock is needed between nodes.
    const deleted = (await this.writer.ask({ kind: 'prune', cutoffs: pruneCutoffs(now, retention) })) as Record<string, number>;
    return { skipped: false, deleted };
  }

  async close(): Promise<void> {
    // Refuses new writes at once; the writes in hand finish.
    const writerClosed = this.writer.close();
    await this.queries.close();
    await writerClosed;
  }
}
