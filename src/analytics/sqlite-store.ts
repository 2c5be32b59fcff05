import type { Worker } from 'node:worker_threads';
import type { AnalyticsBatch } from './events.js';
import { startWorker } from './module-runner.js';
import { packBatch } from './packed-batch.js';
import { pruneCutoffs } from './prune-plan.js';
import { prepareAnalyticsFile } from './sqlite-file.js';
import { SqliteQueryPool } from './sqlite-query-pool.js';
import type { WriterReply, WriterRequest } from './sqlite-worker.js';
import type { AnalyticsPruneResult, AnalyticsQueryLimits, AnalyticsRetention, AnalyticsStore, CompiledAnalyticsQuery } from './store.js';

type Pending = { resolve(result: unknown): void; reject(error: unknown): void };
type RequestBody = WriterRequest extends infer R ? (R extends WriterRequest ? Omit<R, 'id'> : never) : never;

/**
 * The analytics store on SQLite (docs/decisions/0014-analytics-in-keywards-own-stores.md): its own file, written by a
 * worker thread (src/analytics/sqlite-worker.ts) and queried by killable child processes
 * (src/analytics/sqlite-query-pool.ts), so the server's event loop runs no analytics SQL. Both start at first use.
 * A worker that crashes fails what it had in hand (the recorder counts those events as failed) and is started again
 * by the next write; the server is not affected.
 */
export class SqliteAnalyticsStore implements AnalyticsStore {
  private writer: { worker: Worker; pending: Map<number, Pending> } | undefined;
  private readonly queries: SqliteQueryPool;
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextId = 1;
  private closed = false;

  private constructor(readonly file: string) {
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
    await this.ask({ kind: 'write', packed }, transfer);
  }

  query(statement: CompiledAnalyticsQuery, limits: AnalyticsQueryLimits): Promise<Record<string, unknown>[]> {
    return this.queries.query(statement, limits);
  }

  async prune(now: number, retention: AnalyticsRetention): Promise<AnalyticsPruneResult> {
    // One process writes this file, so no lock is needed between nodes.
    const deleted = (await this.ask({ kind: 'prune', cutoffs: pruneCutoffs(now, retention) })) as Record<string, number>;
    return { skipped: false, deleted };
  }

  async close(): Promise<void> {
    this.closed = true;
    const writer = this.writer;
    this.writer = undefined;
    await this.queries.close();
    if (writer) {
      // Writes in hand finish first (the recorder's last flush at shutdown).
      await Promise.allSettled(this.inFlight);
      await writer.worker.terminate();
    }
  }

  private ask(body: RequestBody, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the analytics store is closed'));
    this.writer ??= this.startWriter();
    const writer = this.writer;
    const id = this.nextId++;
    const answer = new Promise((resolve, reject) => {
      writer.pending.set(id, { resolve, reject });
      // Held while it has work, so a process ending (a CLI, a shutdown's last flush) waits for the write.
      writer.worker.ref();
      writer.worker.postMessage({ id, ...body } as WriterRequest, transfer);
    });
    this.inFlight.add(answer);
    const done = () => this.inFlight.delete(answer);
    answer.then(done, done);
    return answer;
  }

  private startWriter(): { worker: Worker; pending: Map<number, Pending> } {
    const pending = new Map<number, Pending>();
    const worker = startWorker('sqlite-worker', { file: this.file });
    const writer = { worker, pending };
    const fail = (error: Error) => {
      if (this.writer === writer) this.writer = undefined;
      for (const [id, request] of pending) {
        pending.delete(id);
        request.reject(error);
      }
    };
    worker.on('message', (reply: WriterReply) => {
      const request = pending.get(reply.id);
      if (!request) return;
      pending.delete(reply.id);
      if (pending.size === 0) worker.unref();
      if (reply.ok) request.resolve(reply.result);
      else request.reject(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
    });
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => fail(new Error(`the analytics writer thread ended (exit code ${code})`)));
    worker.unref();
    return writer;
  }
}
