import { KeywardError } from '../../core/errors.js';
import { ANALYTICS_TABLES, type AnalyticsTable } from '../schema.js';
import type { AnalyticsRetention, CompiledAnalyticsQuery } from '../store.js';
import type { SqlNode } from './ast.js';
import { ARRAY_FUNCTIONS, functionName, functionNotAllowed, translateFunction } from './functions.js';
import {
  ARITHMETIC,
  aliasName,
  COMPARISONS,
  collectDefinedNames,
  hasLimit,
  isTimeColumn,
  JOINS,
  LOGICAL,
  limitNumber,
  literalNumber,
  literalString,
  qualifiedName,
  SET_OPERATIONS,
  STRING_TYPES,
  selectOf,
} from './grammar.js';
import { outputName } from './output-names.js';
import { invalidQuery, parseAnalyticsQuery } from './parse.js';
import { checkRetention, timeBounds } from './retention.js';
import { type AnalyticsEngine, isIdentifier, quoteIdentifier, SqlWriter } from './sql-writer.js';
import { type TimeBounds, tableSubselect } from './table-scope.js';
import { INTERVAL_MS, parseDateText } from './time.js';

/**
 * analytics.getVerifications / getRatelimits queries (docs/unkey-compatibility.md, "Analytics") become one SELECT in
 * the engine's SQL:
 *
 * - the tree is written back node by node through allow-lists (statement shapes and operators in grammar.ts,
 *   functions in functions.ts, columns of src/analytics/schema.ts); anything else is refused with upstream's error type;
 * - every reference to a virtual table becomes a subselect of its physical table restricted to the caller's
 *   workspace, to the APIs or namespaces its permissions name, and to the table's retention window (which is also
 *   the default time window, as upstream's row policies), so a subquery, join, UNION or CTE can only ever see the
 *   caller's rows (table-scope.ts);
 * - an explicit lower bound on `time` older than the retention answers query_range_exceeds_retention (retention.ts);
 * - the outermost LIMIT is capped at the row limit, as upstream;
 * - every value is a bound parameter (sql-writer.ts).
 */

export interface AnalyticsQueryRequest {
  query: string;
  source: AnalyticsTable['source'];
  workspaceId: string;
  /** The API ids (verifications) or namespace ids (ratelimits) the caller may read; null: all of its workspace. */
  resourceIds: readonly string[] | null;
  now: number;
  retention: AnalyticsRetention;
  maxRows: number;
  engine: AnalyticsEngine;
}

export interface TranslatedAnalyticsQuery {
  statement: CompiledAnalyticsQuery;
  /** How to present each row: result keys to rename, and result keys holding JSON arrays (tags, groupArray). */
  output: AnalyticsOutput;
}

export interface AnalyticsOutput {
  rename: Readonly<Record<string, string>>;
  jsonKeys: readonly string[];
}

export function translateAnalyticsQuery(request: AnalyticsQueryRequest): TranslatedAnalyticsQuery {
  const statement = parseAnalyticsQuery(request.query);
  return new Translator(request, statement).run();
}

const tableNotAllowed = (name: string) => new KeywardError('invalid_analytics_table', `Access to table '${name}' is not allowed`);

class Translator {
  private readonly writer: SqlWriter;
  private readonly tables: ReadonlyMap<string, AnalyticsTable>;
  /** Every column name of the endpoint's tables, and `latency_avg` of its rollups. */
  private readonly columns = new Set<string>();
  /** Names the query itself defines (aliases, CTE names and their column lists): columns may refer to them. */
  private readonly definedNames = new Set<string>();
  private generated = 0;
  /** The outermost SELECT's unaliased expressions: aliased in SQL, renamed in the answer (output-names.ts). */
  private readonly rootAliases = new Map<SqlNode, string>();

