import type Database from 'better-sqlite3';
import type { ColumnRows, Value } from './fold.js';
import type { AnalyticsTable } from './schema.js';
import { blockInsertSql, blockLayoutOf, toBlocks } from './sqlite-blocks.js';
import { sqliteInsert } from './write-statements.js';

/**
 * Writes a folded batch (src/analytics/fold.ts) on the SQLite analytics writer thread (src/analytics/sqlite-worker.ts):
 * one single-row statement per table, prepared once, run per row with one reused parameter array. Measured on
 * better-sqlite3 (bench/RESULTS.md, "Analytics (issue 14)"), single-row runs cost less per row than multi-row
 * statements of 8 to 128 rows, whose wide parameter lists cost more to bind than the calls they save. Raw events are
 * written as blocks, a row per key and batch (src/analytics/sqlite-blocks.ts).
 * The caller runs it inside one transaction.
 */
export class SqliteAnalyticsWriter {
  private readonly statements = new Map<AnalyticsTable, Database.Statement>();
  private parameters: Value[] = [];

  constructor(private readonly db: Database.Database) {
    // Checkpoints every 10,000 WAL pages (about 40 MB) instead of SQLite's 1,000: index pages that every batch touches
    // are then copied back once per checkpoint instead of up to ten times; measured about 20% less CPU per event
    // (bench/RESULTS.md, "Analytics (issue 14)"). The query processes read through a longer WAL, barely slower.
    db.pragma('wal_autocheckpoint = 10000');
  }

  write(tables: readonly ColumnRows[]): void {
    for (const rows of tables) this.writeTable(rows);
  }

  private statementFor(table: AnalyticsTable): Database.Statement {
    let statement = this.statements.get(table);
    if (!statement) {
      const layout = blockLayoutOf(table);
      statement = this.db.prepare(layout ? blockInsertSql(layout) : sqliteInsert(table, 1));
      this.statements.set(table, statement);
    }
    return statement;
  }

  private writeTable(rows: ColumnRows): void {
    const statement = this.statementFor(rows.table);
    const layout = blockLayoutOf(rows.table);
    if (layout) {
      for (const block of toBlocks(layout, rows)) statement.run(block);
      return;
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
