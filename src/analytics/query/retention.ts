import { KeywardError } from '../../core/errors.js';
import { type AnalyticsTable, DAY_MS } from '../schema.js';
import type { AnalyticsRetention } from '../store.js';
import type { SqlNode } from './ast.js';
import { functionName, START_OF } from './functions.js';
import { isTimeColumn, STRING_TYPES } from './grammar.js';
import { INTERVAL_MS, parseDateText, startOf } from './time.js';

/**
 * The retention check on a WHERE clause: the injected window (table-scope.ts) already hides older rows, but upstream
 * answers an explicit older lower bound with query_range_exceeds_retention rather than silently fewer rows.
 */

/**
 * Refuses a lower bound on `time` older than what the SELECT's tables keep (upstream's check: `time >=`, `>`,
 * `=` and BETWEEN with a value it can work out; others are left to the injected window).
 */
export function checkRetention(where: SqlNode, sources: readonly AnalyticsTable[], retention: AnalyticsRetention, now: number): void {
  let keep = 0;
  for (const table of sources) {
    const ms = retention[table.kind];
    if (ms > 0 && (keep === 0 || ms < keep)) keep = ms;
  }
  if (keep === 0) return;
  const earliest = now - keep;
  const check = (value: number | undefined) => {
    if (value !== undefined && value < earliest) throw retentionExceeded(keep, value, earliest);
  };
  const visit = (node: SqlNode | undefined): void => {
    if (!node || typeof node !== 'object') return;
    if (node.type === 'binary_expr') {
      const op = String(node.operator).toUpperCase();
      if (op === 'BETWEEN' && isTimeColumn(node.left)) check(constantTime(node.right?.value?.[0], now));
      else if (isTimeColumn(node.left) && ['>=', '>', '='].includes(op)) check(constantTime(node.right, now));
      else if (isTimeColumn(node.right) && ['<=', '<', '='].includes(op)) check(constantTime(node.left, now));
      visit(node.left);
      visit(node.right);
    }
  };
  visit(where);
}

/** What a query's WHERE says of `time` for every row it keeps (either end may be unknown). */
export interface TimeBounds {
  from?: number;
  to?: number;
}

/**
 * What a WHERE clause says of `time` for every row it keeps: the bounds of its top-level AND terms (`time >=`, `>`,
 * `=`, `<=`, `<`, BETWEEN, either way round) with values worked out as the retention check works them out. A term
 * under OR or NOT says nothing for every row, so it is not read.
 */
export function timeBounds(where: SqlNode | undefined, now: number, names: readonly string[]): TimeBounds {
  // `time` of the table these names call it (or unqualified), not an outer query's in a correlated subquery.
  const isTime = (node: SqlNode | undefined) =>
    isTimeColumn(node) && (node!.table === null || node!.table === undefined || names.includes(node!.table as string));
  const bounds: TimeBounds = {};
  // Only a finite value bounds anything (a text that is no date, or an overflow, says nothing).
  const lower = (value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value) && (bounds.from === undefined || value > bounds.from)) bounds.from = value;
  };
  const upper = (value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value) && (bounds.to === undefined || value < bounds.to)) bounds.to = value;
  };
  const visit = (node: SqlNode | undefined): void => {
    if (!node || typeof node !== 'object' || node.type !== 'binary_expr') return;
    const op = String(node.operator).toUpperCase();
    if (op === 'AND') {
      visit(node.left);
      visit(node.right);
    } else if (op === 'BETWEEN' && isTime(node.left)) {
      lower(constantTime(node.right?.value?.[0], now));
      upper(constantTime(node.right?.value?.[1], now));
    } else if (isTime(node.left) || isTime(node.right)) {
      const [value, flipped] = isTime(node.left) ? [constantTime(node.right, now), op] : [constantTime(node.left, now), FLIPPED[op]];
      if (flipped === '>=' || flipped === '>' || flipped === '=') lower(value);
      if (flipped === '<=' || flipped === '<' || flipped === '=') upper(value);
    }
  };
  visit(where);
  return bounds;
}

/** `c < time` says what `time > c` says. */
const FLIPPED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' };

/** The value of a time expression without columns (`now() - INTERVAL 7 DAY`), or undefined. */
function constantTime(node: SqlNode | undefined, now: number): number | undefined {
  if (!node || typeof node !== 'object') return undefined;
  switch (node.type) {
    case 'number':
      return Number(node.value);
    case 'interval': {
      const unit = INTERVAL_MS[String(node.unit).toLowerCase()];
      const n = constantTime(node.expr, now);
      return unit === undefined || n === undefined ? undefined : n * unit;
    }
    case 'binary_expr': {
      const l = constantTime(node.left, now);
      const r = constantTime(node.right, now);
      if (l === undefined || r === undefined) return undefined;
      return node.operator === '-' ? l - r : node.operator === '+' ? l + r : undefined;
    }
    case 'function': {
      const name = functionName(node)?.toLowerCase();
      const arg = constantTime(node.args?.value?.[0], now);
      if (name === 'now' || name === 'now64') return now;
      if (name === 'today') return startOf(now, 'day');
      if (name === 'fromunixtimestamp64milli' || name === 'tounixtimestamp64milli') return arg;
      const unit = name === undefined ? undefined : START_OF[name];
      if (unit !== undefined && arg !== undefined) return startOf(arg, unit);
      const interval = name?.startsWith('tointerval') ? INTERVAL_MS[name.slice('tointerval'.length)] : undefined;
      return interval !== undefined && arg !== undefined ? arg * interval : undefined;
    }
  }
  return STRING_TYPES.has(node.type) ? parseDateText(String(node.value)) : undefined;
}

function retentionExceeded(keep: number, queried: number, earliest: number): KeywardError {
  const days = Math.round(keep / DAY_MS);
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return new KeywardError(
    'query_range_exceeds_retention',
    `Cannot query data older than ${days} days. Your query attempts to access data from ${day(queried)}, but only data from ${day(earliest)} onwards is available.`,
  );
}