  constructor(
    private readonly request: AnalyticsQueryRequest,
    private readonly root: SqlNode,
  ) {
    this.writer = new SqlWriter(request.engine);
    this.tables = new Map(ANALYTICS_TABLES.filter((t) => t.source === request.source).map((t) => [t.virtualName, t]));
    for (const table of this.tables.values()) {
      for (const column of Object.keys(table.columns)) this.columns.add(column);
      if (table.kind !== 'raw') this.columns.add('latency_avg');
    }
  }

  run(): TranslatedAnalyticsQuery {
    collectDefinedNames(this.root, this.definedNames);
    if (!Array.isArray(this.root.from) || this.root.from.length === 0) throw invalidQuery('Query must have a FROM clause');
    for (const [i, item] of (this.root.columns as SqlNode[]).entries()) {
      if ((item.as === null || item.as === undefined) && item.expr?.type !== 'column_ref') this.rootAliases.set(item, `_kw_col${i}`);
    }
    const sql = this.statement(this.root, new Set(), true);
    return { statement: this.writer.finish(sql), output: this.output() };
  }

  /** A whole statement: its WITH list, then its SELECT or the SELECTs of a UNION / EXCEPT / INTERSECT. */
  private statement(node: SqlNode, visibleCtes: ReadonlySet<string>, outermost: boolean): string {
    const ctes = new Set(visibleCtes);
    let withSql = '';
    if (node.with !== null && node.with !== undefined) {
      if (!Array.isArray(node.with)) throw invalidQuery('Unsupported WITH clause');
      const parts: string[] = [];
      for (const cte of node.with as SqlNode[]) {
        if (cte.recursive) throw invalidQuery('Recursive CTEs are not allowed');
        const name = cte.name?.value;
        if (typeof name === 'string' && this.tables.has(name)) {
          throw new KeywardError('invalid_analytics_table', `CTE name '${name}' conflicts with a public table name`);
        }
        if (!isIdentifier(name)) throw invalidQuery('A CTE name must be a word of letters, digits and underscores');
        const columnList = this.cteColumns(cte.columns);
        // A CTE sees only those defined before it, so none can refer to itself and recurse.
        parts.push(`${quoteIdentifier(name)}${columnList} AS (${this.statement(selectOf(cte.stmt), ctes, false)})`);
        ctes.add(name);
      }
      withSql = `WITH ${parts.join(', ')} `;
    }

    const branches: { node: SqlNode; operator: string | null }[] = [];
    let operator: string | null = null;
    for (let branch: SqlNode | undefined = node; branch; branch = branch._next) {
      branches.push({ node: branch, operator });
      if (branch._next) {
        const op = SET_OPERATIONS[String(branch.set_op ?? '').toLowerCase()];
        if (op === undefined) throw invalidQuery(`Unsupported set operation '${branch.set_op}'`);
        operator = op;
      }
    }
    const last = branches.length - 1;
    const body = branches
      .map(({ node: branch, operator: op }, i) => {
        if (i > 0 && branch.with) throw invalidQuery('WITH is allowed only at the start of a statement');
        let sql = this.select(branch, ctes, outermost && i === last);
        // In a compound, ORDER BY and LIMIT may only end the whole; an earlier branch keeps its own inside a subquery.
        if (i < last && (branch.orderby || hasLimit(branch))) sql = `SELECT * FROM (${sql}) AS ${this.generatedName()}`;
        return op === null ? sql : `${op} ${sql}`;
      })
      .join(' ');
    return withSql + body;
  }

  private cteColumns(columns: unknown): string {
    if (columns === null || columns === undefined) return '';
    if (!Array.isArray(columns)) throw invalidQuery('Unsupported CTE column list');
    const names = columns.map((c: SqlNode) => c?.value ?? c?.expr?.value ?? c);
    if (!names.every(isIdentifier)) throw invalidQuery('A CTE column name must be a word of letters, digits and underscores');
    return `(${names.map(quoteIdentifier).join(', ')})`;
  }

