import { KeywardError } from '../../core/errors.js';
import type { SqlNode } from './ast.js';
import type { SqlWriter } from './sql-writer.js';
import { INTERVAL_MS, startOf, startOfSql, type TimeUnit } from './time.js';

/**
 * The functions an analytics query may call: upstream's allow-list (ClickHouse names, matched case-insensitively),
 * each written in the engine's SQL. Anything else answers invalid_analytics_function, as upstream, so no engine
 * function (pg_sleep, pg_read_file, load_extension, readfile, ...) is ever reachable by name.
 */

export interface FunctionCall {
  /** The name as written; matched lower-cased. */
  name: string;
  args: readonly SqlNode[];
  distinct: boolean;
}

export interface FunctionContext {
  writer: SqlWriter;
  now: number;
  /** Writes one argument as SQL. */
  expr(node: SqlNode): string;
}

export const functionNotAllowed = (name: string) =>
  new KeywardError('invalid_analytics_function', `Function '${name.toLowerCase()}' is not allowed`);

/** In upstream's allow-list, but with no equivalent here: answered apart from unknown names so users know why. */
const NOT_SUPPORTED = new Set([
  'quantile',
  'arrayjoin',
  'arrayfilter',
  'formatdatetime',
  'date_trunc',
  'todatetime',
  'todatetime64',
  'tostartofquarter',
  'jsonextractstring',
]);

/** ClickHouse's start-of functions and the unit each rounds down to (also read by the retention check in translate.ts). */
export const START_OF: Readonly<Record<string, TimeUnit>> = {
  tostartofminute: 'minute',
  tostartofhour: 'hour',
  tostartofday: 'day',
  todate: 'day',
  tostartofweek: 'week',
  tostartofmonth: 'month',
  tostartofyear: 'year',
};

const INTERVAL_FUNCTIONS: Readonly<Record<string, string>> = {
  tointervalmillisecond: 'millisecond',
  tointervalsecond: 'second',
  tointervalminute: 'minute',
  tointervalhour: 'hour',
  tointervalday: 'day',
  tointervalweek: 'week',
  tointervalmonth: 'month',
  tointervalquarter: 'quarter',
  tointervalyear: 'year',
};

/** Functions whose result is an array: JSON text on SQLite, parsed by the service before answering. */
export const ARRAY_FUNCTIONS = new Set(['grouparray', 'groupuniqarray']);

