import type pg from 'pg';
import type { ColumnRows, Value } from './fold.js';
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

/**
 * A column as JSON text PostgreSQL accepts. JSON.stringify writes a lone surrogate (which a request's identifier or
 * external id may hold) as a \uD800-style escape that PostgreSQL's json refuses, which would fail the whole batch;
 * such strings are made well-formed first (U+FFFD, as a text parameter's UTF-8 encoding would have written them).
 */
/** ES2024's String methods, in Node 20; the project's TypeScript lib predates them. */
type Es2024String = string & { isWellFormed(): boolean; toWellFormed(): string };

function columnJson(column: Value[]): string {
  for (let i = 0; i < column.length; i++) {
    const value = column[i];
    if (typeof value === 'string' && !(value as Es2024String).isWellFormed()) return JSON.stringify(column.map(wellFormed));
  }
  return JSON.stringify(column);
}

const wellFormed = (value: Value): Value => (typeof value === 'string' ? (value as Es2024String).toWellFormed() : value);

export async function writeFoldedBatch(client: pg.PoolClient, tables: readonly ColumnRows[]): Promise<void> {
  for (const rows of tables) {
    await client.query({
      name: `keyward_analytics_write_${rows.table.physicalName}`,
      text: statementText(rows),
      values: rows.values.map(columnJson),
    });
  }
}
