import { workerData } from 'node:worker_threads';
import { foldPacked } from './fold.js';
import type { PackedBatch } from './packed-batch.js';
import { analyticsPool, inTransaction, type PostgresAnalyticsOptions } from './postgres-pool.js';
import { writeFoldedBatch } from './postgres-write.js';
import { answerWriterRequests } from './writer-requests.js';

/**
 * The worker thread that writes PostgreSQL analytics batches (src/analytics/postgres-store.ts, docs/decisions/0028):
 * unpacking, folding (src/analytics/fold.ts) and JSON-encoding a batch of thousands of events takes milliseconds, and
 * on the server's event loop every verification arriving meanwhile waited for it. Here it has its own connection;
 * batches are written one at a time (writer-requests.ts), as the recorder sends them.
 */

const { url, options } = workerData as { url: string; options: PostgresAnalyticsOptions };
const pool = analyticsPool(url, options, 1);

/** One round trip: a write transaction whose commit does not wait for its WAL to reach the disk. */
const BEGIN_WITHOUT_SYNCHRONOUS_COMMIT = 'BEGIN; SET LOCAL synchronous_commit = off';

async function write(packed: PackedBatch): Promise<void> {
  // Rollup rows are upserted in one order on every node (src/analytics/fold.ts), so two nodes cannot deadlock.
  const tables = foldPacked(packed);
  // Not waiting for the commit's WAL flush: a crash of PostgreSQL may lose the last flushes of analytics
  // (docs/operations.md), never anything else, as the setting is local to this transaction.
  await inTransaction(pool, BEGIN_WITHOUT_SYNCHRONOUS_COMMIT, (client) => writeFoldedBatch(client, tables));
}

answerWriterRequests({ write, close: () => pool.end() });
