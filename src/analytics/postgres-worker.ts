import { workerData } from 'node:worker_threads';
import { packedBlocks } from './block-encoder.js';
import { foldPacked } from './fold.js';
import type { PackedBatch } from './packed-batch.js';
import { analyticsPool, inTransaction, type PostgresAnalyticsOptions } from './postgres-pool.js';
import { writeBlocks, writeFoldedBatch } from './postgres-write.js';
import { answerWriterRequests } from './writer-requests.js';

/**
 * The worker thread that writes PostgreSQL analytics batches (src/analytics/postgres-store.ts, docs/decisions/0028):
 * encoding a batch's raw events as blocks (src/analytics/block-encoder.ts), folding its rollups (src/analytics/fold.ts)
 * and JSON-encoding them for thousands of events takes milliseconds, and
 * on the server's event loop every verification arriving meanwhile waited for it. Here it has its own connection;
 * batches are written one at a time (writer-requests.ts), as the recorder sends them.
 */

const { url, options } = workerData as { url: string; options: PostgresAnalyticsOptions };
const pool = analyticsPool(url, options, 1);

/** One round trip: a write transaction whose commit does not wait for its WAL to reach the disk. */
const BEGIN_WITHOUT_SYNCHRONOUS_COMMIT = 'BEGIN; SET LOCAL synchronous_commit = off';

async function write(packed: PackedBatch): Promise<void> {
  // The blocks are views into the encoder's buffer, good until the next batch is encoded: this one is written first.
  const blocks = packedBlocks(packed, { wellFormed: true });
  // Rollup rows are upserted in one order on every node (src/analytics/fold.ts), so two nodes cannot deadlock.
  const rollups = foldPacked(packed);
  // Not waiting for the commit's WAL flush: a crash of PostgreSQL may lose the last flushes of analytics
  // (docs/operations.md), never anything else, as the setting is local to this transaction.
  await inTransaction(pool, BEGIN_WITHOUT_SYNCHRONOUS_COMMIT, async (client) => {
    await writeBlocks(client, blocks);
    await writeFoldedBatch(client, rollups);
  });
}

answerWriterRequests({ write, close: () => pool.end() });
