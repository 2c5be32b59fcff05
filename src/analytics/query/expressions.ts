import { KeywardError } from '../../core/errors.js';
import type { AnalyticsTable } from '../schema.js';
import type { SqlNode } from './ast.js';
import { functionName, functionNotAllowed, translateFunction } from './functions.js';
import { ARITHMETIC, COMPARISONS, isTimeColumn, LOGICAL, literalNumber, literalString, qualifiedName, STRING_TYPES } from './grammar.js';
import { invalidQuery } from './parse.js';
import { type AnalyticsEngine, isIdentifier, quoteIdentifier, type SqlWriter } from './sql-writer.js';
import { INTERVAL_MS, parseDateText } from './time.js';

/**
 * The expressions of an analytics query (select lists, WHERE, GROUP BY, HAVING, ORDER BY, ON) written back node by
 * node in the engine's SQL through the allow-lists of grammar.ts and functions.ts, every value a bound parameter.
 * Statements (SELECT, FROM, WITH, UNION) are translate.ts's; a subquery inside an expression goes back to it.
 */

export const tableNotAllowed = (name: string) => new KeywardError('invalid_analytics_table', `Access to table '${name}' is not allowed`);

/** What expressions are checked against and written into: one query's translation (translate.ts). */
export interface ExpressionScope {
  writer: SqlWriter;
  engine: AnalyticsEngine;
  now: number;
  /** The endpoint's virtual tables, by the name a query writes. */
  tables: ReadonlyMap<string, AnalyticsTable>;
  /** Every column name of the endpoint's tables, and `latency_avg` of its rollups. */
  columns: ReadonlySet<string>;
  /** Names the query itself defines (aliases, CTE names and their column lists): columns may refer to them. */
  definedNames: ReadonlySet<string>;
  /** A SELECT inside an expression (IN, EXISTS, a scalar subquery), as a whole statement. */
  subquery(node: SqlNode, ctes: ReadonlySet<string>): string;
}

export class ExpressionWriter {
  constructor(private readonly scope: ExpressionScope) {}

  expr(node: SqlNode, ctes: ReadonlySet<string>): string {
    if (node === null || typeof node !== 'object') throw invalidQuery('Unsupported expression');
    if (node.ast !== undefined || node.type === 'select') return `(${this.scope.subquery(node.ast ?? node, ctes)})`;
    switch (node.type) {
      case 'column_ref':
        return this.column(node);
      case 'star':
        return '*';
      case 'number':
        return this.scope.writer.bind(literalNumber(node.value));
      case 'bool':
        return this.scope.writer.bind(node.value ? 1 : 0);
      case 'null':
        return 'NULL';
      case 'interval': {
        const unit = INTERVAL_MS[String(node.unit).toLowerCase()];
        if (unit === undefined) throw invalidQuery(`Unsupported INTERVAL unit '${node.unit}'`);
        return `((${this.expr(node.expr, ctes)}) * ${unit})`;
      }
      case 'expr_list':
        if (!Array.isArray(node.value)) throw invalidQuery('Unsupported list');
        return `(${node.value.map((v: SqlNode) => this.expr(v, ctes)).join(', ')})`;
      case 'unary_expr': {
        const op = String(node.operator).toUpperCase();
        if (op === 'NOT') return `(NOT ${this.expr(node.expr, ctes)})`;
        if (op === '-' || op === '+') return `(${op}${this.expr(node.expr, ctes)})`;
        throw invalidQuery(`Operator '${node.operator}' is not allowed`);
      }
      case 'binary_expr':
        return this.binary(node, ctes);
      case 'case':
        return this.caseExpr(node, ctes);
      case 'aggr_func':
        return this.aggregate(node, ctes);
      case 'function':
        return this.call(node, ctes);
    }
    if (STRING_TYPES.has(node.type)) return this.scope.writer.bind(literalString(node.value));
    throw invalidQuery(`Unsupported expression '${String(node.type)}'`);
  }

  private column(node: SqlNode): string {
    const column = typeof node.column === 'string' ? node.column : node.column?.expr?.value;
    const table = node.table;
    if (
      table !== null &&
      table !== undefined &&
      !(isIdentifier(table) && (this.scope.tables.has(table) || this.scope.definedNames.has(table)))
    ) {
      throw tableNotAllowed(String(table));
    }
    const qualifier = table ? `${quoteIdentifier(table)}.` : '';
    if (column === '*') return `${qualifier}*`;
    if (!isIdentifier(column) || !(this.scope.columns.has(column) || this.scope.definedNames.has(column))) {
      throw invalidQuery(`Unknown column '${String(column)}'`);
    }
    return qualifier + quoteIdentifier(column);
  }