  /** One SELECT (no set operation). `capLimit`: the outermost result, whose LIMIT is capped at the row limit. */
  private select(node: SqlNode, ctes: ReadonlySet<string>, capLimit: boolean): string {
    if (node.type !== 'select') throw new KeywardError('invalid_analytics_query_type', 'Only SELECT queries are allowed');
    if (node.options) throw invalidQuery('SELECT options are not allowed');
    if (node.into?.position || node.into?.expr) throw invalidQuery('SELECT ... INTO is not allowed');
    if (node.locking_read) throw invalidQuery('Locking reads are not allowed');
    if (node.window) throw invalidQuery('Window functions are not supported');
    if (node.collate) throw invalidQuery('COLLATE is not supported');
    if (node.distinct && node.distinct !== 'DISTINCT') throw invalidQuery('Unsupported DISTINCT form');
    if (!Array.isArray(node.columns) || node.columns.length === 0) throw invalidQuery('A SELECT must list what it returns');

    const sources: AnalyticsTable[] = [];
    // With one table in FROM, `time` in the WHERE is that table's: its bounds let a raw table's blocks be chosen by
    // their times before any is expanded (table-scope.ts).
    const only = Array.isArray(node.from) && node.from.length === 1 ? node.from[0] : undefined;
    const bounds =
      typeof only?.table === 'string'
        ? timeBounds(node.where, this.request.now, [only.table, ...(only.as ? [aliasName(only.as)] : [])])
        : {};
    const from = Array.isArray(node.from) && node.from.length > 0 ? ` FROM ${this.from(node.from, ctes, sources, bounds)}` : '';
    const columns = (node.columns as SqlNode[])
      .map((item) => {
        const expr = this.expr(item.expr, ctes);
        const generated = this.rootAliases.get(item);
        if (generated !== undefined) return `${expr} AS ${quoteIdentifier(generated)}`;
        if (item.as === null || item.as === undefined) return expr;
        const alias = aliasName(item.as);
        return `${expr} AS ${quoteIdentifier(alias)}`;
      })
      .join(', ');
    let sql = `SELECT ${node.distinct ? 'DISTINCT ' : ''}${columns}${from}`;
    if (node.where) {
      checkRetention(node.where, sources, this.request.retention, this.request.now);
      sql += ` WHERE ${this.expr(node.where, ctes)}`;
    }
    if (node.groupby) {
      const groups = Array.isArray(node.groupby) ? node.groupby : node.groupby.columns;
      if (!Array.isArray(groups) || (node.groupby.modifiers ?? []).some((m: unknown) => m)) throw invalidQuery('Unsupported GROUP BY');
      if (groups.length > 0) sql += ` GROUP BY ${groups.map((g: SqlNode) => this.groupingTerm(g, node, ctes)).join(', ')}`;
    }
    if (node.having) sql += ` HAVING ${this.expr(node.having, ctes)}`;
    if (Array.isArray(node.orderby) && node.orderby.length > 0) {
      sql += ` ORDER BY ${node.orderby
        .map((o: SqlNode) => {
          const direction = o.type === 'DESC' ? ' DESC' : o.type === 'ASC' || o.type === null || o.type === undefined ? '' : null;
          if (direction === null) throw invalidQuery('Unsupported ORDER BY');
          return this.groupingTerm(o.expr, node, ctes) + direction;
        })
        .join(', ')}`;
    }
    return sql + this.limit(node, capLimit);
  }

  /**
   * A GROUP BY or ORDER BY term. A whole number there is a position in the select list (ClickHouse's positional
   * arguments, as SQLite and PostgreSQL read them): written as the checked position, since a bound parameter would be
   * a constant to group or sort by.
   */
  private groupingTerm(term: SqlNode, select: SqlNode, ctes: ReadonlySet<string>): string {
    if (term?.type !== 'number') return this.expr(term, ctes);
    const position = Number(term.value);
    if (!Number.isInteger(position) || position < 1 || position > select.columns.length) {
      throw invalidQuery(`Position ${String(term.value)} is not in the select list`);
    }
    return String(position);
  }

