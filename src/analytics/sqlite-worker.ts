import { workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { PackedBatch } from './packed-batch.js';
import { PRUNE_BATCH_ROWS } from './prune-plan.js';
import { openAnalyticsConnection } from './sqlite-file.js';
import { prepareBatch, type SqliteBatchRows, SqliteAnalyticsWriter } from './sqlite-write.js';
import { quoted } from './ddl.js';
import { type BlockLayout, blockLayoutNamed } from './blocks.js';
import { answerWriterRequests } from './writer-requests.js';

/**
 * The worker thread that owns the SQLite analytics file's write connection (src/analytics/sqlite-store.ts): writes
 * and prunes run here, one at a time (src/analytics/writer-requests.ts), so the server's event loop never runs them.
 */

const db = openAnalyticsConnection((workerData as { file: string }).file);
const statements = new Map<string, Database.Statement>();
const prepared = (sql: string): Database.Statement => {
  let statement = statements.get(sql);
  if (!statement) {
    // The prune's statements: one per table.
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
};

const writer = new SqliteAnalyticsWriter(db);

const writeRows = db.transaction((rows: SqliteBatchRows) => writer.write(rows));

/** Prepared before the transaction, so the file's write lock is held only while rows are written. */
const write = (packed: PackedBatch): void => writeRows.immediate(prepareBatch(packed));

/** Deletes in batches of PRUNE_BATCH_ROWS, each its own transaction, so writes interleave with a long prune. */
function prune(cutoffs: { table: string; before: number }[]): Record<string, number> {
  const deleted: Record<string, number> = {};
  for (const { table, before } of cutoffs) {
    const layout = blockLayoutNamed(table);
    if (layout) {
      deleted[table] = pruneBlocks(layout, before);
      continue;
    }
    const name = quoted(table);
    const remove = prepared(`DELETE FROM ${name} WHERE rowid IN (SELECT rowid FROM ${name} WHERE "time" < ? LIMIT ${PRUNE_BATCH_ROWS})`);
    let total = 0;
    for (;;) {
      const { changes } = remove.run(before);
      total += changes;
      if (changes < PRUNE_BATCH_ROWS) break;
    }
    deleted[table] = total;
  }
  return deleted;
}

/**
 * Removes the events before `before` from a raw table's blocks (src/analytics/blocks.ts) and answers how many:
 * whole blocks first, then the few that hold events on both sides of the cutoff are rewritten with the newer ones.
 * Each step of at most PRUNE_BATCH_ROWS blocks is its own transaction.
 */
function pruneBlocks(layout: BlockLayout, before: number): number {
  const blocks = quoted(layout.blocks);
  const old = prepared(
    `SELECT rowid AS id, json_array_length("events") AS n FROM ${blocks} WHERE "first_time" < ? AND "last_time" < ? LIMIT ${PRUNE_BATCH_ROWS}`,
  );
  const remove = prepared(`DELETE FROM ${blocks} WHERE rowid = ?`);
  const straddling = prepared(`SELECT rowid AS id, "events" FROM ${blocks} WHERE "first_time" < ? LIMIT ${PRUNE_BATCH_ROWS}`);
  const rewrite = prepared(`UPDATE ${blocks} SET "events" = ?, "first_time" = ? WHERE rowid = ?`);
  let total = 0;
  for (;;) {
    const rows = old.all(before, before) as { id: number; n: number }[];
    db.transaction(() => {
      for (const { id, n } of rows) {
        remove.run(id);
        total += n;
      }
    }).immediate();
    if (rows.length < PRUNE_BATCH_ROWS) break;
  }
  // What is left with a first time before the cutoff ends after it: keep its events from the cutoff on.
  for (;;) {
    const rows = straddling.all(before) as { id: number; events: string }[];
    db.transaction(() => {
      for (const { id, events } of rows) {
        const all = JSON.parse(events) as [number, ...unknown[]][];
        const kept = all.filter((event) => event[0] >= before);
        const first = kept.reduce((min, event) => Math.min(min, event[0]), Number.POSITIVE_INFINITY);
        rewrite.run(JSON.stringify(kept), first, id);
        total += all.length - kept.length;
      }
    }).immediate();
    if (rows.length < PRUNE_BATCH_ROWS) break;
  }
  return total;
}

answerWriterRequests({
  write,
  prune,
  close: () => {
    db.close();
  },
});
