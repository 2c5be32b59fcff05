import type Database from 'better-sqlite3';
import { type ColumnRows, foldPacked, type Value } from './fold.js';
import type { PackedBatch } from './packed-batch.js';
import type { AnalyticsTable } from './schema.js';
import { type BlockRow, type PackedBlocks, packedBlocks } from './block-encoder.js';
import { BLOCK_LAYOUTS, blockInsertSql } from './blocks.js';
import { sqliteInsert } from './write-statements.js';

/** A batch made ready to write: its raw events as blocks, and its rollup rows. */
export interface SqliteBatchRows {
  blocks: PackedBlocks;
  rollups: ColumnRows[];
}

/**
 * Made outside the write transaction (src/analytics/sqlite-worker.ts), so the file's write lock is held only while
 * rows are written. The blocks are views into the encoder's buffer: write them before preparing the next batch.
 */
export const prepareBatch = (packed: PackedBatch): SqliteBatchRows => ({
  blocks: packedBlocks(packed),
  rollups: foldPacked(packed),
});

const [VERIFICATION_BLOCKS, RATELIMIT_BLOCKS] = BLOCK_LAYOUTS;

/**
 * Writes a batch on the SQLite analytics writer thread (src/analytics/sqlite-worker.ts): one single-row statement per
 * table, prepared once, run per row with one reused parameter array. Measured on better-sqlite3 (bench/RESULTS.md,
 * "Analytics (issue 14)"), single-row runs cost less per row than multi-row statements of 8 to 128 rows, whose wide
 * parameter lists cost more to bind than the calls they save. Raw events are written as blocks, a row per key and
 * batch (src/analytics/blocks.ts, encoded by block-encoder.ts). The caller runs it inside one transaction.
 */
export class SqliteAnalyticsWriter {
  private readonly rollupStatements = new Map<AnalyticsTable, Database.Statement>();
  private readonly verificationBlocks: Database.Statement;
  private readonly ratelimitBlocks: Database.Statement;
  private parameters: Value[] = [];

  constructor(private readonly db: Database.Database) {
    // Checkpoints every 10,000 WAL pages (about 40 MB) instead of SQLite's 1,000: index pages that every batch touches
    // are then copied back once per checkpoint instead of up to ten times; measured about 20% less CPU per event
    // (bench/RESULTS.md, "Analytics (issue 14)"). The query processes read through a longer WAL, barely slower.
    db.pragma('wal_autocheckpoint = 10000');
    this.verificationBlocks = db.prepare(blockInsertSql(VERIFICATION_BLOCKS!));
    this.ratelimitBlocks = db.prepare(blockInsertSql(RATELIMIT_BLOCKS!));
  }

  write({ blocks, rollups }: SqliteBatchRows): void {
    runEach(this.verificationBlocks, blocks.verifications);
    runEach(this.ratelimitBlocks, blocks.ratelimits);
    for (const rows of rollups) this.writeRollup(rows);
  }

  private writeRollup(rows: ColumnRows): void {
    let statement = this.rollupStatements.get(rows.table);
    if (!statement) {
      statement = this.db.prepare(sqliteInsert(rows.table, 1));
      this.rollupStatements.set(rows.table, statement);
    }
    const { values, count } = rows;
    const width = values.length;
    const parameters = this.parameters;
    parameters.length = width;
    for (let row = 0; row < count; row++) {
      for (let c = 0; c < width; c++) parameters[c] = values[c]![row]!;
      statement.run(parameters);
    }
  }
}

function runEach(statement: Database.Statement, rows: readonly BlockRow[]): void {
  for (const row of rows) statement.run(row);
}
