import { parentPort } from 'node:worker_threads';
import type { PackedBatch } from './packed-batch.js';
import type { WriterReply, WriterRequest } from './writer-thread.js';

/**
 * The thread's side of an analytics writer (src/analytics/writer-thread.ts): answers each request in the order it
 * came, one at a time, a request that may take a while (PostgreSQL's round trips) finishing before the next starts,
 * so a batch's transaction never interleaves with another's on the thread's one connection.
 */
export interface WriterHandlers {
  write(packed: PackedBatch): void | Promise<void>;
  /** Absent where prunes run elsewhere (PostgreSQL's, under its pruning lock, on the server's pool). */
  prune?(cutoffs: { table: string; before: number }[]): Record<string, number> | Promise<Record<string, number>>;
  close(): void | Promise<void>;
}

async function answer(request: WriterRequest, handlers: WriterHandlers): Promise<WriterReply> {
  try {
    if (request.kind === 'write') {
      await handlers.write(request.packed);
      return { id: request.id, ok: true };
    }
    if (request.kind === 'prune') {
      if (!handlers.prune) throw new Error('this analytics writer thread does not prune');
      return { id: request.id, ok: true, result: await handlers.prune(request.cutoffs) };
    }
    await handlers.close();
    return { id: request.id, ok: true };
  } catch (error) {
    return { id: request.id, ok: false, message: (error as Error).message, code: (error as { code?: string }).code };
  }
}

export function answerWriterRequests(handlers: WriterHandlers): void {
  let previous: Promise<unknown> = Promise.resolve();
  parentPort!.on('message', (request: WriterRequest) => {
    // `answer` never rejects, so one request's failure never stops the ones after it.
    previous = previous.then(async () => parentPort!.postMessage(await answer(request, handlers)));
  });
}
