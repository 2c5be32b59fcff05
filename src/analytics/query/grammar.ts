import { KeywardError } from '../../core/errors.js';
import type { SqlNode } from './ast.js';
import { invalidQuery } from './parse.js';
import { isIdentifier } from './sql-writer.js';

/**
 * The allow-lists of statement shapes and operators translate.ts writes back, and the small readers of parser nodes
 * it shares with retention.ts. Kept apart from the translator so the list of what is accepted reads in one place.
 */

export const COMPARISONS = new Set(['=', '!=', '<>', '<', '>', '<=', '>=']);
export const LOGICAL = new Set(['AND', 'OR']);
export const ARITHMETIC = new Set(['+', '-', '*', '%']);
export const SET_OPERATIONS: Readonly<Record<string, string>> = {
  union: 'UNION',
  'union distinct': 'UNION',
  'union all': 'UNION ALL',
  except: 'EXCEPT',
  intersect: 'INTERSECT',
};
export const JOINS: Readonly<Record<string, string>> = {
  JOIN: 'JOIN',
  'INNER JOIN': 'JOIN',
  'LEFT JOIN': 'LEFT JOIN',
  'LEFT OUTER JOIN': 'LEFT JOIN',
  'CROSS JOIN': 'CROSS JOIN',
};
export const STRING_TYPES = new Set(['single_quote_string', 'double_quote_string', 'string']);

export function selectOf(stmt: SqlNode | undefined): SqlNode {
  const node = stmt?.ast ?? stmt;
  if (node?.type !== 'select') throw new KeywardError('invalid_analytics_query_type', 'Only SELECT queries are allowed');
  return node;
}

export function hasLimit(node: SqlNode): boolean {
  return Array.isArray(node.limit?.value) && node.limit.value.length > 0;
}

export function isTimeColumn(node: SqlNode | undefined): boolean {
  if (node?.type !== 'column_ref') return false;
  const column = typeof node.column === 'string' ? node.column : node.column?.expr?.value;
  return column === 'time';
}

export function aliasName(as: unknown): string {
  const name = typeof as === 'string' ? as : (as as SqlNode | null)?.value;
  if (!isIdentifier(name)) throw invalidQuery('An alias must be a word of letters, digits and underscores');
  return name;
}

export function literalNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || (Number.isInteger(n) && !Number.isSafeInteger(n))) throw invalidQuery(`Unsupported number '${String(value)}'`);
  return n;
}

export function literalString(value: unknown): string {
  if (typeof value !== 'string') throw invalidQuery('Unsupported string literal');
  if (value.includes('\u0000')) throw invalidQuery('A string may not contain NUL');
  return value;
}

export function limitNumber(node: SqlNode): number {
  const n = node?.type === 'number' ? Number(node.value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw invalidQuery('LIMIT and OFFSET must be non-negative whole numbers');
  return n;
}

export function qualifiedName(node: SqlNode): string {
  const schema = node.name?.schema?.value;
  const parts = Array.isArray(node.name?.name) ? node.name.name.map((p: SqlNode) => p?.value) : [];
  return [schema, ...parts].filter((p) => typeof p === 'string').join('.');
}

/** Every alias and CTE name (and CTE column) the query defines, wherever it defines it. */
export function collectDefinedNames(value: unknown, names: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collectDefinedNames(item, names);
    return;
  }
  const node = value as SqlNode;
  for (const candidate of [node.as, node.as?.value, node.name?.value]) {
    if (isIdentifier(candidate) && (node.as !== undefined || node.stmt !== undefined)) names.add(candidate);
  }
  if (node.stmt !== undefined && Array.isArray(node.columns)) {
    for (const c of node.columns) {
      const name = c?.value ?? c;
      if (isIdentifier(name)) names.add(name);
    }
  }
  for (const [field, child] of Object.entries(node)) {
    if (field !== 'tableList' && field !== 'columnList') collectDefinedNames(child, names);
  }
}