  private limit(node: SqlNode, capLimit: boolean): string {
    const values: SqlNode[] = node.limit?.value ?? [];
    let count: number | undefined;
    let offset: number | undefined;
    if (values.length === 1) count = limitNumber(values[0]!);
    else if (values.length === 2 && node.limit.seperator === 'offset') [count, offset] = [limitNumber(values[0]!), limitNumber(values[1]!)];
    else if (values.length === 2 && node.limit.seperator === ',') [offset, count] = [limitNumber(values[0]!), limitNumber(values[1]!)];
    else if (values.length !== 0) throw invalidQuery('Unsupported LIMIT');
    if (capLimit && (count === undefined || count > this.request.maxRows)) count = this.request.maxRows;
    let sql = '';
    if (count !== undefined) sql += ` LIMIT ${this.writer.bind(count)}`;
    // The grammar gives an OFFSET only together with a count.
    if (offset !== undefined && count !== undefined) sql += ` OFFSET ${this.writer.bind(offset)}`;
    return sql;
  }

  private from(items: SqlNode[], ctes: ReadonlySet<string>, sources: AnalyticsTable[], bounds: TimeBounds): string {
    return items
      .map((item, i) => {
        const source = this.fromItem(item, ctes, sources, bounds);
        if (i === 0) {
          if (item.join) throw invalidQuery('Unsupported JOIN');
          return source;
        }
        if (!item.join) return `, ${source}`;
        const join = JOINS[String(item.join).toUpperCase()];
        if (join === undefined) throw invalidQuery(`Unsupported join '${item.join}'`);
        if (item.on) return ` ${join} ${source} ON ${this.expr(item.on, ctes)}`;
        if (Array.isArray(item.using)) {
          const names = item.using.map((u: SqlNode) => (typeof u === 'string' ? u : u?.value));
          if (!names.every((n: unknown) => isIdentifier(n) && (this.columns.has(n) || this.definedNames.has(n)))) {
            throw invalidQuery('Unknown column in USING');
          }
          return ` ${join} ${source} USING (${names.map(quoteIdentifier).join(', ')})`;
        }
        return ` ${join} ${source}`;
      })
      .join('');
  }

  private fromItem(item: SqlNode, ctes: ReadonlySet<string>, sources: AnalyticsTable[], bounds: TimeBounds): string {
    const alias = item.as === null || item.as === undefined ? null : aliasName(item.as);
    if (item.expr !== undefined) {
      const sub = item.expr?.ast ?? item.expr;
      if (sub?.type === 'select')
        return `(${this.statement(sub, ctes, false)}) AS ${alias ? quoteIdentifier(alias) : this.generatedName()}`;
      if (sub?.type === 'function') throw new KeywardError('invalid_analytics_function', 'Table functions are not allowed');
      throw invalidQuery('Unsupported FROM item');
    }
    if (typeof item.table !== 'string') throw invalidQuery('Unsupported FROM item');
    const name = item.db ? `${item.db}.${item.table}` : item.table;
    if (!item.db && ctes.has(item.table)) return quoteIdentifier(item.table) + (alias ? ` AS ${quoteIdentifier(alias)}` : '');
    const table = item.db ? undefined : this.tables.get(item.table);
    if (table === undefined) throw tableNotAllowed(name);
    sources.push(table);
    return `(${tableSubselect(table, this.request, this.writer, bounds)}) AS ${quoteIdentifier(alias ?? table.virtualName)}`;
  }

