import { KeywardError } from '../../core/errors.js';
import { ANALYTICS_TABLES, type AnalyticsTable } from '../schema.js';
import type { AnalyticsRetention, CompiledAnalyticsQuery } from '../store.js';
import type { SqlNode } from './ast.js';
import { ARRAY_FUNCTIONS, functionName } from './functions.js';
import { aliasName, collectDefinedNames, hasLimit, JOINS, limitNumber, SET_OPERATIONS, selectOf } from './grammar.js';
import { outputName } from './output-names.js';
import { invalidQuery, parseAnalyticsQuery } from './parse.js';
import { checkRetention, type TimeBounds, timeBounds } from './retention.js';
import { type AnalyticsEngine, isIdentifier, quoteIdentifier, SqlWriter } from './sql-writer.js';
import { tableSubselect } from './table-scope.js';
import { ExpressionWriter, tableNotAllowed } from './expressions.js';

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
  private readonly expressions: ExpressionWriter;

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
    this.expressions = new ExpressionWriter({
      writer: this.writer,
      engine: request.engine,
      now: request.now,
      tables: this.tables,
      columns: this.columns,
      definedNames: this.definedNames,
      subquery: (node, ctes) => this.statement(node, ctes, false),
    });
  }

  private expr(node: SqlNode, ctes: ReadonlySet<string>): string {
    return this.expressions.expr(node, ctes);
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
