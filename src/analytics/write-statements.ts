import { type AnalyticsEngine, quoted } from './ddl.js';
import type { AnalyticsBatch } from './events.js';
import { batchRows, ROLLUP_MAX, ROLLUP_SUMS } from './rows.js';

/**
 * The statements that write one batch (src/analytics/rows.ts): multi-row INSERTs of the raw events and multi-row
 * upserts of the rollups, each cut to stay under the engine's limit on bound parameters. The caller runs them in
 * order in one transaction.
 */

export interface BoundStatement {
  sql: string;
  parameters: (string | number)[];
}

/** Bound parameters one statement may carry: SQLite's SQLITE_MAX_VARIABLE_NUMBER as better-sqlite3 builds it, PostgreSQL's protocol limit. */
const MAX_PARAMETERS: Record<AnalyticsEngine, number> = { sqlite: 32_766, postgres: 65_535 };

/** SQLite's two-argument max() is scalar; PostgreSQL's is greatest(). */
const LARGER: Record<AnalyticsEngine, string> = { sqlite: 'max', postgres: 'greatest' };

export function writeStatements(batch: AnalyticsBatch, engine: AnalyticsEngine): BoundStatement[] {
  const statements: BoundStatement[] = [];
  for (const { table, columns, rows } of batchRows(batch)) {
    const name = quoted(table.physicalName);
    const conflict =
      table.groupBy.length === 0
        ? ''
        : ` ON CONFLICT (${table.groupBy.map(quoted).join(', ')}) DO UPDATE SET ${[
            ...ROLLUP_SUMS[table.source].map((c) => `${quoted(c)} = ${name}.${quoted(c)} + excluded.${quoted(c)}`),
            ...ROLLUP_MAX.map((c) => `${quoted(c)} = ${LARGER[engine]}(${name}.${quoted(c)}, excluded.${quoted(c)})`),
          ].join(', ')}`;
    const perStatement = Math.floor(MAX_PARAMETERS[engine] / columns.length);
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement);
      const parameters = chunk.flat();
      let n = 0;
      const placeholder = engine === 'sqlite' ? () => '?' : () => `$${++n}`;
      const values = chunk.map((row) => `(${row.map(placeholder).join(', ')})`).join(', ');
      statements.push({ sql: `INSERT INTO ${name} (${columns.map(quoted).join(', ')}) VALUES ${values}${conflict}`, parameters });
    }
  }
  return statements;
}
