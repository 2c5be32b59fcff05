import { workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { type ColumnRows, foldPacked } from './fold.js';
import type { PackedBatch } from './packed-batch.js';
import { PRUNE_BATCH_ROWS } from './prune-plan.js';
import { openAnalyticsConnection } from './sqlite-file.js';
import { SqliteAnalyticsWriter } from './sqlite-write.js';
import { quoted } from './ddl.js';
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

const writeFolded = db.transaction((tables: ColumnRows[]) => writer.write(tables));

/** Folded before the transaction, so the file's write lock is held only while rows are written. */
const write = (packed: PackedBatch): void => writeFolded.immediate(foldPacked(packed));

/** Deletes in batches of PRUNE_BATCH_ROWS, each its own transaction, so writes interleave with a long prune. */
function prune(cutoffs: { table: string; before: number }[]): Record<string, number> {
  const deleted: Record<string, number> = {};
  for (const { table, before } of cutoffs) {
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

answerWriterRequests({
  write,
  prune,
  close: () => {
    db.close();
  },
});
