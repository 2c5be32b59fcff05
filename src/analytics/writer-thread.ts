import type { Worker } from 'node:worker_threads';
import { startWorker } from './module-runner.js';
import type { PackedBatch } from './packed-batch.js';

/**
 * The server's side of an analytics writer thread (src/analytics/sqlite-worker.ts, postgres-worker.ts; the thread's
 * side is writer-requests.ts): requests posted with an id, answered in order, so the event loop never folds, encodes
 * or writes a batch (docs/decisions/0014, 0028). Both stores use it, so both keep the same guarantees:
 *
 * - the thread starts at first use, and a thread that crashes fails what it had in hand (the recorder counts those
 *   events as failed or retries them) and is started again by the next request;
 * - the thread holds the process open only while it has work, so a process ending (a CLI, a shutdown's last flush)
 *   waits for the write in hand and an idle one does not keep it alive;
 * - `close()` lets the requests in hand finish, asks the thread to close its connection, then ends it.
 */

export type WriterRequest =
  | { id: number; kind: 'write'; packed: PackedBatch }
  | { id: number; kind: 'prune'; cutoffs: { table: string; before: number }[] }
  | { id: number; kind: 'close' };

export type WriterReply = { id: number; ok: true; result?: unknown } | { id: number; ok: false; message: string; code?: string };

/** A request as the caller gives it: the id is the thread client's. */
export type WriterRequestBody = WriterRequest extends infer R ? (R extends WriterRequest ? Omit<R, 'id'> : never) : never;

type Pending = { resolve(result: unknown): void; reject(error: unknown): void };
type Running = { worker: Worker; pending: Map<number, Pending> };

export class WriterThread {
  private running: Running | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextId = 1;
  private closed = false;

  /** `module` is a file of this folder (module-runner.ts), started with `workerData`. */
  constructor(
    private readonly module: string,
    private readonly workerData: unknown,
  ) {}

  ask(body: WriterRequestBody, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the analytics store is closed'));
    this.running ??= this.start();
    const answer = this.post(this.running, body, transfer);
    this.inFlight.add(answer);
    const done = () => this.inFlight.delete(answer);
    answer.then(done, done);
    return answer;
  }

  async close(): Promise<void> {
    this.closed = true;
    const running = this.running;
    if (!running) return;
    // Writes in hand finish first (the recorder's last flush at shutdown).
    await Promise.allSettled(this.inFlight);
    if (this.running === running) await this.post(running, { kind: 'close' }).catch(() => undefined);
    this.running = undefined;
    await running.worker.terminate();
  }

  private post({ worker, pending }: Running, body: WriterRequestBody, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, ...body } as WriterRequest, transfer);
    });
  }

  private start(): Running {
    const pending = new Map<number, Pending>();
    const worker = startWorker(this.module, this.workerData);
    const running: Running = { worker, pending };
    const fail = (error: Error) => {
      if (this.running === running) this.running = undefined;
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
    return running;
  }
}
