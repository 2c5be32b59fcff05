import type { AnalyticsTable } from '../schema.js';
import { quoteIdentifier, type SqlWriter } from './sql-writer.js';
import type { AnalyticsQueryRequest } from './translate.js';

/**
 * What a virtual table reference becomes: a subselect of its physical table restricted to the caller. Every FROM of
 * a table goes through here, which is what keeps a subquery, join, UNION or CTE to the caller's rows.
 */

/** The caller's rows of one table: its workspace, its permitted APIs or namespaces, within retention. */
export function tableSubselect(table: AnalyticsTable, request: AnalyticsQueryRequest, writer: SqlWriter): string {
  const columns = Object.keys(table.columns).map(quoteIdentifier);
  if (table.kind !== 'raw') {
    const sum = request.engine === 'sqlite' ? 'CAST("latency_sum" AS REAL)' : 'CAST("latency_sum" AS double precision)';
    // Verification rollups count events in `count`, rate-limit rollups in `total`.
    const events = 'count' in table.columns ? '"count"' : '"total"';
    columns.push(`${sum} / NULLIF(${events}, 0) AS "latency_avg"`);
  }
  const filters = [`"workspace_id" = ${writer.bind(request.workspaceId)}`];
  const { resourceIds } = request;
  if (resourceIds !== null) {
    filters.push(
      resourceIds.length === 0
        ? '1 = 0'
        : `${quoteIdentifier(table.resourceColumn)} IN (${resourceIds.map((id) => writer.bind(id)).join(', ')})`,
    );
  }
  const cutoff = cutoffOf(table, request);
  if (cutoff !== undefined) filters.push(`"time" >= ${writer.bind(cutoff)}`);
  return `SELECT ${columns.join(', ')} FROM ${quoteIdentifier(table.physicalName)} WHERE ${filters.join(' AND ')}`;
}

/** The oldest time the table still answers for; undefined when it keeps everything. */
function cutoffOf(table: AnalyticsTable, request: AnalyticsQueryRequest): number | undefined {
  const keep = request.retention[table.kind];
  return keep > 0 ? request.now - keep : undefined;
}
