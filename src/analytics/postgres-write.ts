import type pg from 'pg';
import type { ColumnRows } from './fold.js';
import { postgresInsert } from './write-statements.js';

/**
 * Writes a folded batch (src/analytics/fold.ts) on PostgreSQL: one statement per table, whatever the batch's size,
 * each column sent as one JSON array (src/analytics/write-statements.ts). The statements are named, so each
 * connection parses and plans them once. The caller runs them inside one transaction.
 */

const STATEMENT_TEXT = new Map<string, string>();

function statementText(rows: ColumnRows): string {
  let text = STATEMENT_TEXT.get(rows.table.physicalName);
  if (text === undefined) {
    text = postgresInsert(rows.table);
    STATEMENT_TEXT.set(rows.table.physicalName, text);
  }
  return text;
}

export async function writeFoldedBatch(client: pg.PoolClient, tables: readonly ColumnRows[]): Promise<void> {
  for (const rows of tables) {
    await client.query({
      name: `keyward_analytics_write_${rows.table.physicalName}`,
      text: statementText(rows),
      values: rows.values.map((column) => JSON.stringify(column)),
    });
  }
}
