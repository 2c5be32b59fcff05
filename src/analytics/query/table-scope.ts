import type { AnalyticsTable } from '../schema.js';
import { blockLayoutOf, blocksFromSql, rawColumnSql, rawColumnsSql } from '../blocks.js';
import { quoteIdentifier, type SqlWriter } from './sql-writer.js';
import type { AnalyticsQueryRequest } from './translate.js';
import type { TimeBounds } from './retention.js';

/**
 * What a virtual table reference becomes: a subselect of its physical table restricted to the caller. Every FROM of
 * a table goes through here, which is what keeps a subquery, join, UNION or CTE to the caller's rows.
 */

/**
 * A minute either side of the WHERE's bounds when they choose blocks. The bounds are worked out in JavaScript
 * (retention.ts) and the comparisons in SQL; translate.test.ts holds the two equal for every time function, and the
 * minute is there because a block read needlessly costs a little time where a block left out would cost rows.
 */
const BOUNDS_MARGIN_MS = 60_000;

/**
 * The caller's rows of one table: its workspace, its permitted APIs or namespaces, within retention. `bounds` (the
 * WHERE's own time range) narrows which raw blocks are expanded; the WHERE itself still filters every event.
 */
export function tableSubselect(table: AnalyticsTable, request: AnalyticsQueryRequest, writer: SqlWriter, bounds: TimeBounds = {}): string {
  // Raw events are kept in blocks (src/analytics/blocks.ts): the filters then name the blocks' own columns, so their
  // indexes find the caller's blocks.
  const layout = blockLayoutOf(table);
  const column = layout ? (name: string) => rawColumnSql(layout, name, request.engine) : quoteIdentifier;
  const filters = [`${column('workspace_id')} = ${writer.bind(request.workspaceId)}`];
  const { resourceIds } = request;
  if (resourceIds !== null) {
    filters.push(
      resourceIds.length === 0 ? '1 = 0' : `${column(table.resourceColumn)} IN (${resourceIds.map((id) => writer.bind(id)).join(', ')})`,
    );
  }
  const cutoff = cutoffOf(table, request);
  if (cutoff !== undefined) filters.push(`${column('time')} >= ${writer.bind(cutoff)}`);
  if (layout) {
    // A block entirely older than the cutoff, or outside the WHERE's range of times, is never expanded.
    const lower = bounds.from === undefined ? undefined : bounds.from - BOUNDS_MARGIN_MS;
    const from = lower === undefined ? cutoff : cutoff === undefined ? lower : Math.max(cutoff, lower);
    if (from !== undefined) filters.push(`b."last_time" >= ${writer.bind(from)}`);
    if (bounds.to !== undefined) filters.push(`b."first_time" <= ${writer.bind(bounds.to + BOUNDS_MARGIN_MS)}`);
    return `SELECT ${rawColumnsSql(layout, request.engine)} FROM ${blocksFromSql(layout, request.engine)} WHERE ${filters.join(' AND ')}`;
  }
  const columns = Object.keys(table.columns).map(quoteIdentifier);
  if (table.kind !== 'raw') {
    const sum = request.engine === 'sqlite' ? 'CAST("latency_sum" AS REAL)' : 'CAST("latency_sum" AS double precision)';
    // Verification rollups count events in `count`, rate-limit rollups in `total`.
    const events = 'count' in table.columns ? '"count"' : '"total"';
    columns.push(`${sum} / NULLIF(${events}, 0) AS "latency_avg"`);
  }
  return `SELECT ${columns.join(', ')} FROM ${quoteIdentifier(table.physicalName)} WHERE ${filters.join(' AND ')}`;
}

/** The oldest time the table still answers for; undefined when it keeps everything. */
function cutoffOf(table: AnalyticsTable, request: AnalyticsQueryRequest): number | undefined {
  const keep = request.retention[table.kind];
  return keep > 0 ? request.now - keep : undefined;
}
