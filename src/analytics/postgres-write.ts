import type pg from 'pg';
import type { Es2024String, PackedBlocks } from './block-encoder.js';
import { BLOCK_LAYOUTS, type BlockLayout } from './blocks.js';
import type { ColumnRows, Value } from './fold.js';
import { postgresBlockInsert, postgresInsert } from './write-statements.js';

/**
 * Writes a batch on PostgreSQL: its raw events as blocks (src/analytics/blocks.ts, encoded by block-encoder.ts), then
 * its folded rollups (src/analytics/fold.ts); one statement per table, whatever the batch's size, each column sent as
 * one JSON array (src/analytics/write-statements.ts). The statements are named, so each connection parses and plans
 * them once. The caller runs them inside one transaction.
 */

/** Each table's statement text, made once: by physical table (rollups) or blocks table (raw events). */
const STATEMENT_TEXT = new Map<string, string>();

function statementText(name: string, make: () => string): string {
  let text = STATEMENT_TEXT.get(name);
  if (text === undefined) {
    text = make();
    STATEMENT_TEXT.set(name, text);
  }
  return text;
}

/**
 * A column as JSON text PostgreSQL accepts. JSON.stringify writes a lone surrogate (which a request's identifier or
 * external id may hold) as a \uD800-style escape that PostgreSQL's json refuses, which would fail the whole batch;
 * such strings are made well-formed first (U+FFFD, as a text parameter's UTF-8 encoding would have written them).
 */
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
      text: statementText(rows.table.physicalName, () => postgresInsert(rows.table)),
      values: rows.values.map(columnJson),
    });
  }
}

/**
 * The blocks of each raw table in one statement: the shared values, first and last times as JSON arrays, and every
 * block's events as one bytea parameter (sent as binary, so the JSON text is never escaped again) with each block's
 * offset and length in it.
 */
export async function writeBlocks(client: pg.PoolClient, blocks: PackedBlocks): Promise<void> {
  const [verifications, ratelimits] = BLOCK_LAYOUTS as [BlockLayout, BlockLayout];
  // The encoder writes the verification blocks' events first, then the rate-limit blocks', back to back.
  let offset = 0;
  for (const [layout, rows] of [
    [verifications, blocks.verifications],
    [ratelimits, blocks.ratelimits],
  ] as const) {
    if (rows.length === 0) continue;
    const shared = layout.shared.length;
    const columns: Value[][] = Array.from({ length: shared + 4 }, () => []);
    const start = offset;
    for (const row of rows) {
      for (let c = 0; c < shared + 2; c++) columns[c]!.push(row[c] as Value);
      const length = (row[shared + 2] as Buffer).length;
      columns[shared + 2]!.push(offset - start);
      columns[shared + 3]!.push(length);
      offset += length;
    }
    await client.query({
      name: `keyward_analytics_write_${layout.blocks}`,
      text: statementText(layout.blocks, () => postgresBlockInsert(layout)),
      values: [...columns.map(columnJson), blocks.bytes.subarray(start, offset)],
    });
  }
}