  private expr(node: SqlNode, ctes: ReadonlySet<string>): string {
    if (node === null || typeof node !== 'object') throw invalidQuery('Unsupported expression');
    if (node.ast !== undefined || node.type === 'select') return `(${this.statement(node.ast ?? node, ctes, false)})`;
    switch (node.type) {
      case 'column_ref':
        return this.column(node);
      case 'star':
        return '*';
      case 'number':
        return this.writer.bind(literalNumber(node.value));
      case 'bool':
        return this.writer.bind(node.value ? 1 : 0);
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
    if (STRING_TYPES.has(node.type)) return this.writer.bind(literalString(node.value));
    throw invalidQuery(`Unsupported expression '${String(node.type)}'`);
  }

  private column(node: SqlNode): string {
    const column = typeof node.column === 'string' ? node.column : node.column?.expr?.value;
    const table = node.table;
    if (table !== null && table !== undefined && !(isIdentifier(table) && (this.tables.has(table) || this.definedNames.has(table)))) {
      throw tableNotAllowed(String(table));
    }
    const qualifier = table ? `${quoteIdentifier(table)}.` : '';
    if (column === '*') return `${qualifier}*`;
    if (!isIdentifier(column) || !(this.columns.has(column) || this.definedNames.has(column))) {
      throw invalidQuery(`Unknown column '${String(column)}'`);
    }
    return qualifier + quoteIdentifier(column);
  }

  private binary(node: SqlNode, ctes: ReadonlySet<string>): string {
    const op = String(node.operator).toUpperCase();
    const left = () => this.expr(node.left, ctes);
    // A date written as text and compared with `time` means that instant in ms, as `time` holds.
    const right = () =>
      isTimeColumn(node.left) && STRING_TYPES.has(node.right?.type) && parseDateText(String(node.right.value)) !== undefined
        ? this.writer.bind(parseDateText(String(node.right.value))!)
        : this.expr(node.right, ctes);
    if (COMPARISONS.has(op)) {
      const leftSql =
        isTimeColumn(node.right) && STRING_TYPES.has(node.left?.type) && parseDateText(String(node.left.value)) !== undefined
          ? this.writer.bind(parseDateText(String(node.left.value))!)
          : left();
      return `(${leftSql} ${op === '!=' ? '<>' : op} ${right()})`;
    }
    if (LOGICAL.has(op) || ARITHMETIC.has(op)) return `(${left()} ${op} ${right()})`;
    if (op === '/') {
      // ClickHouse divides as floating point; dividing by zero gives NULL here (upstream turns its Inf into null).
      const numerator = this.request.engine === 'sqlite' ? `CAST(${left()} AS REAL)` : `CAST(${left()} AS double precision)`;
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
      const bound = (b: SqlNode) =>
        isTimeColumn(node.left) && STRING_TYPES.has(b?.type) && parseDateText(String(b.value)) !== undefined
          ? this.writer.bind(parseDateText(String(b.value))!)
          : this.expr(b, ctes);
      return `(${left()} ${op} ${bound(bounds[0])} AND ${bound(bounds[1])})`;
    }
    if (op === 'IS' || op === 'IS NOT') {
      if (node.right?.type !== 'null') throw invalidQuery(`${op} is allowed only with NULL`);
      return `(${left()} ${op} NULL)`;
    }
    throw invalidQuery(`Operator '${node.operator}' is not allowed`);
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
      { writer: this.writer, now: this.request.now, expr: (n) => this.expr(n, ctes) },
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
      return `EXISTS (${this.statement(sub, ctes, false)})`;
    }
    return translateFunction(
      { name, args, distinct: false },
      { writer: this.writer, now: this.request.now, expr: (n) => this.expr(n, ctes) },
    );
  }

  private generatedName(): string {
    this.generated += 1;
    return `"_kw_sub${this.generated}"`;
  }

  /** How the outermost SELECT's (first branch's) columns are presented. */
  private output(): AnalyticsOutput {
    const jsonKeys: string[] = [];
    const rename: Record<string, string> = {};
    for (const item of this.root.columns as SqlNode[]) {
      const expr = item.expr;
      const generated = this.rootAliases.get(item);
      const key = item.as ? aliasName(item.as) : outputName(expr);
      if (generated !== undefined) rename[generated] = key;
      if (expr?.type === 'column_ref' && (expr.column === 'tags' || expr.column === '*')) jsonKeys.push(item.as ? key : 'tags');
      if (expr?.type === 'function' && ARRAY_FUNCTIONS.has(String(functionName(expr)).toLowerCase())) jsonKeys.push(key);
    }
    return { rename, jsonKeys };
  }
}