  private binary(node: SqlNode, ctes: ReadonlySet<string>): string {
    const op = String(node.operator).toUpperCase();
    const left = () => this.expr(node.left, ctes);
    const right = () => this.beside(node.right, node.left, ctes);
    if (COMPARISONS.has(op)) return `(${this.beside(node.left, node.right, ctes)} ${op === '!=' ? '<>' : op} ${right()})`;
    if (LOGICAL.has(op) || ARITHMETIC.has(op)) return `(${left()} ${op} ${right()})`;
    if (op === '/') {
      // ClickHouse divides as floating point; dividing by zero gives NULL here (upstream turns its Inf into null).
      const numerator = this.scope.engine === 'sqlite' ? `CAST(${left()} AS REAL)` : `CAST(${left()} AS double precision)`;
      return `(${numerator} / NULLIF(${right()}, 0))`;
    }
    if (op === 'LIKE' || op === 'NOT LIKE') return `(${left()} ${op} ${right()})`;
    if (op === 'IN' || op === 'NOT IN') {
      const list = node.right;
      if (list?.type !== 'expr_list') throw invalidQuery('IN needs a list or a subquery');
      const values = list.value as SqlNode[];
      if (values.length === 1 && (values[0]?.ast !== undefined || values[0]?.type === 'select')) {
        return `(${left()} ${op} ${this.expr(values[0]!, ctes)})`;
      }
      if (values.length === 0) return op === 'IN' ? '(1 = 0)' : '(1 = 1)';
      return `(${left()} ${op} (${values.map((v) => this.expr(v, ctes)).join(', ')}))`;
    }
    if (op === 'BETWEEN' || op === 'NOT BETWEEN') {
      const bounds = node.right?.value;
      if (!Array.isArray(bounds) || bounds.length !== 2) throw invalidQuery('BETWEEN needs two bounds');
      return `(${left()} ${op} ${this.beside(bounds[0], node.left, ctes)} AND ${this.beside(bounds[1], node.left, ctes)})`;
    }
    if (op === 'IS' || op === 'IS NOT') {
      if (node.right?.type !== 'null') throw invalidQuery(`${op} is allowed only with NULL`);
      return `(${left()} ${op} NULL)`;
    }
    throw invalidQuery(`Operator '${node.operator}' is not allowed`);
  }

  /** `node`, compared with `other`: a date written as text beside `time` means that instant in ms, as `time` holds. */
  private beside(node: SqlNode, other: SqlNode, ctes: ReadonlySet<string>): string {
    const instant = isTimeColumn(other) && STRING_TYPES.has(node?.type) ? parseDateText(String(node.value)) : undefined;
    return instant === undefined ? this.expr(node, ctes) : this.scope.writer.bind(instant);
  }

  private caseExpr(node: SqlNode, ctes: ReadonlySet<string>): string {
    if (!Array.isArray(node.args) || node.args.length === 0) throw invalidQuery('Unsupported CASE');
    const subject = node.expr ? ` ${this.expr(node.expr, ctes)}` : '';
    const arms = node.args.map((arm: SqlNode) => {
      if (arm.type === 'when') return `WHEN ${this.expr(arm.cond, ctes)} THEN ${this.expr(arm.result, ctes)}`;
      if (arm.type === 'else') return `ELSE ${this.expr(arm.result, ctes)}`;
      throw invalidQuery('Unsupported CASE');
    });
    return `(CASE${subject} ${arms.join(' ')} END)`;
  }

  private aggregate(node: SqlNode, ctes: ReadonlySet<string>): string {
    if (node.over) throw invalidQuery('Window functions are not supported');
    const name = String(node.name);
    const args = node.args ?? {};
    if (args.orderby || args.separator) throw functionNotAllowed(name);
    const distinct = args.distinct === 'DISTINCT';
    const expr = args.expr;
    const list = expr?.type === 'star' ? [] : expr === undefined || expr === null ? [] : [expr];
    if (!['count', 'sum', 'avg', 'min', 'max'].includes(name.toLowerCase())) throw functionNotAllowed(name);
    return translateFunction(
      { name, args: list, distinct },
      { writer: this.scope.writer, now: this.scope.now, expr: (n) => this.expr(n, ctes) },
    );
  }

  private call(node: SqlNode, ctes: ReadonlySet<string>): string {
    if (node.over) throw invalidQuery('Window functions are not supported');
    const name = functionName(node);
    if (name === undefined) throw functionNotAllowed(qualifiedName(node));
    const args = node.args === null || node.args === undefined ? [] : node.args.value;
    if (!Array.isArray(args)) throw invalidQuery(`Unsupported arguments to '${name}'`);
    if (name.toLowerCase() === 'exists') {
      const sub = args.length === 1 ? (args[0]?.ast ?? args[0]) : undefined;
      if (sub?.type !== 'select') throw invalidQuery('EXISTS takes one subquery');
      return `EXISTS (${this.scope.subquery(sub, ctes)})`;
    }
    return translateFunction(
      { name, args, distinct: false },
      { writer: this.scope.writer, now: this.scope.now, expr: (n) => this.expr(n, ctes) },
    );
  }
}
