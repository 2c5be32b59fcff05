// The MySQL-only build: the package's main entry loads every dialect's grammar (~350 ms at start-up).
import sqlParserModule from 'node-sql-parser/build/mysql.js';
import { KeywardError } from '../../core/errors.js';
import type { SqlNode } from './ast.js';

/**
 * The first step of analytics.getVerifications / getRatelimits (docs/unkey-compatibility.md, "Analytics"): the user's
 * text becomes one SELECT's syntax tree, or a 400 with upstream's error type. The tree is never turned back into text
 * as it is: translate.ts writes the engine's SQL from it, node by node, through allow-lists.
 *
 * The parser runs in its MySQL mode, the closest of its dialects to ClickHouse's syntax for the queries upstream
 * documents (`INTERVAL 7 DAY`, backquoted identifiers, `LIMIT n, m`). Comments are whitespace to it; they never
 * reach the engine.
 */

/** Upstream refuses longer queries (16 KiB). */
export const QUERY_MAX_BYTES = 16 * 1024;
/** Upstream's bounds on a query's size: syntax-tree nodes, and projected columns over every SELECT. */
const AST_NODES_MAX = 2_000;
const PROJECTED_COLUMNS_MAX = 64;

/** One parser for the process: it keeps no state between calls. */
export const sqlParser = new sqlParserModule.Parser();

export const invalidQuery = (detail: string) => new KeywardError('invalid_analytics_query', detail);

export function parseAnalyticsQuery(text: string): SqlNode {
  if (Buffer.byteLength(text, 'utf8') > QUERY_MAX_BYTES) throw invalidQuery('Analytics query exceeds the maximum length');
  let parsed: unknown;
  try {
    parsed = sqlParser.astify(arrayLiteralsAsCalls(text), { database: 'mysql' });
  } catch (error) {
    // A syntax error, or a nesting deep enough to exhaust the parser's stack: both are the query's fault.
    const message = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 300) : 'unreadable';
    throw invalidQuery(`Invalid SQL syntax: ${message}`);
  }
  const statements = (Array.isArray(parsed) ? parsed : [parsed]) as SqlNode[];
  if (statements.length === 0) throw invalidQuery('No SQL statements found');
  if (statements.length !== 1) throw invalidQuery('Analytics queries must contain exactly one statement');
  const statement = statements[0]!;
  if (statement.type !== 'select') {
    throw new KeywardError('invalid_analytics_query_type', 'Only SELECT queries are allowed');
  }
  checkComplexity(statement);
  return statement;
}

function checkComplexity(root: SqlNode): void {
  let nodes = 0;
  let projected = 0;
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    nodes += 1;
    if (nodes > AST_NODES_MAX) throw invalidQuery('Analytics query is too complex');
    const node = value as SqlNode;
    if (node.type === 'select' && Array.isArray(node.columns)) {
      projected += node.columns.length;
      if (projected > PROJECTED_COLUMNS_MAX) throw invalidQuery('Analytics query projects too many columns');
    }
    for (const [field, child] of Object.entries(node)) {
      // The parser's own bookkeeping (table and column lists of a subquery) is not part of the query.
      if (field !== 'tableList' && field !== 'columnList') visit(child);
    }
  };
  visit(root);
}

/**
 * ClickHouse writes array literals as `['a', 'b']`, which the MySQL grammar lacks; `array('a', 'b')` is the same
 * array in ClickHouse and parses. Brackets inside quotes or comments are left alone. Whatever this rewrites is still
 * parsed and checked like any other text, so a bracket it misreads can only make a query fail, never widen it.
 */
export function arrayLiteralsAsCalls(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "'" || c === '"' || c === '`') {
      const end = quotedEnd(text, i, c);
      out += text.slice(i, end);
      i = end;
    } else if ((c === '-' && next === '-') || c === '#') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop);
      i = stop;
    } else {
      out += c === '[' ? 'array(' : c === ']' ? ')' : c;
      i += 1;
    }
  }
  return out;
}

/** Where the quoted run starting at `start` ends: a doubled quote or a backslash escapes the next character. */
function quotedEnd(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return text.length;
}
