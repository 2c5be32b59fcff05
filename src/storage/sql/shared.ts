import {
  type CompiledQuery,
  CompiledQuery as Compiled,
  type QueryResult,
  type RawBuilder,
  sql,
  type Kysely,
  type SelectQueryBuilder,
  type Transaction,
} from 'kysely';
import type { RatelimitRecord } from '../store.js';
import type { SqlDialect } from './dialect.js';
import type { Tables } from './tables.js';

/** What the SQL of every area runs on: the store's Kysely instance, or a transaction of it. */
export type Executor = Kysely<Tables> | Transaction<Tables>;

/** Runs `query`, whose text is one of a few fixed ones run on every call of a hot path, kept prepared (dialect.ts, keepPrepared). */
export function executeKeptPrepared<R>(db: Executor, dialect: SqlDialect, query: RawBuilder<R>): Promise<QueryResult<R>> {
  const compiled = query.compile(db);
  dialect.keepPrepared(compiled.sql);
  return db.executeQuery(compiled);
}

/** Texts of executeFixed, by engine and name, with how many values each binds. */
const fixedTexts = new Map<string, { text: string; values: number }>();

/**
 * Runs a statement of a hot path whose text depends only on `name` (its parameters change, not its shape), kept
 * prepared (dialect.ts, keepPrepared). The query is built and compiled by `build` once per engine and name, and
 * checked to bind exactly `parameters`; after that each call binds `parameters` to the same text, and a call with
 * another number of values (a caller whose shape changed under the same name) is refused rather than bound out of
 * place. Building and compiling with the query builder cost more than running the statement on SQLite
 * (bench/RESULTS.md, "Session 12").
 */
export function executeFixed<R>(
  db: Executor,
  dialect: SqlDialect,
  name: string,
  build: () => CompiledQuery<R>,
  parameters: readonly unknown[],
): Promise<QueryResult<R>> {
  const key = `${dialect.engine}\u0000${name}`;
  let fixed = fixedTexts.get(key);
  if (fixed === undefined) {
    const compiled = build();
    const built = compiled.parameters;
    if (built.length !== parameters.length || built.some((value, i) => value !== parameters[i])) {
      throw new Error(`${name}: the built statement binds other parameters than the ones given`);
    }
    fixed = { text: compiled.sql, values: built.length };
    fixedTexts.set(key, fixed);
  } else if (parameters.length !== fixed.values) {
    throw new Error(`${name}: its statement binds ${fixed.values} values, given ${parameters.length}`);
  }
  dialect.keepPrepared(fixed.text);
  return db.executeQuery(Compiled.raw(fixed.text, parameters as unknown[]) as CompiledQuery<R>);
}

/**
 * Runs `query`, one of a few fixed texts of a hot path that reads many rows, kept prepared (dialect.ts, keepPrepared)
 * and with its rows read as arrays of their values in select-list order (dialect.ts, readRowsAsArrays).
 */
export async function executeForArrays<Values extends unknown[]>(
  db: Executor,
  dialect: SqlDialect,
  query: RawBuilder<unknown>,
): Promise<Values[]> {
  const compiled = query.compile(db);
  dialect.keepPrepared(compiled.sql);
  dialect.readRowsAsArrays(compiled.sql);
  return (await db.executeQuery(compiled)).rows as Values[];
}

export const parseJson = <T>(value: unknown): T | null => {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
};
export const toJson = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
export const bool = (value: number | boolean): boolean => value === 1 || value === true;

interface RatelimitJson {
  id: string;
  name: string;
  limit: number;
  duration: number;
  auto_apply: number | boolean;
}

export function ratelimitsFrom(value: unknown): RatelimitRecord[] {
  const rows = parseJson<RatelimitJson[]>(value) ?? [];
  return rows
    .map((r) => ({ id: r.id, name: r.name, limit: Number(r.limit), duration: Number(r.duration), autoApply: bool(r.auto_apply) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function stringsFrom(value: unknown): string[] {
  const strings = parseJson<string[]>(value) ?? [];
  // Most keys have no permissions or roles: an empty list needs no Set and no sort (a page makes three per key).
  return strings.length === 0 ? [] : [...new Set(strings)].sort();
}

/** One `ratelimits r` row as the JSON object ratelimitsFrom reads. */
export const ratelimitJson = (d: SqlDialect): string =>
  d.jsonObject({ id: 'r.id', name: 'r.name', limit: 'r."limit"', duration: 'r.duration', auto_apply: 'r.auto_apply' });

export const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** `text` with LIKE's wildcards and escape character escaped, to match literally (used with ESCAPE '\'). */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, '\\$&');

/** A LIKE pattern matching `text` anywhere, literally (used with ESCAPE '\'). */
export const containsPattern = (text: string): string => `%${likeLiteral(text)}%`;

/** A LIKE pattern matching what begins with `text`, literally (used with ESCAPE '\'). */
export const startsWithPattern = (text: string): string => `${likeLiteral(text)}%`;

/** True where any of `columns` contains `text`, ignoring case, matched literally (NULL columns never match). */
export function anyContains(columns: string[], text: string) {
  const pattern = containsPattern(text);
  // lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's is not.
  const tests = columns.map((column) => sql<boolean>`lower(${sql.ref(column)}) LIKE lower(${pattern}) ESCAPE '\\'`);
  return sql<boolean>`(${sql.join(tests, sql` OR `)})`;
}

/** The tail of every list paged by id: rows after the cursor, in id (creation) order, at most `limit` of them. */
export function pageAfter(q: { cursor?: string; limit: number }) {
  // biome-ignore lint/suspicious/noExplicitAny: any table's select builder with an `id` column
  return <QB extends SelectQueryBuilder<any, any, any>>(qb: QB): QB =>
    (q.cursor === undefined ? qb : qb.where('id', '>', q.cursor)).orderBy('id').limit(q.limit) as QB;
}

/** Soft-deletes the live row with this id in this workspace; false if there was none. */
export async function softDelete(
  db: Executor,
  table: 'root_keys' | 'ratelimit_namespaces' | 'ratelimit_overrides',
  workspaceId: string,
  id: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable(table)
    .set({ deleted_at: now, updated_at: now })
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * For a job every node runs but one at a time should do: on PostgreSQL, takes the advisory lock (`lockClass`, and the
 * schema, as two installations may share a database in separate schemas) until the end of `db`'s transaction, without
 * waiting; false when another node's transaction holds it. SQLite is one node with one writer: always true.
 */
export async function tryJobLock(db: Executor, dialect: SqlDialect, lockClass: number): Promise<boolean> {
  if (dialect.engine !== 'postgres') return true;
  const { rows } = await sql<{
    locked: boolean;
  }>`SELECT pg_try_advisory_xact_lock(${sql.raw(String(lockClass))}, hashtext(current_schema())) AS locked`.execute(db);
  return rows[0]?.locked === true;
}