export function translateFunction(call: FunctionCall, ctx: FunctionContext): string {
  const name = call.name.toLowerCase();
  const { engine } = ctx.writer;
  const sqlite = engine === 'sqlite';
  const arity = (min: number, max = min) => {
    if (call.args.length < min || call.args.length > max) {
      throw new KeywardError(
        'invalid_analytics_query',
        `Function '${name}' takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${call.args.length}`,
      );
    }
  };
  const arg = (i: number) => ctx.expr(call.args[i]!);
  const distinct = call.distinct ? 'DISTINCT ' : '';

  const unit = START_OF[name];
  if (unit !== undefined) {
    arity(1);
    return startOfSql(engine, arg(0), unit);
  }
  const intervalUnit = INTERVAL_FUNCTIONS[name];
  if (intervalUnit !== undefined) {
    arity(1);
    return `((${arg(0)}) * ${INTERVAL_MS[intervalUnit]})`;
  }

  switch (name) {
    case 'count':
      if (call.args.length === 0) return 'COUNT(*)';
      arity(1);
      return `COUNT(${distinct}${arg(0)})`;
    case 'sum':
      // ClickHouse sums nothing to 0, not NULL.
      arity(1);
      return `COALESCE(SUM(${distinct}${arg(0)}), 0)`;
    case 'avg':
    case 'min':
    case 'max':
      arity(1);
      return `${name.toUpperCase()}(${distinct}${arg(0)})`;
    case 'any':
      arity(1);
      return `MIN(${arg(0)})`;
    case 'uniq':
    case 'uniqexact':
      arity(1);
      return `COUNT(DISTINCT ${arg(0)})`;
    case 'countif':
      arity(1);
      return `COUNT(CASE WHEN ${arg(0)} THEN 1 END)`;
    case 'sumif':
      arity(2);
      return `COALESCE(SUM(CASE WHEN ${arg(1)} THEN ${arg(0)} END), 0)`;
    case 'grouparray':
    case 'groupuniqarray': {
      arity(1);
      const unique = name === 'groupuniqarray' || call.distinct ? 'DISTINCT ' : '';
      return sqlite ? `json_group_array(${unique}${arg(0)})` : `json_agg(${unique}${arg(0)})`;
    }
    case 'now':
    case 'now64':
      return ctx.writer.bind(ctx.now);
    case 'today':
      arity(0);
      return ctx.writer.bind(startOf(ctx.now, 'day'));
    case 'fromunixtimestamp64milli':
    case 'tounixtimestamp64milli':
      arity(1);
      return `(${arg(0)})`;
    case 'lower':
    case 'upper':
    case 'length':
    case 'abs':
    case 'floor':
      arity(1);
      return `${name}(${arg(0)})`;
    case 'ceil':
      arity(1);
      return sqlite ? `ceil(${arg(0)})` : `ceiling(${arg(0)})`;
    case 'trim':
      arity(1);
      return `trim(${arg(0)})`;
    case 'substring':
      arity(2, 3);
      // PostgreSQL's substr takes int4 positions; bound numbers are int8 there.
      return `substr(${call.args.map((_, i) => (i === 0 || sqlite ? arg(i) : `CAST(${arg(i)} AS integer)`)).join(', ')})`;
    case 'concat':
      arity(1, 32);
      return sqlite
        ? `(${call.args.map((_, i) => `COALESCE(${arg(i)}, '')`).join(' || ')})`
        : `concat(${call.args.map((_, i) => arg(i)).join(', ')})`;
    case 'startswith': {
      arity(2);
      const prefix = arg(1);
      return `(substr(${arg(0)}, 1, length(${prefix})) = ${prefix})`;
    }
    case 'endswith': {
      arity(2);
      const suffix = arg(1);
      return sqlite
        ? `(substr(${arg(0)}, -length(${suffix})) = ${suffix} OR ${suffix} = '')`
        : `(right(${arg(0)}, length(${suffix})) = ${suffix})`;
    }
    case 'round':
      arity(1, 2);
      if (sqlite) return `round(${arg(0)}${call.args.length === 2 ? `, ${arg(1)}` : ''})`;
      return `CAST(round(CAST(${arg(0)} AS numeric)${call.args.length === 2 ? `, CAST(${arg(1)} AS integer)` : ''}) AS double precision)`;
    case 'if':
      arity(3);
      return `(CASE WHEN ${arg(0)} THEN ${arg(1)} ELSE ${arg(2)} END)`;
    case 'coalesce':
      arity(1, 32);
      return `COALESCE(${call.args.map((_, i) => arg(i)).join(', ')})`;
    case 'tostring':
      arity(1);
      return `CAST(${arg(0)} AS TEXT)`;
    case 'toint32':
    case 'toint64':
      arity(1);
      return sqlite ? `CAST(${arg(0)} AS INTEGER)` : `CAST(trunc(CAST(${arg(0)} AS double precision)) AS bigint)`;
    case 'tofloat64':
      arity(1);
      return sqlite ? `CAST(${arg(0)} AS REAL)` : `CAST(${arg(0)} AS double precision)`;
    case 'has':
      arity(2);
      return sqlite
        ? `EXISTS (SELECT 1 FROM json_each(${arg(0)}) AS "_kw_e" WHERE "_kw_e".value = ${arg(1)})`
        : `(CAST(${arg(0)} AS jsonb) @> jsonb_build_array(${arg(1)}))`;
    case 'hasany':
    case 'hasall': {
      arity(2);
      const wanted = arrayItems(call.args[1]!, name).map((item) => ctx.expr(item));
      const haystack = arg(0);
      if (!sqlite) return `(CAST(${haystack} AS jsonb) ${name === 'hasany' ? '?|' : '?&'} CAST(ARRAY[${wanted.join(', ')}] AS text[]))`;
      if (name === 'hasany')
        return `EXISTS (SELECT 1 FROM json_each(${haystack}) AS "_kw_e" WHERE "_kw_e".value IN (${wanted.join(', ')}))`;
      return (
        `NOT EXISTS (SELECT 1 FROM json_each(json_array(${wanted.join(', ')})) AS "_kw_w" ` +
        `WHERE "_kw_w".value NOT IN (SELECT "_kw_e".value FROM json_each(${haystack}) AS "_kw_e"))`
      );
    }
  }
  if (NOT_SUPPORTED.has(name)) {
    throw new KeywardError('invalid_analytics_function', `Function '${name}' is not supported by Keyward's analytics`);
  }
  throw functionNotAllowed(name);
}

/** The elements of `['a', 'b']` (parsed as `array('a', 'b')`), the only array a query may write. */
function arrayItems(node: SqlNode, caller: string): SqlNode[] {
  const name = node.type === 'function' ? functionName(node) : undefined;
  if (name?.toLowerCase() !== 'array') {
    throw new KeywardError('invalid_analytics_query', `The second argument of ${caller} must be an array literal such as ['a', 'b']`);
  }
  return node.args?.value ?? [];
}

/** A plain function's name; undefined for a qualified one (`pg_catalog.pg_sleep`), which no allow-listed name is. */
export function functionName(node: SqlNode): string | undefined {
  const parts = node.name?.name;
  if (node.name?.schema || !Array.isArray(parts) || parts.length !== 1) return undefined;
  const value = parts[0]?.value;
  return typeof value === 'string' ? value : undefined;
}
